#include "converge/diff.hpp"
#include "converge/normalize.hpp"
#include "plan_fixtures.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace converge;
using converge::test::load_example;
using converge::test::make_resource;
using converge::test::rid;

namespace {

const std::string k_ml = "Microsoft.MachineLearningServices/workspaces";

ResourceId compute_id(const std::string& name = "cpu") { return rid(k_ml + "/computes", "ws/" + name); }

Resource aml(Json props = Json::object()) {
    Json body = {{"location", "westeurope"},
                 {"properties",
                  {{"computeType", "AmlCompute"},
                   {"properties",
                    {{"vmSize", "STANDARD_DS3_V2"},
                     {"vmPriority", "Dedicated"},
                     {"scaleSettings", {{"maxNodeCount", 2}, {"nodeIdleTimeBeforeScaleDown", "PT1800S"}}}}}}}};
    body["properties"]["properties"].update(props);
    return make_resource("Compute", compute_id(), body);
}

Json make_aml_observed() {
    return {{"id", compute_id().str()},
            {"name", "cpu"},
            {"type", "Microsoft.MachineLearningServices/workspaces/computes"},
            {"location", "westeurope"},
            {"tags", {{"managed-by", "converge"}, {"converge-stack", "s"}}},
            {"properties",
             {{"computeType", "AmlCompute"},
              {"provisioningState", "Succeeded"},
              {"createdOn", "2021-04-01T22:00:00Z"},
              {"properties",
               {{"vmSize", "STANDARD_DS3_V2"},
                {"vmPriority", "Dedicated"},
                {"osType", "Linux"},
                {"enableNodePublicIp", true},
                {"remoteLoginPortPublicAccess", "Enabled"},
                {"scaleSettings", {{"maxNodeCount", 2}, {"minNodeCount", 0}, {"nodeIdleTimeBeforeScaleDown", "PT30M"}}},
                {"currentNodeCount", 0},
                {"allocationState", "Steady"}}}}}};
}

// A stable address for the default observed body.
const Json& aml_observed() {
    static const Json j = make_aml_observed();
    return j;
}

std::vector<std::string> paths(const Change& c) {
    std::vector<std::string> out;
    for (const auto& f : c.fields) {
        out.push_back(f.path);
    }
    return out;
}

bool skip_without_spec(const Json& example) {
    if (example.is_null()) {
        MESSAGE("SKIPPED: official examples not found under " << converge::test::spec_dir()
                                                              << " (set CONVERGE_SHARED)");
        return true;
    }
    return false;
}

}  // namespace

TEST_SUITE("diff") {
TEST_CASE("durations compare by value") {
    CHECK(duration_seconds("PT120S") == 120);
    CHECK(duration_seconds("PT2M") == 120);
    CHECK(duration_seconds("PT1800S") == duration_seconds("PT30M"));
    CHECK(duration_seconds("PT0.5H") == 1800);
    CHECK(duration_seconds("P1D") == duration_seconds("PT24H"));
    CHECK(duration_seconds("P1DT2H") == 93600);
    CHECK(duration_seconds("P1W") == 7 * 86400);
    CHECK_FALSE(duration_seconds("30M"));
    CHECK_FALSE(duration_seconds("PT"));
    CHECK_FALSE(duration_seconds("P1H"));
    CHECK_FALSE(duration_seconds("PT5X"));
    CHECK_FALSE(duration_seconds("PTT5M"));
}

TEST_CASE("locations compare by region, not by spelling") {
    CHECK(canonical_location("West Europe") == "westeurope");
    CHECK(canonical_location("WestEurope") == "westeurope");
    CHECK(canonical_location("East US 2") == "eastus2");
    CHECK(canonical_location("UK South") == "uksouth");
    CHECK(same_location("Southeast Asia", "southeastasia"));
    CHECK_FALSE(same_location("East US", "eastus2"));
    CHECK(azure_regions().size() > 50);
    for (const auto& r : azure_regions()) {
        CHECK(canonical_location(r.display) == r.name);
    }
}

TEST_CASE("absent resource is a create showing every field, secrets redacted") {
    auto r = aml({{"userAccountCredentials", {{"adminUserName", "azureuser"}, {"adminUserPassword", "hunter2-secret"}}}});
    const Change c = diff_resource(r, nullptr);
    CHECK(c.action == Action::create);
    CHECK(c.reason == Reason::absent);
    bool saw_secret = false;
    for (const auto& f : c.fields) {
        CHECK_FALSE(f.forces_replace);
        if (f.path == "/properties/properties/userAccountCredentials/adminUserPassword") {
            saw_secret = true;
            CHECK(f.sensitive);
            CHECK(f.after == Json("(sensitive)"));
        }
        CHECK(Json(f.after.value_or(Json())).dump().find("hunter2") == std::string::npos);
    }
    CHECK(saw_secret);
}

TEST_CASE("server defaults, read-only fields and ownership tags are not drift") {
    const Change c = diff_resource(aml(), &aml_observed());
    CHECK(c.action == Action::noop);
    CHECK(paths(c).empty());
}

TEST_CASE("a scaleSettings change is an in-place update") {
    auto r = aml();
    r.body["properties"]["properties"]["scaleSettings"]["maxNodeCount"] = 4;
    const Change c = diff_resource(r, &aml_observed());
    CHECK(c.action == Action::update);
    CHECK(c.reason == Reason::drift);
    REQUIRE(c.fields.size() == 1);
    CHECK(c.fields[0].path == "/properties/properties/scaleSettings/maxNodeCount");
    CHECK(c.fields[0].before == Json(2));
    CHECK(c.fields[0].after == Json(4));
}

TEST_CASE("a vmSize change is a replace naming the field") {
    auto r = aml({{"vmSize", "STANDARD_NC6"}});
    const Change c = diff_resource(r, &aml_observed());
    CHECK(c.action == Action::replace);
    CHECK(c.reason == Reason::create_only_field);
    CHECK(c.reason_detail == "properties.properties.vmSize cannot be changed in place");
}

TEST_CASE("normalisations: enum case, durations, numbers, quoted numbers, ids, locations") {
    auto r = aml({{"vmPriority", "dedicated"}});
    r.body["location"] = "West Europe";
    r.body["properties"]["properties"]["scaleSettings"]["maxNodeCount"] = 2.0;
    r.body["properties"]["properties"]["scaleSettings"]["minNodeCount"] = "0";
    r.body["properties"]["properties"]["scaleSettings"]["nodeIdleTimeBeforeScaleDown"] = "PT0.5H";
    r.body["properties"]["properties"]["subnet"] = {
        {"id", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/a"}};
    Json obs = make_aml_observed();
    obs["properties"]["properties"]["subnet"] = {
        {"id", "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/subnets/a"}};
    CHECK(paths(diff_resource(r, &obs)).empty());
    // but vmSize is case-sensitive in the kind table, and a different region is a different region
    r.body["location"] = "North Europe";
    CHECK(paths(diff_resource(r, &obs)) == std::vector<std::string>{"/location"});
}

TEST_CASE("a secret set in the manifest and absent from Azure is not drift") {
    auto r = aml({{"userAccountCredentials", {{"adminUserName", "azureuser"}, {"adminUserPassword", "p@ss"}}}});
    Json obs = make_aml_observed();
    obs["properties"]["properties"]["userAccountCredentials"] = {{"adminUserName", "azureuser"}};
    CHECK(diff_resource(r, &obs).action == Action::noop);
    r.sensitive.insert("/properties/properties/userAccountCredentials/adminUserName");
    obs["properties"]["properties"]["userAccountCredentials"]["adminUserName"] = "other";
    CHECK(diff_resource(r, &obs).action == Action::noop);
}

TEST_CASE("tags: compared as a map, foreign tags are drift, ownership tags are not") {
    auto r = aml();
    r.body["tags"] = {{"team", "ml"}};
    Json obs = make_aml_observed();
    obs["tags"]["Team"] = "ml";
    CHECK(diff_resource(r, &obs).action == Action::noop);
    obs["tags"]["cost"] = "x";
    const Change c = diff_resource(r, &obs);
    CHECK(c.action == Action::update);
    REQUIRE(c.fields.size() == 1);
    CHECK(c.fields[0].path == "/tags/cost");
    CHECK_FALSE(c.fields[0].after);
    obs["tags"].erase("cost");
    obs["tags"]["Team"] = "ML";
    CHECK(paths(diff_resource(r, &obs)) == std::vector<std::string>{"/tags/team"});
}

TEST_CASE("arrays of named objects compare by name, in any order") {
    auto r = make_resource("Workspace", rid(k_ml, "ws"),
                           {{"location", "westeurope"},
                            {"properties", {{"sharedPrivateLinkResources", {{{"name", "a"}, {"properties", {{"groupId", "Sql"}}}},
                                                                              {{"name", "b"}}}}}}});
    Json obs = {{"location", "westeurope"},
                {"properties", {{"sharedPrivateLinkResources", {{{"name", "b"}, {"properties", {{"status", "Approved"}}}},
                                                                {{"name", "a"}, {"properties", {{"groupId", "Sql"}}}}}}}}};
    CHECK(diff_resource(r, &obs).action == Action::noop);
    obs["properties"]["sharedPrivateLinkResources"][1]["properties"]["groupId"] = "Blob";
    CHECK(paths(diff_resource(r, &obs)) == std::vector<std::string>{"/properties/sharedPrivateLinkResources"});
}

TEST_CASE("official compute example: request vs GET differ exactly where they really differ") {
    const Json put = load_example("Compute/createOrUpdate/BasicAmlCompute.json");
    const Json get = load_example("Compute/get/AmlCompute.json");
    if (skip_without_spec(put)) {
        return;
    }
    auto r = make_resource("Compute", compute_id("compute123"), put["parameters"]["parameters"]);
    const Json& obs = get["responses"]["200"]["body"];
    const Change c = diff_resource(r, &obs);
    // eastus vs eastus2 and the image the GET example dropped; remoteLoginPortPublicAccess
    // NotSpecified is resolved by the server (Enabled) and is not drift.
    CHECK(paths(c) == std::vector<std::string>{"/location", "/properties/properties/virtualMachineImage/id"});
    CHECK(c.action == Action::replace);
    CHECK(c.reason_detail == "location, properties.properties.virtualMachineImage.id cannot be changed in place");
    // The same request written for the GET's region and without the image: no-op.
    r.body["location"] = "East US 2";
    r.body["properties"]["properties"].erase("virtualMachineImage");
    CHECK(diff_resource(r, &obs).action == Action::noop);
}

TEST_CASE("official compute patch example: scaleSettings update in place") {
    const Json patch = load_example("Compute/patch.json");
    const Json get = load_example("Compute/get/AmlCompute.json");
    if (skip_without_spec(patch)) {
        return;
    }
    Json body = get["responses"]["200"]["body"];
    body["properties"]["properties"]["scaleSettings"] =
        patch["parameters"]["parameters"]["properties"]["properties"]["scaleSettings"];
    auto r = make_resource("Compute", compute_id("compute123"), body);
    const Change c = diff_resource(r, &get["responses"]["200"]["body"]);
    CHECK(c.action == Action::update);
    CHECK(paths(c) == std::vector<std::string>{"/properties/properties/scaleSettings/maxNodeCount",
                                               "/properties/properties/scaleSettings/minNodeCount"});
}

TEST_CASE("official compute instance example: minimal request vs GET is a no-op") {
    const Json put = load_example("Compute/createOrUpdate/ComputeInstanceMinimal.json");
    const Json get = load_example("Compute/get/ComputeInstance.json");
    if (skip_without_spec(put)) {
        return;
    }
    auto r = make_resource("Compute", compute_id("compute123"), put["parameters"]["parameters"]);
    r.body["location"] = "East US 2";  // the GET example lives in eastus2
    CHECK(paths(diff_resource(r, &get["responses"]["200"]["body"])).empty());
}

TEST_CASE("official workspace example: request vs response is a no-op") {
    const Json ex = load_example("Workspace/create.json");
    if (skip_without_spec(ex)) {
        return;
    }
    auto r = make_resource("Workspace", rid(k_ml, "testworkspace"), ex["parameters"]["parameters"]);
    Json obs = ex["responses"]["200"]["body"];
    CHECK(paths(diff_resource(r, &obs)).empty());
    // The real service returns linked ids lower-cased (azure-rest-api-specs#8323).
    for (const char* k : {"storageAccount", "keyVault", "applicationInsights", "containerRegistry"}) {
        obs["properties"][k] = to_lower(obs["properties"][k].get<std::string>());
    }
    obs["location"] = "EastUS2EUAP";
    CHECK(paths(diff_resource(r, &obs)).empty());
    obs["properties"]["hbiWorkspace"] = true;
    const Change c = diff_resource(r, &obs);
    CHECK(c.action == Action::replace);
    CHECK(c.reason_detail == "properties.hbiWorkspace cannot be changed in place");
    obs["properties"]["hbiWorkspace"] = false;
    obs["properties"]["friendlyName"] = "Other";
    CHECK(diff_resource(r, &obs).action == Action::update);
}

TEST_CASE("official model version example: request vs response is a no-op") {
    const Json ex = load_example("Workspace/ModelVersion/createOrUpdate.json");
    if (skip_without_spec(ex)) {
        return;
    }
    auto r = make_resource("Model", rid(k_ml + "/models/versions", "ws/m/1"), ex["parameters"]["body"]);
    CHECK(paths(diff_resource(r, &ex["responses"]["200"]["body"])).empty());
    Json obs = ex["responses"]["200"]["body"];
    obs["properties"]["modelUri"] = "other";
    CHECK(diff_resource(r, &obs).reason_detail == "properties.modelUri cannot be changed in place");
}

TEST_CASE("official resource group example: request vs response is a no-op") {
    std::ifstream in(converge::test::spec_dir() + "/resources/stable/2020-06-01/examples/CreateResourceGroup.json");
    if (!in) {
        MESSAGE("SKIPPED: CreateResourceGroup.json not found (set CONVERGE_SHARED)");
        return;
    }
    const Json ex = Json::parse(in);
    auto r = make_resource("ResourceGroup", rid(), ex["parameters"]["parameters"]);
    CHECK(paths(diff_resource(r, &ex["responses"]["200"]["body"])).empty());
    Json obs = ex["responses"]["200"]["body"];
    obs["location"] = "westus";
    CHECK(diff_resource(r, &obs).reason_detail == "location cannot be changed in place");
}

TEST_CASE("projection: a saved plan detects exactly the fields that changed since") {
    auto r = aml();
    const Json proj = observed_projection(r, aml_observed());
    CHECK_FALSE(proj["properties"].contains("provisioningState"));
    CHECK(projection_drift(r, proj, aml_observed()).empty());
    Json now = make_aml_observed();
    now["properties"]["properties"]["scaleSettings"]["maxNodeCount"] = 9;
    now["properties"]["properties"]["currentNodeCount"] = 3;  // read-only: ignored
    CHECK(projection_drift(r, proj, now) == std::vector<std::string>{"/properties/properties/scaleSettings/maxNodeCount"});
}

TEST_CASE("property names match ignoring case when Azure spells them differently") {
    // Exact names are found by one walk in order; differently cased ones by the fallback.
    Json observed = aml_observed();
    Json& inner = observed["properties"]["properties"];
    inner["ScaleSettings"] = inner["scaleSettings"];
    inner.erase("scaleSettings");
    inner["VMSIZE"] = inner["vmSize"];
    inner.erase("vmSize");
    inner["aaaFirst"] = 1;
    inner["zzzLast"] = 1;
    CHECK(diff_resource(aml(), &observed).action == Action::noop);
    observed["properties"]["properties"]["ScaleSettings"]["maxNodeCount"] = 5;
    const Change c = diff_resource(aml(), &observed);
    REQUIRE(c.fields.size() == 1);
    CHECK(c.fields[0].path == "/properties/properties/scaleSettings/maxNodeCount");
    observed["properties"]["properties"].erase("ScaleSettings");
    CHECK(diff_resource(aml(), &observed).action == Action::update);
}

TEST_CASE("dotted paths") {
    CHECK(dotted_path("/properties/properties/vmSize") == "properties.properties.vmSize");
    CHECK(dotted_path("/tags/a~1b") == "tags.a/b");
}
}
