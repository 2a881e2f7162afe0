// Ownership end to end (issue 15): two stacks share a resource group and a workspace, next to
// an untagged resource nobody declared. Destroy and prune of either never delete the other's
// resources or the untagged one; a takeover is refused, then allowed with --take-over-from;
// adopting an untagged resource needs metadata.adopt or --adopt; orphans are listed.
#include "e2e_fixture.hpp"

#include "converge/render.hpp"

#include <doctest/doctest.h>

using namespace converge;
using converge::testing::E2e;
using converge::testing::require_converged;
using converge::testing::require_ok;
using converge::testing::changes_of;

namespace {

const std::string k_config_a = R"(apiVersion: converge/v1
stack: team-a
defaults:
  resourceGroup: rg-shared
  location: westeurope
  workspace: ws-shared
)";

const std::string k_config_b = R"(apiVersion: converge/v1
stack: team-b
defaults:
  resourceGroup: rg-shared
  location: westeurope
  workspace: ws-shared
)";

// Team A: the group, the workspace and its dependencies, one compute.
std::map<std::string, std::string> stack_a() {
    return {
        {"rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-shared}\nspec: {}\n"},
        {"deps.yaml", R"(apiVersion: converge/v1
kind: StorageAccount
metadata: {name: stshared}
spec: {kind: StorageV2, sku: {name: Standard_LRS}}
---
apiVersion: converge/v1
kind: KeyVault
metadata: {name: kv-shared}
spec:
  properties:
    tenantId: ${var:tenant}
    sku: {family: A, name: standard}
---
apiVersion: converge/v1
kind: ApplicationInsights
metadata: {name: appi-shared}
spec: {kind: web, properties: {Application_Type: web}}
)"},
        {"ws.yaml", R"(apiVersion: converge/v1
kind: Workspace
metadata: {name: ws-shared}
spec:
  identity: {type: SystemAssigned}
  properties:
    storageAccount: ${ref:StorageAccount/stshared}
    keyVault: ${ref:KeyVault/kv-shared}
    applicationInsights: ${ref:ApplicationInsights/appi-shared}
)"},
        {"compute.yaml", R"(apiVersion: converge/v1
kind: Compute
metadata: {name: cpu-a}
spec:
  properties:
    computeType: AmlCompute
    properties: {vmSize: STANDARD_DS3_V2, scaleSettings: {minNodeCount: 0, maxNodeCount: 1}}
)"},
    };
}

// Team B: a storage account in A's group and a compute in A's workspace.
std::map<std::string, std::string> stack_b() {
    return {
        {"st.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stteamb}\n"
                    "spec: {kind: StorageV2, sku: {name: Standard_LRS}}\n"},
        {"compute.yaml", R"(apiVersion: converge/v1
kind: Compute
metadata: {name: cpu-b}
spec:
  properties:
    computeType: AmlCompute
    properties: {vmSize: STANDARD_DS3_V2, scaleSettings: {minNodeCount: 0, maxNodeCount: 1}}
)"},
    };
}

DesiredSet load(E2e& e2e, const std::map<std::string, std::string>& files, const std::string& config) {
    auto loaded = e2e.load(files, config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return std::move(loaded.desired);
}

struct Shared {
    E2e e2e;
    std::string group;
    std::string ws;
    std::string untagged;

    Shared() {
        group = "/subscriptions/" + e2e.subscription() + "/resourceGroups/rg-shared";
        ws = group + "/providers/Microsoft.MachineLearningServices/workspaces/ws-shared";
        untagged = group + "/providers/Microsoft.Storage/storageAccounts/stnobody";
        require_ok(e2e.apply(load(e2e, stack_a(), k_config_a)));
        require_ok(e2e.apply(load(e2e, stack_b(), k_config_b)));
        // Someone created a storage account by hand: no ownership tags.
        REQUIRE(e2e.client().put(untagged, "2023-05-01",
                                 Json::parse(R"({"location":"westeurope","kind":"StorageV2","sku":{"name":"Standard_LRS"}})")));
    }
    bool exists(const std::string& id, const std::string& api) { return static_cast<bool>(e2e.api().get(id, api)); }
};

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("ownership: destroy of one stack keeps what holds the other's resources and the untagged one") {
    Shared s;
    const DesiredSet a = load(s.e2e, stack_a(), k_config_a);
    const PlanOptions destroy{true, true};
    const auto planned = s.e2e.plan(a, destroy);
    REQUIRE_MESSAGE(planned.ok(), planned.diagnostics.to_string());
    CHECK(changes_of(planned.plan) ==
          "delete Compute/cpu-a\n"
          "keep Workspace/ws-shared\n"
          "keep StorageAccount/stshared\n"
          "keep KeyVault/kv-shared\n"
          "keep ApplicationInsights/appi-shared\n"
          "keep ResourceGroup/rg-shared\n");
    const std::string text = render_text(planned.plan);
    CHECK(text.find("~ keep Workspace/ws-shared: holds 1 resource this stack does not own: Compute/cpu-b (stack team-b)") !=
          std::string::npos);
    CHECK(text.find("keep ResourceGroup/rg-shared: holds ") != std::string::npos);
    CHECK(text.find("StorageAccount/stnobody (untagged)") != std::string::npos);
    CHECK(text.find("StorageAccount/stteamb (stack team-b)") != std::string::npos);
    CHECK(text.find("Destroy: 1 to delete, 5 kept.") != std::string::npos);
    CHECK(planned.plan.destructive());

    require_ok(s.e2e.apply(a, destroy));
    CHECK_FALSE(s.exists(s.ws + "/computes/cpu-a", "2025-12-01"));
    CHECK(s.exists(s.ws + "/computes/cpu-b", "2025-12-01"));
    CHECK(s.exists(s.ws, "2025-12-01"));
    CHECK(s.exists(s.untagged, "2023-05-01"));
    CHECK(s.exists(s.group + "/providers/Microsoft.Storage/storageAccounts/stteamb", "2023-05-01"));
    // Destroy again: nothing to delete, the same keeps.
    const auto again = s.e2e.plan(a, destroy);
    CHECK(again.plan.count(Action::remove) == 0);
    CHECK(again.plan.count(Action::keep) == 5);

    // B destroys too: its compute goes; its storage account too; A's remain (untouched).
    const DesiredSet b = load(s.e2e, stack_b(), k_config_b);
    require_ok(s.e2e.apply(b, destroy));
    CHECK_FALSE(s.exists(s.ws + "/computes/cpu-b", "2025-12-01"));
    CHECK_FALSE(s.exists(s.group + "/providers/Microsoft.Storage/storageAccounts/stteamb", "2023-05-01"));
    CHECK(s.exists(s.ws, "2025-12-01"));

    // Now A's workspace holds nothing foreign: it goes, the group stays for the untagged account.
    const auto last = s.e2e.plan(a, destroy);
    CHECK(changes_of(last.plan) ==
          "delete Workspace/ws-shared\n"
          "delete StorageAccount/stshared\n"
          "delete KeyVault/kv-shared\n"
          "delete ApplicationInsights/appi-shared\n"
          "keep ResourceGroup/rg-shared\n");
    require_ok(s.e2e.apply(a, destroy));
    CHECK(s.exists(s.untagged, "2023-05-01"));
    CHECK(s.exists(s.group, "2021-04-01"));
    CHECK(s.e2e.plan(a, destroy).plan.count(Action::remove) == 0);
}

TEST_CASE("ownership: --force-delete-contents deletes the group with what it holds, and says so") {
    Shared s;
    const DesiredSet b = load(s.e2e, stack_b(), k_config_b);
    require_ok(s.e2e.apply(b, PlanOptions{true, true}));
    PlanOptions destroy{true, true};
    destroy.force_delete_contents = true;
    const DesiredSet a = load(s.e2e, stack_a(), k_config_a);
    const auto planned = s.e2e.plan(a, destroy);
    REQUIRE(planned.ok());
    CHECK(planned.plan.count(Action::keep) == 0);
    const std::string text = render_text(planned.plan);
    CHECK(text.find("ResourceGroup/rg-shared will be deleted WITH WHAT IT HOLDS (--force-delete-contents): holds 1 "
                    "resource this stack does not own: StorageAccount/stnobody (untagged)") != std::string::npos);
    require_ok(s.e2e.apply(a, destroy));
    CHECK_FALSE(s.exists(s.untagged, "2023-05-01"));
}

TEST_CASE("ownership: prune by either stack never deletes the other's or an untagged resource") {
    Shared s;
    auto files = stack_b();
    files.erase("compute.yaml");
    files.erase("st.yaml");
    files["x.yaml"] = "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stbother}\n"
                      "spec: {kind: StorageV2, sku: {name: Standard_LRS}}\n";
    const DesiredSet b = load(s.e2e, files, k_config_b);
    // Without --prune the stack's own leftovers are listed, not deleted.
    const auto listed = s.e2e.plan(b);
    REQUIRE(listed.ok());
    CHECK(changes_of(listed.plan) == "create StorageAccount/stbother\n");
    REQUIRE_MESSAGE(listed.plan.orphans.size() == 2, render_text(listed.plan));
    CHECK(render_text(listed.plan).find("Not in the manifests (kept; --prune deletes them): 2 resources of this stack") !=
          std::string::npos);
    const Json json = plan_to_json(listed.plan);
    CHECK(json["summary"]["orphans"] == 2);
    CHECK(json["orphans"][0]["name"] == "Compute/cpu-b");

    const auto pruned = s.e2e.plan(b, PlanOptions{true, false});
    CHECK(changes_of(pruned.plan) ==
          "create StorageAccount/stbother\ndelete StorageAccount/stteamb\ndelete Compute/cpu-b\n");
    require_ok(s.e2e.apply(b, PlanOptions{true, false}));
    CHECK(s.exists(s.ws + "/computes/cpu-a", "2025-12-01"));
    CHECK(s.exists(s.untagged, "2023-05-01"));
    require_converged(s.e2e, b, PlanOptions{true, false});
    CHECK(s.e2e.plan(b).plan.orphans.empty());
}

TEST_CASE("ownership: another stack's resource is a conflict until --take-over-from moves it") {
    Shared s;
    const std::map<std::string, std::string> files = {
        {"st.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stteamb}\n"
                    "spec: {kind: StorageV2, sku: {name: Standard_LRS}}\n"}};
    const std::string config_c = "apiVersion: converge/v1\nstack: team-c\ndefaults: {resourceGroup: rg-shared, location: westeurope}\n";
    const DesiredSet c = load(s.e2e, files, config_c);
    const auto refused = s.e2e.plan(c);
    CHECK_FALSE(refused.ok());
    CHECK(refused.diagnostics.to_string() ==
          "st.yaml:2:1: error: conflict: StorageAccount/stteamb is owned by stack \"team-b\" (its converge-stack tag); "
          "converge never writes another stack's resource. Remove it from these manifests, or move it to this stack "
          "with --take-over-from team-b\n");
    PlanOptions take;
    take.take_over_from = "team-b";
    const auto moved = s.e2e.plan(c, take);
    REQUIRE_MESSAGE(moved.ok(), moved.diagnostics.to_string());
    CHECK(changes_of(moved.plan) == "adopt StorageAccount/stteamb\n");
    CHECK(render_text(moved.plan).find("<= StorageAccount/stteamb will be adopted by this stack: taken over from stack "
                                       "team-b (--take-over-from)") != std::string::npos);
    const auto before = s.e2e.writes();
    require_ok(s.e2e.apply(c, take));
    CHECK(s.e2e.writes() > before);
    require_converged(s.e2e, c);
    // Now B is refused in turn.
    const auto b = s.e2e.plan(load(s.e2e, stack_b(), k_config_b));
    CHECK_FALSE(b.ok());
    CHECK(b.diagnostics.to_string().find("owned by stack \"team-c\"") != std::string::npos);
}

TEST_CASE("ownership: an untagged resource is adopted only with metadata.adopt or --adopt") {
    Shared s;
    const std::string doc = "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stnobody}\n"
                            "spec: {kind: StorageV2, sku: {name: Standard_LRS}}\n";
    const DesiredSet plain = load(s.e2e, {{"st.yaml", doc}}, k_config_b);
    const auto refused = s.e2e.plan(plain);
    CHECK_FALSE(refused.ok());
    CHECK(refused.diagnostics.to_string().find(
              "st.yaml:2:1: error: StorageAccount/stnobody already exists in Azure and no converge stack owns it") !=
          std::string::npos);
    CHECK(refused.diagnostics.to_string().find("--adopt") != std::string::npos);
    PlanOptions adopt;
    adopt.adopt = true;
    const auto flagged = s.e2e.plan(plain, adopt);
    REQUIRE(flagged.ok());
    CHECK(changes_of(flagged.plan) == "adopt StorageAccount/stnobody\n");

    const std::string marked = "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stnobody, adopt: true}\n"
                               "spec: {kind: StorageV2, sku: {name: Standard_LRS}}\n";
    const DesiredSet with_metadata = load(s.e2e, {{"st.yaml", marked}}, k_config_b);
    const auto planned = s.e2e.plan(with_metadata);
    REQUIRE(planned.ok());
    REQUIRE(planned.plan.changes.size() == 1);
    CHECK(planned.plan.changes[0].action == Action::adopt);
    CHECK(planned.plan.changes[0].reason == Reason::untagged);
    require_ok(s.e2e.apply(with_metadata));
    require_converged(s.e2e, with_metadata);
    const auto tags = (*s.e2e.api().get(s.untagged, "2023-05-01"))["tags"];
    CHECK(tags["converge-stack"] == "team-b");
}

}  // TEST_SUITE
