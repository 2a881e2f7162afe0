#include "converge/planner.hpp"
#include "converge/render.hpp"
#include "converge/resource_ops.hpp"
#include "plan_fixtures.hpp"

#include <doctest/doctest.h>

using namespace converge;
using converge::test::make_resource;
using converge::test::rid;

namespace {

const std::string k_ml = "Microsoft.MachineLearningServices/workspaces";

Json owned_tags(const std::string& stack = "prod") { return {{"managed-by", "converge"}, {"converge-stack", stack}}; }

DesiredSet stack() {
    DesiredSet set;
    set.stack = "prod";
    const auto sa = rid("Microsoft.Storage/storageAccounts", "sa");
    set.resources.push_back(make_resource("ResourceGroup", rid(), {{"location", "westeurope"}}, "rg.yaml", 1));
    set.resources.push_back(make_resource("StorageAccount", sa, {{"location", "westeurope"}, {"kind", "StorageV2"}},
                                          "sa.yaml", 1));
    set.resources.push_back(make_resource("Workspace", rid(k_ml, "ws"),
                                          {{"location", "westeurope"}, {"properties", {{"storageAccount", sa.str()}}}},
                                          "ws.yaml", 1));
    set.resources.push_back(make_resource(
        "Compute", rid(k_ml + "/computes", "ws/cpu"),
        {{"location", "westeurope"},
         {"properties", {{"computeType", "AmlCompute"}, {"properties", {{"vmSize", "STANDARD_DS3_V2"}, {"scaleSettings", {{"maxNodeCount", 4}}}}}}}},
        "compute.yaml", 3));
    set.resources.push_back(make_resource("Model", rid(k_ml + "/models/versions", "ws/m/1"),
                                          {{"properties", {{"modelUri", "azureml://x"}}}}, "model.yaml", 1));
    record_implied_edges(set);  // what the loader does
    return set;
}

ObservedState observed_all(const DesiredSet& set) {
    ObservedState obs;
    for (const auto& r : set.resources) {
        Json body = r.body;
        body["id"] = r.id.str();
        (r.kind->tags == TagsAt::properties ? body["properties"]["tags"] : body["tags"]) = owned_tags();
        obs.resources[r.id] = body;
    }
    obs.resources[rid(k_ml + "/models", "ws/m")] = {{"properties", Json::object()}};
    return obs;
}

std::vector<std::string> summary(const Plan& p) {
    std::vector<std::string> out;
    for (const auto& c : p.changes) {
        if (c.action != Action::noop) {
            out.push_back(std::string(action_name(c.action)) + " " + change_label(c));
        }
    }
    return out;
}

}  // namespace

TEST_SUITE("planner") {
TEST_CASE("an empty subscription: everything is created in dependency order") {
    const auto set = stack();
    const auto r = build_plan(set, ObservedState{}, {});
    CHECK(r.ok());
    CHECK(summary(r.plan) == std::vector<std::string>{"create ResourceGroup/rg", "create StorageAccount/sa",
                                                      "create Workspace/ws", "create Compute/cpu",
                                                      "create ModelContainer/m", "create Model/m@1"});
    // The container a version needs is a change of its own, before the version, after the workspace.
    const Change& container = r.plan.changes[4];
    CHECK(container.kind == k_model_container_kind);
    CHECK(container.reason == Reason::absent);
    CHECK(container.depends_on == std::vector<ResourceId>{r.plan.changes[2].id});
    CHECK(std::find(r.plan.changes.back().depends_on.begin(), r.plan.changes.back().depends_on.end(), container.id) !=
          r.plan.changes.back().depends_on.end());
    CHECK(summary_line(r.plan) == "Plan: 6 to create, 0 to update, 0 to replace, 0 to delete.");
    CHECK(render_text(r.plan).find("+ ModelContainer/m will be created") != std::string::npos);
    CHECK(render_markdown(r.plan).find("ModelContainer/m") != std::string::npos);
    const Json json = Json::parse(render_json(r.plan));
    CHECK(json["changes"][4]["kind"] == "ModelContainer");
    CHECK(json["changes"][4]["name"] == "ModelContainer/m");
    CHECK(json["summary"]["create"] == 6);
    CHECK(r.plan.changes[2].depends_on.size() == 2);  // group (parent) and storage account (ref)
}

TEST_CASE("everything in place: no changes") {
    const auto set = stack();
    const auto r = build_plan(set, observed_all(set), {});
    CHECK(r.ok());
    CHECK_FALSE(r.plan.has_changes());
    CHECK(render_text(r.plan) == "No changes. Azure matches the manifests.\n");
}

TEST_CASE("prune deletes only what this stack owns, dependents first") {
    auto set = stack();
    auto obs = observed_all(set);
    const auto old = rid(k_ml + "/computes", "ws/old");
    const auto old_ws = rid(k_ml, "ws2");
    obs.resources[old] = {{"tags", owned_tags()}};
    obs.resources[old_ws] = {{"tags", owned_tags()}};
    obs.resources[rid(k_ml + "/computes", "ws2/c")] = {{"tags", owned_tags()}};
    obs.resources[rid(k_ml + "/computes", "ws/foreign")] = {{"tags", owned_tags("other")}};
    obs.resources[rid(k_ml + "/computes", "ws/untagged")] = Json::object();
    obs.resources[rid(k_ml + "/computes", "ws/half")] = {{"tags", {{"converge-stack", "prod"}}}};
    CHECK_FALSE(build_plan(set, obs, {}).plan.has_changes());
    const auto r = build_plan(set, obs, {true, false});
    CHECK(r.ok());
    CHECK(summary(r.plan) == std::vector<std::string>{"delete Compute/c", "delete Workspace/ws2", "delete Compute/old"});
    CHECK(r.plan.changes.back().reason == Reason::pruned);
    set.stack.clear();
    CHECK(build_plan(set, obs, {true, false}).diagnostics.to_string() ==
          "error: --prune needs a stack name (set `stack:` in converge.yaml)\n");
}

TEST_CASE("a Failed or unsettled resource is repaired: a compute is replaced, a workspace written again") {
    const auto set = stack();
    auto obs = observed_all(set);
    auto& compute = obs.resources[rid(k_ml + "/computes", "ws/cpu")];
    compute["properties"]["provisioningState"] = "Failed";
    compute["properties"]["provisioningErrors"] = Json::parse(R"([{"error":{"code":"QuotaExceeded","message":"no cores left"}}])");
    obs.resources[rid(k_ml, "ws")]["properties"]["provisioningState"] = "Updating";
    const auto r = build_plan(set, obs, {});
    REQUIRE(r.ok());
    CHECK(summary(r.plan) == std::vector<std::string>{"update Workspace/ws", "replace Compute/cpu"});
    CHECK(r.plan.changes.size() == 5);
    const std::string text = render_text(r.plan);
    CHECK(text.find("  ! Workspace/ws is Updating; written again\n") != std::string::npos);
    CHECK(text.find("!/+ Compute/cpu is Failed: no cores left; deleted and created again\n") != std::string::npos);
    CHECK(plan_to_json(r.plan)["changes"][1]["reason"] == "failed");
    // The repair writes the whole body (a PUT), not a PATCH of the fields that differ.
    const Change& ws = *std::find_if(r.plan.changes.begin(), r.plan.changes.end(),
                                     [](const Change& c) { return c.kind == "Workspace"; });
    CHECK(ws.reason == Reason::unsettled);
    CHECK_FALSE(update_request(set.resources[2], ws).patch);
}

TEST_CASE("destroy deletes what exists, in reverse dependency order") {
    const auto set = stack();
    auto obs = observed_all(set);
    obs.resources.erase(rid("Microsoft.Storage/storageAccounts", "sa"));
    // The model container someone else made (untagged) stays, and so does what holds it.
    const auto kept = build_plan(set, obs, {false, true});
    CHECK(kept.ok());
    CHECK(summary(kept.plan) == std::vector<std::string>{"delete Model/m@1", "delete Compute/cpu", "keep Workspace/ws",
                                                         "keep ResourceGroup/rg"});
    CHECK(kept.plan.changes[2].reason_detail == "holds 1 resource this stack does not own: ModelContainer/m (untagged)");
    // This stack's container goes after its last version.
    obs.resources[rid(k_ml + "/models", "ws/m")] = {{"properties", {{"tags", owned_tags()}}}};
    const auto r = build_plan(set, obs, {false, true});
    CHECK(r.ok());
    CHECK(summary(r.plan) == std::vector<std::string>{"delete Model/m@1", "delete ModelContainer/m", "delete Compute/cpu",
                                                      "delete Workspace/ws", "delete ResourceGroup/rg"});
    CHECK(r.plan.destructive());
}

TEST_CASE("protect makes replace and delete plan-time errors naming the resource") {
    auto set = stack();
    auto obs = observed_all(set);
    set.resources[3].protect = true;
    set.resources[3].body["properties"]["properties"]["vmSize"] = "STANDARD_NC6";
    auto r = build_plan(set, obs, {});
    CHECK_FALSE(r.ok());
    CHECK(r.diagnostics.to_string() ==
          "compute.yaml:3:1: error: cannot replace protected resource Compute/cpu (properties.properties.vmSize "
          "cannot be changed in place); remove metadata.protect to allow it\n");
    set.resources[3].body["properties"]["properties"]["vmSize"] = "STANDARD_DS3_V2";
    CHECK(build_plan(set, obs, {}).ok());
    r = build_plan(set, obs, {false, true});
    CHECK(r.diagnostics.to_string() ==
          "compute.yaml:3:1: error: cannot delete protected resource Compute/cpu; remove metadata.protect to allow it\n");
}

TEST_CASE("secret values from variables are scrubbed from every field") {
    auto set = stack();
    set.secret_values = {"s3cr3t-value"};
    set.resources[1].body["properties"] = {{"note", "prefix-s3cr3t-value"}};
    const auto r = build_plan(set, ObservedState{}, {});
    for (const auto& text : {render_text(r.plan), render_json(r.plan), render_markdown(r.plan)}) {
        CHECK(text.find("s3cr3t") == std::string::npos);
        CHECK(text.find("(sensitive)") != std::string::npos);
    }
}

TEST_CASE("a cycle stops the plan") {
    auto set = stack();
    set.resources[0].depends_on.push_back({set.resources[2].id, Location{"rg.yaml", 2, 3}, "dependsOn"});
    const auto r = build_plan(set, ObservedState{}, {});
    CHECK_FALSE(r.ok());
    CHECK(r.plan.changes.empty());
    CHECK(r.diagnostics.to_string().find("dependency cycle: ResourceGroup/rg -> Workspace/ws (dependsOn at rg.yaml:2:3)") !=
          std::string::npos);
}
}
