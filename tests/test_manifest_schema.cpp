// Schema checks: exact messages, did-you-mean, secrets marked in the schemas, robustness.
#include "schema/schema.hpp"
#include "manifest_helpers.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace converge;
using converge::test::load_inline;

namespace {

std::string errors_of(const std::string& spec, const std::string& kind = "Compute") {
    const std::string doc = "apiVersion: converge/v1\nkind: " + kind +
                            "\nmetadata: {name: cpu, workspace: mlw, resourceGroup: rg}\nspec:\n" + spec;
    return load_inline({{"c.yaml", doc}}, "defaults: {location: eastus}\n").diagnostics.to_string();
}

}  // namespace

TEST_SUITE("manifest") {

TEST_CASE("schema errors name the field, the expected type or values, and a guess") {
    CHECK(errors_of("  location: 3\n  properties: {computeType: AmlCompute}\n") ==
          "c.yaml:5:13: error: wrong type for spec.location: expected string, got integer\n");
    CHECK(errors_of("  properties: {computeType: AmlCompte}\n") ==
          "c.yaml:5:29: error: invalid value \"AmlCompte\" for spec.properties.computeType: expected one of \"AKS\", "
          "\"Kubernetes\", \"AmlCompute\", \"ComputeInstance\", \"DataFactory\", \"VirtualMachine\", \"HDInsight\", "
          "\"Databricks\", \"DataLakeAnalytics\", \"SynapseSpark\" (did you mean \"AmlCompute\"?)\n");
    CHECK(errors_of("  sku: []\n  properties: {computeType: AmlCompute}\n") ==
          "c.yaml:5:8: error: wrong type for spec.sku: expected mapping, got list\n");
    CHECK(errors_of("  identity: {type: SystemAssigned, principalId: x}\n  properties: {computeType: AmlCompute}\n") ==
          "c.yaml:5:36: error: unknown field \"principalId\" in spec.identity\n");
}

TEST_CASE("enums the kind compares case-insensitively accept any case") {
    CHECK(errors_of("  properties:\n    computeType: AmlCompute\n    properties: {vmPriority: dedicated}\n") == "");
    CHECK(errors_of("  properties:\n    computeType: amlcompute\n    properties: {osType: linux}\n") == "");
    CHECK(errors_of("  properties:\n    computeType: ComputeInstance\n"
                    "    properties: {vmSize: X, applicationSharingPolicy: personal}\n") ==
          "c.yaml:7:55: error: invalid value \"personal\" for spec.properties.properties.applicationSharingPolicy: "
          "expected one of \"Personal\", \"Shared\" (did you mean \"Personal\"?)\n");
}

TEST_CASE("an unknown key under properties passes through, with a warning when it looks misspelled") {
    const auto r = load_inline({{"c.yaml", "apiVersion: converge/v1\nkind: Compute\n"
                                           "metadata: {name: cpu, workspace: mlw, resourceGroup: rg}\nspec:\n"
                                           "  location: eastus\n  properties:\n    computeType: AmlCompute\n"
                                           "    newAzureField: {a: 1}\n    properties: {vmsize: X}\n"}});
    CHECK(r.diagnostics.to_string() ==
          "c.yaml:9:18: warning: unknown field \"vmsize\" in spec.properties.properties is sent to Azure as is "
          "(did you mean \"vmSize\"?)\n");
    REQUIRE(r.desired.resources.size() == 1);
    CHECK(r.desired.resources[0].body["properties"]["newAzureField"] == Json{{"a", 1}});
    CHECK(r.desired.resources[0].body["properties"]["properties"]["vmsize"] == "X");
}

TEST_CASE("near-miss warnings follow each document's own if/then branch, not the first one seen") {
    // properties.properties is checked against the computeType's branch: the walk may not
    // reuse what it learnt from the AmlCompute document for the ComputeInstance one.
    const std::string head = "apiVersion: converge/v1\nkind: Compute\n";
    const auto r = load_inline(
        {{"a.yaml", head + "metadata: {name: cpu, workspace: mlw, resourceGroup: rg}\nspec:\n"
                           "  location: eastus\n  properties:\n    computeType: AmlCompute\n"
                           "    properties: {vmsize: X, idleTimeBeforeShutdwn: PT1H}\n"},
         {"b.yaml", head + "metadata: {name: ci, workspace: mlw, resourceGroup: rg}\nspec:\n"
                           "  location: eastus\n  properties:\n    computeType: ComputeInstance\n"
                           "    properties: {vmSize: X, idleTimeBeforeShutdwn: PT1H}\n"},
         {"c.yaml", head + "metadata: {name: cpu2, workspace: mlw, resourceGroup: rg}\nspec:\n"
                           "  location: eastus\n  properties:\n    computeType: AmlCompute\n"
                           "    properties: {vmSize: X, scaleSettings: {maxNodeCount: 1}, sclaeSettings: {}}\n"}});
    CHECK(r.diagnostics.to_string() ==
          "a.yaml:8:18: warning: unknown field \"vmsize\" in spec.properties.properties is sent to Azure as is "
          "(did you mean \"vmSize\"?)\n"
          "b.yaml:8:29: warning: unknown field \"idleTimeBeforeShutdwn\" in spec.properties.properties is sent to "
          "Azure as is (did you mean \"idleTimeBeforeShutdown\"?)\n"
          "c.yaml:8:63: warning: unknown field \"sclaeSettings\" in spec.properties.properties is sent to Azure as is "
          "(did you mean \"scaleSettings\"?)\n");
}

namespace {
// Every "pattern" below `node`, with whether it says what to write (x-converge-description,
// or description next to an x-converge-name pattern).
void patterns(const Json& node, const std::string& where, std::vector<std::pair<std::string, bool>>& out) {
    if (node.is_object()) {
        if (const auto p = node.find("pattern"); p != node.end() && p->is_string()) {
            const bool named = where.ends_with("/x-converge-name");
            out.emplace_back(where, node.contains("x-converge-description") || (named && node.contains("description")));
        }
        for (const auto& [k, v] : node.items()) {
            patterns(v, where + "/" + k, out);
        }
    } else if (node.is_array()) {
        for (std::size_t i = 0; i < node.size(); ++i) {
            patterns(node[i], where + "/" + std::to_string(i), out);
        }
    }
}
}  // namespace

TEST_CASE("every pattern in the input schemas says what to write, so no message shows a regex") {
    std::vector<std::string> names = {"manifest", "converge"};
    for (const auto& kind : all_kinds()) {
        names.push_back(schema::schema_name(kind));
    }
    std::size_t count = 0;
    for (const auto& name : names) {
        std::vector<std::pair<std::string, bool>> found;
        patterns(Json::parse(schema::embedded(name)), name, found);
        for (const auto& [where_, described_] : found) {
            const auto& where = where_;  // a reference, not a binding: clang 14 lambdas cannot capture one
            const auto& described = described_;
            CAPTURE(where);
            CHECK(described);
            ++count;
        }
    }
    CHECK(count >= 10);
    CHECK(errors_of("  properties:\n    computeType: AmlCompute\n    properties:\n      scaleSettings:\n"
                    "        maxNodeCount: 2\n        nodeIdleTimeBeforeScaleDown: 30m\n") ==
          "c.yaml:10:38: error: invalid value \"30m\" for spec.properties.properties.scaleSettings."
          "nodeIdleTimeBeforeScaleDown: expected an ISO-8601 duration such as PT30M (30 minutes) or PT2H\n");
}

TEST_CASE("every kind has an embedded schema, and the envelope lists every kind") {
    const Json envelope = Json::parse(schema::embedded("manifest"));
    std::vector<std::string> listed = envelope["properties"]["kind"]["enum"];
    CHECK(listed == kind_names());
    for (const auto& kind : all_kinds()) {
        CAPTURE(kind.name);
        CHECK_FALSE(schema::embedded(schema::schema_name(kind)).empty());
    }
}

TEST_CASE("the az ml corpus does not crash the YAML layer") {
    const char* shared = std::getenv("CONVERGE_SHARED");
    const std::filesystem::path root =
        std::filesystem::path(shared ? shared : std::string(CONVERGE_SOURCE_DIR) + "/../shared") / "corpus";
    if (!std::filesystem::exists(root)) {
        MESSAGE("SKIPPED: no az ml corpus at " << root.string() << " (set CONVERGE_SHARED)");
        return;
    }
    int files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        const auto ext = e.path().extension();
        if (!e.is_regular_file() || (ext != ".yml" && ext != ".yaml")) {
            continue;
        }
        std::ifstream in(e.path());
        std::stringstream ss;
        ss << in.rdbuf();
        const auto r = load_inline({{e.path().filename().string(), ss.str()}});
        // These are az ml files, not converge documents: every one must be rejected cleanly.
        CHECK(r.diagnostics.has_errors());
        CHECK(r.desired.resources.empty());
        ++files;
    }
    CHECK(files > 10);
}

}  // TEST_SUITE
