// End-to-end: manifests -> observe -> plan -> apply against the in-process emulator, every
// scenario ending with apply then plan == no changes.
#include "e2e_fixture.hpp"

#include "converge/render.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace converge;
using converge::testing::changes_of;
using converge::testing::E2e;
using converge::testing::require_converged;
using converge::testing::require_ok;
using converge::testing::apply_edits;

namespace {

const std::string k_config = R"(apiVersion: converge/v1
stack: e2e
defaults:
  resourceGroup: rg-e2e
  location: westeurope
  workspace: ws-e2e
)";

// Every kind; `edits` replaces text in the manifests ("old" -> "new").
std::map<std::string, std::string> stack(const std::vector<std::pair<std::string, std::string>>& edits = {}) {
    std::map<std::string, std::string> files = {
        {"rg.yaml", R"(apiVersion: converge/v1
kind: ResourceGroup
metadata:
  name: rg-e2e
spec:
  tags:
    owner: team-a
)"},
        {"deps.yaml", R"(apiVersion: converge/v1
kind: StorageAccount
metadata:
  name: ste2e
spec:
  kind: StorageV2
  sku:
    name: Standard_LRS
  properties:
    minimumTlsVersion: TLS1_2
---
apiVersion: converge/v1
kind: KeyVault
metadata:
  name: kv-e2e
spec:
  properties:
    tenantId: ${var:tenant}
    sku:
      family: A
      name: standard
---
apiVersion: converge/v1
kind: ApplicationInsights
metadata:
  name: appi-e2e
spec:
  kind: web
  properties:
    Application_Type: web
---
apiVersion: converge/v1
kind: ContainerRegistry
metadata:
  name: cre2e
spec:
  sku:
    name: Basic
)"},
        {"ws.yaml", R"(apiVersion: converge/v1
kind: Workspace
metadata:
  name: ws-e2e
spec:
  identity:
    type: SystemAssigned
  properties:
    friendlyName: E2E workspace
    storageAccount: ${ref:StorageAccount/ste2e}
    keyVault: ${ref:KeyVault/kv-e2e}
    applicationInsights: ${ref:ApplicationInsights/appi-e2e}
    containerRegistry: ${ref:ContainerRegistry/cre2e}
)"},
        {"compute.yaml", R"(apiVersion: converge/v1
kind: Compute
metadata:
  name: cpu
spec:
  properties:
    computeType: AmlCompute
    properties:
      vmSize: STANDARD_DS3_V2
      scaleSettings:
        minNodeCount: 0
        maxNodeCount: 2
        nodeIdleTimeBeforeScaleDown: PT30M
)"},
        {"model.yaml", R"(apiVersion: converge/v1
kind: Model
metadata:
  name: churn
  version: 1
spec:
  properties:
    description: first
    modelType: custom_model
    modelUri: azureml://datastores/workspaceblobstore/paths/models/churn/1/
)"},
    };
    apply_edits(files, edits);
    return files;
}

DesiredSet load(E2e& e2e, const std::vector<std::pair<std::string, std::string>>& edits = {}) {
    auto loaded = e2e.load(stack(edits), k_config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return std::move(loaded.desired);
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("every kind is created in order, then a second apply sends no write") {
    E2e e2e;
    const DesiredSet desired = load(e2e);
    const auto first = e2e.plan(desired);
    CHECK(first.plan.count(Action::create) == 9);  // the 8 declared and the model's container
    CHECK(changes_of(first.plan).find("create ModelContainer/churn\n") != std::string::npos);
    require_ok(e2e.apply(desired));
    require_converged(e2e, desired);
    e2e.reset_counts();
    const auto second = e2e.apply(desired);
    CHECK(second.steps.empty());
    CHECK(e2e.writes() == 0);
}

TEST_CASE("in-place updates: tags, workspace PATCH, compute scale PATCH, model description") {
    E2e e2e;
    require_ok(e2e.apply(load(e2e)));
    const DesiredSet changed = load(e2e, {{"owner: team-a", "owner: team-b"},
                                          {"friendlyName: E2E workspace", "friendlyName: Renamed"},
                                          {"maxNodeCount: 2", "maxNodeCount: 5"},
                                          {"minimumTlsVersion: TLS1_2", "minimumTlsVersion: TLS1_2\n    allowBlobPublicAccess: false"}});
    const auto planned = e2e.plan(changed);
    CHECK(changes_of(planned.plan) ==
          "update ResourceGroup/rg-e2e\nupdate StorageAccount/ste2e\nupdate Workspace/ws-e2e\nupdate Compute/cpu\n");
    require_ok(e2e.apply(changed));
    const auto stats = e2e.emu().stats();
    CHECK(stats.by_method.at("PATCH") >= 2);
    require_converged(e2e, changed);
}

TEST_CASE("a create-only change replaces: delete, wait, create") {
    E2e e2e;
    require_ok(e2e.apply(load(e2e)));
    const DesiredSet changed = load(e2e, {{"vmSize: STANDARD_DS3_V2", "vmSize: STANDARD_NC6"}});
    const auto planned = e2e.plan(changed);
    CHECK(changes_of(planned.plan) == "replace Compute/cpu\n");
    const auto result = e2e.apply(changed);
    require_ok(result);
    REQUIRE(result.steps.size() == 2);
    CHECK(result.steps[0].action == Action::remove);
    CHECK(result.steps[1].action == Action::create);
    require_converged(e2e, changed);
}

TEST_CASE("prune deletes what left the manifests and carries this stack's tag, nothing else") {
    E2e e2e;
    const DesiredSet full = load(e2e);
    require_ok(e2e.apply(full));
    // A compute nobody declared, untagged: prune must leave it alone.
    const std::string ws = "/subscriptions/" + e2e.subscription() +
                           "/resourceGroups/rg-e2e/providers/Microsoft.MachineLearningServices/workspaces/ws-e2e";
    const Json foreign = Json::parse(R"({"location":"westeurope","properties":{"computeType":"AmlCompute",
        "properties":{"vmSize":"STANDARD_DS3_V2","scaleSettings":{"maxNodeCount":1}}}})");
    REQUIRE(e2e.client().put(ws + "/computes/theirs", "2025-12-01", foreign));
    auto files = stack();
    files.erase("compute.yaml");
    auto loaded = e2e.load(files, k_config);
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    const auto planned = e2e.plan(loaded.desired, PlanOptions{true, false});
    CHECK(changes_of(planned.plan) == "delete Compute/cpu\n");
    require_ok(e2e.apply(loaded.desired, PlanOptions{true, false}));
    CHECK_FALSE(e2e.api().get(ws + "/computes/cpu", "2025-12-01"));
    CHECK(e2e.api().get(ws + "/computes/theirs", "2025-12-01"));
    require_converged(e2e, loaded.desired, PlanOptions{true, false});
}

TEST_CASE("pruning a model's last version deletes the container converge created, not a foreign one") {
    E2e e2e;
    require_ok(e2e.apply(load(e2e)));
    const std::string ws = "/subscriptions/" + e2e.subscription() +
                           "/resourceGroups/rg-e2e/providers/Microsoft.MachineLearningServices/workspaces/ws-e2e";
    auto container = e2e.api().get(ws + "/models/churn", "2025-12-01");
    REQUIRE(container);
    CHECK((*container)["properties"]["tags"]["managed-by"] == "converge");
    // Someone else's container (no tags), holding their own version: never touched.
    REQUIRE(e2e.client().put(ws + "/models/theirs", "2025-12-01", Json{{"properties", Json::object()}}));
    REQUIRE(e2e.client().put(ws + "/models/theirs/versions/1", "2025-12-01",
                          Json{{"properties", {{"modelUri", "azureml://datastores/workspaceblobstore/paths/x/"}}}}));
    auto files = stack();
    files.erase("model.yaml");
    auto loaded = e2e.load(files, k_config);
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    const auto result = e2e.apply(loaded.desired, PlanOptions{true, false});
    require_ok(result);
    REQUIRE(result.steps.size() == 2);
    CHECK(result.steps[1].kind == std::string(k_model_container_kind));
    CHECK(result.steps[1].action == Action::remove);
    CHECK_FALSE(e2e.api().get(ws + "/models/churn", "2025-12-01"));
    CHECK(e2e.api().get(ws + "/models/theirs/versions/1", "2025-12-01"));
    require_converged(e2e, loaded.desired, PlanOptions{true, false});
}

TEST_CASE("protect makes a replace an error at plan time, and nothing is sent") {
    E2e e2e;
    require_ok(e2e.apply(load(e2e)));
    const DesiredSet changed =
        load(e2e, {{"name: cpu\n", "name: cpu\n  protect: true\n"}, {"vmSize: STANDARD_DS3_V2", "vmSize: STANDARD_NC6"}});
    const auto planned = e2e.plan(changed);
    CHECK_FALSE(planned.ok());
    CHECK(planned.diagnostics.to_string().find("protect") != std::string::npos);
}

TEST_CASE("destroy deletes the stack's resources, dependents first") {
    E2e e2e;
    const DesiredSet desired = load(e2e);
    require_ok(e2e.apply(desired));
    const auto result = e2e.apply(desired, PlanOptions{true, true});
    require_ok(result);
    // The model container converge created goes with its last version.
    const auto container = std::find_if(result.steps.begin(), result.steps.end(),
                                        [](const Step& s) { return s.kind == k_model_container_kind; });
    REQUIRE(container != result.steps.end());
    CHECK(container->action == Action::remove);
    CHECK(container->status == StepStatus::succeeded);
    const ObservedState after = e2e.observe(desired, true);
    for (const auto& r : desired.resources) {
        CHECK_MESSAGE(after.find(r.id) == nullptr, r.id.str());
    }
    require_converged(e2e, desired, PlanOptions{true, true});
}

}  // TEST_SUITE
