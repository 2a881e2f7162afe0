#pragma once
// When to retry a request and how long to wait: exponential backoff with full jitter,
// Retry-After honoured, bounded by attempts and total time.
#include "converge/clock.hpp"
#include "converge/http.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace converge {

/// Retry limits. Defaults suit ARM; tests and benchmarks shrink them.
struct RetryPolicy {
    int max_attempts = 8;                                 ///< including the first
    std::chrono::milliseconds base_delay{500};            ///< backoff unit
    std::chrono::milliseconds max_delay{30'000};          ///< cap of one backoff wait
    std::chrono::milliseconds max_retry_after{600'000};   ///< cap of a server-asked wait
    std::chrono::milliseconds max_total{600'000};         ///< give up after this much waiting
};

/// True for methods safe to repeat: GET, HEAD, PUT, PATCH, DELETE (POST only if marked).
bool is_idempotent_method(std::string_view method);

/// True when a response with this status is worth retrying: 408, 429, 500, 502, 503, 504.
bool is_retryable_status(int status);

/// True when a transport failure may be retried for a request of this idempotency: a
/// connect failure (nothing was sent) always; timeouts and resets only if idempotent.
bool is_retryable_transport(TransportError error, bool idempotent);

/// Full-jitter backoff for retry number `retry` (1 = first retry):
/// uniform(0, min(max_delay, base_delay * 2^(retry-1))).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, Random& random);

/// The wait before retrying `response`: its Retry-After (capped) when present, else the
/// jittered backoff.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int retry,
                                      const HttpResponse& response, Random& random);

}  // namespace converge
