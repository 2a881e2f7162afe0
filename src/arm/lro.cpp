// Following long-running operations (CONTRACT 3.3): Azure-AsyncOperation status bodies,
// Location 202 polling, and provisioningState on the resource. Whether a status or a resource
// is done, and how it ended, is decided by operation_state.hpp's rule, nowhere else.
#include "arm/internal.hpp"

#include "converge/resource_id.hpp"

#include <fmt/format.h>

namespace converge {

namespace {
// After this many consecutive unreadable status responses (each already retried), give up.
constexpr int k_max_status_failures = 5;

// A 401 that survived the token refresh (or came from a host the token does not belong to), or
// a response over the size limit: waiting will not change them, so the operation ends now
// instead of polling on.
bool hopeless(const ApiResult<HttpResponse>& response) {
    if (response) {
        return false;
    }
    const ApiError& error = response.error();
    return (error.kind == ApiErrorKind::auth && error.status == 401) ||
           (error.kind == ApiErrorKind::transport && error.code == to_string(TransportError::too_large));
}

Json parse_or_null(const std::string& body) {
    if (body.empty()) {
        return nullptr;
    }
    Json parsed = Json::parse(body, nullptr, false);
    return parsed.is_discarded() ? Json(nullptr) : parsed;
}

}  // namespace

std::chrono::milliseconds ArmClient::poll_wait(const HttpResponse& response) const {
    auto wait = retry_after(response.headers).value_or(m_options.lro_default_interval);
    return std::min(wait, m_options.lro_max_interval);
}

LroOperation::LroOperation(std::unique_ptr<State> state) : m_state(std::move(state)) {}
LroOperation::~LroOperation() = default;

bool LroOperation::done() const { return m_state->result.has_value(); }

std::chrono::milliseconds LroOperation::wait() const {
    return m_state->sleep_first ? m_state->wait : std::chrono::milliseconds(0);
}

void LroOperation::poll() {
    if (!done()) {
        m_state->client->lro_poll(*m_state);
    }
}

const ApiResult<Json>& LroOperation::result() const { return *m_state->result; }

const LroReport& LroOperation::report() const { return m_state->report; }

ApiResult<Json> ArmClient::run_to_end(LroOperation& operation) {
    LroOperation::State& op = *operation.m_state;
    while (!op.result) {
        if (op.sleep_first) {
            m_clock->sleep_for(op.wait);
        }
        lro_poll(op);
    }
    return *op.result;
}

void ArmClient::lro_schedule(LroOperation::State& op, std::chrono::milliseconds wait, const std::string& timeout_method,
                             const std::string& timeout_url) {
    const auto now = m_clock->now();
    if (now >= op.deadline) {
        lro_finish(op, tl::unexpected(lro_timeout_error(timeout_method, timeout_url)));
        return;
    }
    op.sleep_first = true;
    op.wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(op.deadline - now));
}

void ArmClient::lro_finish(LroOperation::State& op, ApiResult<Json> result) {
    if (result && op.report.final_status.empty()) {
        op.report.final_status = "Succeeded";
    }
    if (result) {
        op.report.outcome = Outcome::succeeded;
    } else {
        // Only the service's Canceled is a cancel; a timeout or an unreadable status failed.
        const Outcome said = outcome_of(op.report.final_status);
        op.report.outcome = result.error().kind == ApiErrorKind::lro_failed && said == Outcome::canceled
                                ? Outcome::canceled
                                : Outcome::failed;
    }
    op.report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(m_clock->now() - op.start);
    if (op.options.report != nullptr) {
        *op.options.report = op.report;
    }
    op.result = std::move(result);
    if (op.options.on_end) {
        op.options.on_end(op.report);
    }
}

ApiResult<HttpResponse> ArmClient::poll_get(const std::string& url, LroOperation::State& op) {
    CallOptions poll_options;
    poll_options.audience = op.options.audience;
    HttpHeaders headers;
    if (auto id = op.options.headers.get("x-ms-client-request-id")) {
        headers.set("x-ms-client-request-id", *id);
    }
    ++op.report.polls;
    return execute(HttpRequest{"GET", url, std::move(headers), ""}, poll_options, true);
}

namespace {
// From now on GET the resource until its provisioningState is terminal.
void enter_resource_phase(LroOperation::State& op, const std::string& url) {
    op.phase = LroOperation::State::Phase::resource;
    op.poll_url = url;
    op.failures = 0;
}
}  // namespace

void ArmClient::lro_resource(LroOperation::State& op, const std::string& url, Json resource,
                             std::chrono::milliseconds wait) {
    const Outcome outcome = resource_outcome(resource);
    if (outcome == Outcome::running) {
        enter_resource_phase(op, url);
        lro_schedule(op, wait, "GET", url);
        return;
    }
    const std::string state = provisioning_state(resource);
    op.report.final_status = state.empty() ? "Succeeded" : state;
    if (outcome == Outcome::succeeded) {
        lro_finish(op, std::move(resource));
        return;
    }
    ApiError error{ApiErrorKind::lro_failed};
    error.code = "ProvisioningState" + state;
    const std::string why = redact(provisioning_error(resource));
    error.message = why.empty() ? fmt::format("provisioningState is {}", state)
                                : fmt::format("provisioningState is {}: {}", state, why);
    error.method = op.method;
    error.path = display_path(op.url);
    lro_finish(op, tl::unexpected(error));
}

void ArmClient::lro_start(LroOperation::State& op, const HttpResponse& initial) {
    op.report = LroReport{};
    op.report.mechanism = "none";
    op.start = m_clock->now();
    op.deadline = op.start + op.options.lro_timeout.value_or(m_options.lro_timeout);
    const auto async_url = initial.headers.get("Azure-AsyncOperation");
    const auto location = initial.headers.get("Location");
    op.initial_location = location;
    Json body = parse_or_null(initial.body);
    const bool resource_verb = op.method == "PUT" || op.method == "PATCH";
    if (async_url && !async_url->empty()) {
        ++m_counters->lros;
        op.report.mechanism = "azure-async-operation";
        op.phase = LroOperation::State::Phase::async_status;
        op.poll_url = *async_url;
        lro_schedule(op, poll_wait(initial), op.method, op.url);
    } else if (location && !location->empty() && initial.status == 202) {
        ++m_counters->lros;
        op.report.mechanism = "location";
        op.phase = LroOperation::State::Phase::location;
        op.poll_url = *location;
        lro_schedule(op, poll_wait(initial), op.method, op.poll_url);
    } else if (resource_verb && initial.status == 202) {
        // A 202 with no header: the resource itself is the only thing to watch. Its body is
        // not the resource, so only a state it names ends the operation now.
        ++m_counters->lros;
        op.report.mechanism = "provisioning-state";
        if (outcome_of(provisioning_state(body)) != Outcome::running) {
            lro_resource(op, op.url, std::move(body), poll_wait(initial));
        } else {
            enter_resource_phase(op, op.url);
            lro_schedule(op, poll_wait(initial), "GET", op.url);
        }
    } else if (resource_verb) {
        // 200/201: the resource; done unless its provisioningState is still running.
        if (resource_outcome(body) == Outcome::running) {
            ++m_counters->lros;
            op.report.mechanism = "provisioning-state";
        }
        lro_resource(op, op.url, std::move(body), poll_wait(initial));
    } else {
        lro_finish(op, std::move(body));
    }
}

void ArmClient::lro_poll(LroOperation::State& op) {
    switch (op.phase) {
    case LroOperation::State::Phase::async_status: lro_poll_async_status(op); break;
    case LroOperation::State::Phase::location: lro_poll_location(op); break;
    case LroOperation::State::Phase::resource: lro_poll_resource(op); break;
    case LroOperation::State::Phase::final_get: lro_final_get(op); break;
    }
}

void ArmClient::lro_poll_async_status(LroOperation::State& op) {
    auto response = poll_get(op.poll_url, op);
    if (!response || !response->ok()) {
        // A 4xx/5xx from the status URL means "could not read status", not "failed".
        if (++op.failures >= k_max_status_failures || hopeless(response)) {
            lro_finish(op, tl::unexpected(response ? make_error(HttpRequest{"GET", op.poll_url, {}, ""}, *response)
                                                   : response.error()));
            return;
        }
        lro_schedule(op, response ? poll_wait(*response) : m_options.lro_default_interval, op.method, op.url);
        return;
    }
    op.failures = 0;
    op.status_body = parse_or_null(response->body);
    const std::string status = string_field(op.status_body, "status");
    const Outcome outcome = outcome_of(status);
    if (outcome == Outcome::running) {
        lro_schedule(op, poll_wait(*response), op.method, op.url);
        return;
    }
    op.report.final_status = status;
    if (outcome != Outcome::succeeded) {
        lro_finish(op, tl::unexpected(operation_error(op.method, op.url, status, op.status_body, *response)));
        return;
    }
    FinalStateVia via = op.options.final_state_via;
    if (via == FinalStateVia::automatic) {
        if (op.method == "DELETE") {
            lro_finish(op, Json(nullptr));
            return;
        }
        via = op.method == "POST" ? (op.initial_location ? FinalStateVia::location : FinalStateVia::azure_async_operation)
                                  : FinalStateVia::original_uri;
    }
    if (via == FinalStateVia::azure_async_operation || (via == FinalStateVia::location && !op.initial_location)) {
        lro_finish(op, op.status_body);
        return;
    }
    op.phase = LroOperation::State::Phase::final_get;
    op.poll_url = via == FinalStateVia::location ? *op.initial_location : op.url;
    op.sleep_first = false;
}

void ArmClient::lro_final_get(LroOperation::State& op) {
    const std::string url = op.poll_url;
    auto response = poll_get(url, op);
    if (!response) {
        lro_finish(op, tl::unexpected(response.error()));
        return;
    }
    if (response->status == 204 || (op.method == "DELETE" && response->status == 404)) {
        lro_finish(op, Json(nullptr));
        return;
    }
    if (!response->ok()) {
        lro_finish(op, tl::unexpected(make_error(HttpRequest{"GET", url, {}, ""}, *response)));
        return;
    }
    Json resource = parse_or_null(response->body);
    if (op.method == "PUT" || op.method == "PATCH") {
        lro_resource(op, url, std::move(resource), poll_wait(*response));
        return;
    }
    lro_finish(op, std::move(resource));
}

void ArmClient::lro_poll_location(LroOperation::State& op) {
    auto response = poll_get(op.poll_url, op);
    if (!response) {
        lro_finish(op, tl::unexpected(response.error()));
        return;
    }
    if (response->status == 202) {
        op.poll_url = response->headers.get("Location").value_or(op.poll_url);
        lro_schedule(op, poll_wait(*response), op.method, op.poll_url);
        return;
    }
    const bool gone = op.method == "DELETE" && response->status == 404;
    if (!response->ok() && !gone) {
        // The Location URL answers what the synchronous call would have: this is the outcome.
        op.report.final_status = "Failed";
        ApiError error = make_error(HttpRequest{"GET", op.poll_url, {}, ""}, *response);
        error.kind = ApiErrorKind::lro_failed;
        lro_finish(op, tl::unexpected(error));
        return;
    }
    op.report.final_status = "Succeeded";
    Json result = gone ? Json(nullptr) : parse_or_null(response->body);
    // A PUT/PATCH wants the resource: from the original URI when asked or when the
    // Location answer carried none.
    const bool resource_verb = op.method == "PUT" || op.method == "PATCH";
    if (resource_verb && (op.options.final_state_via == FinalStateVia::original_uri || result.is_null())) {
        op.phase = LroOperation::State::Phase::final_get;
        op.poll_url = op.url;
        op.sleep_first = false;
        return;
    }
    if (resource_verb) {
        lro_resource(op, op.url, std::move(result), poll_wait(*response));
        return;
    }
    lro_finish(op, std::move(result));
}

void ArmClient::lro_poll_resource(LroOperation::State& op) {
    auto response = poll_get(op.poll_url, op);
    if (!response || !response->ok()) {
        // 404 while a 202-created resource is still invisible; 5xx already retried.
        if ((++op.failures >= k_max_status_failures && !(response && response->status == 404)) || hopeless(response)) {
            lro_finish(op, tl::unexpected(response ? make_error(HttpRequest{"GET", op.poll_url, {}, ""}, *response)
                                                   : response.error()));
            return;
        }
        lro_schedule(op, response ? poll_wait(*response) : m_options.lro_default_interval, "GET", op.poll_url);
        return;
    }
    op.failures = 0;
    lro_resource(op, op.poll_url, parse_or_null(response->body), poll_wait(*response));
}

ApiError ArmClient::operation_error(const std::string& method, const std::string& url, const std::string& status,
                                    const Json& status_body, const HttpResponse& response) const {
    ApiError error{ApiErrorKind::lro_failed};
    error.method = method;
    error.path = display_path(url);
    error.request_id = response.headers.get("x-ms-request-id").value_or("");
    const Json detail = status_body.is_object() && status_body.contains("error") ? status_body["error"] : Json();
    error.code = string_field(detail, "code");
    error.message = redact(string_field(detail, "message"));
    error.target = string_field(detail, "target");
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
