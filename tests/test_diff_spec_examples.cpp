// Issue 5 proof: an official GET body from the spec, read against the manifest that produced it
// (loaded by the real loader from tests/data/spec-examples), is a no-op; one real change in it is
// found, and only that change.
#include "converge/diff.hpp"
#include "converge/manifest.hpp"
#include "converge/ownership.hpp"
#include "converge/plan.hpp"
#include "plan_fixtures.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace converge;

namespace {

// The one resource of tests/data/spec-examples/<file>, through load_manifests.
Resource load_one(const std::string& file) {
    LoadOptions options;
    options.paths = {std::string(CONVERGE_TEST_DATA) + "/spec-examples/" + file};
    options.default_subscription = "00000000-1111-2222-3333-444444444444";
    const LoadResult loaded = load_manifests(options);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    REQUIRE(loaded.desired.resources.size() == 1);
    return loaded.desired.resources[0];
}

Json read_json(const std::string& path) {
    std::ifstream in(path);
    return in ? Json::parse(in) : Json();
}

// A resource converge created carries its ownership tags: copy them into the GET body where the
// kind keeps tags (top level, or properties.tags for assets).
Json as_created_by_converge(const Resource& r, Json observed) {
    for (const char* pointer : {"/tags", "/properties/tags"}) {
        const Json::json_pointer p(pointer);
        if (!r.body.contains(p)) {
            continue;
        }
        for (const std::string_view name : {ownership::k_managed_by, ownership::k_stack}) {
            const std::string tag(name);
            if (r.body.at(p).contains(tag)) {
                observed[p][tag] = r.body.at(p)[tag];
            }
        }
    }
    return observed;
}

std::vector<std::string> paths(const Change& c) {
    std::vector<std::string> out;
    for (const auto& f : c.fields) {
        out.push_back(f.path);
    }
    return out;
}

struct Case {
    const char* manifest;
    const char* example;  ///< under spec/
    const char* status;   ///< the response whose body is the GET
};

const Case k_cases[] = {
    {"workspace-create.yaml", "machinelearningservices/stable/2025-12-01/examples/Workspace/create.json", "200"},
    {"aml-compute.yaml", "machinelearningservices/stable/2025-12-01/examples/Compute/get/AmlCompute.json", "200"},
    {"compute-instance.yaml", "machinelearningservices/stable/2025-12-01/examples/Compute/get/ComputeInstance.json", "200"},
    {"model-version.yaml", "machinelearningservices/stable/2025-12-01/examples/Workspace/ModelVersion/createOrUpdate.json",
     "200"},
    {"resource-group.yaml", "resources/stable/2020-06-01/examples/CreateResourceGroup.json", "200"},
};

}  // namespace

TEST_SUITE("diff") {
TEST_CASE("official GET bodies against the manifests that made them: no-op, per kind") {
    for (const auto& c : k_cases) {
        const std::string manifest = c.manifest;
        const std::string example_file = c.example;
        CAPTURE(manifest);
        CAPTURE(example_file);
        const Json example = read_json(converge::test::spec_dir() + "/" + c.example);
        if (example.is_null()) {
            MESSAGE("SKIPPED: " << c.example << " not found (set CONVERGE_SHARED)");
            continue;
        }
        const Resource r = load_one(c.manifest);
        const Json observed = as_created_by_converge(r, example["responses"][c.status]["body"]);
        const Change change = diff_resource(r, &observed);
        CHECK_MESSAGE(change.action == Action::noop, "drift at: " << Json(paths(change)).dump());
    }
}

TEST_CASE("official workspace GET of another workspace: exactly the real differences, nothing else") {
    const Json get = read_json(converge::test::spec_dir() + "/machinelearningservices/stable/2025-12-01/examples/Workspace/get.json");
    if (get.is_null()) {
        MESSAGE("SKIPPED: spec examples not found (set CONVERGE_SHARED)");
        return;
    }
    // get.json shows a workspace like create.json's but without managedNetwork and with another
    // shared private link; its lower-case insights id, server fields, principal ids, discoveryUrl
    // and privateEndpointConnections are not differences.
    const Resource r = load_one("workspace-create.yaml");
    const Json observed = as_created_by_converge(r, get["responses"]["200"]["body"]);
    const Change c = diff_resource(r, &observed);
    CHECK(c.action == Action::update);
    CHECK(paths(c) == std::vector<std::string>{"/properties/managedNetwork/enableFirewallLog",
                                               "/properties/managedNetwork/enableNetworkMonitor",
                                               "/properties/sharedPrivateLinkResources"});
}

TEST_CASE("official GET bodies: one real change is found, and only it") {
    const Json get = read_json(converge::test::spec_dir() +
                               "/machinelearningservices/stable/2025-12-01/examples/Compute/get/AmlCompute.json");
    if (get.is_null()) {
        MESSAGE("SKIPPED: spec examples not found (set CONVERGE_SHARED)");
        return;
    }
    const Resource r = load_one("aml-compute.yaml");
    Json observed = as_created_by_converge(r, get["responses"]["200"]["body"]);
    observed["properties"]["properties"]["scaleSettings"]["maxNodeCount"] = 3;
    const Change scaled = diff_resource(r, &observed);
    CHECK(scaled.action == Action::update);
    CHECK(paths(scaled) == std::vector<std::string>{"/properties/properties/scaleSettings/maxNodeCount"});
    observed = as_created_by_converge(r, get["responses"]["200"]["body"]);
    observed["properties"]["properties"]["osType"] = "Linux";
    const Change replaced = diff_resource(r, &observed);
    CHECK(replaced.action == Action::replace);
    CHECK(replaced.reason_detail == "properties.properties.osType cannot be changed in place");
}
}
