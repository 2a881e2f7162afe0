// Resource groups, generic tracked resources, listing, ETags (issue 3).
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

using emutest::Emu;
using emutest::Json;

namespace {
const std::string k_rg_api = "?api-version=2021-04-01";
const std::string k_st_api = "?api-version=2023-01-01";
}  // namespace

TEST_SUITE("emulator") {
    TEST_CASE("resource group lifecycle: create, HEAD, patch tags wholesale, async delete cascades") {
        Emu e;
        std::string rg = e.rg_path("rg-life");
        CHECK(e.head(rg + k_rg_api)->status == 404);
        auto created = e.put(rg + k_rg_api, Json{{"location", "westeurope"}, {"tags", {{"a", "1"}, {"b", "2"}}}});
        REQUIRE(created->status == 201);
        CHECK(Json::parse(created->body)["properties"]["provisioningState"] == "Succeeded");
        CHECK(e.put(rg + k_rg_api, Json{{"location", "westeurope"}})->status == 200);
        CHECK(e.head(rg + k_rg_api)->status == 204);
        auto patched = e.patch(rg + k_rg_api, Json{{"tags", {{"c", "3"}}}});
        CHECK(Json::parse(patched->body)["tags"] == Json{{"c", "3"}});

        std::string st = rg + "/providers/Microsoft.Storage/storageAccounts/stlife" + k_st_api;
        REQUIRE(e.put(st, Json{{"location", "westeurope"}, {"kind", "StorageV2"}})->status == 201);
        auto del = e.del(rg + k_rg_api);
        REQUIRE(del->status == 202);
        CHECK_FALSE(del->has_header("Azure-AsyncOperation"));
        std::string location = del->get_header_value("Location");
        CHECK(location.starts_with(e.emu.base_url() + "/subscriptions/" + e.sub() + "/operationresults/"));
        CHECK(std::stoi(del->get_header_value("Retry-After")) >= 1);
        CHECK(e.get(e.local(location))->status == 202);
        CHECK(Json::parse(e.get(rg + k_rg_api)->body)["properties"]["provisioningState"] == "Deleting");
        e.advance(1000);
        CHECK(e.get(e.local(location))->status == 200);
        CHECK(e.get(rg + k_rg_api)->status == 404);
        CHECK(e.get(st)->status == 404);
        CHECK(e.del(rg + k_rg_api)->status == 404);
    }

    TEST_CASE("resource group errors: bad name, missing location, missing group") {
        Emu e;
        auto bad = e.put(e.rg_path("bad.") + k_rg_api, Json{{"location", "westeurope"}});
        CHECK(bad->status == 400);
        CHECK(Json::parse(bad->body)["error"]["code"] == "InvalidResourceGroup");
        auto noloc = e.put(e.rg_path("rg") + k_rg_api, Json::object());
        CHECK(Json::parse(noloc->body)["error"]["code"] == "LocationRequired");
        auto missing = e.get(e.rg_path("nope") + k_rg_api);
        CHECK(missing->status == 404);
        Json err = Json::parse(missing->body)["error"];
        CHECK(err["code"] == "ResourceGroupNotFound");
        CHECK(err["message"] == "Resource group 'nope' could not be found.");
        auto child = e.put(e.rg_path("nope") + "/providers/Microsoft.Storage/storageAccounts/stx" + k_st_api,
                           Json{{"location", "westeurope"}});
        CHECK(Json::parse(child->body)["error"]["code"] == "ResourceGroupNotFound");
    }

    TEST_CASE("key vault: enablePurgeProtection does not accept false (keyvault.json 2025-05-01)") {
        Emu e;
        e.make_rg("rg");
        std::string kv = e.rg_path("rg") + "/providers/Microsoft.KeyVault/vaults/kv-two?api-version=2023-07-01";
        Json body = {{"location", "westeurope"},
                     {"properties", {{"sku", {{"family", "A"}, {"name", "standard"}}}, {"enablePurgeProtection", false}}}};
        auto refused = e.put(kv, body);
        CHECK(refused->status == 400);
        CHECK(Json::parse(refused->body)["error"]["target"] == "properties.enablePurgeProtection");
        body["properties"]["enablePurgeProtection"] = true;
        CHECK(e.put(kv, body)->status == 201);
        CHECK(e.patch(kv, Json{{"properties", {{"enablePurgeProtection", false}}}})->status == 400);
    }

    TEST_CASE("generic resources: PUT 201 then 200, merge-patch properties, wholesale tags, DELETE 200 then 204") {
        Emu e;
        e.make_rg("rg");
        std::string kv = e.rg_path("rg") + "/providers/Microsoft.KeyVault/vaults/kv-one?api-version=2023-07-01";
        Json body = {{"location", "westeurope"},
                     {"tags", {{"x", "1"}}},
                     {"properties", {{"sku", {{"family", "A"}, {"name", "standard"}}}, {"enableSoftDelete", true}}}};
        auto created = e.put(kv, body);
        REQUIRE(created->status == 201);
        Json got = Json::parse(created->body);
        CHECK(got["type"] == "Microsoft.KeyVault/vaults");
        CHECK(got["properties"]["vaultUri"] == "https://kv-one.vault.azure.net/");
        CHECK(got["properties"]["provisioningState"] == "Succeeded");
        CHECK(got["systemData"]["createdByType"] == "Application");
        CHECK(e.put(kv, body)->status == 200);
        auto patched = e.patch(kv, Json{{"tags", {{"y", "2"}}}, {"properties", {{"enablePurgeProtection", true}}}});
        Json p = Json::parse(patched->body);
        CHECK(p["tags"] == Json{{"y", "2"}});
        CHECK(p["properties"]["enableSoftDelete"] == true);
        CHECK(p["properties"]["enablePurgeProtection"] == true);
        auto moved = e.put(kv, Json{{"location", "eastus"}});
        CHECK(moved->status == 400);
        CHECK(Json::parse(moved->body)["error"]["code"] == "InvalidResourceLocation");
        CHECK(e.del(kv)->status == 200);
        CHECK(e.del(kv)->status == 204);
        CHECK(e.get(kv)->status == 404);
        CHECK(Json::parse(e.get(kv)->body)["error"]["code"] == "ResourceNotFound");
    }

    TEST_CASE("storage listKeys returns keys that GET never shows") {
        Emu e;
        e.make_rg("rg");
        std::string st = e.rg_path("rg") + "/providers/Microsoft.Storage/storageAccounts/stkeys";
        e.put(st + k_st_api, Json{{"location", "westeurope"}, {"kind", "StorageV2"}});
        auto keys = e.post(st + "/listKeys" + k_st_api);
        REQUIRE(keys->status == 200);
        std::string key = Json::parse(keys->body)["keys"][0]["value"];
        CHECK(key.size() > 20);
        CHECK(e.get(st + k_st_api)->body.find(key) == std::string::npos);
    }

    TEST_CASE("lists page with an absolute nextLink and omit it on the last page") {
        emulator::Options o;
        o.page_size = 2;
        Emu e(o);
        for (int i = 0; i < 5; ++i) {
            e.make_rg("rg" + std::to_string(i));
        }
        std::string next = "/subscriptions/" + e.sub() + "/resourcegroups?api-version=2022-09-01";
        std::vector<std::string> names;
        int pages = 0;
        while (!next.empty()) {
            Json page = Json::parse(e.get(next)->body);
            ++pages;
            for (const auto& v : page["value"]) {
                names.push_back(v["name"]);
            }
            if (page.contains("nextLink")) {
                std::string link = page["nextLink"];
                CHECK(link.starts_with(e.emu.base_url() + "/"));
                next = e.local(link);
            } else {
                next.clear();
            }
        }
        CHECK(pages == 3);
        CHECK(names == std::vector<std::string>{"rg0", "rg1", "rg2", "rg3", "rg4"});
    }

    TEST_CASE("ETags and conditional requests follow the ARM table") {
        Emu e;
        e.make_rg("rg");
        std::string st = e.rg_path("rg") + "/providers/Microsoft.Storage/storageAccounts/stetag" + k_st_api;
        Json body = {{"location", "westeurope"}};
        CHECK(e.put(st, body, {{"If-Match", "*"}})->status == 412);
        auto created = e.put(st, body, {{"If-None-Match", "*"}});
        REQUIRE(created->status == 201);
        std::string etag = created->get_header_value("ETag");
        CHECK_FALSE(etag.empty());
        CHECK(e.put(st, body, {{"If-None-Match", "*"}})->status == 412);
        CHECK(e.put(st, body, {{"If-Match", "\"other\""}})->status == 412);
        auto updated = e.put(st, body, {{"If-Match", etag}});
        CHECK(updated->status == 200);
        CHECK(updated->get_header_value("ETag") != etag);
        CHECK(e.patch(st, Json{{"tags", {{"a", "b"}}}}, {{"If-Match", etag}})->status == 412);
        CHECK(e.del(st, {{"If-Match", etag}})->status == 412);
        CHECK(e.del(st, {{"If-Match", "*"}})->status == 200);
        CHECK(e.patch(st, Json{{"tags", {{"a", "b"}}}}, {{"If-Match", "*"}})->status == 404);
    }

    TEST_CASE("resources list filters by group, type and tag; list by subscription and by group") {
        Emu e;
        e.make_rg("rg1");
        e.make_rg("rg2");
        e.put(e.rg_path("rg1") + "/providers/Microsoft.Storage/storageAccounts/sta" + k_st_api,
              Json{{"location", "westeurope"}, {"tags", {{"env", "dev"}}}});
        e.put(e.rg_path("rg2") + "/providers/Microsoft.Storage/storageAccounts/stb" + k_st_api,
              Json{{"location", "westeurope"}, {"tags", {{"env", "prod"}}}});
        e.put(e.rg_path("rg2") + "/providers/Microsoft.ContainerRegistry/registries/acrone?api-version=2023-07-01",
              Json{{"location", "westeurope"}, {"sku", {{"name", "Basic"}}}});
        auto names = [&](const std::string& path) {
            std::vector<std::string> out;
            Json page = Json::parse(e.get(path)->body);
            for (const auto& v : page["value"]) {
                out.push_back(v["name"]);
            }
            return out;
        };
        std::string subr = "/subscriptions/" + e.sub() + "/resources?api-version=2021-04-01";
        CHECK(names(subr).size() == 3);
        CHECK(names(subr + "&$filter=" + httplib::detail::encode_query_param("resourceGroup eq 'rg2'")).size() == 2);
        CHECK(names(subr + "&$filter=" +
                    httplib::detail::encode_query_param("resourceType eq 'microsoft.storage/storageaccounts'")) ==
              std::vector<std::string>{"sta", "stb"});
        CHECK(names(subr + "&$filter=" +
                    httplib::detail::encode_query_param("tagName eq 'env' and tagValue eq 'prod'")) ==
              std::vector<std::string>{"stb"});
        CHECK(names(e.rg_path("rg1") + "/resources" + k_rg_api) == std::vector<std::string>{"sta"});
        CHECK(names("/subscriptions/" + e.sub() + "/providers/Microsoft.Storage/storageAccounts" + k_st_api).size() ==
              2);
        CHECK(names(e.rg_path("rg2") + "/providers/Microsoft.Storage/storageAccounts" + k_st_api) ==
              std::vector<std::string>{"stb"});
    }

    TEST_CASE("provider metadata lists resource types and api-versions for az resource") {
        Emu e;
        auto r = e.get("/subscriptions/" + e.sub() + "/providers/Microsoft.MachineLearningServices" + k_rg_api);
        REQUIRE(r->status == 200);
        Json doc = Json::parse(r->body);
        CHECK(doc["namespace"] == "Microsoft.MachineLearningServices");
        bool found = false;
        for (const auto& t : doc["resourceTypes"]) {
            if (t["resourceType"] == "workspaces/computes") {
                found = true;
                CHECK(t["apiVersions"][0] == "2025-12-01");
                CHECK_FALSE(t["locations"].empty());
            }
        }
        CHECK(found);
        auto all = e.get("/subscriptions/" + e.sub() + "/providers" + k_rg_api);
        CHECK(Json::parse(all->body)["value"].size() >= 5);
        auto unknown = e.get("/subscriptions/" + e.sub() + "/providers/Microsoft.Nope" + k_rg_api);
        CHECK(unknown->status == 404);
    }
}
