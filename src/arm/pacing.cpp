#include "converge/pacing.hpp"

#include "converge/resource_id.hpp"

#include <algorithm>
#include <charconv>

namespace converge {

RequestClass request_class_of(std::string_view method) {
    if (iequals(method, "GET") || iequals(method, "HEAD")) {
        return RequestClass::read;
    }
    if (iequals(method, "DELETE")) {
        return RequestClass::remove;
    }
    return RequestClass::write;
}

TokenBucket::TokenBucket(BucketRate rate, Clock::TimePoint now) : m_rate(rate), m_tokens(rate.capacity), m_last(now) {}

void TokenBucket::refill(Clock::TimePoint now) {
    if (now <= m_last) {
        return;
    }
    const double seconds = std::chrono::duration<double>(now - m_last).count();
    m_tokens = std::min(m_rate.capacity, m_tokens + seconds * m_rate.per_second);
    m_last = now;
}

Clock::Duration TokenBucket::try_take(Clock::TimePoint now) {
    refill(now);
    if (m_tokens >= 1.0 - 1e-9) {  // tolerate float drift from refill arithmetic
        m_tokens -= 1.0;
        return Clock::Duration::zero();
    }
    if (m_rate.per_second <= 0) {
        return std::chrono::seconds(1);
    }
    // Time until the level reaches 1, plus the time still blocked by a 429 pause.
    const double missing = 1.0 - m_tokens;
    auto wait = std::chrono::duration_cast<Clock::Duration>(std::chrono::duration<double>(missing / m_rate.per_second));
    if (m_last > now) {
        wait += m_last - now;
    }
    return std::max(wait, Clock::Duration(std::chrono::microseconds(100)));
}

void TokenBucket::clamp_to(double remaining, Clock::TimePoint now) {
    refill(now);
    m_tokens = std::min(m_tokens, std::max(remaining, 0.0));
}

void TokenBucket::pause_until(Clock::TimePoint until, Clock::TimePoint now) {
    refill(now);
    m_tokens = 0;
    // Refill starts again at `until`: m_last in the future means "no tokens before then".
    m_last = std::max(m_last, until);
}

double TokenBucket::level(Clock::TimePoint now) {
    refill(now);
    return m_tokens;
}

Pacer::Pacer(PacingOptions options, Clock& clock) : m_options(options), m_clock(clock) {}

TokenBucket& Pacer::bucket(std::string_view subscription, RequestClass cls) {
    auto key = std::make_pair(std::string(subscription), static_cast<int>(cls));
    auto it = m_buckets.find(key);
    if (it == m_buckets.end()) {
        const BucketRate rate = cls == RequestClass::read    ? m_options.reads
                                : cls == RequestClass::write ? m_options.writes
                                                             : m_options.deletes;
        it = m_buckets.emplace(key, TokenBucket(rate, m_clock.now())).first;
    }
    return it->second;
}

Clock::Duration Pacer::acquire(std::string_view subscription, RequestClass cls) {
    if (!m_options.enabled) {
        return Clock::Duration::zero();
    }
    Clock::Duration waited{0};
    for (;;) {
        Clock::Duration wait;
        {
            std::lock_guard lock(m_mutex);
            wait = bucket(subscription, cls).try_take(m_clock.now());
        }
        if (wait == Clock::Duration::zero()) {
            return waited;
        }
        m_clock.sleep_for(wait);
        waited += wait;
    }
}

namespace {
const char* remaining_header(RequestClass cls) {
    switch (cls) {
    case RequestClass::read: return "x-ms-ratelimit-remaining-subscription-reads";
    case RequestClass::write: return "x-ms-ratelimit-remaining-subscription-writes";
    case RequestClass::remove: return "x-ms-ratelimit-remaining-subscription-deletes";
    }
    return "";
}
}  // namespace

void Pacer::observe(std::string_view subscription, RequestClass cls, const HttpHeaders& headers) {
    if (!m_options.enabled) {
        return;
    }
    auto value = headers.get(remaining_header(cls));
    if (!value) {
        return;
    }
    double remaining = 0;
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), remaining);
    if (ec != std::errc()) {
        return;
    }
    std::lock_guard lock(m_mutex);
    bucket(subscription, cls).clamp_to(remaining, m_clock.now());
}

void Pacer::throttled(std::string_view subscription, RequestClass cls, Clock::Duration delay) {
    if (!m_options.enabled) {
        return;
    }
    std::lock_guard lock(m_mutex);
    const auto now = m_clock.now();
    bucket(subscription, cls).pause_until(now + delay, now);
}

double Pacer::level(std::string_view subscription, RequestClass cls) {
    std::lock_guard lock(m_mutex);
    return bucket(subscription, cls).level(m_clock.now());
}

std::string subscription_of(std::string_view path_or_url) {
    const std::string lower = to_lower(path_or_url);
    const std::string_view marker = "/subscriptions/";
    const auto at = lower.find(marker);
    if (at == std::string::npos) {
        return "";
    }
    const auto start = at + marker.size();
    const auto end = lower.find_first_of("/?#", start);
    return lower.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace converge
