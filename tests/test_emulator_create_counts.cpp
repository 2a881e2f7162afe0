// The emulator's per-resource create counts (Stats::resources, GET /_emulator/stats): what the
// fault soak (converge_bench --only soak) counts duplicate creates with. docs/emulator.md
// "Create counts".
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

using emutest::Emu;
using emutest::Json;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

emulator::ResourceCounts counts_of(const Emu& e, const std::string& path) {
    const auto stats = e.emu.stats();
    const auto it = stats.resources.find(lower(path));
    return it == stats.resources.end() ? emulator::ResourceCounts{} : it->second;
}

std::string state_of(Emu& e, const std::string& path) {
    auto res = e.get(path);
    REQUIRE(res);
    if (res->status == 404) {
        return "absent";
    }
    return Json::parse(res->body)["properties"].value("provisioningState", "");
}

}  // namespace

TEST_SUITE("emulator") {

TEST_CASE("emulator: creates are counted per resource; an update is no create; replace and duplicate differ") {
    Emu e;
    e.make_rg("rg1");
    const Json deps = e.make_workspace_dependencies("rg1");
    const std::string st = deps["storageAccount"].get<std::string>();
    const std::string st_body_api = "?api-version=2023-01-01";
    const Json st_body = {{"location", "westeurope"}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}}};

    // A second PUT of a stored id is an update: still one create.
    REQUIRE(e.put(st + st_body_api, st_body)->status == 200);
    CHECK(counts_of(e, st).creates == 1);
    CHECK(counts_of(e, e.rg_path("rg1")).creates == 1);

    // An async create that ends Failed, deleted and created again: a replace, not a duplicate.
    const std::string ws = e.rg_path("rg1") + "/providers/Microsoft.MachineLearningServices/workspaces/ws1";
    const std::string ws_api = "?api-version=2025-12-01";
    emulator::FaultRates always_fails;
    always_fails.async_failure = 1.0;
    e.emu.set_faults(always_fails);
    REQUIRE(e.put(ws + ws_api, Json{{"location", "westeurope"}, {"properties", deps}})->status / 100 == 2);
    e.emu.set_faults({});
    e.advance(60'000);
    REQUIRE(state_of(e, ws + ws_api) == "Failed");
    CHECK(e.emu.stats().faults_by_kind["async_failure"] == 1);
    REQUIRE(e.del(ws + ws_api + "&forceToPurge=true")->status < 300);  // purged: the name can be reused
    e.advance(60'000);
    REQUIRE(state_of(e, ws + ws_api) == "absent");
    REQUIRE(e.put(ws + ws_api, Json{{"location", "westeurope"}, {"properties", deps}})->status / 100 == 2);
    e.advance(60'000);
    REQUIRE(state_of(e, ws + ws_api) == "Succeeded");
    auto w = counts_of(e, ws);
    CHECK(w.creates == 2);
    CHECK(w.replaces == 1);
    CHECK(w.duplicates == 0);
    CHECK(w.deletes == 1);
    CHECK(e.emu.stats().duplicate_creates() == 0);

    // A Succeeded resource deleted and created again: a duplicate create.
    REQUIRE(e.del(st + st_body_api)->status < 300);
    REQUIRE(e.put(st + st_body_api, st_body)->status == 201);
    auto s = counts_of(e, st);
    CHECK(s.creates == 2);
    CHECK(s.replaces == 0);
    CHECK(s.duplicates == 1);
    CHECK(e.emu.stats().duplicate_creates() == 1);

    // The admin API shows the same, and a reset zeroes it.
    auto res = e.client->Get("/_emulator/stats");
    REQUIRE(res);
    const Json j = Json::parse(res->body);
    CHECK(j["duplicateCreates"] == 1);
    CHECK(j["resources"][lower(st)]["creates"] == 2);
    CHECK(j["resources"][lower(ws)]["replaces"] == 1);
    CHECK(j["faultsByKind"]["async_failure"] == 1);
    e.emu.reset_stats();
    CHECK(e.emu.stats().resources.empty());
}

}  // TEST_SUITE
