#include "openapi_checker.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using converge::Json;
using converge::test::OpenApiChecker;

namespace {

const std::string k_ws = "/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/"
                         "Microsoft.MachineLearningServices/workspaces/workspaces123";
const std::string k_v = "?api-version=2025-12-01";

Json example(const std::string& rel) {
    std::ifstream in(converge::test::spec_dir() +
                     "/machinelearningservices/stable/2025-12-01/examples/" + rel);
    return Json::parse(in);
}

bool skip() {
    if (!OpenApiChecker::shared().available()) {
        MESSAGE("SKIPPED: no OpenAPI files under " << converge::test::spec_dir()
                                                   << " (set CONVERGE_SHARED)");
        return true;
    }
    return false;
}

}  // namespace

TEST_SUITE("openapi_checker") {
TEST_CASE("loads the operations of every copied spec file") {
    if (skip()) {
        return;
    }
    CHECK(OpenApiChecker::shared().operation_count() > 50);
}

TEST_CASE("the official compute examples conform") {
    if (skip()) {
        return;
    }
    const auto& spec = OpenApiChecker::shared();
    const std::string url = k_ws + "/computes/compute123" + k_v;
    for (const char* name : {"Compute/createOrUpdate/BasicAmlCompute.json",
                             "Compute/createOrUpdate/ComputeInstanceMinimal.json"}) {
        const Json ex = example(name);
        auto r = spec.check_request("PUT", url, &ex["parameters"]["parameters"]);
        CHECK_MESSAGE(r.ok(), name << ": " << r.to_string());
        CHECK(r.operation_id == "Compute_CreateOrUpdate");
        auto s = spec.check_response("PUT", url, 201, &ex["responses"]["201"]["body"]);
        CHECK_MESSAGE(s.ok(), name << ": " << s.to_string());
    }
    const Json get = example("Compute/get/AmlCompute.json");
    auto g = spec.check_response("GET", "https://management.azure.com" + url, 200, &get["responses"]["200"]["body"]);
    CHECK_MESSAGE(g.ok(), g.to_string());
    const Json patch = example("Compute/patch.json");
    auto p = spec.check_request("PATCH", url, &patch["parameters"]["parameters"]);
    CHECK_MESSAGE(p.ok(), p.to_string());
}

TEST_CASE("the official workspace and model examples conform") {
    if (skip()) {
        return;
    }
    const auto& spec = OpenApiChecker::shared();
    const Json ws = example("Workspace/create.json");
    const std::string ws_url = "/subscriptions/s/resourceGroups/workspace-1234/providers/"
                               "Microsoft.MachineLearningServices/workspaces/testworkspace" + k_v;
    auto r = spec.check_request("PUT", ws_url, &ws["parameters"]["parameters"]);
    CHECK_MESSAGE(r.ok(), r.to_string());
    auto s = spec.check_response("PUT", ws_url, 200, &ws["responses"]["200"]["body"]);
    CHECK_MESSAGE(s.ok(), s.to_string());
    CHECK(spec.check_response("PUT", ws_url, 202, nullptr).ok());

    const Json mv = example("Workspace/ModelVersion/createOrUpdate.json");
    const std::string mv_url = k_ws + "/models/m1/versions/1" + k_v;
    auto m = spec.check_request("PUT", mv_url, &mv["parameters"]["body"]);
    CHECK_MESSAGE(m.ok(), m.to_string());
    CHECK(m.operation_id == "ModelVersions_CreateOrUpdate");
    auto mr = spec.check_response("PUT", mv_url, 201, &mv["responses"]["201"]["body"]);
    CHECK_MESSAGE(mr.ok(), mr.to_string());
    Json typo = mv["parameters"]["body"];
    typo["properties"]["modelUrl"] = "azureml://x";  // additionalProperties: false over the allOf chain
    auto t = spec.check_request("PUT", mv_url, &typo);
    CHECK_FALSE(t.ok());
    CHECK(t.to_string().find("modelUrl") != std::string::npos);
}

TEST_CASE("a wrong compute body is rejected through the discriminator") {
    if (skip()) {
        return;
    }
    const auto& spec = OpenApiChecker::shared();
    const std::string url = k_ws + "/computes/c1" + k_v;
    Json body = example("Compute/createOrUpdate/BasicAmlCompute.json")["parameters"]["parameters"];
    body["properties"]["properties"]["scaleSettings"]["maxNodeCount"] = "four";
    CHECK_FALSE(spec.check_request("PUT", url, &body).ok());
    body["properties"]["properties"]["scaleSettings"].erase("maxNodeCount");
    CHECK_FALSE(spec.check_request("PUT", url, &body).ok());
    body["properties"]["properties"]["scaleSettings"]["maxNodeCount"] = 2;
    body["properties"]["properties"]["vmPriority"] = "Cheap";
    CHECK_FALSE(spec.check_request("PUT", url, &body).ok());
    body["properties"]["properties"]["vmPriority"] = "LowPriority";
    CHECK(spec.check_request("PUT", url, &body).ok());
    body["properties"]["computeType"] = "NoSuchType";
    CHECK_FALSE(spec.check_request("PUT", url, &body).ok());
}

TEST_CASE("path, api-version, parameters and status are checked") {
    if (skip()) {
        return;
    }
    const auto& spec = OpenApiChecker::shared();
    auto none = spec.check_request("GET", k_ws + "/nosuchthing/x" + k_v, nullptr);
    CHECK_FALSE(none.matched);
    auto old = spec.check_request("GET", k_ws + "/computes/c1?api-version=2031-01-01", nullptr);
    CHECK_FALSE(old.matched);
    CHECK(old.errors.at(0).find("api-version '2031-01-01'") != std::string::npos);
    CHECK(spec.check_request("GET", k_ws + "/computes/c1?api-version=2031-01-01", nullptr, {true}).ok());
    CHECK_FALSE(spec.check_request("GET", k_ws + "/computes/c1", nullptr).ok());
    auto bad_name = spec.check_request(
        "GET", "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/x" + k_v,
        nullptr);
    CHECK(bad_name.matched);
    CHECK_FALSE(bad_name.ok());
    CHECK(spec.check_request("get", k_ws + "/COMPUTES/c1" + k_v, nullptr).ok());
    CHECK_FALSE(spec.check_response("GET", k_ws + "/computes/c1" + k_v, 201, nullptr).ok());
    const Json error = {{"error", {{"code", "NotFound"}, {"message", "not found"}}}};
    auto e = spec.check_response("GET", k_ws + "/computes/c1" + k_v, 404, &error);
    CHECK_MESSAGE(e.ok(), e.to_string());
    const Json rg_body = {{"location", "westeurope"}};
    auto rg = spec.check_request("PUT", "/subscriptions/s/resourcegroups/g?api-version=2019-10-01", &rg_body);
    CHECK_MESSAGE(rg.ok(), rg.to_string());
}
}
