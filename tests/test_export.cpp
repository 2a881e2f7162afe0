// Export's pure parts: the YAML emitter (quoting, key order), redaction of get's bodies, file
// names, and ArmResource discovery through a fake ARM (the emulator has no such types).
#include "fake_arm.hpp"

#include "converge/discover.hpp"
#include "converge/export.hpp"
#include "converge/manifest.hpp"
#include "converge/yaml_emit.hpp"

#include <doctest/doctest.h>

using namespace converge;
using namespace converge::testing;

namespace {
// FakeArm stores a body under its own path; a group's generic list names resources stored elsewhere.
struct GenericListArm : FakeArm {
    std::vector<Json> generic;
    ApiResult<std::vector<Json>> list(const std::string& path, const std::string& api_version, const Query& query) override {
        if (path.ends_with("/resources")) {
            log.push_back("LIST " + path);
            return generic;
        }
        return FakeArm::list(path, api_version, query);
    }
};
}  // namespace

TEST_SUITE("export") {

TEST_CASE("emit_yaml: block style, human key order, strings that would read as something else are quoted") {
    const Json doc = Json::parse(R"({
        "spec": {"tags": {"cost": "4711", "flag": "true", "none": "null", "empty": "", "yes": "yes", "hex": "0x1f",
                          "float": "0.91", "text": "plain words", "date": "2025-12-01"},
                 "properties": {"count": 4, "ratio": 0.5, "on": true, "list": [], "map": {}, "items": [{"name": "a", "x": 1}],
                                "multi": "a\nb"},
                 "location": "westeurope", "sku": {"tier": "Basic", "name": "Basic"}},
        "metadata": {"version": "2", "name": "m"},
        "kind": "Model",
        "apiVersion": "converge/v1"})");
    const std::string text = emit_yaml(std::vector<YamlDocument>{{{"first line", ""}, doc}});
    CHECK(text == R"(# first line
#
apiVersion: converge/v1
kind: Model
metadata:
  name: m
  version: "2"
spec:
  location: westeurope
  sku:
    name: Basic
    tier: Basic
  properties:
    count: 4
    items:
      - name: a
        x: 1
    list: []
    map: {}
    multi: "a\nb"
    "on": true
    ratio: 0.5
  tags:
    cost: "4711"
    date: 2025-12-01
    empty: ""
    flag: "true"
    float: "0.91"
    hex: "0x1f"
    none: "null"
    text: plain words
    "yes": "yes"
)");
    // What is written reads back as the same values (libyaml, YAML 1.2 core).
    const Json tags = doc["spec"]["tags"];
    const Json rg = {{"apiVersion", "converge/v1"}, {"kind", "ResourceGroup"}, {"metadata", {{"name", "rg"}}},
                     {"spec", {{"location", "westeurope"}, {"tags", tags}}}};
    const LoadResult back = load_sources({{"rg.yaml", emit_yaml(rg)}}, {"converge.yaml", "stack: s\n"}, "s", {});
    INFO(back.diagnostics.to_string());
    REQUIRE(back.desired.resources.size() == 1);
    for (const auto& [k_, v_] : tags.items()) {
        const auto& k = k_;  // a reference, not a binding: clang 14 lambdas cannot capture one
        const auto& v = v_;
        CHECK_MESSAGE(back.desired.resources[0].body["tags"][k] == v, k);
    }
}

TEST_CASE("redact_body: the kind's secret fields and credential-named members") {
    const Json body = Json::parse(R"({"properties": {"properties": {"userAccountCredentials":
        {"adminUserName": "azureuser", "adminUserPassword": "hunter22"}}, "primaryKey": "abc", "keyVault": "/subscriptions/x"}})");
    const Json shown = redact_body(body, find_kind("Compute"));
    CHECK(shown.dump().find("hunter22") == std::string::npos);
    CHECK(shown["properties"]["properties"]["userAccountCredentials"]["adminUserPassword"] == "(sensitive)");
    CHECK(shown["properties"]["properties"]["userAccountCredentials"]["adminUserName"] == "azureuser");
    CHECK(shown["properties"]["primaryKey"] == "(sensitive)");
    CHECK(shown["properties"]["keyVault"] == "/subscriptions/x");
}

TEST_CASE("export_file_name: lower case, unsafe characters replaced") {
    CHECK(export_file_name("Compute", "CPU-Cluster") == "compute-cpu-cluster.yaml");
    CHECK(export_file_name("ArmResource", "vnet/default") == "armresource-vnet-default.yaml");
    CHECK(export_file_name("Model", "churn-2") == "model-churn-2.yaml");
}

TEST_CASE("discover + export: another type in the group is read at its provider's newest stable version as ArmResource") {
    GenericListArm arm;
    const std::string group = "/subscriptions/s1/resourceGroups/rg";
    const std::string vnet = group + "/providers/Microsoft.Network/virtualNetworks/vnet1";
    arm.seed(group, Json::parse(R"({"id": "/subscriptions/s1/resourceGroups/rg", "name": "rg", "location": "westeurope"})"));
    arm.generic = {Json{{"id", vnet}, {"type", "Microsoft.Network/virtualNetworks"}},
                   Json{{"id", group + "/providers/Microsoft.Storage/storageAccounts/st1"}}};  // a known kind: its own list
    arm.seed("/subscriptions/s1/providers/Microsoft.Network",
             Json::parse(R"({"namespace": "Microsoft.Network", "resourceTypes": [{"resourceType": "virtualNetworks",
                 "apiVersions": ["2024-05-01-preview", "2023-09-01", "2024-01-01", "2022-01-01"]}]})"));
    arm.seed(vnet, Json::parse(R"({"id": ")" + vnet + R"(", "name": "vnet1", "type": "Microsoft.Network/virtualNetworks",
        "location": "westeurope", "etag": "W/\"1\"", "tags": {"managed-by": "converge", "team": "net"},
        "properties": {"provisioningState": "Succeeded", "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "x": null}})"));
    auto found = discover(arm, DiscoverScope{"s1", "rg", "", 2});
    REQUIRE(found);
    REQUIRE(found->size() == 2);
    CHECK(found->at(1).kind->name == "ArmResource");
    CHECK(found->at(1).api_version == "2024-01-01");
    ExportOptions options{"net", "s1", "rg", false, ""};
    const ExportResult result = export_manifests(*found, options);
    REQUIRE(result.files.size() == 3);
    CHECK(result.files[2].name == "armresource-vnet1.yaml");
    CHECK(result.files[2].text == "# ArmResource/vnet1, exported from " + vnet + R"(
apiVersion: converge/v1
kind: ArmResource
metadata:
  name: vnet1
spec:
  apiVersion: 2024-01-01
  type: Microsoft.Network/virtualNetworks
  location: westeurope
  properties:
    addressSpace:
      addressPrefixes:
        - 10.0.0.0/16
  tags:
    team: net
)");
    // converge.yaml: the group's location is the default; the one tag is not on the group: not lifted.
    CHECK(result.files[0].text.find("  location: westeurope\n") != std::string::npos);
    CHECK(result.files[0].text.find("  tags:") == std::string::npos);
    const LoadResult loaded = load_sources({{result.files[1].name, result.files[1].text}, {result.files[2].name, result.files[2].text}},
                                           {"converge.yaml", result.files[0].text}, "x", {});
    INFO(loaded.diagnostics.to_string());
    CHECK_FALSE(loaded.diagnostics.has_errors());
    CHECK(loaded.desired.resources.size() == 2);
}

}  // TEST_SUITE
