// Resource Graph (POST /providers/Microsoft.ResourceGraph/resources): the KQL subset converge
// sends, rows as Azure returns them, paging by $skipToken, lag behind ARM, the per-user quota.
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

#include <set>

using emutest::Emu;
using emutest::Json;

namespace {

const std::string k_graph = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";
const std::string k_storage = "?api-version=2023-01-01";

std::string storage_path(Emu& e, const std::string& rg, const std::string& name) {
    return e.rg_path(rg) + "/providers/Microsoft.Storage/storageAccounts/" + name;
}

void make_storage(Emu& e, const std::string& rg, const std::string& name, const Json& tags = Json::object()) {
    auto res = e.put(storage_path(e, rg, name) + k_storage,
                     Json{{"location", "westeurope"}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}},
                          {"tags", tags}});
    REQUIRE(res);
    REQUIRE(res->status / 100 == 2);
}

std::string storage_query(Emu& e) {
    return "resources | where type in~ ('Microsoft.Storage/storageAccounts') and subscriptionId in ('" + e.sub() +
           "') | project id, name, type, location, tags, properties, sku, identity, kind, resourceGroup, "
           "subscriptionId";
}

httplib::Result query(Emu& e, const std::string& q, const Json& options = Json::object()) {
    Json body = {{"subscriptions", {e.sub()}}, {"query", q}};
    if (!options.empty()) {
        body["options"] = options;
    }
    return e.post(k_graph, body);
}

Json ok(const httplib::Result& res) {
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    return Json::parse(res->body);
}

std::set<std::string> names(const Json& page) {
    std::set<std::string> out;
    for (const auto& row : page["data"]) {
        out.insert(row["name"].get<std::string>());
    }
    return out;
}

}  // namespace

TEST_SUITE("emulator") {
    TEST_CASE("resource graph: rows of the types asked for, as Azure returns them, with quota headers") {
        Emu e;
        const std::string ws = e.make_workspace("rggraph", "ws-graph");
        e.make_rg("RG-Mixed");
        make_storage(e, "RG-Mixed", "stmixed");
        auto res = query(e,
                         "Resources | where type in~ ('microsoft.machinelearningservices/workspaces', "
                         "'Microsoft.Storage/storageAccounts') and subscriptionId in ('" +
                             e.sub() +
                             "') | project id, name, type, location, tags, properties, sku, identity, kind, "
                             "resourceGroup, subscriptionId");
        Json page = ok(res);
        CHECK(res->get_header_value("x-ms-user-quota-remaining") == "14");
        CHECK(res->get_header_value("x-ms-user-quota-resets-after") == "00:00:05");
        CHECK(page["totalRecords"] == 3);
        CHECK(page["count"] == 3);
        CHECK(page["resultTruncated"] == "false");
        CHECK_FALSE(page.contains("$skipToken"));
        CHECK(names(page) == std::set<std::string>{"ws-graph", "strggraph", "stmixed"});
        for (const auto& row : page["data"]) {
            CHECK(row.size() == 11);
            // Resource Graph spells the group in lower case, the id as written.
            CHECK(row["resourceGroup"] == (row["name"] == "stmixed" ? "rg-mixed" : "rggraph"));
            CHECK(row["subscriptionId"] == e.sub());
            CHECK(row["location"] == "westeurope");
            CHECK(row["tags"].is_object());
            if (row["name"] == "ws-graph") {
                CHECK(row["type"] == "microsoft.machinelearningservices/workspaces");
                CHECK(row["id"].get<std::string>() == ws);
                // The same properties a GET returns.
                Json got = Json::parse(e.get(ws + "?api-version=2025-12-01")->body);
                CHECK(row["properties"] == got["properties"]);
                CHECK(row["properties"]["provisioningState"] == "Succeeded");
            } else {
                CHECK(row["type"] == "microsoft.storage/storageaccounts");
                CHECK(row["kind"] == "StorageV2");
                CHECK(row["sku"]["name"] == "Standard_LRS");
            }
        }
        // `==` is case-sensitive, `=~` is not; a subscription not asked for contributes nothing.
        CHECK(ok(query(e, "resources | where type == 'Microsoft.Storage/storageAccounts'"))["totalRecords"] == 0);
        CHECK(ok(query(e, "resources | where type =~ 'Microsoft.Storage/storageAccounts'"))["totalRecords"] == 2);
        CHECK(ok(query(e, "resources | where type !~ 'Microsoft.Storage/storageAccounts'"))["totalRecords"] > 0);
        CHECK(ok(e.post(k_graph, Json{{"subscriptions", {"00000000-0000-0000-0000-000000000000"}},
                                      {"query", "resources"}}))["totalRecords"] == 0);
        // The table format.
        Json table = ok(query(e, "resources | where name =~ 'WS-GRAPH' | project id, tags",
                              Json{{"resultFormat", "table"}}));
        REQUIRE(table["data"]["rows"].size() == 1);
        CHECK(table["data"]["columns"] == Json::parse(R"([{"name":"id","type":"string"},{"name":"tags","type":"object"}])"));
        CHECK(table["data"]["rows"][0][0] == ws);
    }

    TEST_CASE("resource graph: a query outside the subset is a 400 with the parser's position") {
        Emu e;
        auto check_rejected = [&](const std::string& q, const std::string& token) {
            auto res = query(e, q);
            REQUIRE(res);
            INFO(q, " -> ", res->body);
            CHECK(res->status == 400);
            Json err = Json::parse(res->body)["error"];
            CHECK(err["code"] == "BadRequest");
            REQUIRE(err["details"].size() == 2);
            CHECK(err["details"][0]["code"] == "InvalidQuery");
            CHECK(err["details"][1]["code"] == "ParserFailure");
            CHECK(err["details"][1]["token"] == token);
            CHECK(res->get_header_value("x-ms-user-quota-remaining") != "");
        };
        check_rejected("resources | summarize count() by type", "summarize");
        check_rejected("resourcecontainers | project id", "resourcecontainers");
        check_rejected("resources | where type in~ ('a', 'b'", "<EOF>");
        check_rejected("resources | project id, nonsense", "nonsense");
        check_rejected("resources | where properties == 'x'", "properties");
        check_rejected("resources | where type in~ ('a') or name == 'b'", "or");
        check_rejected("resources | where name == 'unterminated", "'");
        auto missing = e.post(k_graph, Json{{"subscriptions", {e.sub()}}});
        REQUIRE(missing);
        CHECK(missing->status == 400);
        auto version = e.post("/providers/Microsoft.ResourceGraph/resources?api-version=2019-01-01",
                              Json{{"query", "resources"}});
        REQUIRE(version);
        CHECK(version->status == 400);
    }

    TEST_CASE("resource graph: 1,000 rows a page, then $skipToken; options.$top and $skip") {
        emulator::Options options;
        options.throttling = false;
        Emu e(options);
        e.make_rg("rg-many");
        for (int i = 0; i < 1003; ++i) {
            make_storage(e, "rg-many", "st" + std::to_string(i));
        }
        Json first = ok(query(e, storage_query(e)));
        CHECK(first["totalRecords"] == 1003);
        CHECK(first["count"] == 1000);
        CHECK(first["resultTruncated"] == "false");
        REQUIRE(first["$skipToken"].is_string());
        Json second = ok(query(e, storage_query(e), Json{{"$skipToken", first["$skipToken"]}}));
        CHECK(second["count"] == 3);
        CHECK_FALSE(second.contains("$skipToken"));
        std::set<std::string> all = names(first);
        for (const auto& n : names(second)) {
            CHECK(all.insert(n).second);
        }
        CHECK(all.size() == 1003);
        // A token is good only for the query that made it.
        auto other = query(e, "resources | project id", Json{{"$skipToken", first["$skipToken"]}});
        REQUIRE(other);
        CHECK(other->status == 400);
        // $top pages smaller; $skip overrides the offset.
        Json small = ok(query(e, storage_query(e) + " | order by name asc", Json{{"$top", 2}}));
        CHECK(small["count"] == 2);
        CHECK(small["data"][0]["name"] == "st0");
        CHECK(small["data"][1]["name"] == "st1");
        Json next = ok(query(e, storage_query(e) + " | order by name asc",
                             Json{{"$top", 2}, {"$skipToken", small["$skipToken"]}}));
        CHECK(next["data"][0]["name"] == "st10");
        Json skipped = ok(query(e, storage_query(e) + " | order by name asc", Json{{"$top", 1}, {"$skip", 3}}));
        CHECK(skipped["data"][0]["name"] == "st100");
        // Without the id column Resource Graph cannot page: the result is truncated.
        Json no_id = ok(query(e, "resources | project name"));
        CHECK(no_id["count"] == 1000);
        CHECK(no_id["resultTruncated"] == "true");
        CHECK_FALSE(no_id.contains("$skipToken"));
        auto too_big = query(e, storage_query(e), Json{{"$top", 1001}});
        REQUIRE(too_big);
        CHECK(too_big->status == 400);
    }

    TEST_CASE("resource graph: lags ARM by the configured delay (creates, updates and deletes)") {
        emulator::Options options;
        options.graph_lag = std::chrono::seconds(30);
        Emu e(options);
        e.make_rg("rg-lag");
        make_storage(e, "rg-lag", "stlag", Json{{"v", "1"}});
        // Created a moment ago: not indexed yet, though ARM has it.
        CHECK(ok(query(e, storage_query(e)))["totalRecords"] == 0);
        CHECK(e.get(storage_path(e, "rg-lag", "stlag") + k_storage)->status == 200);
        e.advance(31'000);
        Json seen = ok(query(e, storage_query(e)));
        REQUIRE(seen["totalRecords"] == 1);
        CHECK(seen["data"][0]["tags"] == Json{{"v", "1"}});
        // Updated: the previous state until the lag has passed.
        REQUIRE(e.patch(storage_path(e, "rg-lag", "stlag") + k_storage, Json{{"tags", {{"v", "2"}}}})->status == 200);
        CHECK(ok(query(e, storage_query(e)))["data"][0]["tags"] == Json{{"v", "1"}});
        e.advance(10'000);
        CHECK(ok(query(e, storage_query(e)))["data"][0]["tags"] == Json{{"v", "1"}});
        e.advance(21'000);
        CHECK(ok(query(e, storage_query(e)))["data"][0]["tags"] == Json{{"v", "2"}});
        // Deleted: still listed until the lag has passed.
        REQUIRE(e.del(storage_path(e, "rg-lag", "stlag") + k_storage)->status / 100 == 2);
        CHECK(ok(query(e, storage_query(e)))["totalRecords"] == 1);
        e.advance(31'000);
        CHECK(ok(query(e, storage_query(e)))["totalRecords"] == 0);
        // The lag can be changed at run time (PUT /_emulator/graph).
        auto set = e.client->Put("/_emulator/graph", Json{{"lagMs", 0}}.dump(), "application/json");
        REQUIRE(set);
        CHECK(set->status == 200);
        make_storage(e, "rg-lag", "stnow");
        CHECK(ok(query(e, storage_query(e)))["totalRecords"] == 1);
    }

    TEST_CASE("resource graph: the per-user quota, its headers and the 429") {
        emulator::Options options;
        options.graph_quota = 3;
        Emu e(options);
        for (int expected : {2, 1, 0}) {
            auto res = query(e, "resources | project id");
            REQUIRE(res);
            CHECK(res->status == 200);
            CHECK(res->get_header_value("x-ms-user-quota-remaining") == std::to_string(expected));
        }
        e.advance(2'000);
        auto throttled = query(e, "resources | project id");
        REQUIRE(throttled);
        CHECK(throttled->status == 429);
        CHECK(Json::parse(throttled->body)["error"]["code"] == "RateLimiting");
        CHECK(throttled->get_header_value("x-ms-user-quota-remaining") == "0");
        CHECK(throttled->get_header_value("x-ms-user-quota-resets-after") == "00:00:03");
        CHECK(throttled->get_header_value("Retry-After") == "3");
        e.advance(3'000);
        auto again = query(e, "resources | project id");
        REQUIRE(again);
        CHECK(again->status == 200);
        CHECK(again->get_header_value("x-ms-user-quota-remaining") == "2");
        CHECK(again->get_header_value("x-ms-user-quota-resets-after") == "00:00:05");
    }
}
