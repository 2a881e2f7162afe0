// ObservedNeeds: what observe keeps of each listed item must give exactly the plan, the apply
// order, the deferred ref values and the saved plan that the whole body gives.
#include "converge/apply.hpp"
#include "converge/diff.hpp"
#include "converge/observe.hpp"
#include "converge/planner.hpp"
#include "converge/render.hpp"
#include "converge/saved_plan.hpp"
#include "fake_arm.hpp"
#include "plan_fixtures.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <random>

using namespace converge;
using converge::test::make_resource;
using converge::test::rid;
using converge::testing::FakeArm;

namespace {

const std::string k_ml = "Microsoft.MachineLearningServices/workspaces";

Json owned_tags() { return {{"managed-by", "converge"}, {"converge-stack", "prod"}}; }

std::string sa_id() { return rid("Microsoft.Storage/storageAccounts", "sa").str(); }

Resource compute(const std::string& name) {
    Json body = {{"location", "westeurope"},
                 {"tags", {{"team", "ml"}}},
                 {"properties",
                  {{"computeType", "AmlCompute"},
                   {"properties",
                    {{"vmSize", "STANDARD_DS3_V2"},
                     {"remoteLoginPortPublicAccess", "NotSpecified"},
                     {"userAccountCredentials", {{"adminUserName", "azure"}, {"adminUserPassword", "hunter2"}}},
                     {"scaleSettings", {{"maxNodeCount", 2}, {"nodeIdleTimeBeforeScaleDown", "PT1800S"}}}}}}}};
    return make_resource("Compute", rid(k_ml + "/computes", "ws/" + name), body);
}

// Arrays of named objects, ids, a value made secret by a variable, odd key spellings.
Resource endpoint() {
    Json body = {{"location", "westeurope"},
                 {"properties",
                  {{"storage", sa_id()},
                   {"Mode", "Default"},
                   {"token", "from-a-secret-var"},
                   {"rules", Json::array({{{"name", "a"}, {"port", 1}}, {{"name", "b"}, {"port", 2}}})},
                   {"plain", Json::array({1, 2, 3})},
                   {"empty", Json::object()},
                   {"Opts", {{"a", 1}, {"c", 3}}},
                   {"opts", {{"b", 2}}},
                   {"gone", nullptr}}}};
    Resource r = make_resource("ArmResource", rid("Microsoft.Test/things", "t"), body);
    r.sensitive.insert("/properties/token");
    return r;
}

Resource model_version() {
    return make_resource("Model", rid(k_ml + "/models/versions", "ws/m/1"),
                         {{"properties", {{"modelUri", "azureml://x"}, {"tags", {{"k", "v"}}}}}});
}

Resource workspace() {
    return make_resource("Workspace", rid(k_ml, "ws"),
                         {{"location", "westeurope"}, {"properties", {{"storageAccount", sa_id()}}}});
}

// What Azure might answer for `desired`: server fields, drift, other spellings, other types.
class Mutator {
public:
    explicit Mutator(unsigned seed) : m_rng(seed) {}

    Json observed(const Json& d) {
        Json o = d.is_object() ? object(d) : d;
        o["id"] = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Test/things/x";
        o["systemData"] = {{"createdBy", "someone"}};
        return o;
    }

private:
    int pick(int n) { return static_cast<int>(m_rng() % static_cast<unsigned>(n)); }

    Json server_value() {
        switch (pick(5)) {
        case 0: return "server";
        case 1: return 7;
        case 2: return {{"nested", "v"}, {"ref", "/subscriptions/s/resourceGroups/rg"}};
        case 3: return Json::array({"a", {{"id", sa_id()}}});
        default: return sa_id();
        }
    }

    Json scalar(const Json& d) {
        if (d.is_string()) {
            std::string s = d.get<std::string>();
            for (auto& c : s) {
                c = pick(2) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
            }
            return pick(3) ? Json(s) : Json(s + "x");
        }
        return d.is_number() ? Json(d.get<double>() + pick(2)) : Json(!d.is_boolean() || !d.get<bool>());
    }

    Json value(const Json& d) {
        switch (pick(8)) {
        case 0: return nullptr;
        case 1: return server_value();
        case 2: return d.is_structured() ? Json("flat") : Json({{"was", d}});
        default: break;
        }
        if (d.is_object()) {
            return object(d);
        }
        if (d.is_array()) {
            Json a = d;
            if (pick(2) && !a.empty()) {
                std::swap(a.front(), a.back());
            }
            if (pick(4) == 0) {
                a.push_back(server_value());
            }
            return a;
        }
        return pick(3) == 0 ? scalar(d) : d;
    }

    Json object(const Json& d) {
        Json o = Json::object();
        for (auto it = d.begin(); it != d.end(); ++it) {
            std::string key = it.key();
            switch (pick(6)) {
            case 0: continue;  // absent in Azure
            case 1: key[0] = static_cast<char>(pick(2) ? std::toupper(key[0]) : std::tolower(key[0])); break;
            case 2: o[key + ""] = value(*it); key[0] = static_cast<char>(std::toupper(key[0])); break;
            default: break;
            }
            o[key] = value(*it);
        }
        for (int n = pick(3); n > 0; --n) {
            o["server" + std::to_string(pick(4))] = server_value();
        }
        if (pick(3) == 0) {
            o["tags"] = owned_tags();
        }
        return o;
    }

    std::mt19937 m_rng;
};

ObservedState projected(const DesiredSet& desired, const ObservedState& full) {
    const ObservedNeeds needs(desired);
    ObservedState out;
    for (const auto& [id, body] : full.resources) {
        out.resources[id] = needs.project(id, body);
    }
    return out;
}

std::string step_graph_text(const Plan& plan) {
    const StepGraph g = build_step_graph(plan);
    std::string out;
    for (std::size_t i = 0; i < g.steps.size(); ++i) {
        out += std::string(action_name(g.steps[i].action)) + " " + g.steps[i].id.str() + " after";
        for (auto w : g.waits_for[i]) {
            out += " " + std::to_string(w);
        }
        out += "\n";
    }
    return out;
}

// Plan (with and without prune, and destroy), apply order and saved plan agree.
void check_same_outcome(const DesiredSet& desired, const ObservedState& full) {
    const ObservedState kept = projected(desired, full);
    for (const PlanOptions& options : {PlanOptions{}, PlanOptions{true, false}, PlanOptions{false, true}}) {
        const PlanResult a = build_plan(desired, full, options);
        const PlanResult b = build_plan(desired, kept, options);
        REQUIRE(render_json(a.plan) == render_json(b.plan));
        CHECK(a.diagnostics.to_string() == b.diagnostics.to_string());
        CHECK(step_graph_text(a.plan) == step_graph_text(b.plan));
        CHECK(save_plan(a.plan, desired, full) == save_plan(a.plan, desired, kept));
    }
}

}  // namespace

TEST_SUITE("observe") {

TEST_CASE("projection keeps what the manifest sets, ownership tags, other ids and nothing else") {
    DesiredSet desired;
    desired.resources = {workspace()};
    const ResourceId ws = desired.resources[0].id;
    const Json item = {{"id", ws.str()},
                       {"name", "ws"},
                       {"type", k_ml},
                       {"location", "westeurope"},
                       {"tags", owned_tags()},
                       {"systemData", {{"createdBy", "someone"}}},
                       {"identity", {{"principalId", "p"}, {"type", "SystemAssigned"}}},
                       {"properties",
                        {{"StorageAccount", sa_id()},
                         {"keyVault", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"},
                         {"discoveryUrl", "https://x"},
                         {"provisioningState", "Succeeded"},
                         {"links", Json::array({{{"id", sa_id()}, {"note", "n"}}, {{"note", "none"}}})},
                         {"hbiWorkspace", false}}}};
    const Json expected = {{"location", "westeurope"},
                           {"tags", owned_tags()},
                           {"properties",
                            {{"StorageAccount", sa_id()},
                             {"keyVault", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"},
                             {"links", Json::array({{{"id", sa_id()}}})}}}};
    CHECK(ObservedNeeds(desired).project(ws, item) == expected);

    // An "id" that is not the item's own is a reference like any other.
    CHECK(ObservedNeeds(desired).project(rid("Microsoft.Storage/storageAccounts", "sa"), item)["id"] == ws.str());

    // Not in the manifests (a prune candidate): ownership and ids only.
    const Json other = ObservedNeeds(DesiredSet{}).project(ws, item);
    CHECK(other.contains("tags"));
    CHECK_FALSE(other.contains("location"));
    CHECK(other["properties"].contains("StorageAccount"));

    // A `${ref:Workspace/ws:properties.discoveryUrl}` elsewhere keeps that field too.
    Resource reader = make_resource("ArmResource", rid("Microsoft.Test/things", "t"), {{"properties", {{"u", "x"}}}});
    reader.deferred.push_back({"/properties/u", "${ref:Workspace/ws:properties.discoveryUrl}", ws,
                               "properties.discoveryUrl", {}});
    desired.resources.push_back(reader);
    CHECK(ObservedNeeds(desired).project(ws, item)["properties"]["discoveryUrl"] == "https://x");
}

TEST_CASE("projection: a desired object stays even when Azure has none of its fields") {
    DesiredSet desired;
    desired.resources = {endpoint()};
    const ResourceId id = desired.resources[0].id;
    const Json kept = ObservedNeeds(desired).project(id, {{"id", id.str()}, {"properties", {{"other", 1}}}});
    CHECK(kept["properties"] == Json::object());
    const Json flat = ObservedNeeds(desired).project(id, {{"id", id.str()}, {"properties", "flat"}});
    CHECK(flat["properties"] == "flat");
}

TEST_CASE("full and projected bodies give the same diff, for thousands of mutated bodies") {
    const std::vector<Resource> bases = {compute("cpu"), endpoint(), model_version(), workspace()};
    Mutator mutate(20261126);
    for (const auto& r : bases) {
        DesiredSet desired;
        desired.resources = {r};
        desired.secret_values = {"from-a-secret-var"};
        const ObservedNeeds needs(desired);
        for (int i = 0; i < 500; ++i) {
            const Json full = mutate.observed(r.body);
            const Json kept = needs.project(r.id, full);
            Plan a;
            Plan b;
            a.changes = {diff_resource(r, &full)};
            b.changes = {diff_resource(r, &kept)};
            REQUIRE_MESSAGE(render_json(a) == render_json(b), full.dump());
            REQUIRE(observed_projection(r, full) == observed_projection(r, kept));
            const Json then = observed_projection(r, mutate.observed(r.body));
            REQUIRE(projection_drift(r, then, full) == projection_drift(r, then, kept));
        }
    }
}

TEST_CASE("full and projected states give the same plans, apply order and saved plan") {
    DesiredSet desired;
    desired.stack = "prod";
    desired.secret_values = {"from-a-secret-var"};
    desired.resources = {workspace(), compute("cpu"), compute("gpu"), model_version(), endpoint()};
    Mutator mutate(7);
    for (int round = 0; round < 40; ++round) {
        ObservedState full;
        for (const auto& r : desired.resources) {
            if (round % 5 != 0 || r.id.name() != "gpu") {  // sometimes absent: a create
                full.resources[r.id] = mutate.observed(r.body);
            }
        }
        // Prune candidates: owned ones referring to each other, a foreign one, a model container.
        Json old = compute("old").body;
        old["tags"] = owned_tags();
        old["systemData"] = {{"createdBy", "someone"}};
        old["properties"]["properties"]["subnet"] = rid(k_ml + "/computes", "ws/older").str();
        full.resources[rid(k_ml + "/computes", "ws/old")] = old;
        full.resources[rid(k_ml + "/computes", "ws/older")] = {{"tags", owned_tags()}, {"properties", {{"x", 1}}}};
        full.resources[rid(k_ml + "/computes", "ws/foreign")] = {{"tags", {{"converge-stack", "other"}}}};
        full.resources[rid(k_ml + "/models", "ws/m")] = {{"properties", {{"tags", owned_tags()}, {"a", 1}}}};
        check_same_outcome(desired, full);
    }
}

TEST_CASE("deferred refs read the same values from projected state") {
    DesiredSet desired;
    desired.stack = "prod";
    desired.resources = {workspace()};
    const ResourceId ws = desired.resources[0].id;
    Resource reader = make_resource("ArmResource", rid("Microsoft.Test/things", "t"),
                                    {{"properties", {{"u", "${ref:Workspace/ws:properties.discoveryUrl}/v1"}}}});
    reader.deferred.push_back({"/properties/u", "${ref:Workspace/ws:properties.discoveryUrl}/v1", ws,
                               "properties.discoveryUrl", {}});
    desired.resources.push_back(reader);
    ObservedState full;
    Json ws_body = workspace().body;
    ws_body["id"] = ws.str();
    ws_body["properties"]["discoveryUrl"] = "https://discovery";
    ws_body["properties"]["workspaceId"] = "guid";
    full.resources[ws] = ws_body;
    const ObservedState kept = projected(desired, full);
    CHECK_FALSE(kept.find(ws)->at("properties").contains("workspaceId"));
    std::vector<Json> sent;
    for (const ObservedState* state : std::vector<const ObservedState*>{&full, &kept}) {
        FakeArm arm;
        ApplyOptions options;
        const Plan plan = build_plan(desired, *state, {}).plan;
        CHECK(apply_plan(plan, desired, *state, arm, options, nullptr).ok());
        sent.push_back(arm.sent.at("PUT " + reader.id.str()));
    }
    CHECK(sent[0] == sent[1]);
    CHECK(sent[0]["properties"]["u"] == "https://discovery/v1");
}

TEST_CASE("observe keeps the projection, in list and per-resource mode") {
    for (const auto mode : {RefreshMode::list, RefreshMode::per_resource}) {
        FakeArm arm;
        DesiredSet desired;
        desired.stack = "prod";
        desired.resources = {workspace()};
        const ResourceId ws = desired.resources[0].id;
        Json body = workspace().body;
        body["tags"] = owned_tags();
        body["systemData"] = {{"createdBy", "someone"}};
        body["properties"]["workspaceId"] = "guid";
        arm.seed(ws.str(), body);
        ObserveOptions options;
        options.mode = mode;
        const auto state = observe(desired, arm, options);
        REQUIRE(state);
        const Json* kept = state->find(ws);
        REQUIRE(kept != nullptr);
        CHECK_FALSE(kept->contains("systemData"));
        CHECK_FALSE(kept->at("properties").contains("workspaceId"));
        CHECK(kept->at("properties").at("storageAccount") == sa_id());
        CHECK(kept->at("tags") == owned_tags());
    }
}

}  // TEST_SUITE
