#pragma once
// The terminal error of a client call: what failed, what the service said, and whether a
// later retry could succeed.
#include <tl/expected.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace converge {

/// Why a call ended in an error.
enum class ApiErrorKind {
    http,         ///< the service answered with a non-success status
    transport,    ///< no response (connect, timeout, reset, TLS)
    auth,         ///< no token could be obtained (AAD error, no credential)
    lro_failed,   ///< a long-running operation ended Failed or Canceled
    lro_timeout,  ///< a long-running operation did not finish in time
    decode,       ///< the response body was not the JSON expected
    config,       ///< the client is configured wrongly (bad URL, token over plain http)
};

/// A failed call. Never holds a token or a secret (messages pass through redaction).
struct ApiError {
    ApiErrorKind kind = ApiErrorKind::http;
    int status = 0;           ///< HTTP status; 0 when there was none
    std::string code;         ///< ARM error.code, AADSTS code, or transport kind
    std::string message;      ///< the service's message (or ours)
    std::string target;       ///< ARM error.target when given
    std::string request_id;   ///< x-ms-request-id of the failing response
    std::string method;       ///< HTTP method of the call
    std::string path;         ///< redacted path of the call (no query secrets)
    bool retryable = false;   ///< a later retry of the whole call may succeed
    std::optional<std::chrono::milliseconds> retry_after;  ///< when the service said to retry
    std::string credential;   ///< credential name, for auth errors

    /// True for a 404.
    bool is_not_found() const { return kind == ApiErrorKind::http && status == 404; }
    /// One line: "PUT /subscriptions/.../ws -> 409 Conflict: message [target x] (request id r)".
    std::string to_string() const;
};

/// Builds an ApiError from an ARM error body `{"error":{code,message,target}}` (or the ML
/// variant); falls back to the raw body and status when it is not that shape.
ApiError api_error_from_response(int status, const std::string& body, std::string request_id);

/// Result of a client call.
template <class T>
using ApiResult = tl::expected<T, ApiError>;

}  // namespace converge
