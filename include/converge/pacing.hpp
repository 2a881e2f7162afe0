#pragma once
// Client-side token buckets mirroring ARM's per-subscription limits, so a large plan waits
// a little instead of provoking 429s.
#include "converge/clock.hpp"
#include "converge/http.hpp"

#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace converge {

/// Which ARM bucket a request draws from.
enum class RequestClass { read, write, remove };

/// The bucket a method uses: GET/HEAD read, DELETE remove, everything else write.
RequestClass request_class_of(std::string_view method);

/// One bucket's shape.
struct BucketRate {
    double capacity = 0;  ///< tokens when full
    double per_second = 0;  ///< refill rate
};

/// Pacing configuration; defaults are ARM's token-bucket numbers.
struct PacingOptions {
    bool enabled = true;
    BucketRate reads{250, 25};
    BucketRate writes{200, 10};
    BucketRate deletes{200, 10};
};

/// A token bucket on a Clock. Not thread-safe by itself (Pacer locks).
class TokenBucket {
public:
    TokenBucket(BucketRate rate, Clock::TimePoint now);
    /// Takes one token if available; otherwise returns how long until one is.
    Clock::Duration try_take(Clock::TimePoint now);
    /// Lowers the level to the server's remaining count when that is lower.
    void clamp_to(double remaining, Clock::TimePoint now);
    /// Empties the bucket and blocks refilling until `until` (after a 429).
    void pause_until(Clock::TimePoint until, Clock::TimePoint now);
    /// Current level after refill.
    double level(Clock::TimePoint now);

private:
    void refill(Clock::TimePoint now);

    BucketRate m_rate;
    double m_tokens;
    Clock::TimePoint m_last;
};

/// Buckets per (subscription, request class). Thread-safe.
class Pacer {
public:
    Pacer(PacingOptions options, Clock& clock);
    /// Blocks (on the clock) until the bucket for `subscription` and `cls` has a token.
    /// Returns the time waited.
    Clock::Duration acquire(std::string_view subscription, RequestClass cls);
    /// Applies x-ms-ratelimit-remaining-subscription-{reads,writes,deletes} from a response.
    void observe(std::string_view subscription, RequestClass cls, const HttpHeaders& headers);
    /// A 429 arrived: hold the bucket empty for `delay`.
    void throttled(std::string_view subscription, RequestClass cls, Clock::Duration delay);
    /// Level of a bucket now (tests).
    double level(std::string_view subscription, RequestClass cls);

private:
    TokenBucket& bucket(std::string_view subscription, RequestClass cls);

    PacingOptions m_options;
    Clock& m_clock;
    std::mutex m_mutex;
    std::map<std::pair<std::string, int>, TokenBucket> m_buckets;
};

/// The subscription id in an ARM path or URL ("/subscriptions/{id}/..."), lower-cased;
/// empty when there is none.
std::string subscription_of(std::string_view path_or_url);

}  // namespace converge
