// Loading manifests: files, ordering, ids, defaults, tags, dependencies.
#include "manifest_helpers.hpp"

#include <doctest/doctest.h>

using namespace converge;
using converge::test::find_suffix;
using converge::test::load_inline;
using converge::test::TempDir;

namespace {

const char* k_config = R"(stack: demo
defaults:
  subscription: 11111111-2222-3333-4444-555555555555
  resourceGroup: rg
  location: westeurope
  workspace: mlw
  tags:
    env: dev
    cost: 42
)";

const char* k_workspace = R"(apiVersion: converge/v1
kind: Workspace
metadata:
  name: mlw
spec:
  properties:
    storageAccount: ${ref:StorageAccount/st1}
---
apiVersion: converge/v1
kind: StorageAccount
metadata:
  name: st1
spec:
  kind: StorageV2
  sku: {name: Standard_LRS}
)";

std::vector<std::string> ids(const DesiredSet& d) {
    std::vector<std::string> out;
    for (const auto& r : d.resources) {
        out.push_back(r.id.str());
    }
    return out;
}

}  // namespace

TEST_SUITE("manifest") {

TEST_CASE("a workspace and its storage account load with ids, defaults and tags") {
    const auto result = load_inline({{"ws.yaml", k_workspace}}, k_config);
    CHECK(result.diagnostics.to_string() == "");
    REQUIRE(result.desired.resources.size() == 2);
    CHECK(result.desired.stack == "demo");
    const Resource& ws = result.desired.resources[0];
    CHECK(ws.id.str() == "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/"
                         "Microsoft.MachineLearningServices/workspaces/mlw");
    CHECK(ws.kind->name == "Workspace");
    CHECK(ws.api_version == "2025-12-01");
    CHECK(ws.body["location"] == "westeurope");
    CHECK(ws.body["tags"] == Json{{"env", "dev"}, {"cost", "42"}, {"managed-by", "converge"},
                                  {"converge-stack", "demo"}});
    CHECK(ws.body["properties"]["storageAccount"] ==
          "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/"
          "Microsoft.Storage/storageAccounts/st1");
    REQUIRE(ws.depends_on.size() == 1);
    CHECK(ws.depends_on[0].target == result.desired.resources[1].id);
    CHECK(ws.depends_on[0].why == "ref");
    CHECK(ws.depends_on[0].location.to_string() == "ws.yaml:7:21");
    CHECK(ws.location.to_string() == "ws.yaml:2:1");
}

TEST_CASE("every body field keeps its position") {
    const auto result = load_inline({{"ws.yaml", k_workspace}}, k_config);
    const Resource& st = result.desired.resources[1];
    CHECK(st.field_location("").to_string() == "ws.yaml:14:3");
    CHECK(st.field_location("/kind").to_string() == "ws.yaml:14:9");
    CHECK(st.field_location("/sku/name").to_string() == "ws.yaml:15:15");
    CHECK_FALSE(st.field_locations.find("/location", st.location.file));  // a default has no position
    CHECK(st.field_location("/location") == st.location);
}

TEST_CASE("directories are read recursively in sorted order, skipping hidden ones") {
    TempDir dir("order");
    const std::string rg = "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: NAME}\nspec: {}\n";
    auto doc = [&](const std::string& name) {
        std::string s = rg;
        s.replace(s.find("NAME"), 4, name);
        return s;
    };
    dir.write("b.yaml", doc("b"));
    dir.write("a/z.yml", doc("az"));
    dir.write("a.yaml", doc("a") + "---\n" + doc("a2"));
    dir.write(".git/x.yaml", "not: [valid");
    dir.write("notes.txt", "ignored");
    dir.write("converge.yaml", "defaults:\n  location: westeurope\n");
    LoadOptions options;
    options.paths = {dir.path()};
    const auto result = load_manifests(options);
    CHECK(result.diagnostics.to_string() == "");
    CHECK(result.file_count == 3);
    const auto names = ids(result.desired);
    REQUIRE(names.size() == 4);
    CHECK(names[0].ends_with("/a"));
    CHECK(names[1].ends_with("/a2"));
    CHECK(names[2].ends_with("/az"));
    CHECK(names[3].ends_with("/b"));
    CHECK(result.desired.stack == "converge-test-order");
    CHECK(result.desired.resources[0].id.subscription() == k_placeholder_subscription);
}

TEST_CASE("a file given alone names the stack after its directory") {
    TempDir dir("single");
    dir.write("rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg}\nspec: {location: x}\n");
    LoadOptions options;
    options.paths = {dir.path() + "/rg.yaml"};
    const auto result = load_manifests(options);
    CHECK(result.diagnostics.to_string() == "");
    CHECK(result.desired.stack == "converge-test-single");
    REQUIRE(result.desired.resources.size() == 1);
    CHECK(result.desired.resources[0].body["tags"]["converge-stack"] == "converge-test-single");
}

TEST_CASE("a missing path and an empty directory are errors") {
    TempDir dir("empty");
    LoadOptions options;
    options.paths = {dir.path() + "/nope"};
    CHECK(load_manifests(options).diagnostics.to_string() == dir.path() + "/nope: error: no such file or directory\n");
    options.paths = {dir.path()};
    CHECK(load_manifests(options).diagnostics.to_string() ==
          dir.path() + ": error: no manifests found (*.yaml or *.yml)\n");
}

TEST_CASE("ids of every kind") {
    const char* docs = R"(apiVersion: converge/v1
kind: ResourceGroup
metadata: {name: rg}
spec: {}
---
apiVersion: converge/v1
kind: Compute
metadata: {name: cpu, workspace: other, resourceGroup: rg2, subscription: s2}
spec:
  location: northeurope
  properties: {computeType: AmlCompute}
---
apiVersion: converge/v1
kind: Model
metadata: {name: m, version: 3}
spec:
  properties: {modelUri: x}
---
apiVersion: converge/v1
kind: ArmResource
metadata: {name: vnet/default}
spec:
  type: Microsoft.Network/virtualNetworks/subnets
  apiVersion: 2023-09-01
  properties: {addressPrefix: 10.0.0.0/24}
)";
    const auto result = load_inline({{"k.yaml", docs}}, k_config);
    CHECK(result.diagnostics.to_string() == "");
    const std::string base = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/";
    CHECK(ids(result.desired) ==
          std::vector<std::string>{
              "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg",
              "/subscriptions/s2/resourceGroups/rg2/providers/Microsoft.MachineLearningServices/workspaces/other/"
              "computes/cpu",
              base + "rg/providers/Microsoft.MachineLearningServices/workspaces/mlw/models/m/versions/3",
              base + "rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"});
    const Resource& model = result.desired.resources[2];
    CHECK(model.body["properties"]["tags"]["managed-by"] == "converge");
    CHECK_FALSE(model.body.contains("tags"));
    CHECK_FALSE(model.body.contains("location"));
    const Resource& subnet = result.desired.resources[3];
    CHECK(subnet.arm_type == "Microsoft.Network/virtualNetworks/subnets");
    CHECK(subnet.api_version == "2023-09-01");
    CHECK(subnet.body == Json{{"properties", {{"addressPrefix", "10.0.0.0/24"}}}});  // no location: no tags
    CHECK(result.desired.resources[1].depends_on.empty());  // its workspace is not in the manifests
}

TEST_CASE("metadata.apiVersion overrides the pinned version") {
    const char* doc = "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg, apiVersion: 2024-03-01}\n"
                      "spec: {location: eastus}\n";
    const auto result = load_inline({{"rg.yaml", doc}});
    REQUIRE(result.desired.resources.size() == 1);
    CHECK(result.desired.resources[0].api_version == "2024-03-01");
}

TEST_CASE("implicit dependencies: parent, resource group and workspace resources") {
    const char* docs = R"(apiVersion: converge/v1
kind: Compute
metadata: {name: cpu}
spec:
  properties: {computeType: AmlCompute}
---
apiVersion: converge/v1
kind: ResourceGroup
metadata: {name: rg}
spec: {}
---
apiVersion: converge/v1
kind: KeyVault
metadata: {name: kv-one}
spec:
  properties:
    tenantId: 00000000-0000-0000-0000-000000000000
    sku: {family: A, name: standard}
---
apiVersion: converge/v1
kind: Workspace
metadata: {name: mlw}
spec:
  location: northeurope
  properties:
    keyVault: /SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/resourcegroups/RG/providers/microsoft.keyvault/vaults/KV-ONE
)";
    const auto result = load_inline({{"d.yaml", docs}}, k_config);
    CHECK(result.diagnostics.to_string() == "");
    const Resource* cpu = find_suffix(result.desired, "/computes/cpu");
    const Resource* ws = find_suffix(result.desired, "/workspaces/mlw");
    const Resource* kv = find_suffix(result.desired, "/vaults/kv-one");
    REQUIRE(cpu);
    REQUIRE(ws);
    REQUIRE(kv);
    REQUIRE(cpu->depends_on.size() == 1);
    CHECK(cpu->depends_on[0].target == ws->id);
    CHECK(cpu->depends_on[0].why == "parent");
    CHECK(cpu->body["location"] == "northeurope");  // the workspace's region, not the default
    REQUIRE(kv->depends_on.size() == 1);
    CHECK(kv->depends_on[0].target.is_resource_group());
    REQUIRE(ws->depends_on.size() == 2);
    CHECK(ws->depends_on[0].why == "parent");
    CHECK(ws->depends_on[1].target == kv->id);
    CHECK(ws->depends_on[1].why == "workspace dependency");
    CHECK(ws->depends_on[1].location.to_string() == "d.yaml:26:15");
}

TEST_CASE("dependsOn names resources by Kind/name, Kind/scope/name and Model/name@version") {
    const char* docs = R"(apiVersion: converge/v1
kind: Model
metadata: {name: m, version: "1"}
spec: {properties: {}}
---
apiVersion: converge/v1
kind: Model
metadata:
  name: m
  version: "2"
  dependsOn: [Model/m@1, Model/mlw/m@1]
spec: {properties: {}}
---
apiVersion: converge/v1
kind: ResourceGroup
metadata:
  name: rg9
  dependsOn: [Model/m]
spec: {}
)";
    const auto result = load_inline({{"m.yaml", docs}}, k_config);
    CHECK(result.diagnostics.to_string() ==
          "m.yaml:18:15: error: ambiguous reference \"Model/m\": 2 resources match (qualify it as "
          "Model/name@version or Model/workspace/name@version)\n");
    const Resource* v2 = find_suffix(result.desired, "/versions/2");
    REQUIRE(v2);
    REQUIRE(v2->depends_on.size() == 1);
    CHECK(v2->depends_on[0].target.str().ends_with("/versions/1"));
    CHECK(v2->depends_on[0].why == "dependsOn");
}

TEST_CASE("a workspace child's id and hash are those built level by level, with or without a '/' in a part") {
    for (const std::string ws : {"mlw", "team/mlw"}) {
        const std::string docs = "apiVersion: converge/v1\nkind: Compute\nmetadata: {name: cpu, workspace: " + ws +
                                 "}\nspec:\n  location: northeurope\n  properties: {computeType: AmlCompute}\n---\n"
                                 "apiVersion: converge/v1\nkind: Model\nmetadata: {name: m, version: 3, workspace: " +
                                 ws + "}\nspec:\n  properties: {modelUri: x}\n";
        const auto result = load_inline({{"k.yaml", docs}}, k_config);
        REQUIRE(result.desired.resources.size() == 2);
        const auto workspace = ResourceId::for_resource("11111111-2222-3333-4444-555555555555", "rg",
                                                        "Microsoft.MachineLearningServices/workspaces", ws);
        const ResourceId compute = workspace.child("computes", "cpu");
        const ResourceId model = workspace.child("models", "m").child("versions", "3");
        CHECK(result.desired.resources[0].id.str() == compute.str());
        CHECK(result.desired.resources[0].id.hash() == compute.hash());
        CHECK(result.desired.resources[1].id.str() == model.str());
        CHECK(result.desired.resources[1].id.hash() == model.hash());
    }
}

TEST_CASE("labels and protect are read from metadata") {
    const char* doc = "apiVersion: converge/v1\nkind: ResourceGroup\n"
                      "metadata: {name: rg, protect: true, labels: {team: ml, tier: 1}}\nspec: {}\n";
    const auto result = load_inline({{"rg.yaml", doc}}, k_config);
    REQUIRE(result.desired.resources.size() == 1);
    CHECK(result.desired.resources[0].protect);
    CHECK(result.desired.resources[0].labels == std::map<std::string, std::string>{{"team", "ml"}, {"tier", "1"}});
}

TEST_CASE("the examples validate with no environment") {
    LoadOptions options;
    options.paths.push_back(std::string(CONVERGE_SOURCE_DIR) + "/manifests/examples");
    options.require_environment = false;
    const auto result = load_manifests(options);
    CHECK(result.diagnostics.to_string() == "");
    CHECK(result.desired.resources.size() == 10);
    CHECK(result.desired.stack == "mlops-demo");
    const Resource* cluster = find_suffix(result.desired, "/computes/cpu-cluster");
    REQUIRE(cluster);
    CHECK(cluster->body["properties"]["properties"]["scaleSettings"]["maxNodeCount"] == 4);
}

TEST_CASE("the endpoint estate validates with no environment") {
    LoadOptions options;
    options.paths.push_back(std::string(CONVERGE_SOURCE_DIR) + "/manifests/mlops-endpoint");
    options.require_environment = false;
    const auto result = load_manifests(options);
    CHECK(result.diagnostics.to_string() == "");
    CHECK(result.desired.resources.size() == 11);
    const Resource* green = find_suffix(result.desired, "/onlineEndpoints/churn-endpoint/deployments/green");
    REQUIRE(green);
    CHECK(green->body["location"] == "westeurope");
    CHECK(green->body["properties"]["model"].get<std::string>().ends_with("/models/churn/versions/2"));
    const Resource* endpoint = find_suffix(result.desired, "/onlineEndpoints/churn-endpoint");
    REQUIRE(endpoint);
    CHECK(endpoint->smoke_test["jsonPath"] == "$[1]");
}

}  // TEST_SUITE
