#include "fakes.hpp"

#include "converge/arm_client.hpp"

#include <doctest/doctest.h>

using namespace converge;
using namespace converge::testing;
using namespace std::chrono_literals;

namespace {
const std::string k_loc = "https://arm.test/subscriptions/sub1/operationresults/op2?api-version=2025-12-01";

Json resource(const std::string& state) {
    return Json{{"id", k_ws}, {"name", "ws1"}, {"properties", {{"provisioningState", state}}}};
}
Json status(const std::string& s) { return Json{{"id", "op1"}, {"status", s}}; }
}  // namespace

TEST_SUITE("client") {
TEST_CASE("PUT 201 + Azure-AsyncOperation: polls the status, honours Retry-After, then GETs the resource") {
    ClientHarness h;
    h.transport->on("PUT", "/workspaces/ws1", json_response(201, resource("Creating"),
                                                           {{"Azure-AsyncOperation", k_op}, {"Retry-After", "3"}}));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(200, status("InProgress"), {{"Retry-After", "5"}}));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(200, status("Succeeded")));
    h.transport->on("GET", "/workspaces/ws1", json_response(200, resource("Succeeded")));
    LroReport report;
    CallOptions options;
    options.report = &report;
    auto ws = h.client->put(k_ws, "2025-12-01", Json{{"location", "westeurope"}}, options);
    REQUIRE(ws);
    CHECK(provisioning_state(*ws) == "Succeeded");
    CHECK(report.mechanism == "azure-async-operation");
    CHECK(report.polls == 3);  // two status reads + the final GET
    CHECK(report.final_status == "Succeeded");
    CHECK(h.clock->sleeps() == std::vector<Clock::Duration>{3s, 5s});
    CHECK(h.client->stats().polls == 3);
    CHECK(h.client->stats().lros == 1);
}

TEST_CASE("async operation Failed and Canceled carry the service's code and message") {
    for (const std::string final_status : {"Failed", "Canceled"}) {
        ClientHarness h;
        h.transport->on("PUT", "/workspaces/ws1", json_response(201, resource("Creating"),
                                                               {{"Azure-AsyncOperation", k_op}, {"Retry-After", "1"}}));
        Json body = status(final_status);
        body["error"] = {{"code", "QuotaExceeded"}, {"message", "not enough cores"}};
        h.transport->on("GET", "workspaceOperationsStatus", json_response(200, body, {{"x-ms-request-id", "rq"}}));
        auto ws = h.client->put(k_ws, "2025-12-01", Json::object());
        REQUIRE_FALSE(ws);
        CHECK(ws.error().kind == ApiErrorKind::lro_failed);
        CHECK(ws.error().code == "QuotaExceeded");
        CHECK(ws.error().message == "not enough cores");
        CHECK(ws.error().request_id == "rq");
        CHECK(h.transport->count("GET", "/workspaces/ws1?") == 0);  // no final GET after failure
    }
}

TEST_CASE("a 5xx or 404 from the status URL means 'could not read status', not failure") {
    ClientOptions options;
    options.retry.max_attempts = 2;
    ClientHarness h(options);
    h.transport->on("DELETE", "/workspaces/ws1", json_response(202, nullptr, {{"Azure-AsyncOperation", k_op}, {"Retry-After", "1"}}));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(500));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(500));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(404));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(200, status("Succeeded")));
    auto done = h.client->remove(k_ws, "2025-12-01");
    REQUIRE(done);
    CHECK(h.transport->count("GET", "workspaceOperationsStatus") == 4);
    CHECK(h.transport->count("GET", "/workspaces/ws1?") == 0);  // DELETE: no final GET
}

TEST_CASE("an unreadable status URL eventually fails with the last status error") {
    ClientOptions options;
    options.retry.max_attempts = 1;
    ClientHarness h(options);
    h.transport->on("PUT", "/workspaces/ws1", json_response(201, nullptr, {{"Azure-AsyncOperation", k_op}, {"Retry-After", "1"}}));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(403, {{"error", {{"code", "AuthorizationFailed"}, {"message", "no"}}}}));
    auto ws = h.client->put(k_ws, "2025-12-01", Json::object());
    REQUIRE_FALSE(ws);
    CHECK(ws.error().code == "AuthorizationFailed");
    CHECK(h.transport->count("GET", "workspaceOperationsStatus") == 5);
}

TEST_CASE("a status response over the size limit or a 401 after the refresh ends the operation at once") {
    ClientHarness h;
    h.transport->on("PUT", "/workspaces/ws1", json_response(201, nullptr, {{"Azure-AsyncOperation", k_op}, {"Retry-After", "1"}}));
    h.transport->on("GET", "workspaceOperationsStatus", failure(TransportError::too_large, "response body exceeds the limit"));
    auto ws = h.client->put(k_ws, "2025-12-01", Json::object());
    REQUIRE_FALSE(ws);
    CHECK(ws.error().code == "too_large");
    CHECK(h.transport->count("GET", "workspaceOperationsStatus") == 1);  // not 5 polls, not retried

    ClientHarness denied;
    denied.transport->on("PUT", "/workspaces/ws1", json_response(201, nullptr, {{"Azure-AsyncOperation", k_op}, {"Retry-After", "1"}}));
    denied.transport->on("GET", "workspaceOperationsStatus", json_response(401, {{"error", {{"code", "InvalidAuthenticationToken"}, {"message", "no"}}}}));
    auto r = denied.client->put(k_ws, "2025-12-01", Json::object());
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ApiErrorKind::auth);
    CHECK(denied.transport->count("GET", "workspaceOperationsStatus") == 2);  // one poll, refreshed once
    CHECK(denied.clock->slept() == std::chrono::seconds(1));  // the first poll's Retry-After, nothing more
}

TEST_CASE("DELETE 202 + Location: 202 until done, then 204") {
    ClientHarness h;
    h.transport->on("DELETE", "/resourceGroups/rg1", json_response(202, nullptr, {{"Location", k_loc}, {"Retry-After", "2"}}));
    h.transport->on("GET", "operationresults", json_response(202, nullptr, {{"Location", k_loc}, {"retry-after-ms", "10"}}));
    h.transport->on("GET", "operationresults", json_response(204));
    LroReport report;
    CallOptions options;
    options.report = &report;
    REQUIRE(h.client->remove("/subscriptions/sub1/resourceGroups/rg1", "2021-04-01", options));
    CHECK(report.mechanism == "location");
    CHECK(report.polls == 2);
    CHECK(h.clock->sleeps() == std::vector<Clock::Duration>{2s, 10ms});
    CHECK(h.client->stats().deletes == 1);
}

TEST_CASE("PUT 202 + Location: the final 200 body is the result") {
    ClientHarness h;
    h.transport->on("PUT", "/workspaces/ws1", json_response(202, nullptr, {{"Location", k_loc}, {"Retry-After", "1"}}));
    h.transport->on("GET", "operationresults", json_response(200, resource("Succeeded")));
    auto ws = h.client->put(k_ws, "2025-12-01", Json::object());
    REQUIRE(ws);
    CHECK((*ws)["name"] == "ws1");
}

TEST_CASE("an error from the Location URL is the operation's failure") {
    ClientHarness h;
    h.transport->on("POST", "/diagnose", json_response(202, nullptr, {{"Location", k_loc}, {"Retry-After", "1"}}));
    h.transport->on("GET", "operationresults", json_response(400, {{"error", {{"code", "DiagnoseFailed"}, {"message", "bad"}}}}));
    auto r = h.client->post(k_ws + "/diagnose", "2025-12-01", Json::object());
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ApiErrorKind::lro_failed);
    CHECK(r.error().code == "DiagnoseFailed");
}

TEST_CASE("200/201 with a non-terminal provisioningState: GET the resource until terminal") {
    ClientHarness h;
    h.transport->on("PUT", "/computes/cpu", json_response(201, resource("Creating")));
    h.transport->on("GET", "/computes/cpu", json_response(200, resource("Creating"), {{"Retry-After", "10"}}));
    h.transport->on("GET", "/computes/cpu", json_response(200, resource("Succeeded")));
    LroReport report;
    CallOptions options;
    options.report = &report;
    auto compute = h.client->put(k_ws + "/computes/cpu", "2025-12-01", Json::object(), options);
    REQUIRE(compute);
    CHECK(report.mechanism == "provisioning-state");
    CHECK(report.polls == 2);
    CHECK(h.clock->sleeps() == std::vector<Clock::Duration>{60s, 10s});  // default interval, then Retry-After
}

TEST_CASE("provisioningState Failed is reported; absent means Succeeded") {
    ClientHarness h;
    h.transport->on("PUT", "/computes/bad", json_response(201, resource("Creating")));
    h.transport->on("GET", "/computes/bad", json_response(200, resource("Failed")));
    auto bad = h.client->put(k_ws + "/computes/bad", "1", Json::object());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == ApiErrorKind::lro_failed);
    CHECK(bad.error().code == "ProvisioningStateFailed");
    h.transport->on("PUT", "/computes/plain", json_response(200, Json{{"name", "plain"}}));
    CHECK(h.client->put(k_ws + "/computes/plain", "1", Json::object()));
    CHECK(h.transport->count("GET", "/computes/plain") == 0);
}

TEST_CASE("final-state-via location and azure-async-operation") {
    ClientHarness h;
    h.transport->on("POST", "/prepareNotebook", json_response(202, nullptr, {{"Azure-AsyncOperation", k_op}, {"Location", k_loc}, {"Retry-After", "1"}}));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(200, status("Succeeded")));
    h.transport->on("GET", "operationresults", json_response(200, {{"notebook", "ready"}}));
    CallOptions via_location;
    via_location.final_state_via = FinalStateVia::location;
    auto r = h.client->post(k_ws + "/prepareNotebook", "1", nullptr, via_location);
    REQUIRE(r);
    CHECK((*r)["notebook"] == "ready");
    CallOptions via_status;
    via_status.final_state_via = FinalStateVia::azure_async_operation;
    auto s = h.client->post(k_ws + "/prepareNotebook", "1", nullptr, via_status);
    REQUIRE(s);
    CHECK((*s)["status"] == "Succeeded");
}

TEST_CASE("an operation that never ends times out per operation") {
    ClientOptions options;
    options.lro_timeout = 5min;
    ClientHarness h(options);
    h.transport->on("PUT", "/workspaces/ws1", json_response(201, nullptr, {{"Azure-AsyncOperation", k_op}, {"Retry-After", "30"}}));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(200, status("InProgress"), {{"Retry-After", "30"}}));
    auto ws = h.client->put(k_ws, "1", Json::object());
    REQUIRE_FALSE(ws);
    CHECK(ws.error().kind == ApiErrorKind::lro_timeout);
    CHECK(h.clock->slept() == 5min);
    CHECK(h.transport->count("GET", "workspaceOperationsStatus") == 10);
    CallOptions shorter;
    shorter.lro_timeout = 1min;
    auto again = h.client->put(k_ws, "1", Json::object(), shorter);
    REQUIRE_FALSE(again);
    CHECK(h.clock->slept() == 6min);
}

TEST_CASE("Retry-After on polls is capped and defaults when absent") {
    ClientOptions options;
    options.lro_default_interval = 2s;
    options.lro_max_interval = 100s;
    ClientHarness h(options);
    h.transport->on("PUT", "/workspaces/ws1", json_response(201, nullptr, {{"Azure-AsyncOperation", k_op}}));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(200, status("Running"), {{"Retry-After", "9000"}}));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(200, status("Succeeded")));
    h.transport->on("GET", "/workspaces/ws1", json_response(200, resource("Succeeded")));
    REQUIRE(h.client->put(k_ws, "1", Json::object()));
    CHECK(h.clock->sleeps() == std::vector<Clock::Duration>{2s, 100s});
}

TEST_CASE("DELETE: 200, 204 and 404 all mean gone") {
    ClientHarness h;
    h.transport->on("DELETE", "/del-a", json_response(200));
    h.transport->on("DELETE", "/del-b", json_response(204));
    h.transport->on("DELETE", "/del-c", json_response(404, {{"error", {{"code", "ResourceNotFound"}, {"message", "x"}}}}));
    h.transport->on("DELETE", "/del-d", json_response(409, {{"error", {{"code", "Conflict"}, {"message", "locked"}}}}));
    CHECK(h.client->remove(k_ws + "/del-a", "1"));
    CHECK(h.client->remove(k_ws + "/del-b", "1"));
    CHECK(h.client->remove(k_ws + "/del-c", "1"));
    auto locked = h.client->remove(k_ws + "/del-d", "1");
    REQUIRE_FALSE(locked);
    CHECK(locked.error().code == "Conflict");
}
}

TEST_SUITE("client") {
TEST_CASE("one x-ms-client-request-id per call, shared by its polls") {
    ClientHarness h;
    h.transport->on("PUT", "/workspaces/ws1", json_response(201, nullptr, {{"Azure-AsyncOperation", k_op}, {"Retry-After", "1"}}));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(200, status("Succeeded")));
    h.transport->on("GET", "/workspaces/ws1", json_response(200, resource("Succeeded")));
    REQUIRE(h.client->put(k_ws, "1", Json::object()));
    const auto sent = h.transport->requests();
    REQUIRE(sent.size() == 3);
    const auto id = sent[0].headers.get("x-ms-client-request-id");
    REQUIRE(id);
    CHECK(id->size() == 36);
    CHECK((*id)[14] == '4');
    CHECK(sent[1].headers.get("x-ms-client-request-id") == id);
    CHECK(sent[2].headers.get("x-ms-client-request-id") == id);
}
}

TEST_SUITE("client") {
TEST_CASE("PUT 202 + Location with final-state-via original-uri GETs the resource at the end") {
    ClientHarness h;
    h.transport->on("PUT", "/workspaces/ws1", json_response(202, nullptr, {{"Location", k_loc}, {"Retry-After", "1"}}));
    h.transport->on("GET", "operationresults", json_response(204));
    h.transport->on("GET", "/workspaces/ws1", json_response(200, resource("Succeeded")));
    CallOptions options;
    options.final_state_via = FinalStateVia::original_uri;
    auto ws = h.client->put(k_ws, "2025-12-01", Json::object(), options);
    REQUIRE(ws);
    CHECK((*ws)["name"] == "ws1");
}
}
