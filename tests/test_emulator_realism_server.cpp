// The realism rules as clients see them: through the running emulator (issue 8).
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

#include <cctype>

using emutest::Emu;
using emutest::Json;

namespace {

const std::string k_ml = "?api-version=2022-10-01";

std::string workspace_path(Emu& e, const std::string& rg, const std::string& ws) {
    return e.rg_path(rg) + "/providers/Microsoft.MachineLearningServices/workspaces/" + ws;
}

// A resource group, the dependencies and a finished workspace.
std::string make_workspace(Emu& e, const std::string& rg, const std::string& ws) {
    e.make_rg(rg);
    Json props = e.make_workspace_dependencies(rg);
    const std::string path = workspace_path(e, rg, ws);
    auto res = e.put(path + k_ml, Json{{"location", "West Europe"}, {"properties", props}});
    REQUIRE(res);
    REQUIRE(res->status == 202);
    e.advance(10'000);
    REQUIRE(e.get(path + k_ml)->status == 200);
    return path;
}

std::string lower(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

Json body_of(const httplib::Result& res) {
    REQUIRE(res);
    return Json::parse(res->body);
}

}  // namespace

TEST_SUITE("emulator-realism") {
    TEST_CASE("server: a display-name location is stored and answered canonical; an unknown one is refused") {
        Emu e;
        auto created = e.put(e.rg_path("rg-Loc") + "?api-version=2021-04-01", Json{{"location", "West Europe"}});
        REQUIRE(created);
        CHECK(created->status == 201);
        CHECK(body_of(created)["location"] == "westeurope");
        CHECK(body_of(e.get(e.rg_path("rg-loc") + "?api-version=2021-04-01"))["location"] == "westeurope");

        auto bad = e.put(e.rg_path("rg-bad") + "?api-version=2021-04-01", Json{{"location", "Middle Earth"}});
        REQUIRE(bad);
        CHECK(bad->status == 400);
        CHECK(body_of(bad)["error"]["code"] == "LocationNotAvailableForResourceGroup");
        CHECK(e.head(e.rg_path("rg-bad") + "?api-version=2021-04-01")->status == 404);

        auto storage = e.put(e.rg_path("rg-Loc") + "/providers/Microsoft.Storage/storageAccounts/stx01?api-version=2023-01-01",
                             Json{{"location", "Atlantis"}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}}});
        CHECK(storage->status == 400);
        CHECK(body_of(storage)["error"]["code"] == "LocationNotAvailableForResourceType");
    }

    TEST_CASE("server: subscriptions list their locations") {
        Emu e;
        Json list = body_of(e.get("/subscriptions/" + e.sub() + "/locations?api-version=2022-12-01"));
        REQUIRE(list["value"].is_array());
        bool found = false;
        for (const auto& region : list["value"]) {
            found = found || (region["name"] == "centralus" && region["displayName"] == "Central US");
        }
        CHECK(found);
    }

    TEST_CASE("server: a workspace answers its linked ids lower-cased and Azure's defaults") {
        Emu e;
        const std::string path = make_workspace(e, "rgws", "ws-Real");
        Json ws = body_of(e.get(path + k_ml));
        CHECK(ws["location"] == "westeurope");
        CHECK(ws["name"] == "ws-Real");
        const std::string storage = ws["properties"]["storageAccount"];
        CHECK(storage == "/subscriptions/" + lower(e.sub()) +
                             "/resourcegroups/rgws/providers/microsoft.storage/storageaccounts/strgws");
        CHECK(ws["properties"]["hbiWorkspace"] == false);
        CHECK(ws["properties"]["v1LegacyMode"] == false);
        CHECK(ws["properties"]["publicNetworkAccess"] == "Enabled");
        CHECK(ws["sku"]["name"] == "Basic");
        CHECK(ws["identity"]["type"] == "SystemAssigned");
        CHECK(ws["identity"]["principalId"].is_string());
        CHECK(ws["properties"]["discoveryUrl"] == e.emu.base_url() + "/discovery");
    }

    TEST_CASE("server: compute durations are normalised, defaults filled, passwords never returned") {
        Emu e;
        const std::string ws = make_workspace(e, "rgc", "ws-c1");
        const std::string path = ws + "/computes/cpu1";
        auto created = e.put(path + k_ml, Json{{"location", "westeurope"},
                                               {"properties", {{"computeType", "amlcompute"},
                                                               {"properties", {{"vmSize", "STANDARD_DS3_V2"},
                                                                               {"scaleSettings", {{"maxNodeCount", 2}, {"nodeIdleTimeBeforeScaleDown", "PT1800S"}}},
                                                                               {"userAccountCredentials", {{"adminUserName", "azureuser"}, {"adminUserPassword", "Hunter2-secret"}}}}}}}});
        REQUIRE(created);
        CHECK(created->status == 201);
        CHECK(created->body.find("Hunter2-secret") == std::string::npos);
        e.advance(10'000);
        auto got = e.get(path + k_ml);
        CHECK(got->body.find("Hunter2-secret") == std::string::npos);
        Json inner = body_of(got)["properties"]["properties"];
        CHECK(inner["scaleSettings"]["nodeIdleTimeBeforeScaleDown"] == "PT30M");
        CHECK(inner["scaleSettings"]["minNodeCount"] == 0);
        CHECK(inner["vmPriority"] == "Dedicated");
        CHECK(inner["osType"] == "Linux");
        CHECK(inner["enableNodePublicIp"] == true);
        CHECK(inner["remoteLoginPortPublicAccess"] == "Enabled");
        CHECK(inner["userAccountCredentials"] == Json{{"adminUserName", "azureuser"}});
        CHECK(e.get(ws + "/computes" + k_ml)->body.find("Hunter2-secret") == std::string::npos);

        auto bad = e.put(ws + "/computes/cpu2" + k_ml,
                         Json{{"location", "westeurope"},
                              {"properties", {{"computeType", "AmlCompute"},
                                              {"properties", {{"vmSize", "STANDARD_DS3_V2"},
                                                              {"scaleSettings", {{"maxNodeCount", 2}, {"nodeIdleTimeBeforeScaleDown", "half an hour"}}}}}}}});
        REQUIRE(bad);
        CHECK(bad->status == 400);
        CHECK(body_of(bad)["error"]["target"] == "properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown");
    }

    TEST_CASE("server: with realism off bodies come back as sent (emulator tests only)") {
        emulator::Options options;
        options.realism = false;
        Emu e(options);
        auto created = e.put(e.rg_path("rg-raw") + "?api-version=2021-04-01", Json{{"location", "West Europe"}});
        REQUIRE(created);
        CHECK(body_of(created)["location"] == "West Europe");
        auto storage = e.put(e.rg_path("rg-raw") + "/providers/Microsoft.Storage/storageAccounts/straw1?api-version=2023-01-01",
                             Json{{"location", "West Europe"}, {"kind", "storagev2"}, {"sku", {{"name", "standard_lrs"}}}});
        REQUIRE(storage);
        CHECK(body_of(storage)["kind"] == "storagev2");
    }
}
