// Apply over the real ArmClient (scripted transport, manual time): the client alone follows
// each operation and decides how it ended; apply sends no request of its own to wait.
#include "converge/apply.hpp"
#include "converge/arm_client_api.hpp"

#include "fakes.hpp"

#include <doctest/doctest.h>

using namespace converge;
using namespace converge::testing;
using namespace std::chrono_literals;

namespace {

const std::string k_sub = "00000000-0000-0000-0000-000000000001";
const ResourceId k_ws = ResourceId::for_resource(k_sub, "rg", "Microsoft.MachineLearningServices/workspaces", "ws");
const ResourceId k_cpu = k_ws.child("computes", "cpu");

Json compute_body(int max_nodes) {
    return Json{{"location", "westeurope"},
                {"properties",
                 {{"computeType", "AmlCompute"},
                  {"properties", {{"vmSize", "STANDARD_DS3_V2"}, {"scaleSettings", {{"maxNodeCount", max_nodes}}}}}}}};
}

Json state(Json body, const std::string& provisioning_state) {
    body["properties"]["provisioningState"] = provisioning_state;
    return body;
}

// One compute to create (or change, or delete) through an ArmClient on a scripted transport;
// the client and the executor share one manual clock.
struct ClientApply {
    std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    std::unique_ptr<ArmClientApi> api;
    DesiredSet desired;
    ObservedState observed;
    Plan plan;
    ApplyOptions options;

    explicit ClientApply(ClientOptions client = {}) {
        client.arm_endpoint = "https://arm.test";
        client.pacing.enabled = false;
        api = std::make_unique<ArmClientApi>(std::make_shared<ArmClient>(
            client, transport, std::make_shared<StaticTokenCredential>("tok"), clock, std::make_shared<FixedRandom>(0.5)));
        options.clock = clock;
        desired.stack = "s";
    }
    void change(Action action, Json body, std::vector<FieldChange> fields = {}) {
        Resource r;
        r.kind = find_kind("Compute");
        r.id = k_cpu;
        r.arm_type = std::string(r.kind->arm_type);
        r.api_version = std::string(r.kind->api_version);
        r.body = std::move(body);
        if (action != Action::remove) {
            desired.resources.push_back(r);
        }
        Change c;
        c.id = k_cpu;
        c.kind = "Compute";
        c.action = action;
        c.fields = std::move(fields);
        plan.changes.push_back(c);
    }
    ApplyResult run() { return apply_plan(plan, desired, observed, *api, options, nullptr); }
    int requests(const std::string& method) const { return transport->count(method, "/computes/cpu"); }
    double seconds() const { return std::chrono::duration<double>(clock->now().time_since_epoch()).count(); }
};

}  // namespace

TEST_SUITE("apply") {

TEST_CASE("apply waits through the client only: a non-terminal state costs the client's polls and no more") {
    ClientApply a;
    a.change(Action::create, compute_body(2));
    a.transport->on("PUT", "/computes/cpu", json_response(201, state(compute_body(2), "Creating"), {{"Retry-After", "5"}}));
    a.transport->on("GET", "/computes/cpu", json_response(200, state(compute_body(2), "Creating"), {{"Retry-After", "5"}}));
    a.transport->on("GET", "/computes/cpu", json_response(200, state(compute_body(2), "creating"), {{"Retry-After", "5"}}));
    a.transport->on("GET", "/computes/cpu", json_response(200, state(compute_body(2), "succeeded")));
    const auto result = a.run();
    REQUIRE(result.ok());
    CHECK(a.requests("PUT") == 1);
    CHECK(a.requests("GET") == 3);  // the client's three polls; apply reads nothing itself
    CHECK(a.seconds() == doctest::Approx(15.0));  // three Retry-After waits, in manual time
}

TEST_CASE("a Failed provisioningState the client reads is the step's error, with the service's message") {
    ClientApply a;
    a.change(Action::create, compute_body(2));
    Json failed = state(compute_body(2), "Failed");
    failed["properties"]["provisioningErrors"] = {{{"error", {{"code", "QuotaExceeded"}, {"message", "quota exceeded"}}}}};
    a.transport->on("PUT", "/computes/cpu", json_response(201, state(compute_body(2), "Creating"), {{"Retry-After", "1"}}));
    a.transport->on("GET", "/computes/cpu", json_response(200, failed));
    const auto result = a.run();
    REQUIRE(result.steps.size() == 1);
    CHECK(result.steps[0].status == StepStatus::failed);
    CHECK(result.steps[0].message.find("quota exceeded") != std::string::npos);
    CHECK(result.steps[0].message.find("ProvisioningStateFailed") != std::string::npos);
    CHECK(a.requests("GET") == 1);
}

TEST_CASE("an operation that never ends fails at the client's --lro-timeout, in manual time") {
    ClientOptions client;
    client.lro_timeout = 1min;
    client.lro_default_interval = 10s;
    ClientApply a(client);
    a.change(Action::create, compute_body(2));
    a.transport->on("PUT", "/computes/cpu", json_response(201, state(compute_body(2), "Creating")));
    a.transport->on("GET", "/computes/cpu", json_response(200, state(compute_body(2), "Creating")));
    const auto result = a.run();
    REQUIRE(result.steps.size() == 1);
    CHECK(result.steps[0].status == StepStatus::failed);
    CHECK(result.steps[0].message.find("OperationTimedOut") != std::string::npos);
    CHECK(a.seconds() == doctest::Approx(60.0));
    CHECK(a.requests("GET") == 6);  // one poll every 10 s until the timeout
}

TEST_CASE("a delete ends with its operation: apply does not GET the resource afterwards") {
    ClientApply a;
    a.observed.resources[k_cpu] = compute_body(2);
    a.change(Action::remove, Json());
    const std::string loc = "https://arm.test/subscriptions/" + k_sub + "/operationresults/del1";
    a.transport->on("DELETE", "/computes/cpu", json_response(202, nullptr, {{"Location", loc}, {"Retry-After", "2"}}));
    a.transport->on("GET", "/operationresults/del1", json_response(202, nullptr, {{"Retry-After", "2"}}));
    a.transport->on("GET", "/operationresults/del1", json_response(204));
    CHECK(a.run().ok());
    CHECK(a.transport->count("DELETE", "underlyingResourceAction=Delete") == 1);
    CHECK(a.transport->count("GET", "/operationresults/del1") == 2);
    CHECK(a.requests("GET") == 0);
}

TEST_CASE("a PATCH answered with the resource is done: no read-back") {
    ClientApply a;
    a.observed.resources[k_cpu] = compute_body(2);
    a.change(Action::update, compute_body(4),
             {FieldChange{"/properties/properties/scaleSettings/maxNodeCount", Json(2), Json(4)}});
    a.transport->on("PATCH", "/computes/cpu", json_response(200, state(compute_body(4), "Succeeded")));
    CHECK(a.run().ok());
    CHECK(a.requests("PATCH") == 1);
    CHECK(a.requests("GET") == 0);
}

TEST_CASE("a write answered without a body is read once, for the refs that point at it") {
    ClientApply a;
    a.change(Action::create, compute_body(2));
    a.transport->on("PUT", "/computes/cpu", json_response(200));
    a.transport->on("GET", "/computes/cpu", json_response(200, state(compute_body(2), "Succeeded")));
    CHECK(a.run().ok());
    CHECK(a.requests("GET") == 1);
}

}  // TEST_SUITE
