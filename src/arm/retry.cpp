#include "converge/retry.hpp"

#include "converge/resource_id.hpp"

#include <algorithm>
#include <cmath>

namespace converge {

bool is_idempotent_method(std::string_view method) {
    for (const char* m : {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
        if (iequals(method, m)) {
            return true;
        }
    }
    return false;
}

bool is_retryable_status(int status) {
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool is_retryable_transport(TransportError error, bool idempotent) {
    switch (error) {
    case TransportError::connect: return true;  // nothing reached the server
    case TransportError::timeout:
    case TransportError::reset: return idempotent;
    case TransportError::none:
    case TransportError::tls:
    case TransportError::other:
    case TransportError::too_large: return false;  // the same server sends the same body again
    }
    return false;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, Random& random) {
    const double exponent = std::min(std::max(retry - 1, 0), 30);
    const double ceiling =
        std::min(static_cast<double>(policy.max_delay.count()), policy.base_delay.count() * std::pow(2.0, exponent));
    const double u = std::clamp(random.uniform(), 0.0, 1.0);
    return std::chrono::milliseconds(static_cast<long long>(ceiling * u));
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int retry, const HttpResponse& response,
                                      Random& random) {
    if (response.has_response()) {
        if (auto asked = retry_after(response.headers)) {
            return std::min(*asked, policy.max_retry_after);
        }
    }
    return backoff_delay(policy, retry, random);
}

}  // namespace converge
