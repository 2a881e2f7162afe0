#include "converge/pacing.hpp"
#include "converge/retry.hpp"

#include <doctest/doctest.h>

using namespace converge;
using namespace std::chrono_literals;

TEST_SUITE("client") {
TEST_CASE("full-jitter backoff stays within [0, min(cap, base*2^(n-1))]") {
    RetryPolicy p;
    p.base_delay = 100ms;
    p.max_delay = 1000ms;
    FixedRandom top(0.999999);
    FixedRandom zero(0.0);
    FixedRandom half(0.5);
    CHECK(backoff_delay(p, 1, half) == 50ms);
    CHECK(backoff_delay(p, 2, half) == 100ms);
    CHECK(backoff_delay(p, 3, half) == 200ms);
    CHECK(backoff_delay(p, 10, half) == 500ms);  // capped at 1000, half of it
    CHECK(backoff_delay(p, 50, top) <= 1000ms);
    CHECK(backoff_delay(p, 4, zero) == 0ms);
    DefaultRandom random(42);
    for (int retry = 1; retry < 12; ++retry) {
        const auto d = backoff_delay(p, retry, random);
        CHECK(d >= 0ms);
        CHECK(d <= std::min<std::chrono::milliseconds>(1000ms, 100ms * (1 << (retry - 1))));
    }
}

TEST_CASE("retry delay honours Retry-After, capped") {
    RetryPolicy p;
    p.max_retry_after = 20s;
    FixedRandom half(0.5);
    HttpResponse r;
    r.status = 429;
    r.headers.set("Retry-After", "12");
    CHECK(retry_delay(p, 1, r, half) == 12s);
    r.headers.set("Retry-After", "3600");
    CHECK(retry_delay(p, 1, r, half) == 20s);
    r.headers.erase("Retry-After");
    CHECK(retry_delay(p, 1, r, half) == 250ms);
}

TEST_CASE("what is retried") {
    CHECK(is_retryable_status(429));
    CHECK(is_retryable_status(503));
    CHECK_FALSE(is_retryable_status(501));
    CHECK_FALSE(is_retryable_status(409));
    CHECK(is_idempotent_method("PUT"));
    CHECK(is_idempotent_method("DELETE"));
    CHECK_FALSE(is_idempotent_method("POST"));
    CHECK(is_retryable_transport(TransportError::connect, false));
    CHECK_FALSE(is_retryable_transport(TransportError::reset, false));
    CHECK(is_retryable_transport(TransportError::reset, true));
    CHECK_FALSE(is_retryable_transport(TransportError::tls, true));
    CHECK_FALSE(is_retryable_transport(TransportError::too_large, true));  // the same body again
}

TEST_CASE("token bucket: burst of capacity, then the refill rate") {
    ManualClock clock;
    TokenBucket b(BucketRate{3, 2}, clock.now());
    CHECK(b.try_take(clock.now()) == Clock::Duration::zero());
    CHECK(b.try_take(clock.now()) == Clock::Duration::zero());
    CHECK(b.try_take(clock.now()) == Clock::Duration::zero());
    CHECK(b.try_take(clock.now()) == 500ms);  // one token per 0.5 s
    clock.advance(500ms);
    CHECK(b.try_take(clock.now()) == Clock::Duration::zero());
    clock.advance(10s);
    CHECK(b.level(clock.now()) == doctest::Approx(3));  // never above capacity
}

TEST_CASE("pacer: 250 reads pass at once, the next waits for the refill") {
    ManualClock clock;
    Pacer pacer(PacingOptions{}, clock);
    for (int i = 0; i < 250; ++i) {
        REQUIRE(pacer.acquire("sub", RequestClass::read) == Clock::Duration::zero());
    }
    CHECK(pacer.acquire("sub", RequestClass::read) == 40ms);  // 25 per second
    CHECK(clock.slept() == 40ms);
    // Other subscriptions and classes have their own buckets.
    CHECK(pacer.acquire("other", RequestClass::read) == Clock::Duration::zero());
    CHECK(pacer.level("sub", RequestClass::write) == doctest::Approx(200));
}

TEST_CASE("pacer: remaining-quota headers lower the bucket, 429 empties it") {
    ManualClock clock;
    Pacer pacer(PacingOptions{}, clock);
    pacer.observe("sub", RequestClass::write, HttpHeaders{{"x-ms-ratelimit-remaining-subscription-writes", "5"}});
    CHECK(pacer.level("sub", RequestClass::write) == doctest::Approx(5));
    pacer.observe("sub", RequestClass::write, HttpHeaders{{"x-ms-ratelimit-remaining-subscription-writes", "11999"}});
    CHECK(pacer.level("sub", RequestClass::write) == doctest::Approx(5));  // never raised by headers
    pacer.observe("sub", RequestClass::remove, HttpHeaders{{"x-ms-ratelimit-remaining-subscription-reads", "0"}});
    CHECK(pacer.level("sub", RequestClass::remove) == doctest::Approx(200));  // other header, other bucket
    pacer.throttled("sub", RequestClass::read, 3s);
    CHECK(pacer.acquire("sub", RequestClass::read) == 3040ms);  // pause, then one token at 25/s
}

TEST_CASE("pacing can be turned off") {
    ManualClock clock;
    PacingOptions off;
    off.enabled = false;
    off.reads = BucketRate{1, 1};
    Pacer pacer(off, clock);
    for (int i = 0; i < 10; ++i) {
        CHECK(pacer.acquire("s", RequestClass::read) == Clock::Duration::zero());
    }
    CHECK(clock.slept() == Clock::Duration::zero());
}

TEST_CASE("subscription of a path or URL") {
    CHECK(subscription_of("/subscriptions/ABC/resourceGroups/g") == "abc");
    CHECK(subscription_of("https://arm.test/subscriptions/s1?api-version=1") == "s1");
    CHECK(subscription_of("/providers/Microsoft.Resources/operations") == "");
}
}
