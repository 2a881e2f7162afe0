// Inputs the fuzz targets (fuzz/, docs/reliability.md "Fuzzing") found to crash, replayed
// in-process. The raw fuzz inputs are in tests/data/fuzz/crashes/ (scripts/fuzz also uses them
// as seeds), with the request or text each one boils down to beside it.
#include "aad/aad.hpp"
#include "platform/dispatch.hpp"
#include "platform/services.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

std::string crash_file(const std::string& name) {
    std::ifstream in(std::string(CONVERGE_TEST_DATA) + "/fuzz/crashes/" + name, std::ios::binary);
    REQUIRE(in);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_SUITE("emulator") {

TEST_CASE("fuzz regression: a request path that is not UTF-8 gets an error response, not an abort") {
    // fuzz_emulator: the tenant of GET /{tenant}/v2.0/.well-known/openid-configuration was echoed
    // in the AADSTS90002 message, and serialising it threw (std::terminate in-process).
    auto svc = emulator::open_in_process({});
    emulator::Request req;
    req.method = "GET";
    req.path = crash_file("emulator/openid-tenant-not-utf8.path");
    req.remote_addr = "127.0.0.1";
    const auto response = emulator::dispatch(*svc, req);
    CHECK(response.status == 400);
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body["error"] == "invalid_tenant");
    CHECK(body["error_description"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD
}

TEST_CASE("fuzz regression: a write whose path is not UTF-8 is recorded in the Activity Log, not an abort") {
    // fuzz_emulator (tests/data/fuzz/crashes/emulator/activity-log-event-not-utf8): every ARM
    // write is recorded as Activity Log events carrying its resourceId, and serialising an event
    // with bytes that are not UTF-8 threw from record_activity (std::terminate in-process).
    auto svc = emulator::open_in_process({});
    const std::string sub = svc->credentials.subscription_id;
    emulator::Request req;
    req.method = "PUT";
    req.path = "/subscriptions/" + sub + "/resourceGroups/rg-\xde\x8b\x9e\x98";
    req.query.emplace("api-version", "2021-04-01");
    req.headers.emplace("Authorization", "Bearer " + emulator::mint_token(*svc, "https://management.azure.com/", 3600));
    req.headers.emplace("Content-Type", "application/json");
    req.body = R"({"location":"westeurope"})";
    req.remote_addr = "127.0.0.1";
    const auto written = emulator::dispatch(*svc, req);
    CHECK(written.status < 500);

    // The event is served, with the bytes replaced by U+FFFD.
    emulator::Request list;
    list.method = "GET";
    list.path = "/subscriptions/" + sub + "/providers/Microsoft.Insights/eventtypes/management/values";
    list.query.emplace("api-version", "2015-04-01");
    list.query.emplace("$filter", "eventTimestamp ge '2000-01-01T00:00:00Z' and eventTimestamp le '2100-01-01T00:00:00Z'");
    list.headers = req.headers;
    list.remote_addr = "127.0.0.1";
    const auto events = emulator::dispatch(*svc, list);
    REQUIRE(events.status == 200);
    const auto body = nlohmann::json::parse(events.body, nullptr, false);
    REQUIRE(body.is_object());
    REQUIRE(body["value"].size() == 2);  // BeginRequest and EndRequest
    CHECK(body["value"][0]["resourceId"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);
}

}  // TEST_SUITE

#include "converge/observe.hpp"
#include "fake_arm.hpp"

namespace {

/// A server whose GET answers 200 with a list for the workspace and a number as the storage
/// account's id: what fuzz_responses sent (tests/data/fuzz/crashes/responses/).
class OddBodies : public converge::testing::FakeArm {
public:
    std::string list_body_path;
    std::string numeric_id_path;
    converge::ApiResult<converge::Json> get(const std::string& path, const std::string& api_version) override {
        auto r = FakeArm::get(path, api_version);
        if (r && path == list_body_path) {
            return converge::Json::array({1, 2});
        }
        if (r && path == numeric_id_path) {
            (*r)["id"] = 5;
        }
        return r;
    }
};

converge::Resource desired_resource(const char* kind, const converge::ResourceId& id) {
    converge::Resource r;
    r.kind = converge::find_kind(kind);
    r.id = id;
    r.api_version = std::string(r.kind->api_version);
    return r;
}

}  // namespace

TEST_SUITE("observe") {

TEST_CASE("fuzz regression: a GET body that is not an object, or an id that is not text, is an error, not an abort") {
    using namespace converge;
    const std::string sub = "00000000-0000-0000-0000-000000000001";
    const auto rg = ResourceId::for_resource_group(sub, "rg");
    const auto sa = ResourceId::for_resource(sub, "rg", "Microsoft.Storage/storageAccounts", "sa");
    const auto ws = ResourceId::for_resource(sub, "rg", "Microsoft.MachineLearningServices/workspaces", "ws");
    OddBodies arm;
    arm.numeric_id_path = sa.str();
    arm.seed(rg.str(), Json::object());
    arm.seed(sa.str(), Json::object());
    arm.seed(ws.str(), Json::object());
    DesiredSet d;
    d.stack = "demo";
    d.resources = {desired_resource("ResourceGroup", rg), desired_resource("StorageAccount", sa)};
    ObserveOptions options;
    options.mode = RefreshMode::per_resource;
    auto state = observe(d, arm, options);
    REQUIRE(state);
    REQUIRE(state->find(sa) != nullptr);
    CHECK((*state->find(sa))["id"] == sa.str());  // its own id, not 5

    arm.list_body_path = ws.str();
    d.resources.push_back(desired_resource("Workspace", ws));
    state = observe(d, arm, options);
    REQUIRE_FALSE(state);
    CHECK(state.error().code == "InvalidResponse");
    CHECK(state.error().message.find("not a JSON object") != std::string::npos);
}

}  // TEST_SUITE
