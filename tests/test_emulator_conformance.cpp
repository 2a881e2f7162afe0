// The emulator against the official OpenAPI files: each x-ms-examples request under spec/ is
// sent to the running emulator; its responses (the PUT's and the GET's after the operation
// finished) must validate against the operation's response schema and have the example
// response's shape (see same_shape). Skips loudly without $CONVERGE_SHARED.
#include "emulator_fixture.hpp"
#include "openapi_checker.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <fstream>
#include <regex>

using converge::test::OpenApiChecker;
using emutest::Emu;
using emutest::Json;

namespace {

const std::string k_examples = "/machinelearningservices/stable/2025-12-01/examples/";

bool skip() {
    if (!OpenApiChecker::shared().available()) {
        MESSAGE("SKIPPED: no OpenAPI files under " << converge::test::spec_dir() << " (set CONVERGE_SHARED)");
        return true;
    }
    return false;
}

Json example(const std::string& relative) {
    std::ifstream in(converge::test::spec_dir() + k_examples + relative);
    return Json::parse(in);
}

// Example placeholders the emulator rightly refuses: subscription ids (ours instead), "string"
// locations, storage names with capitals, traffic to deployments that do not exist.
void adapt(Json& j, const std::string& sub) {
    static const std::regex k_sub("/subscriptions/[0-9a-f-]{36}");
    if (j.is_string()) {
        std::string s = std::regex_replace(j.get<std::string>(), k_sub, "/subscriptions/" + sub);
        s = std::regex_replace(s, std::regex("storageAccounts/testStorageAccount"), "storageAccounts/teststorageaccount");
        j = s;
        return;
    }
    if (!j.is_structured()) {
        return;
    }
    if (j.is_object() && j.contains("location") && j["location"] == "string") {
        j["location"] = "eastus";
    }
    if (j.is_object() && j.contains("traffic")) {
        j["traffic"] = Json::object();
    }
    for (auto& [key, value] : j.items()) {
        adapt(value, sub);
    }
}

// Same shape: every field the example request sent and the example response echoes is in our
// response with the same JSON type; objects are compared member by member. Server-generated
// values may differ, absent optional fields may be absent on both sides.
void same_shape(const Json& expected, const Json& sent, const Json& actual, const std::string& path,
                std::vector<std::string>& problems) {
    if (!expected.is_object() || !sent.is_object()) {
        return;
    }
    for (const auto& [key, value] : expected.items()) {
        if (!sent.contains(key) || value.is_null()) {
            continue;
        }
        const std::string where = path + "/" + key;
        if (!actual.is_object() || !actual.contains(key)) {
            problems.push_back(where + ": missing");
            continue;
        }
        const Json& ours = actual[key];
        if (value.type() != ours.type() && !(value.is_number() && ours.is_number())) {
            problems.push_back(where + ": " + value.type_name() + " expected, got " + ours.type_name());
            continue;
        }
        same_shape(value, sent[key], ours, where, problems);
    }
}

struct Case {
    std::string file;
    std::string method;
    std::string path;      ///< with {sub}
    std::string body_key;  ///< "parameters" or "body"
};

// Sends an example's request and checks the answer and the finished resource.
void run_case(Emu& e, const Case& c) {
    CAPTURE(c.file);
    const auto& spec = OpenApiChecker::shared();
    Json ex = example(c.file);
    adapt(ex, e.sub());
    const std::string url = std::regex_replace(c.path, std::regex("\\{sub\\}"), e.sub()) + "?api-version=2025-12-01";
    const Json& request = ex["parameters"][c.body_key];
    const converge::Json request_c(request);
    auto req = spec.check_request(c.method, url, &request_c);
    CHECK_MESSAGE(req.ok(), req.to_string());

    auto res = e.put(url, request);
    REQUIRE(res);
    CAPTURE(res->body);
    const std::string status = std::to_string(res->status);
    REQUIRE_MESSAGE(ex["responses"].contains(status), "status " << status << " is not an example response");
    if (!res->body.empty()) {
        const Json body = Json::parse(res->body);
        const converge::Json body_c(body);
        auto check = spec.check_response(c.method, url, res->status, &body_c);
        CHECK_MESSAGE(check.ok(), check.to_string());
        std::vector<std::string> problems;
        same_shape(ex["responses"][status].value("body", Json::object()), request, body, "", problems);
        CHECK_MESSAGE(problems.empty(), status << " shape: " << Json(problems).dump());
    }
    e.advance(60'000);
    auto got = e.get(url);
    REQUIRE(got);
    REQUIRE(got->status == 200);
    const Json body = Json::parse(got->body);
    const converge::Json body_c(body);
    auto check = spec.check_response("GET", url, 200, &body_c);
    CHECK_MESSAGE(check.ok(), check.to_string());
    std::vector<std::string> problems;
    same_shape(ex["responses"]["200"].value("body", Json::object()), request, body, "", problems);
    CHECK_MESSAGE(problems.empty(), "GET shape: " << Json(problems).dump());
}

std::string ws_path(const std::string& rg, const std::string& ws) {
    return "/subscriptions/{sub}/resourceGroups/" + rg + "/providers/Microsoft.MachineLearningServices/workspaces/" + ws;
}

// The resources the examples refer to: groups, dependencies, the workspace they live in.
void prepare(Emu& e, const std::string& rg, const std::string& ws) {
    e.make_rg(rg);
    std::string plain;  // storage account names allow only lower-case letters and digits
    for (char c : rg) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            plain += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    Json deps = e.make_workspace_dependencies(rg);
    deps["storageAccount"] = e.rg_path(rg) + "/providers/Microsoft.Storage/storageAccounts/st" + plain;
    e.put(deps["storageAccount"].get<std::string>() + "?api-version=2023-01-01",
          Json{{"location", "eastus"}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}}});
    e.put(e.rg_path(rg) + "/providers/Microsoft.MachineLearningServices/workspaces/" + ws + "?api-version=2025-12-01",
          Json{{"location", "eastus"}, {"properties", deps}});
    e.advance(60'000);
}

void prepare_workspace_example(Emu& e) {
    e.make_rg("workspace-1234");
    e.make_rg("accountcrud-1234");
    const std::string base = e.rg_path("workspace-1234") + "/providers/";
    e.put(e.rg_path("accountcrud-1234") + "/providers/Microsoft.Storage/storageAccounts/teststorageaccount?api-version=2023-01-01",
          Json{{"location", "eastus"}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}}});
    e.put(base + "Microsoft.KeyVault/vaults/testkv?api-version=2023-07-01",
          Json{{"location", "eastus"}, {"properties", {{"sku", {{"family", "A"}, {"name", "standard"}}}}}});
    e.put(base + "Microsoft.Insights/components/testinsights?api-version=2020-02-02",
          Json{{"location", "eastus"}, {"kind", "web"}, {"properties", {{"Application_Type", "web"}}}});
    e.put(base + "Microsoft.ContainerRegistry/registries/testRegistry?api-version=2023-07-01",
          Json{{"location", "eastus"}, {"sku", {{"name", "Basic"}}}});
}

}  // namespace

TEST_SUITE("emulator-conformance") {
    TEST_CASE("the workspace create example conforms") {
        if (skip()) {
            return;
        }
        Emu e;
        prepare_workspace_example(e);
        run_case(e, {"Workspace/create.json", "PUT", ws_path("workspace-1234", "testworkspace"), "parameters"});
    }

    TEST_CASE("the compute create examples conform") {
        if (skip()) {
            return;
        }
        Emu e;
        prepare(e, "testrg123", "workspaces123");
        run_case(e, {"Compute/createOrUpdate/BasicAmlCompute.json", "PUT",
                     ws_path("testrg123", "workspaces123") + "/computes/compute123", "parameters"});
        run_case(e, {"Compute/createOrUpdate/ComputeInstanceMinimal.json", "PUT",
                     ws_path("testrg123", "workspaces123") + "/computes/compute456", "parameters"});
    }

    TEST_CASE("the model container and version examples conform") {
        if (skip()) {
            return;
        }
        Emu e;
        prepare(e, "testrg123", "workspace123");
        run_case(e, {"Workspace/ModelContainer/createOrUpdate.json", "PUT",
                     ws_path("testrg123", "workspace123") + "/models/testContainer", "body"});
        prepare(e, "test-rg", "my-aml-workspace");
        run_case(e, {"Workspace/ModelVersion/createOrUpdate.json", "PUT",
                     ws_path("test-rg", "my-aml-workspace") + "/models/string/versions/string", "body"});
    }

    TEST_CASE("the online endpoint and deployment examples conform") {
        if (skip()) {
            return;
        }
        Emu e;
        prepare(e, "test-rg", "my-aml-workspace");
        const std::string endpoint = ws_path("test-rg", "my-aml-workspace") + "/onlineEndpoints/testEndpointName";
        run_case(e, {"Workspace/OnlineEndpoint/createOrUpdate.json", "PUT", endpoint, "body"});
        run_case(e, {"OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json", "PUT",
                     endpoint + "/deployments/testDeploymentName", "body"});
    }

    TEST_CASE("list responses conform") {
        if (skip()) {
            return;
        }
        Emu e;
        prepare(e, "rglist", "wslist");
        const std::string ws = e.rg_path("rglist") + "/providers/Microsoft.MachineLearningServices/workspaces/wslist";
        e.put(ws + "/models/m/versions/1?api-version=2025-12-01", Json{{"properties", {{"modelUri", "azureml://x"}}}});
        const auto& spec = OpenApiChecker::shared();
        for (const std::string suffix : {"/models", "/models/m/versions", "/onlineEndpoints", "/computes"}) {
            const std::string url = ws + suffix + "?api-version=2025-12-01";
            auto res = e.get(url);
            REQUIRE(res);
            CHECK(res->status == 200);
            const Json body = Json::parse(res->body);
            const converge::Json body_c(body);
    auto check = spec.check_response("GET", url, 200, &body_c);
            CHECK_MESSAGE(check.ok(), suffix << ": " << check.to_string());
        }
    }
}
