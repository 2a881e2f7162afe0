// Model assets, online endpoints with keys and scoring, and the regional API, through the
// running emulator with a manual clock.
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using emutest::Emu;
using emutest::Json;

namespace {

const std::string k_ml = "?api-version=2022-10-01";
const std::string k_assets = "?api-version=2022-05-01";

Json body_of(const httplib::Result& res) {
    REQUIRE(res);
    return res->body.empty() ? Json() : Json::parse(res->body);
}

void put16(std::string& out, std::uint32_t v) {
    out += static_cast<char>(v & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
}

void put32(std::string& out, std::uint32_t v) {
    put16(out, v & 0xffff);
    put16(out, v >> 16);
}

// A zip holding empty files with these names (central directory only matters to startrun).
std::string zip_of(const std::vector<std::string>& names) {
    std::string out;
    std::string directory;
    for (const auto& name : names) {
        const auto offset = static_cast<std::uint32_t>(out.size());
        put32(out, 0x04034b50);
        for (int i = 0; i < 5; ++i) {
            put16(out, 0);
        }
        put32(out, 0), put32(out, 0), put32(out, 0), put16(out, name.size()), put16(out, 0);
        out += name;
        put32(directory, 0x02014b50);
        for (int i = 0; i < 6; ++i) {
            put16(directory, 0);
        }
        put32(directory, 0), put32(directory, 0), put32(directory, 0);
        put16(directory, name.size());
        for (int i = 0; i < 4; ++i) {
            put16(directory, 0);
        }
        put32(directory, 0), put32(directory, offset);
        directory += name;
    }
    const auto start = static_cast<std::uint32_t>(out.size());
    out += directory;
    put32(out, 0x06054b50), put16(out, 0), put16(out, 0), put16(out, names.size()), put16(out, names.size());
    put32(out, directory.size()), put32(out, start), put16(out, 0);
    return out;
}

httplib::Result start_run(Emu& e, const std::string& url, const std::vector<std::string>& files) {
    const Json definition = {{"Configuration", {{"Script", "train.py"}, {"Target", "cpu"}, {"Framework", "Python"}}}};
    httplib::MultipartFormDataItems items = {
        {"projectZipFile", zip_of(files), "project.zip", "application/zip"},
        {"runDefinitionFile", definition.dump(), "runDefinition.json", "application/json"}};
    return e.client->Post(url, e.auth(), items);
}

}  // namespace

TEST_SUITE("emulator-ml") {
    TEST_CASE("a model version PUT creates its container; versions carry flavors; names are case-sensitive") {
        Emu e;
        const std::string ws = e.make_workspace("rgm", "ws-m", k_ml);
        auto created = e.put(ws + "/models/Mnist/versions/1" + k_assets,
                             Json{{"properties", {{"modelUri", "azureml://x"}, {"modelType", "custom_model"}}}});
        REQUIRE(created);
        CHECK(created->status == 201);
        CHECK(body_of(created)["properties"]["flavors"] == Json::object());
        CHECK(e.put(ws + "/models/Mnist/versions/1" + k_assets, Json{{"properties", {{"modelUri", "azureml://y"}}}})->status == 200);
        CHECK(e.put(ws + "/models/Mnist/versions/2" + k_assets, Json{{"properties", {{"modelUri", "azureml://z"}}}})->status == 201);

        Json container = body_of(e.get(ws + "/models/Mnist" + k_assets));
        CHECK(container["name"] == "Mnist");
        CHECK(container["properties"]["latestVersion"] == "2");
        CHECK(container["properties"]["nextVersion"] == "3");
        CHECK(e.get(ws + "/models/mnist" + k_assets)->status == 404);
        CHECK(e.get(ws + "/models/Mnist/versions/1" + k_assets)->status == 200);
    }

    TEST_CASE("model lists page with nextLink and honour listViewType") {
        emulator::Options options;
        options.page_size = 1;
        Emu e(options);
        const std::string ws = e.make_workspace("rgp", "ws-p", k_ml);
        for (const char* v : {"1", "2", "3"}) {
            e.put(ws + "/models/m/versions/" + v + k_assets,
                  Json{{"properties", {{"modelUri", "azureml://x"}, {"isArchived", std::string(v) == "3"}}}});
        }
        std::vector<std::string> seen;
        std::string url = ws + "/models/m/versions" + k_assets;
        for (int pages = 0; !url.empty() && pages < 10; ++pages) {
            Json page = body_of(e.get(url));
            for (const auto& item : page["value"]) {
                seen.push_back(item["name"]);
            }
            url = page.contains("nextLink") && page["nextLink"].is_string() ? e.local(page["nextLink"]) : "";
        }
        CHECK(seen == std::vector<std::string>{"1", "2"});
        Json archived = body_of(e.get(ws + "/models/m/versions" + k_assets + "&listViewType=ArchivedOnly"));
        REQUIRE(archived["value"].size() == 1);
        CHECK(archived["value"][0]["name"] == "3");
        CHECK(e.del(ws + "/models/m/versions/3" + k_assets)->status == 200);
        CHECK(e.del(ws + "/models/m/versions/3" + k_assets)->status == 204);
    }

    TEST_CASE("publishing a model version is a long-running operation") {
        Emu e;
        const std::string ws = e.make_workspace("rgpub", "ws-pub", k_ml);
        e.put(ws + "/models/m/versions/1" + k_assets, Json{{"properties", {{"modelUri", "azureml://x"}}}});
        CHECK(e.post(ws + "/models/m/versions/1/publish" + k_assets, Json::object())->status == 400);
        auto accepted = e.post(ws + "/models/m/versions/1/publish" + k_assets, Json{{"registryName", "reg"}});
        REQUIRE(accepted);
        CHECK(accepted->status == 202);
        REQUIRE(accepted->has_header("Location"));
        e.advance(10'000);
        CHECK(e.get(e.local(accepted->get_header_value("Location")))->status == 200);
    }

    TEST_CASE("online endpoints: LRO headers, keys only from listKeys, key-authenticated scoring") {
        Emu e;
        const std::string ws = e.make_workspace("rge", "ws-e", k_ml);
        const std::string ep = ws + "/onlineEndpoints/ep1";
        auto created = e.put(ep + k_ml, Json{{"location", "westeurope"}, {"properties", {{"authMode", "Key"}}}});
        REQUIRE(created);
        CHECK(created->status == 201);
        CHECK(created->has_header("Azure-AsyncOperation"));
        CHECK(created->get_header_value("x-ms-async-operation-timeout") == "PT1H");
        CHECK(body_of(created)["properties"]["provisioningState"] == "Creating");
        e.advance(10'000);
        Json endpoint = body_of(e.get(ep + k_ml));
        CHECK(endpoint["properties"]["provisioningState"] == "Succeeded");
        const std::string scoring = endpoint["properties"]["scoringUri"];
        CHECK(scoring.rfind(e.emu.base_url(), 0) == 0);

        Json keys = body_of(e.post(ep + "/listKeys" + k_ml));
        const std::string primary = keys["primaryKey"];
        CHECK(primary.size() >= 20);
        CHECK(e.get(ep + k_ml)->body.find(primary) == std::string::npos);

        e.put(ep + "/deployments/blue" + k_ml,
              Json{{"location", "westeurope"}, {"properties", {{"endpointComputeType", "Managed"}, {"model", "m"}}}});
        e.advance(10'000);
        auto traffic = e.put(ep + k_ml, Json{{"location", "westeurope"},
                                            {"properties", {{"authMode", "Key"}, {"traffic", {{"blue", 100}}}}}});
        CHECK(traffic->status == 200);
        CHECK(e.put(ep + k_ml, Json{{"location", "westeurope"}, {"properties", {{"authMode", "Key"}, {"traffic", {{"green", 100}}}}}})
                  ->status == 400);
        // Weights sum to 0 or 100; mirrored traffic to at most 50 (mfe.json OnlineEndpoint).
        CHECK(e.put(ep + k_ml, Json{{"location", "westeurope"}, {"properties", {{"authMode", "Key"}, {"traffic", {{"blue", 90}}}}}})
                  ->status == 400);
        CHECK(e.put(ep + k_ml, Json{{"location", "westeurope"},
                                    {"properties", {{"authMode", "Key"}, {"traffic", {{"blue", 100}}}, {"mirrorTraffic", {{"blue", 60}}}}}})
                  ->status == 400);

        httplib::Headers with_key = {{"Authorization", "Bearer " + primary}};
        auto scored = e.client->Post(e.local(scoring), with_key, R"({"data": [[1, 2], [3, 4, 5]]})", "application/json");
        REQUIRE(scored);
        CHECK(scored->status == 200);
        CHECK(Json::parse(scored->body) == Json{3, 12});
        CHECK(scored->get_header_value("azureml-model-deployment") == "blue");
        e.put(ep + "/deployments/green" + k_ml,
              Json{{"location", "westeurope"}, {"properties", {{"endpointComputeType", "Managed"}, {"model", "m"}}}});
        httplib::Headers to_green = {{"Authorization", "Bearer " + primary}, {"azureml-model-deployment", "green"}};
        CHECK(e.client->Post(e.local(scoring), to_green, R"({"data": [[1]]})", "application/json")->status == 424);
        httplib::Headers wrong = {{"Authorization", "Bearer nope"}};
        CHECK(e.client->Post(e.local(scoring), wrong, R"({"data": [[1]]})", "application/json")->status == 401);

        auto patched = e.patch(ep + k_ml, Json{{"tags", {{"a", "b"}}}});
        CHECK(patched->status == 202);
        CHECK(patched->has_header("Location"));
        e.advance(10'000);
        CHECK(body_of(e.get(ep + k_ml))["tags"] == Json{{"a", "b"}});

        auto regenerated = e.post(ep + "/regenerateKeys" + k_ml, Json{{"keyType", "Primary"}});
        CHECK(regenerated->status == 202);
        CHECK(body_of(e.post(ep + "/listKeys" + k_ml))["primaryKey"] != primary);
        CHECK(e.client->Post(e.local(scoring), with_key, R"({"data": [[1]]})", "application/json")->status == 401);

        auto deleted = e.del(ep + k_ml);
        CHECK(deleted->status == 202);
        e.advance(10'000);
        CHECK(e.get(ep + k_ml)->status == 404);
    }

    TEST_CASE("regional API: discovery, startrun, run life, failed run, models") {
        Emu e;
        const std::string ws = e.make_workspace("rgr", "ws-r", k_ml);
        const std::string prefix = ws.substr(0);  // /subscriptions/.../workspaces/ws-r
        Json discovery = body_of(e.client->Get("/discovery"));
        CHECK(discovery["api"] == e.emu.base_url());
        CHECK(discovery["modelmanagement"] == e.emu.base_url());

        auto started = start_run(e, "/execution/v1.0" + prefix + "/experiments/exp/startrun", {"train.py", "lib/util.py"});
        REQUIRE(started);
        CHECK(started->status == 200);
        const std::string run_id = Json::parse(started->body)["runId"];
        CHECK(run_id.rfind("exp_", 0) == 0);
        const std::string run_url = "/history/v1.0" + prefix + "/experiments/exp/runs/" + run_id;
        CHECK(body_of(e.get(run_url))["status"] == "Queued");
        e.advance(10'000);
        CHECK(body_of(e.get(run_url))["status"] == "Completed");

        auto failing = start_run(e, "/execution/v1.0" + prefix + "/experiments/exp/startrun", {"other.py"});
        const std::string failed_id = Json::parse(failing->body)["runId"];
        e.advance(10'000);
        Json failed = body_of(e.get("/history/v1.0" + prefix + "/experiments/exp/runs/" + failed_id));
        CHECK(failed["status"] == "Failed");
        CHECK(failed["error"].dump().find("train.py") != std::string::npos);
        CHECK(body_of(e.get("/history/v1.0" + prefix + "/experiments"))["value"].size() == 1);
        CHECK(body_of(e.get("/history/v1.0" + prefix + "/experiments/exp/runs"))["value"].size() == 2);

        const std::string models = "/modelmanagement/v1.0" + prefix + "/models";
        Json first = body_of(e.post(models, Json{{"name", "mnist"}, {"url", "aml://a"}}));
        CHECK(first["id"] == "mnist:1");
        CHECK(body_of(e.post(models, Json{{"name", "mnist"}, {"url", "aml://b"}}))["version"] == 2);
        CHECK(e.post(models, Json{{"name", "mnist"}})->status == 400);
        CHECK(body_of(e.get(models))["value"].size() == 2);
        CHECK(e.del(models + "/mnist:1")->status == 200);
        CHECK(e.get(models + "/mnist:1")->status == 404);
        CHECK(e.client->Get(models)->status == 401);
    }
}
