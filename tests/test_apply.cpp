#include "converge/apply.hpp"

#include "fake_arm.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <thread>

using namespace converge;
using converge::testing::FakeArm;

namespace {

const std::string k_sub = "00000000-0000-0000-0000-000000000001";
const ResourceId k_rg = ResourceId::for_resource_group(k_sub, "rg");
const ResourceId k_ws = ResourceId::for_resource(k_sub, "rg", "Microsoft.MachineLearningServices/workspaces", "ws");
const ResourceId k_sa = ResourceId::for_resource(k_sub, "rg", "Microsoft.Storage/storageAccounts", "sa");
const ResourceId k_cpu = k_ws.child("computes", "cpu");
const ResourceId k_gpu = k_ws.child("computes", "gpu");

Resource resource(const char* kind, const ResourceId& id, Json body, std::vector<ResourceId> deps = {}) {
    Resource r;
    r.kind = find_kind(kind);
    r.id = id;
    r.arm_type = std::string(r.kind->arm_type);
    r.api_version = std::string(r.kind->api_version);
    r.body = std::move(body);
    for (auto& d : deps) {
        r.depends_on.push_back(Dependency{d, {}, "ref"});
    }
    return r;
}

Change change(const Resource& r, Action action, std::vector<FieldChange> fields = {}) {
    Change c;
    c.id = r.id;
    c.kind = std::string(r.kind->name);
    c.action = action;
    c.fields = std::move(fields);
    for (const auto& d : r.depends_on) {  // the edges the planner would give it
        c.depends_on.push_back(d.target);
    }
    std::sort(c.depends_on.begin(), c.depends_on.end());
    return c;
}

Json compute_body(int max_nodes) {
    return Json{{"location", "westeurope"},
                {"tags", {{"managed-by", "converge"}}},
                {"properties",
                 {{"computeType", "AmlCompute"},
                  {"properties", {{"vmSize", "STANDARD_DS3_V2"}, {"scaleSettings", {{"maxNodeCount", max_nodes}}}}}}}};
}

struct Fixture {
    DesiredSet desired;
    ObservedState observed;
    Plan plan;
    FakeArm arm;
    ApplyOptions options;

    ApplyResult run() { return apply_plan(plan, desired, observed, arm, options, nullptr); }

    std::size_t position(const std::string& line) const {
        auto it = std::find(arm.log.begin(), arm.log.end(), line);
        REQUIRE_MESSAGE(it != arm.log.end(), line);
        return static_cast<std::size_t>(it - arm.log.begin());
    }
};

// The resource group, storage, workspace and a compute, all to create.
void add_stack(Fixture& f) {
    f.desired.resources.push_back(resource("ResourceGroup", k_rg, {{"location", "westeurope"}}));
    f.desired.resources.push_back(resource("StorageAccount", k_sa, {{"location", "westeurope"}}, {k_rg}));
    f.desired.resources.push_back(resource(
        "Workspace", k_ws, {{"location", "westeurope"}, {"properties", {{"storageAccount", k_sa.str()}}}}, {k_sa}));
    f.desired.resources.push_back(resource("Compute", k_cpu, compute_body(2), {k_ws}));
    for (const auto& r : f.desired.resources) {
        f.plan.changes.push_back(change(r, Action::create));
    }
}

}  // namespace

TEST_SUITE("apply") {

TEST_CASE("creates run in dependency order and end Succeeded") {
    Fixture f;
    add_stack(f);
    f.options.parallelism = 4;
    const auto result = f.run();
    CHECK(result.ok());
    CHECK(result.summary() == "Apply complete: 4 done, 0 failed, 0 skipped, 0 not started.");
    CHECK(f.position("PUT " + k_rg.str()) < f.position("PUT " + k_sa.str()));
    CHECK(f.position("PUT " + k_sa.str()) < f.position("PUT " + k_ws.str()));
    CHECK(f.position("PUT " + k_ws.str()) < f.position("PUT " + k_cpu.str()));
    CHECK(f.arm.writes() == 4);
}

TEST_CASE("a failed step skips its dependents and independent branches continue") {
    Fixture f;
    add_stack(f);
    const ResourceId other = ResourceId::for_resource_group(k_sub, "other");
    f.desired.resources.push_back(resource("ResourceGroup", other, {{"location", "westeurope"}}));
    f.plan.changes.push_back(change(f.desired.resources.back(), Action::create));
    f.arm.fail_once["PUT " + k_sa.str()] = make_api_error("InvalidStorageName", "bad name", 400);
    const auto result = f.run();
    CHECK_FALSE(result.ok());
    CHECK(result.summary() == "Apply failed: 2 done, 1 failed, 2 skipped, 0 not started.");
    CHECK(result.steps[1].message.find("bad name") != std::string::npos);
    CHECK(result.steps[3].message == "create " + k_sa.str() + " failed");
    CHECK(f.arm.has(other.str()));
    CHECK_FALSE(f.arm.has(k_ws.str()));
}

TEST_CASE("a Failed provisioningState is an error carrying the service's message") {
    Fixture f;
    add_stack(f);
    f.arm.state_after_put[k_cpu.str()] = "Failed";
    f.arm.server_fields[k_cpu.str()] = {
        {"properties", {{"provisioningErrors", {{{"error", {{"code", "QuotaExceeded"}, {"message", "quota exceeded"}}}}}}}}};
    const auto result = f.run();
    CHECK(result.steps[3].status == StepStatus::failed);
    CHECK(result.steps[3].message.find("quota exceeded") != std::string::npos);
}

TEST_CASE("a non-terminal provisioningState is polled until it is terminal") {
    Fixture f;
    f.desired.resources.push_back(resource("ResourceGroup", k_rg, {{"location", "westeurope"}}));
    f.plan.changes.push_back(change(f.desired.resources.back(), Action::create));
    f.arm.state_after_put[k_rg.str()] = "Creating";
    int gets = 0;
    f.arm.on_request = [&](const std::string& method, const std::string&) {
        if (method == "GET" && ++gets == 2) {
            Json body = f.arm.body(k_rg.str());
            body["properties"]["provisioningState"] = "Succeeded";
            f.arm.seed(k_rg.str(), body);
        }
    };
    CHECK(f.run().ok());
    CHECK(gets == 2);
}

TEST_CASE("deletes run after their dependents' deletes, computes with underlyingResourceAction") {
    Fixture f;
    f.arm.seed(k_rg.str(), {{"location", "westeurope"}});
    f.arm.seed(k_ws.str(), {{"properties", {{"storageAccount", k_sa.str()}}}});
    f.arm.seed(k_sa.str(), Json::object());
    f.arm.seed(k_cpu.str(), Json::object());
    // The planner's edges of these deletes: enclosing ids, and the ids an observed body names.
    const std::map<ResourceId, std::vector<ResourceId>> deps = {
        {k_rg, {}}, {k_sa, {k_rg}}, {k_ws, {k_rg, k_sa}}, {k_cpu, {k_rg, k_ws}}};
    for (const auto& id : {k_rg, k_sa, k_ws, k_cpu}) {
        Change c;
        c.id = id;
        c.kind = std::string(find_kind_by_type(id.type()) ? find_kind_by_type(id.type())->name : "ResourceGroup");
        c.action = Action::remove;
        c.depends_on = deps.at(id);
        f.plan.changes.push_back(c);
        f.observed.resources[id] = f.arm.body(id.str());
    }
    f.options.parallelism = 4;
    CHECK(f.run().ok());
    const auto cpu = f.position("DELETE " + k_cpu.str() + "?underlyingResourceAction=Delete");
    CHECK(cpu < f.position("DELETE " + k_ws.str()));
    CHECK(f.position("DELETE " + k_ws.str()) < f.position("DELETE " + k_sa.str()));
    CHECK(f.position("DELETE " + k_sa.str()) < f.position("DELETE " + k_rg.str()));
}

TEST_CASE("a replace deletes, waits until gone, then creates") {
    Fixture f;
    f.arm.seed(k_cpu.str(), compute_body(2));
    f.desired.resources.push_back(resource("Compute", k_cpu, compute_body(2)));
    f.desired.resources.back().body["properties"]["properties"]["vmSize"] = "STANDARD_NC6";
    f.plan.changes.push_back(change(f.desired.resources.back(), Action::replace));
    CHECK(f.run().ok());
    const auto del = f.position("DELETE " + k_cpu.str() + "?underlyingResourceAction=Delete");
    CHECK(del < f.position("PUT " + k_cpu.str()));
    CHECK(f.arm.body(k_cpu.str())["properties"]["properties"]["vmSize"] == "STANDARD_NC6");
}

TEST_CASE("a compute scale change is a PATCH of ClusterUpdateParameters") {
    Fixture f;
    f.arm.seed(k_cpu.str(), compute_body(2));
    f.desired.resources.push_back(resource("Compute", k_cpu, compute_body(4)));
    FieldChange fc{"/properties/properties/scaleSettings/maxNodeCount", Json(2), Json(4)};
    f.plan.changes.push_back(change(f.desired.resources.back(), Action::update, {fc}));
    CHECK(f.run().ok());
    CHECK(f.arm.sent.at("PATCH " + k_cpu.str()) ==
          Json::parse(R"({"properties":{"properties":{"scaleSettings":{"maxNodeCount":4}}}})"));
    CHECK(f.arm.body(k_cpu.str())["properties"]["properties"]["scaleSettings"]["maxNodeCount"] == 4);
}

TEST_CASE("a compute tag change is a PUT: ClusterUpdateParameters carries no tags") {
    Fixture f;
    f.desired.resources.push_back(resource("Compute", k_cpu, compute_body(2)));
    FieldChange fc{"/tags/team", std::nullopt, Json("ml")};
    const auto req = update_request(f.desired.resources.back(), change(f.desired.resources.back(), Action::update, {fc}));
    CHECK_FALSE(req.patch);
    CHECK(req.body == compute_body(2));
}

TEST_CASE("a workspace update is a PATCH of the patchable set") {
    const Resource ws = resource("Workspace", k_ws,
                                 {{"location", "westeurope"},
                                  {"tags", {{"a", "b"}}},
                                  {"properties", {{"storageAccount", k_sa.str()}, {"friendlyName", "Team"}}}});
    FieldChange fc{"/properties/friendlyName", Json("old"), Json("Team")};
    const auto req = update_request(ws, change(ws, Action::update, {fc}));
    CHECK(req.patch);
    CHECK(req.body == Json::parse(R"({"tags":{"a":"b"},"properties":{"friendlyName":"Team"}})"));
}

TEST_CASE("a model container change is written once, before its versions") {
    Fixture f;
    const ResourceId v1 = k_ws.child("models", "m").child("versions", "1");
    const ResourceId v2 = k_ws.child("models", "m").child("versions", "2");
    f.arm.seed(k_ws.str(), Json::object());
    f.desired.resources.push_back(resource("Model", v1, {{"properties", {{"modelUri", "azureml://x"}}}}));
    f.desired.resources.push_back(resource("Model", v2, {{"properties", {{"modelUri", "azureml://y"}}}}, {v1}));
    Change container;  // as the planner plans it: a change of its own, the versions depend on it
    container.id = v1.parent();
    container.kind = k_model_container_kind;
    container.action = Action::create;
    f.plan.changes.push_back(container);
    f.plan.changes.push_back(change(f.desired.resources[0], Action::create));
    f.plan.changes.push_back(change(f.desired.resources[1], Action::create));
    f.plan.changes[1].depends_on.push_back(container.id);
    f.plan.changes[2].depends_on.push_back(container.id);
    CHECK(f.run().ok());
    CHECK(std::count(f.arm.log.begin(), f.arm.log.end(), "PUT " + v1.parent().str()) == 1);
    CHECK(f.position("PUT " + v1.parent().str()) < f.position("PUT " + v1.str()));
    CHECK(f.arm.count("PUT ") == 3);
}

TEST_CASE("deferred refs are resolved from the dependency's final state") {
    Fixture f;
    f.desired.resources.push_back(resource("Workspace", k_ws, {{"location", "westeurope"}}));
    f.arm.server_fields[k_ws.str()] = {{"properties", {{"discoveryUrl", "https://emu/discovery"}}}};
    Resource sa = resource("StorageAccount", k_sa, {{"location", "westeurope"}, {"tags", {{"d", "pending"}}}}, {k_ws});
    sa.deferred.push_back(
        DeferredRef{"/tags/d", "${ref:Workspace/ws:properties.discoveryUrl}/v1", k_ws, "properties.discoveryUrl", {}});
    f.desired.resources.push_back(sa);
    f.plan.changes.push_back(change(f.desired.resources[0], Action::create));
    f.plan.changes.push_back(change(f.desired.resources[1], Action::create));
    CHECK(f.run().ok());
    CHECK(f.arm.sent.at("PUT " + k_sa.str())["tags"]["d"] == "https://emu/discovery/v1");
}

TEST_CASE("substitute_ref keeps other refs and types a whole-string ref") {
    DeferredRef ref{"/x", "", k_ws, "properties.n", {}};
    CHECK(substitute_ref("a ${ref:Workspace/ws:properties.n} ${ref:Workspace/other:properties.n}", ref, Json("v")) ==
          Json("a v ${ref:Workspace/other:properties.n}"));
    CHECK(substitute_ref("${ref:Workspace/ws:properties.n}", ref, Json(3)) == Json(3));
}

TEST_CASE("cancellation stops starting new steps and lets in-flight ones finish") {
    Fixture f;
    add_stack(f);
    std::atomic<bool> cancel{false};
    f.options.cancel = &cancel;
    f.arm.on_request = [&](const std::string& method, const std::string& path) {
        if (method == "PUT" && path == k_sa.str()) {
            cancel = true;
        }
    };
    const auto result = f.run();
    CHECK(result.interrupted);
    CHECK(result.summary() == "Apply interrupted: 2 done, 0 failed, 0 skipped, 2 not started.");
    CHECK(f.arm.has(k_sa.str()));
    CHECK_FALSE(f.arm.has(k_ws.str()));
}

TEST_CASE("parallel branches run concurrently up to --parallelism") {
    Fixture f;
    f.arm.seed(k_ws.str(), Json::object());
    std::atomic<int> in_flight{0};
    std::atomic<int> peak{0};
    f.arm.on_request = [&](const std::string& method, const std::string&) {
        if (method == "PUT") {
            peak = std::max(peak.load(), ++in_flight);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            --in_flight;
        }
    };
    for (int i = 0; i < 8; ++i) {
        f.desired.resources.push_back(resource("Compute", k_ws.child("computes", "c" + std::to_string(i)), compute_body(1)));
        f.plan.changes.push_back(change(f.desired.resources.back(), Action::create));
    }
    f.options.parallelism = 3;
    CHECK(f.run().ok());
    CHECK(peak.load() == 3);
}

}  // TEST_SUITE
