// The one rule for "is it done, and how did it end" (operation_state.hpp), and that the client
// follows it for every mechanism: case, Canceled/Cancelled, and a missing provisioningState.
#include "fakes.hpp"

#include "converge/arm_client.hpp"
#include "converge/operation_state.hpp"

#include <doctest/doctest.h>

using namespace converge;
using namespace converge::testing;
using namespace std::chrono_literals;

namespace {

Json with_state(const std::string& state) { return Json{{"name", "ws1"}, {"properties", {{"provisioningState", state}}}}; }
}  // namespace

TEST_SUITE("operation state") {

TEST_CASE("status words: the four terminal ones in any case, everything else running") {
    CHECK(outcome_of("Succeeded") == Outcome::succeeded);
    CHECK(outcome_of("succeeded") == Outcome::succeeded);
    CHECK(outcome_of("SUCCEEDED") == Outcome::succeeded);
    CHECK(outcome_of("Failed") == Outcome::failed);
    CHECK(outcome_of("failed") == Outcome::failed);
    CHECK(outcome_of("Canceled") == Outcome::canceled);
    CHECK(outcome_of("Cancelled") == Outcome::canceled);
    CHECK(outcome_of("cancelled") == Outcome::canceled);
    for (const char* running : {"", "Creating", "Updating", "Deleting", "InProgress", "Accepted", "Running",
                                "Succeeded ", "Cancel"}) {
        CHECK_MESSAGE(outcome_of(running) == Outcome::running, running);
    }
    CHECK(std::string(outcome_name(Outcome::canceled)) == "canceled");
}

TEST_CASE("a resource body without provisioningState is Succeeded; with one, it is that state's outcome") {
    CHECK(resource_outcome(Json{{"name", "x"}}) == Outcome::succeeded);
    CHECK(resource_outcome(Json{{"properties", Json::object()}}) == Outcome::succeeded);
    CHECK(resource_outcome(Json{{"properties", {{"provisioningState", 3}}}}) == Outcome::succeeded);
    CHECK(resource_outcome(Json()) == Outcome::succeeded);
    CHECK(resource_outcome(with_state("creating")) == Outcome::running);
    CHECK(resource_outcome(with_state("succeeded")) == Outcome::succeeded);
    CHECK(resource_outcome(with_state("Cancelled")) == Outcome::canceled);
    CHECK(provisioning_state(with_state("Updating")) == "Updating");
    CHECK(provisioning_state(Json{{"name", "x"}}).empty());
}

TEST_CASE("the service's explanation of a failure is found where each provider puts it") {
    CHECK(provisioning_error(Json::parse(
              R"({"properties":{"provisioningState":"Failed","provisioningErrors":[{"error":{"code":"Q","message":"quota"}}]}})")) ==
          "quota");
    CHECK(provisioning_error(Json::parse(R"({"properties":{"error":{"message":"bad subnet"}}})")) == "bad subnet");
    CHECK(provisioning_error(Json::parse(R"({"error":{"message":"nope"}})")) == "nope");
    CHECK(provisioning_error(with_state("Failed")).empty());
    CHECK(provisioning_error(Json("text")).empty());
}

TEST_CASE("the client ends a status poll on any case of the terminal words, Cancelled included") {
    struct Case {
        const char* status;
        Outcome outcome;
    };
    for (const Case& c : {Case{"succeeded", Outcome::succeeded}, Case{"Cancelled", Outcome::canceled},
                          Case{"CANCELED", Outcome::canceled}, Case{"failed", Outcome::failed}}) {
        CAPTURE(c.status);
        ClientHarness h;
        h.transport->on("DELETE", "/workspaces/ws1", json_response(202, nullptr, {{"Azure-AsyncOperation", k_op}}));
        h.transport->on("GET", "workspaceOperationsStatus", json_response(200, Json{{"status", "InProgress"}}));
        h.transport->on("GET", "workspaceOperationsStatus", json_response(200, Json{{"status", c.status}}));
        auto op = h.client->begin("DELETE", k_ws, "2025-12-01", nullptr);
        REQUIRE(op);
        int polls = 0;
        while (!(*op)->done() && polls < 10) {
            (*op)->poll();
            ++polls;
        }
        CHECK(polls == 2);
        CHECK((*op)->report().outcome == c.outcome);
        CHECK((*op)->report().final_status == c.status);
        CHECK(static_cast<bool>((*op)->result()) == (c.outcome == Outcome::succeeded));
    }
}

TEST_CASE("the client ends a provisioningState poll on any case, and a Cancelled state is an error") {
    ClientHarness h;
    h.transport->on("PUT", "/computes/a", json_response(201, with_state("creating")));
    h.transport->on("GET", "/computes/a", json_response(200, with_state("succeeded")));
    LroReport report;
    CallOptions options;
    options.report = &report;
    CHECK(h.client->put(k_ws + "/computes/a", "1", Json::object(), options));
    CHECK(report.polls == 1);
    CHECK(report.outcome == Outcome::succeeded);

    h.transport->on("PUT", "/computes/b", json_response(201, with_state("Creating")));
    h.transport->on("GET", "/computes/b", json_response(200, with_state("Cancelled")));
    auto b = h.client->put(k_ws + "/computes/b", "1", Json::object(), options);
    REQUIRE_FALSE(b);
    CHECK(b.error().kind == ApiErrorKind::lro_failed);
    CHECK(b.error().code == "ProvisioningStateCancelled");
    CHECK(report.outcome == Outcome::canceled);
}

TEST_CASE("a missing provisioningState on the resource the client reads is Succeeded, and it reads no more") {
    ClientHarness h;
    // A 202 with no header: the client watches the resource; a body without state ends it.
    h.transport->on("PUT", "/computes/c", json_response(202));
    h.transport->on("GET", "/computes/c", json_response(200, Json{{"name", "c"}}));
    LroReport report;
    CallOptions options;
    options.report = &report;
    auto c = h.client->put(k_ws + "/computes/c", "1", Json::object(), options);
    REQUIRE(c);
    CHECK(report.mechanism == "provisioning-state");
    CHECK(report.polls == 1);
    CHECK(report.outcome == Outcome::succeeded);
    CHECK(h.transport->count("GET", "/computes/c") == 1);
}

TEST_CASE("a resource that reads Failed after its operation Succeeded is the client's error, with the service's message") {
    ClientHarness h;
    h.transport->on("PUT", "/workspaces/ws1", json_response(201, with_state("Creating"), {{"Azure-AsyncOperation", k_op}}));
    h.transport->on("GET", "workspaceOperationsStatus", json_response(200, Json{{"status", "Succeeded"}}));
    Json failed = with_state("Failed");
    failed["properties"]["error"] = {{"code", "X"}, {"message", "the subnet is full"}};
    h.transport->on("GET", "/workspaces/ws1?", json_response(200, failed));
    auto ws = h.client->put(k_ws, "2025-12-01", Json::object());
    REQUIRE_FALSE(ws);
    CHECK(ws.error().kind == ApiErrorKind::lro_failed);
    CHECK(ws.error().message == "provisioningState is Failed: the subnet is full");
}

TEST_CASE("a DELETE that finds nothing is a done operation with a null body") {
    ClientHarness h;
    h.transport->on("DELETE", "/workspaces/ws1",
                    json_response(404, Json{{"error", {{"code", "ResourceNotFound"}, {"message", "x"}}}}));
    auto op = h.client->begin("DELETE", k_ws, "2025-12-01", nullptr);
    REQUIRE(op);
    CHECK((*op)->done());
    REQUIRE((*op)->result());
    CHECK((*op)->result()->is_null());
    CHECK((*op)->report().outcome == Outcome::succeeded);
    h.transport->on("PUT", "/computes/gone", json_response(404, Json{{"error", {{"code", "NotFound"}, {"message", "x"}}}}));
    CHECK_FALSE(h.client->begin("PUT", k_ws + "/computes/gone", "1", Json::object()));  // only a DELETE
}

}  // TEST_SUITE
