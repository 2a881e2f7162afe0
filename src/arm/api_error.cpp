#include "converge/api_error.hpp"

#include "converge/json.hpp"

#include <fmt/format.h>

namespace converge {

namespace {
std::string status_text(int status) {
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

}  // namespace

std::string ApiError::to_string() const {
    std::string out;
    if (!method.empty()) {
        out = fmt::format("{} {} -> ", method, path);
    }
    if (status != 0) {
        out += std::to_string(status);
        if (auto text = status_text(status); !text.empty()) {
            out += " " + text;
        }
        out += ": ";
    }
    if (!code.empty()) {
        out += code + ": ";
    }
    out += message.empty() ? "(no message)" : message;
    if (!target.empty()) {
        out += fmt::format(" [target {}]", target);
    }
    if (!credential.empty()) {
        out += fmt::format(" [credential {}]", credential);
    }
    if (!request_id.empty()) {
        out += fmt::format(" (request id {})", request_id);
    }
    if (retryable) {
        out += " (retryable";
        if (retry_after) {
            out += fmt::format(", retry after {} ms", retry_after->count());
        }
        out += ")";
    }
    return out;
}

ApiError api_error_from_response(int status, const std::string& body, std::string request_id) {
    ApiError error;
    error.kind = ApiErrorKind::http;
    error.status = status;
    error.request_id = std::move(request_id);
    const Json parsed = Json::parse(body, nullptr, false);
    const Json* detail = nullptr;
    if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
        detail = &parsed["error"];
    } else if (parsed.is_object() && parsed.contains("code")) {
        detail = &parsed;  // some data-plane APIs return the error object bare
    }
    if (detail != nullptr) {
        error.code = string_field(*detail, "code");
        error.message = string_field(*detail, "message");
        error.target = string_field(*detail, "target");
    } else if (!body.empty()) {
        constexpr std::size_t k_max = 300;
        error.message = body.size() > k_max ? body.substr(0, k_max) + "..." : body;
    }
    return error;
}

}  // namespace converge
