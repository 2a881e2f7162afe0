// List pages answer with the stored text of each item where rendering could not change it:
// the pages must be what GET returns item by item, write-only fields stripped, archived
// versions filtered exactly as when every body was parsed.
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

using emutest::Emu;
using emutest::Json;

namespace {

const std::string k_ml = "?api-version=2025-12-01";
const std::string k_assets = "?api-version=2022-05-01";

Json compute(const std::string& password) {
    return {{"location", "westeurope"},
            {"properties",
             {{"computeType", "AmlCompute"},
              {"properties",
               {{"vmSize", "STANDARD_DS3_V2"},
                {"scaleSettings", {{"maxNodeCount", 2}, {"minNodeCount", 0}}},
                {"userAccountCredentials", {{"adminUserName", "azureuser"}, {"adminUserPassword", password}}}}}}}};
}

// The raw page text, checked to be compact JSON as Json::dump() writes it.
Json page_of(Emu& e, const std::string& url) {
    auto res = e.get(url);
    REQUIRE(res);
    REQUIRE(res->status == 200);
    Json page = Json::parse(res->body);
    CHECK(page.dump() == res->body);
    return page;
}

std::vector<std::string> names(const Json& page) {
    std::vector<std::string> out;
    for (const auto& item : page["value"]) {
        out.push_back(item["name"]);
    }
    return out;
}

}  // namespace

TEST_SUITE("emulator") {
    TEST_CASE("list items are the GET representation, byte for byte, with nextLink first") {
        emulator::Options options;
        options.page_size = 2;
        Emu e(options);
        const std::string ws = e.make_workspace("rgl", "ws-l");
        for (const char* name : {"a1", "b1", "c1"}) {
            REQUIRE(e.put(ws + "/computes/" + name + k_ml, compute("S3cret!pw"))->status / 100 == 2);
        }
        e.advance(600'000);
        const Json first = page_of(e, ws + "/computes" + k_ml);
        REQUIRE(first["value"].size() == 2);
        REQUIRE(first["nextLink"].is_string());
        const Json second = page_of(e, e.local(first["nextLink"]));
        CHECK(names(first) == std::vector<std::string>{"a1", "b1"});
        CHECK(names(second) == std::vector<std::string>{"c1"});
        for (const auto& item : first["value"]) {
            CHECK(item == Json::parse(e.get(ws + "/computes/" + item["name"].get<std::string>() + k_ml)->body));
        }
    }

    TEST_CASE("a write-only field stored in a body never appears in a list") {
        emulator::Options options;
        options.realism = false;  // the password stays in the stored body; render strips it
        Emu e(options);
        const std::string ws = e.make_workspace("rgw", "ws-w");
        REQUIRE(e.put(ws + "/computes/cpu" + k_ml, compute("Hunter2-pw"))->status / 100 == 2);
        e.advance(600'000);
        auto res = e.get(ws + "/computes" + k_ml);
        REQUIRE(res);
        CHECK(res->body.find("Hunter2-pw") == std::string::npos);
        const Json page = Json::parse(res->body);
        REQUIRE(page["value"].size() == 1);
        const Json& creds = page["value"][0]["properties"]["properties"]["userAccountCredentials"];
        CHECK(creds["adminUserName"] == "azureuser");
        CHECK_FALSE(creds.contains("adminUserPassword"));
    }

    TEST_CASE("listViewType filters on properties.isArchived, not on text that looks like it") {
        Emu e;
        const std::string ws = e.make_workspace("rga", "ws-a");
        const std::string versions = ws + "/models/m/versions";
        auto version = [&](const std::string& name, Json properties) {
            properties["modelUri"] = "azureml://x";
            REQUIRE(e.put(versions + "/" + name + k_assets, Json{{"properties", properties}})->status / 100 == 2);
        };
        version("1", Json::object());
        version("2", {{"isArchived", true}});
        version("3", {{"isArchived", false}, {"description", "\"isArchived\":true"}});
        version("4", {{"isArchived", false}, {"tags", {{"isArchived", "true"}}}});
        version("5", {{"isArchived", true}, {"tags", {{"isArchived", "false"}}}});
        CHECK(names(page_of(e, versions + k_assets)) == std::vector<std::string>{"1", "3", "4"});
        CHECK(names(page_of(e, versions + k_assets + "&listViewType=ActiveOnly")) ==
              std::vector<std::string>{"1", "3", "4"});
        CHECK(names(page_of(e, versions + k_assets + "&listViewType=ArchivedOnly")) ==
              std::vector<std::string>{"2", "5"});
        CHECK(names(page_of(e, versions + k_assets + "&listViewType=All")) ==
              std::vector<std::string>{"1", "2", "3", "4", "5"});
        CHECK(names(page_of(e, versions + k_assets + "&listViewType=All&$top=2")) == std::vector<std::string>{"1", "2"});
        const Json models = page_of(e, ws + "/models" + k_assets);
        REQUIRE(models["value"].size() == 1);
        CHECK(models["value"][0]["properties"]["latestVersion"] == "5");  // containers still go through their read filter
    }
}
