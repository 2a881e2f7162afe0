// Soft-delete (issue 15 item 4): Key Vault deleted vaults, purge and recover (keyvault.json
// 2025-05-01), workspace soft-delete and forceToPurge (workspaceRP.json 2025-12-01).
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

using emutest::Emu;
using emutest::Json;

namespace {
const std::string k_kv_api = "?api-version=2023-07-01";
const std::string k_ws_api = "?api-version=2025-12-01";

Json vault_body() {
    return {{"location", "westeurope"},
            {"tags", {{"team", "ml"}}},
            {"properties", {{"sku", {{"family", "A"}, {"name", "standard"}}}}}};
}
}  // namespace

TEST_SUITE("emulator") {
    TEST_CASE("key vault soft-delete: DELETE keeps a deleted vault, listed and readable; a PUT of the name is refused") {
        Emu e;
        e.make_rg("rg");
        const std::string kv = e.rg_path("rg") + "/providers/Microsoft.KeyVault/vaults/kv-soft";
        REQUIRE(e.put(kv + k_kv_api, vault_body())->status == 201);
        REQUIRE(e.del(kv + k_kv_api)->status == 200);
        CHECK(e.get(kv + k_kv_api)->status == 404);

        const std::string deleted =
            "/subscriptions/" + e.sub() + "/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-soft";
        auto listed = e.get("/subscriptions/" + e.sub() + "/providers/Microsoft.KeyVault/deletedVaults" + k_kv_api);
        REQUIRE(listed->status == 200);
        const Json items = Json::parse(listed->body)["value"];
        REQUIRE(items.size() == 1);
        CHECK(items[0]["id"] == deleted);
        CHECK(items[0]["type"] == "Microsoft.KeyVault/deletedVaults");
        const Json& p = items[0]["properties"];
        CHECK(p["vaultId"] == kv);
        CHECK(p["location"] == "westeurope");
        CHECK(p["tags"] == Json{{"team", "ml"}});
        CHECK(p["deletionDate"] == "2027-01-15T08:00:00.000Z");
        CHECK(p["scheduledPurgeDate"] == "2027-04-15T08:00:00.000Z");  // 90 days
        CHECK(p["purgeProtectionEnabled"] == false);
        CHECK(Json::parse(e.get(deleted + k_kv_api)->body) == items[0]);
        CHECK(e.get("/subscriptions/" + e.sub() + "/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/"
                    "kv-other" + k_kv_api)
                  ->status == 404);
        // Not a resource of the group any more, nor a vault.
        CHECK(Json::parse(e.get(e.rg_path("rg") + "/resources?api-version=2021-04-01")->body)["value"].empty());
        CHECK(Json::parse(e.get("/subscriptions/" + e.sub() + "/providers/Microsoft.KeyVault/vaults" + k_kv_api)->body)
                  ["value"]
                      .empty());

        auto refused = e.put(kv + k_kv_api, vault_body());
        CHECK(refused->status == 409);
        const Json error = Json::parse(refused->body)["error"];
        CHECK(error["code"] == "ConflictError");
        CHECK(error["message"] ==
              "A vault with the same name already exists in deleted state. You need to either recover or purge "
              "existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more "
              "information on soft delete.");
    }

    TEST_CASE("key vault recover: createMode recover restores the deleted vault; without one it is refused") {
        Emu e;
        e.make_rg("rg");
        const std::string kv = e.rg_path("rg") + "/providers/Microsoft.KeyVault/vaults/kv-back";
        Json recover = vault_body();
        recover["properties"]["createMode"] = "recover";
        auto none = e.put(kv + k_kv_api, recover);
        CHECK(none->status == 404);
        CHECK(Json::parse(none->body)["error"]["code"] == "SoftDeletedVaultDoesNotExist");

        REQUIRE(e.put(kv + k_kv_api, vault_body())->status == 201);
        const Json before = Json::parse(e.get(kv + k_kv_api)->body);
        REQUIRE(e.del(kv + k_kv_api)->status == 200);
        Json other = recover;
        other["tags"] = Json{{"team", "other"}};
        auto recovered = e.put(kv + k_kv_api, other);
        REQUIRE(recovered->status == 201);
        const Json after = Json::parse(e.get(kv + k_kv_api)->body);
        CHECK(after["tags"] == before["tags"]);  // restored as it was
        CHECK(after["properties"]["vaultUri"] == before["properties"]["vaultUri"]);
        CHECK_FALSE(after["properties"].contains("createMode"));
        CHECK(Json::parse(e.get("/subscriptions/" + e.sub() + "/providers/Microsoft.KeyVault/deletedVaults" + k_kv_api)
                              ->body)["value"]
                  .empty());
        CHECK(e.put(kv + k_kv_api, vault_body())->status == 200);  // an ordinary update again
    }

    TEST_CASE("key vault purge: POST purge is async (202 + Location); then the name is free") {
        Emu e;
        e.make_rg("rg");
        const std::string kv = e.rg_path("rg") + "/providers/Microsoft.KeyVault/vaults/kv-purge";
        REQUIRE(e.put(kv + k_kv_api, vault_body())->status == 201);
        REQUIRE(e.del(kv + k_kv_api)->status == 200);
        const std::string deleted =
            "/subscriptions/" + e.sub() + "/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-purge";
        CHECK(e.post("/subscriptions/" + e.sub() +
                     "/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-none/purge" + k_kv_api)
                  ->status == 404);
        auto purge = e.post(deleted + "/purge" + k_kv_api);
        REQUIRE(purge->status == 202);
        const std::string location = purge->get_header_value("Location");
        REQUIRE_FALSE(location.empty());
        CHECK(e.get(e.local(location))->status == 202);
        CHECK(e.put(kv + k_kv_api, vault_body())->status == 409);  // not purged yet
        e.advance(60'000);
        CHECK(e.get(e.local(location))->status / 100 == 2);
        CHECK(e.get(deleted + k_kv_api)->status == 404);
        CHECK(e.put(kv + k_kv_api, vault_body())->status == 201);
    }

    TEST_CASE("key vault purge protection: a protected deleted vault cannot be purged") {
        Emu e;
        e.make_rg("rg");
        const std::string kv = e.rg_path("rg") + "/providers/Microsoft.KeyVault/vaults/kv-prot";
        Json body = vault_body();
        body["properties"]["enablePurgeProtection"] = true;
        REQUIRE(e.put(kv + k_kv_api, body)->status == 201);
        REQUIRE(e.del(kv + k_kv_api)->status == 200);
        auto purge = e.post("/subscriptions/" + e.sub() +
                            "/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-prot/purge" + k_kv_api);
        CHECK(purge->status == 409);
    }

    TEST_CASE("workspace soft-delete: DELETE keeps it soft-deleted (GET 404, not listed, name taken); forceToPurge frees it") {
        Emu e;
        const std::string ws = e.make_workspace("rg", "ws-soft");
        const std::string list = e.rg_path("rg") + "/providers/Microsoft.MachineLearningServices/workspaces" + k_ws_api;
        const Json properties = Json::parse(e.get(ws + k_ws_api)->body)["properties"];
        Json body = {{"location", "westeurope"},
                     {"properties",
                      {{"storageAccount", properties["storageAccount"]},
                       {"keyVault", properties["keyVault"]},
                       {"applicationInsights", properties["applicationInsights"]}}}};
        REQUIRE(e.del(ws + k_ws_api)->status == 202);
        e.advance(60'000);
        CHECK(e.get(ws + k_ws_api)->status == 404);
        CHECK(Json::parse(e.get(list)->body)["value"].empty());
        CHECK(Json::parse(e.get(e.rg_path("rg") + "/resources?api-version=2021-04-01")->body)["value"].size() == 3);
        auto refused = e.put(ws + k_ws_api, body);
        CHECK(refused->status == 409);
        CHECK(Json::parse(refused->body)["error"]["message"].get<std::string>().find("soft-deleted") != std::string::npos);

        CHECK(e.del(ws + k_ws_api + "&forceToPurge=true")->status / 100 == 2);  // purges the soft-deleted one
        REQUIRE(e.put(ws + k_ws_api, body)->status == 202);
        e.advance(60'000);
        CHECK(e.get(ws + k_ws_api)->status == 200);

        // Deleted with forceToPurge: nothing is kept, the name is free at once.
        REQUIRE(e.del(ws + k_ws_api + "&forceToPurge=true")->status == 202);
        e.advance(60'000);
        CHECK(e.put(ws + k_ws_api, body)->status == 202);
    }
}
