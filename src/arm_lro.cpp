// Following long-running operations (CONTRACT 3.3): Azure-AsyncOperation status bodies,
// Location 202 polling, and provisioningState on the resource.
#include "arm_internal.hpp"

#include "converge/resource_id.hpp"

#include <fmt/format.h>

namespace converge {

namespace {
// After this many consecutive unreadable status responses (each already retried), give up.
constexpr int k_max_status_failures = 5;

Json parse_or_null(const std::string& body) {
    if (body.empty()) {
        return nullptr;
    }
    Json parsed = Json::parse(body, nullptr, false);
    return parsed.is_discarded() ? Json(nullptr) : parsed;
}

bool failed_state(std::string_view state) { return is_terminal_state(state) && !iequals(state, "Succeeded"); }

std::string text_of(const Json& object, const char* key) {
    if (!object.is_object()) {
        return "";
    }
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}
}  // namespace

std::chrono::milliseconds ArmClient::poll_wait(const HttpResponse& response) const {
    auto wait = retry_after(response.headers).value_or(m_options.lro_default_interval);
    return std::min(wait, m_options.lro_max_interval);
}

bool ArmClient::wait_for_poll(std::chrono::milliseconds wait, Clock::TimePoint deadline) {
    const auto now = m_clock->now();
    if (now >= deadline) {
        return false;
    }
    m_clock->sleep_for(std::min<Clock::Duration>(wait, deadline - now));
    return true;
}

ApiResult<HttpResponse> ArmClient::poll_get(const std::string& url, const CallOptions& options, LroReport& report,
                                            bool /*accept_errors*/) {
    CallOptions poll_options;
    poll_options.audience = options.audience;
    HttpHeaders headers;
    if (auto id = options.headers.get("x-ms-client-request-id")) {
        headers.set("x-ms-client-request-id", *id);
    }
    ++report.polls;
    return execute(HttpRequest{"GET", url, std::move(headers), ""}, poll_options, true);
}

ApiResult<Json> ArmClient::follow_lro(std::string_view method_view, const std::string& url,
                                      const HttpResponse& initial, const CallOptions& options) {
    const std::string method(method_view);
    LroReport local;
    LroReport& report = options.report != nullptr ? *options.report : local;
    report = LroReport{};
    report.mechanism = "none";
    const auto start = m_clock->now();
    const auto deadline = start + options.lro_timeout.value_or(m_options.lro_timeout);
    const auto async_url = initial.headers.get("Azure-AsyncOperation");
    const auto location = initial.headers.get("Location");
    const Json body = parse_or_null(initial.body);
    const bool resource_verb = method == "PUT" || method == "PATCH";
    ApiResult<Json> result = body;
    if (async_url && !async_url->empty()) {
        ++m_counters->lros;
        report.mechanism = "azure-async-operation";
        result = poll_async_operation(method, url, initial, options, report, deadline);
    } else if (location && !location->empty() && initial.status == 202) {
        ++m_counters->lros;
        report.mechanism = "location";
        result = poll_location(method, url, *location, poll_wait(initial), options, report, deadline);
    } else if (resource_verb && (initial.status == 202 || !is_terminal_state(provisioning_state_of(body)))) {
        if (initial.status == 202 || !provisioning_state_of(body).empty()) {
            ++m_counters->lros;
            report.mechanism = "provisioning-state";
            result = poll_provisioning_state(url, body, poll_wait(initial), options, report, deadline);
        }
    } else if (resource_verb && failed_state(provisioning_state_of(body))) {
        report.final_status = provisioning_state_of(body);
        ApiError error{ApiErrorKind::lro_failed};
        error.code = "ProvisioningState" + report.final_status;
        error.message = fmt::format("provisioningState is {}", report.final_status);
        error.method = method;
        error.path = display_path(url);
        result = tl::unexpected(error);
    }
    if (result && report.final_status.empty()) {
        report.final_status = "Succeeded";
    }
    report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(m_clock->now() - start);
    return result;
}

ApiResult<Json> ArmClient::poll_async_operation(const std::string& method, const std::string& url,
                                                const HttpResponse& initial, const CallOptions& options,
                                                LroReport& report, Clock::TimePoint deadline) {
    const std::string status_url = *initial.headers.get("Azure-AsyncOperation");
    auto wait = poll_wait(initial);
    int failures = 0;
    Json status_body;
    for (;;) {
        if (!wait_for_poll(wait, deadline)) {
            return tl::unexpected(lro_timeout_error(method, url));
        }
        auto response = poll_get(status_url, options, report, true);
        if (!response || !response->ok()) {
            // A 4xx/5xx from the status URL means "could not read status", not "failed".
            if (++failures >= k_max_status_failures) {
                return tl::unexpected(response ? make_error(HttpRequest{"GET", status_url, {}, ""}, *response)
                                               : response.error());
            }
            wait = response ? poll_wait(*response) : m_options.lro_default_interval;
            continue;
        }
        failures = 0;
        status_body = parse_or_null(response->body);
        const std::string status = text_of(status_body, "status");
        if (is_terminal_state(status)) {
            report.final_status = status;
            if (failed_state(status)) {
                return tl::unexpected(operation_error(method, url, status, status_body, *response));
            }
            break;
        }
        wait = poll_wait(*response);
    }
    FinalStateVia via = options.final_state_via;
    const auto location = initial.headers.get("Location");
    if (via == FinalStateVia::automatic) {
        if (method == "DELETE") {
            return Json(nullptr);
        }
        via = method == "POST" ? (location ? FinalStateVia::location : FinalStateVia::azure_async_operation)
                               : FinalStateVia::original_uri;
    }
    if (via == FinalStateVia::azure_async_operation) {
        return status_body;
    }
    if (via == FinalStateVia::location && !location) {
        return status_body;
    }
    return final_get(method, via == FinalStateVia::location ? *location : url, options, report, deadline);
}

ApiResult<Json> ArmClient::final_get(const std::string& method, const std::string& url, const CallOptions& options,
                                     LroReport& report, Clock::TimePoint deadline) {
    auto response = poll_get(url, options, report, false);
    if (!response) {
        return tl::unexpected(response.error());
    }
    if (response->status == 204 || (method == "DELETE" && response->status == 404)) {
        return Json(nullptr);
    }
    if (!response->ok()) {
        return tl::unexpected(make_error(HttpRequest{"GET", url, {}, ""}, *response));
    }
    Json resource = parse_or_null(response->body);
    if ((method == "PUT" || method == "PATCH") && !is_terminal_state(provisioning_state_of(resource)) &&
        !provisioning_state_of(resource).empty()) {
        return poll_provisioning_state(url, resource, poll_wait(*response), options, report, deadline);
    }
    return resource;
}

ApiResult<Json> ArmClient::poll_location(const std::string& method, const std::string& original_url,
                                         const std::string& first_location,
                                         std::chrono::milliseconds first_wait, const CallOptions& options,
                                         LroReport& report, Clock::TimePoint deadline) {
    std::string location = first_location;
    auto wait = first_wait;
    for (;;) {
        if (!wait_for_poll(wait, deadline)) {
            return tl::unexpected(lro_timeout_error(method, location));
        }
        auto response = poll_get(location, options, report, false);
        if (!response) {
            return tl::unexpected(response.error());
        }
        if (response->status == 202) {
            location = response->headers.get("Location").value_or(location);
            wait = poll_wait(*response);
            continue;
        }
        const bool gone = method == "DELETE" && response->status == 404;
        if (!response->ok() && !gone) {
            // The Location URL answers what the synchronous call would have: this is the outcome.
            report.final_status = "Failed";
            ApiError error = make_error(HttpRequest{"GET", location, {}, ""}, *response);
            error.kind = ApiErrorKind::lro_failed;
            return tl::unexpected(error);
        }
        report.final_status = "Succeeded";
        Json result = gone ? Json(nullptr) : parse_or_null(response->body);
        // A PUT/PATCH wants the resource: from the original URI when asked or when the
        // Location answer carried none.
        const bool resource_verb = method == "PUT" || method == "PATCH";
        if (resource_verb && (options.final_state_via == FinalStateVia::original_uri || result.is_null())) {
            return final_get(method, original_url, options, report, deadline);
        }
        return result;
    }
}

ApiResult<Json> ArmClient::poll_provisioning_state(const std::string& url, Json resource,
                                                   std::chrono::milliseconds first_wait, const CallOptions& options,
                                                   LroReport& report, Clock::TimePoint deadline) {
    auto wait = first_wait;
    int failures = 0;
    std::string state = resource.is_null() ? "" : provisioning_state_of(resource);
    // A 202 with no body and no headers: the resource itself is the only thing to watch.
    bool need_read = resource.is_null();
    while (need_read || !is_terminal_state(state)) {
        if (!wait_for_poll(wait, deadline)) {
            return tl::unexpected(lro_timeout_error("GET", url));
        }
        auto response = poll_get(url, options, report, false);
        if (!response || !response->ok()) {
            // 404 while a 202-created resource is still invisible; 5xx already retried.
            if (++failures >= k_max_status_failures && !(response && response->status == 404)) {
                return tl::unexpected(response ? make_error(HttpRequest{"GET", url, {}, ""}, *response)
                                               : response.error());
            }
            wait = response ? poll_wait(*response) : m_options.lro_default_interval;
            continue;
        }
        failures = 0;
        need_read = false;
        resource = parse_or_null(response->body);
        state = provisioning_state_of(resource);
        if (state.empty()) {
            break;  // absent = Succeeded
        }
        wait = poll_wait(*response);
    }
    report.final_status = state.empty() ? "Succeeded" : state;
    if (failed_state(state)) {
        ApiError error{ApiErrorKind::lro_failed};
        error.code = "ProvisioningState" + state;
        error.message = fmt::format("provisioningState is {}", state);
        error.method = "GET";
        error.path = display_path(url);
        return tl::unexpected(error);
    }
    return resource;
}

ApiError ArmClient::operation_error(const std::string& method, const std::string& url, const std::string& status,
                                    const Json& status_body, const HttpResponse& response) const {
    ApiError error{ApiErrorKind::lro_failed};
    error.method = method;
    error.path = display_path(url);
    error.request_id = response.headers.get("x-ms-request-id").value_or("");
    const Json detail = status_body.is_object() && status_body.contains("error") ? status_body["error"] : Json();
    error.code = text_of(detail, "code");
    error.message = redact(text_of(detail, "message"));
    error.target = text_of(detail, "target");
    if (error.code.empty()) {
        error.code = "Operation" + status;
    }
    if (error.message.empty()) {
        error.message = fmt::format("operation {}", to_lower(status));
    }
    return error;
}

ApiError ArmClient::lro_timeout_error(const std::string& method, const std::string& url) const {
    ApiError error{ApiErrorKind::lro_timeout};
    error.method = method;
    error.path = display_path(url);
    error.code = "OperationTimedOut";
    error.message = "the long-running operation did not finish before the timeout";
    error.retryable = true;
    return error;
}

}  // namespace converge
