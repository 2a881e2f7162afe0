// Azure ML workspaces and computes (issue 3).
#include "emulator_fixture.hpp"

#include <doctest/doctest.h>

using emutest::Emu;
using emutest::Json;

namespace {

const std::string k_ml = "?api-version=2025-12-01";

std::string ws_path(const Emu& e, const std::string& rg, const std::string& ws) {
    return e.rg_path(rg) + "/providers/Microsoft.MachineLearningServices/workspaces/" + ws;
}

/// Creates a workspace and waits (manual clock) until it exists.
void make_workspace(Emu& e, const std::string& rg, const std::string& ws) {
    e.make_rg(rg);
    Json deps = e.make_workspace_dependencies(rg);
    auto r = e.put(ws_path(e, rg, ws) + k_ml, Json{{"location", "westeurope"}, {"properties", deps}});
    REQUIRE(r->status == 202);
    e.advance(10'000);
}

Json aml_compute(int max_nodes) {
    return {{"location", "westeurope"},
            {"properties",
             {{"computeType", "AmlCompute"},
              {"properties",
               {{"vmSize", "STANDARD_DS3_V2"},
                {"vmPriority", "Dedicated"},
                {"scaleSettings", {{"maxNodeCount", max_nodes}, {"minNodeCount", 0}}},
                {"userAccountCredentials", {{"adminUserName", "azureuser"}, {"adminUserPassword", "S3cret!pw"}}}}}}}};
}

}  // namespace

TEST_SUITE("emulator") {
    TEST_CASE("workspace PUT refuses missing dependencies naming the field") {
        Emu e;
        e.make_rg("rg");
        Json deps = e.make_workspace_dependencies("rg");
        deps["keyVault"] = e.rg_path("rg") + "/providers/Microsoft.KeyVault/vaults/missing-kv";
        auto r = e.put(ws_path(e, "rg", "ws1") + k_ml, Json{{"location", "westeurope"}, {"properties", deps}});
        CHECK(r->status == 400);
        Json err = Json::parse(r->body)["error"];
        CHECK(err["code"] == "ValidationError");
        CHECK(err["target"] == "properties.keyVault");
        CHECK(err["message"].get<std::string>().find("missing-kv") != std::string::npos);
        deps.erase("storageAccount");
        auto r2 = e.put(ws_path(e, "rg", "ws1") + k_ml, Json{{"location", "westeurope"}, {"properties", deps}});
        CHECK(Json::parse(r2->body)["error"]["target"] == "properties.storageAccount");
    }

    TEST_CASE("workspace create is 202 + Location, invisible until done, then 200 with server fields") {
        Emu e;
        e.make_rg("rg");
        Json deps = e.make_workspace_dependencies("rg");
        std::string ws = ws_path(e, "rg", "ws-one");
        auto r = e.put(ws + k_ml, Json{{"location", "westeurope"}, {"properties", deps}});
        REQUIRE(r->status == 202);
        CHECK(r->body.empty());
        CHECK(std::stoi(r->get_header_value("Retry-After")) >= 1);
        std::string location = e.local(r->get_header_value("Location"));
        CHECK(e.get(ws + k_ml)->status == 404);
        CHECK(Json::parse(e.get(e.rg_path("rg") + "/providers/Microsoft.MachineLearningServices/workspaces" + k_ml)
                              ->body)["value"]
                  .empty());
        CHECK(e.get(location)->status == 202);
        e.advance(10'000);
        auto done = e.get(location);
        REQUIRE(done->status == 200);
        Json body = Json::parse(done->body);
        CHECK(body["name"] == "ws-one");
        CHECK(body["properties"]["provisioningState"] == "Succeeded");
        CHECK(body["properties"]["discoveryUrl"] == e.emu.base_url() + "/discovery");
        CHECK(body["properties"]["workspaceId"].get<std::string>().size() == 36);
        CHECK(e.get(ws + k_ml)->status == 200);
        auto by_sub = e.get("/subscriptions/" + e.sub() + "/providers/Microsoft.MachineLearningServices/workspaces" + k_ml);
        CHECK(Json::parse(by_sub->body)["value"].size() == 1);
        auto keys = e.post(ws + "/listKeys" + k_ml);
        REQUIRE(keys->status == 200);
        CHECK_FALSE(Json::parse(keys->body)["userStorageKey"].get<std::string>().empty());
    }

    TEST_CASE("workspace PATCH is 200; storageAccount cannot change; DELETE is 202 and cascades") {
        Emu e;
        make_workspace(e, "rg", "wsa");
        std::string ws = ws_path(e, "rg", "wsa");
        auto patched = e.patch(ws + k_ml, Json{{"properties", {{"description", "d"}}}, {"tags", {{"t", "1"}}}});
        REQUIRE(patched->status == 200);
        CHECK(Json::parse(patched->body)["properties"]["description"] == "d");
        auto moved = e.patch(ws + k_ml, Json{{"properties", {{"storageAccount", "/subscriptions/x/other"}}}});
        CHECK(moved->status == 400);
        CHECK(Json::parse(moved->body)["error"]["code"] == "PropertyChangeNotAllowed");
        REQUIRE(e.put(ws + "/computes/cpu" + k_ml, aml_compute(2))->status == 201);
        auto del = e.del(ws + k_ml);
        REQUIRE(del->status == 202);
        std::string location = e.local(del->get_header_value("Location"));
        e.advance(10'000);
        CHECK(e.get(location)->status == 200);
        CHECK(e.get(ws + k_ml)->status == 404);
        CHECK(e.get(ws + "/computes/cpu" + k_ml)->status == 404);
        CHECK(e.del(ws + k_ml)->status == 204);
    }

    TEST_CASE("compute create is 201 + Azure-AsyncOperation, Creating then Succeeded; password never returned") {
        Emu e;
        make_workspace(e, "rg", "wsa");
        std::string c = ws_path(e, "rg", "wsa") + "/computes/cpu1";
        auto r = e.put(c + "?api-version=2022-10-01", aml_compute(4));
        REQUIRE(r->status == 201);
        Json body = Json::parse(r->body);
        CHECK(body["properties"]["provisioningState"] == "Creating");
        CHECK(r->body.find("S3cret!pw") == std::string::npos);
        std::string op = r->get_header_value("Azure-AsyncOperation");
        CHECK(op.find("/providers/Microsoft.MachineLearningServices/locations/westeurope/computeOperationsStatus/") !=
              std::string::npos);
        Json status = Json::parse(e.get(e.local(op))->body);
        CHECK(status["status"] == "InProgress");
        e.advance(10'000);
        status = Json::parse(e.get(e.local(op))->body);
        CHECK(status["status"] == "Succeeded");
        CHECK(status.contains("endTime"));
        auto got = e.get(c + k_ml);
        CHECK(Json::parse(got->body)["properties"]["provisioningState"] == "Succeeded");
        CHECK(got->body.find("S3cret!pw") == std::string::npos);
        CHECK(Json::parse(got->body)["properties"]["properties"]["userAccountCredentials"]["adminUserName"] ==
              "azureuser");
    }

    TEST_CASE("compute PUT refuses the cross-field rules converge's loader checks (docs/manifests.md)") {
        Emu e;
        make_workspace(e, "rg", "wsa");
        const std::string c = ws_path(e, "rg", "wsa") + "/computes/cpu1" + k_ml;
        const auto refused = [&](const Json& body, const std::string& target) {
            auto r = e.put(c, body);
            CHECK(r->status == 400);
            const Json err = Json::parse(r->body)["error"];
            CHECK(err["code"] == "BadRequest");
            CHECK(err["target"] == target);
        };
        Json above = aml_compute(2);
        above["properties"]["properties"]["scaleSettings"]["minNodeCount"] = 5;
        refused(above, "properties.properties.scaleSettings.minNodeCount");

        Json bare_subnet = aml_compute(2);
        bare_subnet["properties"]["properties"]["subnet"] = {
            {"id", "/subscriptions/" + e.sub() + "/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-ml"}};
        refused(bare_subnet, "properties.properties.subnet.id");
        Json private_nodes = aml_compute(2);
        private_nodes["properties"]["properties"]["enableNodePublicIp"] = false;
        refused(private_nodes, "properties.properties.enableNodePublicIp");
        Json instance = {{"properties",
                          {{"computeType", "ComputeInstance"},
                           {"properties", {{"vmSize", "STANDARD_DS3_V2"}, {"enableNodePublicIp", false}}}}}};
        refused(instance, "properties.properties.enableNodePublicIp");

        // The same bodies with a subnet's full id are accepted.
        const std::string subnet = "/subscriptions/" + e.sub() + "/resourceGroups/rg-net/providers/"
                                   "Microsoft.Network/virtualNetworks/vnet-ml/subnets/snet-training";
        private_nodes["properties"]["properties"]["subnet"] = {{"id", subnet}};
        CHECK(e.put(c, private_nodes)->status == 201);
    }

    TEST_CASE("compute PATCH changes scaleSettings only; create-only fields are refused by name") {
        Emu e;
        make_workspace(e, "rg", "wsa");
        std::string c = ws_path(e, "rg", "wsa") + "/computes/cpu1" + k_ml;
        REQUIRE(e.put(c, aml_compute(4))->status == 201);
        e.advance(10'000);
        auto patched = e.patch(c, Json{{"properties", {{"scaleSettings", {{"maxNodeCount", 8}, {"minNodeCount", 1}}}}}});
        REQUIRE(patched->status == 200);
        Json scale = Json::parse(patched->body)["properties"]["properties"]["scaleSettings"];
        CHECK(scale["maxNodeCount"] == 8);
        CHECK(scale["minNodeCount"] == 1);
        auto bad_patch = e.patch(c, Json{{"properties", {{"vmSize", "STANDARD_NC6"}}}});
        CHECK(bad_patch->status == 400);
        CHECK(Json::parse(bad_patch->body)["error"]["target"] == "properties.vmSize");
        Json changed = aml_compute(4);
        changed["properties"]["properties"]["vmSize"] = "STANDARD_NC6";
        auto refused = e.put(c, changed);
        CHECK(refused->status == 400);
        Json err = Json::parse(refused->body)["error"];
        CHECK(err["code"] == "PropertyChangeNotAllowed");
        CHECK(err["target"] == "properties.properties.vmSize");
        CHECK(e.put(c, aml_compute(6))->status == 200);
    }

    TEST_CASE("compute DELETE requires underlyingResourceAction; 202 with both headers; 204 when absent") {
        Emu e;
        make_workspace(e, "rg", "wsa");
        std::string c = ws_path(e, "rg", "wsa") + "/computes/cpu1";
        REQUIRE(e.put(c + k_ml, aml_compute(2))->status == 201);
        e.advance(10'000);
        auto missing = e.del(c + k_ml);
        CHECK(missing->status == 400);
        CHECK(Json::parse(missing->body)["error"]["target"] == "underlyingResourceAction");
        auto del = e.del(c + k_ml + "&underlyingResourceAction=Delete");
        REQUIRE(del->status == 202);
        CHECK_FALSE(del->get_header_value("Azure-AsyncOperation").empty());
        CHECK_FALSE(del->get_header_value("Location").empty());
        CHECK(Json::parse(e.get(c + k_ml)->body)["properties"]["provisioningState"] == "Deleting");
        e.advance(10'000);
        CHECK(Json::parse(e.get(e.local(del->get_header_value("Azure-AsyncOperation")))->body)["status"] == "Succeeded");
        CHECK(e.get(c + k_ml)->status == 404);
        CHECK(e.del(c + k_ml + "&underlyingResourceAction=Delete")->status == 204);
    }

    TEST_CASE("computes list, listNodes, listKeys; compute under a missing workspace is 404") {
        Emu e;
        make_workspace(e, "rg", "wsa");
        std::string ws = ws_path(e, "rg", "wsa");
        e.put(ws + "/computes/a1" + k_ml, aml_compute(2));
        e.put(ws + "/computes/b1" + k_ml, aml_compute(2));
        CHECK(Json::parse(e.get(ws + "/computes" + k_ml)->body)["value"].size() == 2);
        CHECK(e.post(ws + "/computes/a1/listNodes" + k_ml)->status == 200);
        CHECK(Json::parse(e.post(ws + "/computes/a1/listKeys" + k_ml)->body)["computeType"] == "AmlCompute");
        auto orphan = e.put(ws_path(e, "rg", "nows") + "/computes/c" + k_ml, aml_compute(2));
        CHECK(orphan->status == 404);
        CHECK(Json::parse(orphan->body)["error"]["code"] == "ParentResourceNotFound");
    }

    TEST_CASE("ComputeInstance start/stop are async actions that change state") {
        Emu e;
        make_workspace(e, "rg", "wsa");
        std::string c = ws_path(e, "rg", "wsa") + "/computes/ci1";
        Json ci = {{"location", "westeurope"},
                   {"properties", {{"computeType", "ComputeInstance"}, {"properties", {{"vmSize", "STANDARD_DS3_V2"}}}}}};
        REQUIRE(e.put(c + k_ml, ci)->status == 201);
        e.advance(10'000);
        CHECK(Json::parse(e.get(c + k_ml)->body)["properties"]["properties"]["state"] == "Running");
        auto stop = e.post(c + "/stop" + k_ml);
        REQUIRE(stop->status == 202);
        CHECK(Json::parse(e.get(c + k_ml)->body)["properties"]["properties"]["state"] == "Stopping");
        e.advance(10'000);
        CHECK(e.get(e.local(stop->get_header_value("Location")))->status == 200);
        CHECK(Json::parse(e.get(c + k_ml)->body)["properties"]["properties"]["state"] == "Stopped");
    }
}
