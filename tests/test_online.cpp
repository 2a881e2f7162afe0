// OnlineEndpoint and OnlineDeployment: the manifests, the order of their writes (traffic after
// the deployments it names, deletes the other way), smoke tests (docs/kinds.md "Online endpoints").
#include "converge/apply.hpp"
#include "converge/score.hpp"
#include "manifest_helpers.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using namespace converge;
using namespace converge::test;

namespace {

const std::string k_config = R"(apiVersion: converge/v1
stack: s
defaults:
  subscription: 00000000-0000-0000-0000-000000000001
  resourceGroup: rg
  workspace: ws
  location: westeurope
)";

const std::string k_endpoint = R"(apiVersion: converge/v1
kind: Model
metadata:
  name: churn
  version: 1
spec:
  properties:
    modelUri: azureml://datastores/workspaceblobstore/paths/churn/1/
---
apiVersion: converge/v1
kind: OnlineEndpoint
metadata:
  name: ep
spec:
  location: northeurope
  properties:
    authMode: Key
    traffic:
      blue: 100
      green: 0
smokeTest:
  request: {data: [[1, 2]]}
  jsonPath: $[0]
  expectedValue: 3
---
apiVersion: converge/v1
kind: OnlineDeployment
metadata:
  name: blue
  endpoint: ep
spec:
  properties:
    endpointComputeType: Managed
    model: ${ref:Model/churn@1}
---
apiVersion: converge/v1
kind: OnlineDeployment
metadata:
  name: green
  endpoint: ep
spec:
  properties:
    endpointComputeType: Managed
    model: ${ref:Model/churn@1}
)";

LoadResult load_endpoint(const std::string& text = k_endpoint) { return load_inline({{"ep.yaml", text}}, k_config); }

const Resource& named(const DesiredSet& desired, const std::string& suffix) {
    const Resource* r = find_suffix(desired, suffix);
    REQUIRE_MESSAGE(r != nullptr, suffix);
    return *r;
}

Change change(const Resource& r, Action action, std::vector<FieldChange> fields = {}) {
    Change c;
    c.id = r.id;
    c.kind = std::string(r.kind->name);
    c.action = action;
    c.fields = std::move(fields);
    for (const auto& d : r.depends_on) {
        c.depends_on.push_back(d.target);
    }
    std::sort(c.depends_on.begin(), c.depends_on.end());
    return c;
}

// "create OnlineEndpoint/ep (without traffic) <- ..." per step: what it waits for, by label.
std::string order_of(const StepGraph& g) {
    std::string out;
    for (std::size_t i = 0; i < g.steps.size(); ++i) {
        const Step& s = g.steps[i];
        out += std::string(action_name(s.action)) + " " + resource_label(s.kind, s.id);
        out += s.traffic == TrafficPart::without ? " (traffic as observed)" : s.traffic == TrafficPart::traffic ? " (traffic)" : "";
        std::vector<std::string> waits;
        for (std::size_t w : g.waits_for[i]) {
            waits.push_back(resource_label(g.steps[w].kind, g.steps[w].id) +
                            (g.steps[w].traffic == TrafficPart::traffic ? " (traffic)" : ""));
        }
        std::sort(waits.begin(), waits.end());
        waits.erase(std::unique(waits.begin(), waits.end()), waits.end());
        for (std::size_t k = 0; k < waits.size(); ++k) {
            out += (k == 0 ? " <- " : ", ") + waits[k];
        }
        out += "\n";
    }
    return out;
}

Json observed_endpoint(int blue, int green) {
    return Json{{"location", "northeurope"},
                {"properties", {{"authMode", "Key"}, {"traffic", {{"blue", blue}, {"green", green}}}}}};
}

}  // namespace

TEST_SUITE("online") {

TEST_CASE("a deployment is named by its endpoint and lives where the endpoint is") {
    const auto loaded = load_endpoint();
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    const Resource& blue = named(loaded.desired, "/onlineEndpoints/ep/deployments/blue");
    CHECK(blue.id.str() == "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
                           "Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/ep/deployments/blue");
    CHECK(blue.body["location"] == "northeurope");
    CHECK(blue.body["properties"]["model"].get<std::string>().ends_with("/workspaces/ws/models/churn/versions/1"));
    std::vector<std::string> edges;
    for (const auto& d : blue.depends_on) {
        edges.push_back(resource_label(find_kind_by_type(d.target.type())->name, d.target));
    }
    std::sort(edges.begin(), edges.end());
    CHECK(edges == std::vector<std::string>{"Model/churn@1", "OnlineEndpoint/ep"});
    const Resource& ep = named(loaded.desired, "/onlineEndpoints/ep");
    CHECK(ep.smoke_test["expectedValue"] == 3);
    CHECK(ep.body.contains("tags"));
    CHECK_FALSE(ep.body.contains("smokeTest"));
}

TEST_CASE("a deployment without metadata.endpoint, and a smokeTest on another kind, are errors") {
    auto loaded = load_inline({{"d.yaml", R"(apiVersion: converge/v1
kind: OnlineDeployment
metadata:
  name: blue
spec:
  properties:
    endpointComputeType: Managed
)"}},
                              k_config);
    CHECK(loaded.diagnostics.to_string() ==
          "d.yaml:3:1: error: missing required field \"endpoint\" in metadata (the OnlineEndpoint this deployment "
          "belongs to)\n");
    loaded = load_inline({{"c.yaml", R"(apiVersion: converge/v1
kind: Compute
metadata:
  name: cpu
spec:
  properties:
    computeType: AmlCompute
smokeTest:
  request: {}
)"}},
                         k_config);
    CHECK(loaded.diagnostics.to_string() == "c.yaml:8:1: error: smokeTest applies only to OnlineEndpoint, not Compute\n");
}

TEST_CASE("from nothing: the endpoint without traffic, its deployments, then its traffic and the smoke test") {
    const auto loaded = load_endpoint();
    REQUIRE(!loaded.diagnostics.has_errors());
    const DesiredSet& d = loaded.desired;
    Plan plan;
    for (const char* suffix : {"/models/churn/versions/1", "/onlineEndpoints/ep", "/deployments/blue", "/deployments/green"}) {
        plan.changes.push_back(change(named(d, suffix), Action::create));
    }
    const StepGraph g = build_step_graph(plan, d, ObservedState{});
    CHECK(order_of(g) == "create Model/churn@1\n"
                         "create OnlineEndpoint/ep (traffic as observed)\n"
                         "create OnlineDeployment/blue <- Model/churn@1, OnlineEndpoint/ep\n"
                         "create OnlineDeployment/green <- Model/churn@1, OnlineEndpoint/ep\n"
                         "update OnlineEndpoint/ep (traffic) <- OnlineDeployment/blue, OnlineDeployment/green, OnlineEndpoint/ep\n"
                         "update SmokeTest/ep <- OnlineDeployment/blue, OnlineDeployment/green, OnlineEndpoint/ep, "
                         "OnlineEndpoint/ep (traffic)\n");
}

TEST_CASE("a traffic change alone is one update; with a deployment written too, it waits for it") {
    const auto loaded = load_endpoint();
    REQUIRE(!loaded.diagnostics.has_errors());
    const DesiredSet& d = loaded.desired;
    const Resource& ep = named(d, "/onlineEndpoints/ep");
    const std::vector<FieldChange> traffic = {{"/properties/traffic/blue", Json(90), Json(100)},
                                              {"/properties/traffic/green", Json(10), Json(0)}};
    Plan plan;
    plan.changes.push_back(change(ep, Action::update, traffic));
    CHECK(order_of(build_step_graph(plan, d, ObservedState{})) == "update OnlineEndpoint/ep\n"
                                                                  "update SmokeTest/ep <- OnlineEndpoint/ep\n");
    plan.changes.push_back(change(named(d, "/deployments/green"), Action::update, {{"/sku/capacity", Json(1), Json(2)}}));
    CHECK(order_of(build_step_graph(plan, d, ObservedState{})) ==
          "update OnlineEndpoint/ep (traffic) <- OnlineDeployment/green\n"
          "update OnlineDeployment/green\n"
          "update SmokeTest/ep <- OnlineDeployment/green, OnlineEndpoint/ep (traffic)\n");
}

TEST_CASE("a deployment that takes traffic is deleted after the traffic moves, or after its endpoint") {
    const auto loaded = load_endpoint();
    REQUIRE(!loaded.diagnostics.has_errors());
    const DesiredSet& d = loaded.desired;
    const Resource& ep = named(d, "/onlineEndpoints/ep");
    const Resource& green = named(d, "/deployments/green");
    ObservedState observed;
    observed.resources[ep.id] = observed_endpoint(90, 10);
    Plan plan;
    plan.changes.push_back(change(ep, Action::update, {{"/properties/traffic/green", Json(10), Json(0)}}));
    plan.changes.push_back(change(green, Action::remove));
    CHECK(order_of(build_step_graph(plan, d, observed)) == "update OnlineEndpoint/ep\n"
                                                           "delete OnlineDeployment/green <- OnlineEndpoint/ep\n"
                                                           "update SmokeTest/ep <- OnlineEndpoint/ep\n");
    // destroy: the endpoint first (Azure deletes its deployments with it), the deployment's
    // DELETE then finds it gone; a deployment without traffic goes first, as usual.
    Plan destroy;
    destroy.changes.push_back(change(green, Action::remove));
    destroy.changes.push_back(change(named(d, "/deployments/blue"), Action::remove));
    destroy.changes.push_back(change(ep, Action::remove));
    observed.resources[ep.id] = observed_endpoint(0, 100);
    CHECK(order_of(build_step_graph(destroy, DesiredSet{}, observed)) ==
          "delete OnlineDeployment/green <- OnlineEndpoint/ep\n"
          "delete OnlineDeployment/blue\n"
          "delete OnlineEndpoint/ep <- OnlineDeployment/blue\n");
}

TEST_CASE("a smoke test's answer is checked: status, then the value at its JSON path") {
    const Json test = {{"request", {{"data", {{1, 2}}}}}, {"jsonPath", "$[0]"}, {"expectedValue", 3}};
    CHECK(smoke_test_body(test) == R"({"data":[[1,2]]})");
    CHECK(smoke_test_mismatch(test, {200, "[3]"}).empty());
    CHECK(smoke_test_mismatch(test, {200, "[4]"}) == "$[0] is 4, expected 3");
    CHECK(smoke_test_mismatch(test, {500, "boom"}) == "status 500, expected 200 (body: boom)");
    CHECK(smoke_test_mismatch(test, {200, "{}"}) == "no value at $[0] in {}");
    const Json nested = {{"request", "{}"}, {"expectedStatus", 201}, {"jsonPath", "result.scores[1]"}, {"expectedValue", "b"}};
    CHECK(smoke_test_body(nested) == "{}");
    CHECK(smoke_test_mismatch(nested, {201, R"({"result": {"scores": ["a", "b"]}})"}).empty());
    CHECK(smoke_test_mismatch(nested, {200, "{}"}) == "status 200, expected 201 (body: {})");
}

}  // TEST_SUITE
