#include "converge/planner.hpp"
#include "converge/render.hpp"
#include "converge/saved_plan.hpp"
#include "plan_fixtures.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace converge;
using converge::test::make_resource;
using converge::test::rid;

namespace {

const std::string k_ml = "Microsoft.MachineLearningServices/workspaces";
const std::string k_password = "Pa55w0rd-do-not-print";

DesiredSet desired() {
    DesiredSet set;
    set.stack = "prod";
    set.secret_values = {k_password};
    set.resources.push_back(make_resource("Workspace", rid(k_ml, "ws"),
                                          {{"location", "westeurope"}, {"properties", {{"friendlyName", "WS"}}}},
                                          "ws.yaml", 2));
    auto c = make_resource(
        "Compute", rid(k_ml + "/computes", "ws/cpu"),
        {{"location", "westeurope"},
         {"properties",
          {{"computeType", "AmlCompute"},
           {"properties",
            {{"vmSize", "STANDARD_DS3_V2"},
             {"scaleSettings", {{"maxNodeCount", 4}}},
             {"userAccountCredentials", {{"adminUserName", "azureuser"}, {"adminUserPassword", k_password}}}}}}}},
        "cpu.yaml", 7);
    c.depends_on.push_back({rid(k_ml, "ws"), Location{"cpu.yaml", 9, 3}, "dependsOn"});
    set.resources.push_back(c);
    return set;
}

ObservedState observed() {
    ObservedState obs;
    obs.resources[rid(k_ml, "ws")] = {{"location", "westeurope"},
                                      {"tags", {{"managed-by", "converge"}, {"converge-stack", "prod"}}},
                                      {"properties", {{"friendlyName", "Old"}, {"workspaceId", "abc"}}}};
    return obs;
}

SavedPlan round_trip(const DesiredSet& set, const ObservedState& obs, std::string* text_out = nullptr) {
    const auto result = build_plan(set, obs, {});
    const std::string text = save_plan(result.plan, set, obs);
    if (text_out) {
        *text_out = text;
    }
    auto loaded = load_saved_plan(text);
    REQUIRE_MESSAGE(loaded.saved, loaded.diagnostics.to_string());
    return *loaded.saved;
}

}  // namespace

TEST_SUITE("saved_plan") {
TEST_CASE("a saved plan contains no secret and reads back the same plan") {
    std::string text;
    const SavedPlan saved = round_trip(desired(), observed(), &text);
    CHECK(text.find("Pa55w0rd") == std::string::npos);
    CHECK(render_text(saved.plan) == render_text(build_plan(desired(), observed(), {}).plan));
    REQUIRE(saved.desired.resources.size() == 2);
    const auto& c = saved.desired.resources[1];
    CHECK_FALSE(c.body["properties"]["properties"]["userAccountCredentials"].contains("adminUserPassword"));
    CHECK(c.body["properties"]["properties"]["userAccountCredentials"]["adminUserName"] == "azureuser");
    CHECK(c.location == Location{"cpu.yaml", 7, 1});
    CHECK(c.depends_on.at(0).why == "dependsOn");
    REQUIRE(saved.secrets.size() == 1);
    CHECK(saved.secrets[0].pointer == "/properties/properties/userAccountCredentials/adminUserPassword");
}

TEST_CASE("nothing changed since: the plan is still valid") {
    const SavedPlan saved = round_trip(desired(), observed());
    CHECK(check_still_valid(saved, observed()).empty());
}

TEST_CASE("a field changed since the plan: refused, naming resource and field") {
    const SavedPlan saved = round_trip(desired(), observed());
    ObservedState now = observed();
    now.resources[rid(k_ml, "ws")]["properties"]["friendlyName"] = "Someone else";
    now.resources[rid(k_ml, "ws")]["properties"]["workspaceId"] = "changed";  // read-only: not a reason
    CHECK(check_still_valid(saved, now).to_string() ==
          "ws.yaml:2:1: error: Workspace/ws: properties.friendlyName changed since the plan was saved; run "
          "`converge plan` again\n");
}

TEST_CASE("a resource created or deleted since the plan: refused") {
    const SavedPlan saved = round_trip(desired(), observed());
    ObservedState now = observed();
    now.resources[rid(k_ml + "/computes", "ws/cpu")] = {{"location", "westeurope"}};
    now.resources.erase(rid(k_ml, "ws"));
    CHECK(check_still_valid(saved, now).to_string() ==
          "cpu.yaml:7:1: error: Compute/cpu was created since the plan was saved; run `converge plan` again\n"
          "ws.yaml:2:1: error: Workspace/ws was deleted since the plan was saved; run `converge plan` again\n");
}

TEST_CASE("secrets come back from the manifests, and only from the same manifests") {
    SavedPlan saved = round_trip(desired(), observed());
    CHECK(restore_secrets(saved, desired()).empty());
    CHECK(saved.desired.resources[1].body["properties"]["properties"]["userAccountCredentials"]["adminUserPassword"] ==
          k_password);
    SavedPlan again = round_trip(desired(), observed());
    auto changed = desired();
    changed.resources[0].body["properties"]["friendlyName"] = "Different";
    CHECK(restore_secrets(again, changed).to_string() ==
          "error: the manifests changed since the plan was saved; run `converge plan` again\n");
}

TEST_CASE("the digest ignores secrets but not the rest") {
    auto a = desired();
    auto b = desired();
    b.resources[1].body["properties"]["properties"]["userAccountCredentials"]["adminUserPassword"] = "other";
    CHECK(desired_digest(a) == desired_digest(b));
    b.resources[1].body["properties"]["properties"]["vmSize"] = "STANDARD_NC6";
    CHECK(desired_digest(a) != desired_digest(b));
    CHECK(desired_digest(a).rfind("sha256:", 0) == 0);
}

TEST_CASE("a saved plan keeps the model container changes and every change's edges") {
    auto set = desired();
    set.resources.push_back(make_resource("Model", rid(k_ml + "/models/versions", "ws/churn/2"),
                                          {{"properties", {{"modelUri", "azureml://x"}}}}, "model.yaml", 1));
    auto obs = observed();
    const Json owned{{"properties", {{"tags", {{"managed-by", "converge"}, {"converge-stack", "prod"}}}}}};
    obs.resources[rid(k_ml + "/models", "ws/old")] = owned;
    obs.resources[rid(k_ml + "/models/versions", "ws/old/1")] = owned;
    const auto result = build_plan(set, obs, {true, false});
    REQUIRE(result.ok());
    std::vector<std::string> kinds;
    for (const auto& c : result.plan.changes) {
        if (c.kind == k_model_container_kind) {
            kinds.push_back(std::string(action_name(c.action)) + " " + change_label(c));
        }
    }
    CHECK(kinds == std::vector<std::string>{"create ModelContainer/churn", "delete ModelContainer/old"});
    const auto loaded = load_saved_plan(save_plan(result.plan, set, obs));
    REQUIRE_MESSAGE(loaded.saved, loaded.diagnostics.to_string());
    CHECK(render_json(loaded.saved->plan) == render_json(result.plan));
    REQUIRE(loaded.saved->plan.changes.size() == result.plan.changes.size());
    for (std::size_t i = 0; i < result.plan.changes.size(); ++i) {
        CHECK(loaded.saved->plan.changes[i].depends_on == result.plan.changes[i].depends_on);
    }
}

TEST_CASE("files that are not saved plans are refused with a reason") {
    CHECK(load_saved_plan("nope", "p.json").diagnostics.to_string() ==
          "p.json: error: not a saved plan: the file is not JSON\n");
    CHECK(load_saved_plan(R"({"format_version":1})", "p.json").diagnostics.to_string() ==
          "p.json: error: not a saved plan (expected \"format\": \"converge-saved-plan\"; write one with `converge "
          "plan -o FILE`)\n");
    CHECK(load_saved_plan(R"({"format":"converge-saved-plan","format_version":9})", "p.json").diagnostics.to_string() ==
          "p.json: error: unsupported saved plan format_version 9 (this converge reads 2; run `converge plan` again)\n");
    // Version 1 plans had no model-container changes: applying one would skip the containers.
    CHECK(load_saved_plan(R"({"format":"converge-saved-plan","format_version":1})", "p.json").diagnostics.to_string() ==
          "p.json: error: unsupported saved plan format_version 1 (this converge reads 2; run `converge plan` again)\n");
    CHECK(load_saved_plan(R"({"format":"converge-saved-plan","format_version":2})", "p.json")
              .diagnostics.to_string()
              .rfind("p.json: error: malformed saved plan: ", 0) == 0);
}
TEST_CASE("a secret tag Azure already holds is neither saved nor a reason to refuse") {
    auto set = desired();
    set.resources[0].body["tags"] = {{"owner", "ml"}, {"pw", k_password}};
    set.resources[0].sensitive.insert("/tags/pw");
    ObservedState obs = observed();
    obs.resources[rid(k_ml, "ws")]["tags"] = {{"owner", "ml"}, {"pw", k_password}, {"note", "x-" + k_password}};
    std::string text;
    SavedPlan saved = round_trip(set, obs, &text);
    CHECK(text.find("Pa55w0rd") == std::string::npos);
    CHECK(restore_secrets(saved, set).empty());
    CHECK(check_still_valid(saved, obs).empty());
    ObservedState now = obs;
    now.resources[rid(k_ml, "ws")]["tags"]["owner"] = "someone";
    CHECK(check_still_valid(saved, now).to_string().find("Workspace/ws: tags.owner changed since") != std::string::npos);
}

// Regression: the saved plan's stripper and observed projection built pointers without
// escaping, so a secret field whose key holds '/' or '~' matched no sensitive pointer.
TEST_CASE("a secret field whose key holds '/' or '~' is neither saved nor kept from Azure") {
    auto set = desired();
    set.resources[0].body["properties"]["settings"] = {{"a/b", "slash-key-value"}, {"c~d", "tilde-key-value"}};
    set.resources[0].sensitive.insert("/properties/settings/a~1b");
    set.resources[0].sensitive.insert("/properties/settings/c~0d");
    ObservedState obs = observed();
    obs.resources[rid(k_ml, "ws")]["properties"]["settings"] = {{"a/b", "old-slash-key-value"},
                                                                {"c~d", "old-tilde-key-value"}};
    std::string text;
    SavedPlan saved = round_trip(set, obs, &text);
    CHECK_FALSE(text.find("key-value") != std::string::npos);
    std::vector<std::string> pointers;
    for (const auto& s : saved.secrets) {
        pointers.push_back(s.pointer);
    }
    CHECK(std::find(pointers.begin(), pointers.end(), "/properties/settings/a~1b") != pointers.end());
    CHECK(std::find(pointers.begin(), pointers.end(), "/properties/settings/c~0d") != pointers.end());
    CHECK(restore_secrets(saved, set).empty());
    CHECK(saved.desired.resources[0].body["properties"]["settings"]["a/b"] == "slash-key-value");
    CHECK(saved.desired.resources[0].body["properties"]["settings"]["c~d"] == "tilde-key-value");
}

TEST_CASE("the inputs are recorded, secret --var values withheld by name") {
    PlanInputs in;
    in.paths = {"/stack"};
    in.values_files = {"/stack/prod.yaml"};
    in.vars = {{"env", "prod"}, {"pw", k_password}};
    in.subscription = "00000000-0000-0000-0000-000000000001";
    const auto set = desired();
    const std::string text = save_plan(build_plan(set, observed(), {}).plan, set, observed(), in);
    CHECK(text.find("Pa55w0rd") == std::string::npos);
    const auto loaded = load_saved_plan(text);
    REQUIRE(loaded.saved);
    const PlanInputs& back = loaded.saved->inputs;
    CHECK(back.paths == in.paths);
    CHECK(back.values_files == in.values_files);
    CHECK(back.vars == std::vector<std::pair<std::string, std::string>>{{"env", "prod"}});
    CHECK(back.withheld_vars == std::vector<std::string>{"pw"});
    CHECK(back.subscription == in.subscription);
}
}
