// Defaults Azure fills in, server-generated fields and write-only fields, per type.
#include "realism/realism.hpp"

#include <doctest/doctest.h>

#include <memory>

using emulator::realism::Json;
namespace realism = emulator::realism;

namespace {

realism::Context context(const std::string& name) {
    realism::Context c;
    c.subscription = "00000000-0000-0000-0000-000000000001";
    c.resource_group = "rg-demo";
    c.name = name;
    c.parent = "ws-demo";
    c.tenant_id = "72f988bf-0000-0000-0000-000000000002";
    c.base_url = "https://127.0.0.1:8443";
    c.now = "2026-11-26T07:00:00.0000000Z";
    auto counter = std::make_shared<int>(0);
    c.new_guid = [counter] { return "guid-" + std::to_string(++*counter); };
    return c;
}

Json put(std::string_view type, Json body, const std::string& name = "thing", const Json* previous = nullptr) {
    auto error = realism::on_put(type, body, context(name), previous);
    REQUIRE_FALSE(error.has_value());
    return body;
}

constexpr const char* k_compute = "Microsoft.MachineLearningServices/workspaces/computes";

Json aml(Json inner) {
    return {{"location", "eastus"}, {"properties", {{"computeType", "amlcompute"}, {"properties", std::move(inner)}}}};
}

}  // namespace

TEST_SUITE("emulator-realism") {
    TEST_CASE("AmlCompute defaults and server fields") {
        const Json body = put(k_compute, aml({{"vmSize", "STANDARD_DS3_V2"}, {"scaleSettings", {{"maxNodeCount", 4}}}}));
        const Json& p = body["properties"];
        const Json& inner = p["properties"];
        CHECK(p["computeType"] == "AmlCompute");  // enum casing
        CHECK(inner["vmPriority"] == "Dedicated");
        CHECK(inner["osType"] == "Linux");
        CHECK(inner["enableNodePublicIp"] == true);
        CHECK(inner["isolatedNetwork"] == false);
        CHECK(inner["scaleSettings"]["minNodeCount"] == 0);
        CHECK(inner["scaleSettings"]["maxNodeCount"] == 4);
        CHECK(inner["scaleSettings"]["nodeIdleTimeBeforeScaleDown"] == "PT2M");
        CHECK(inner["remoteLoginPortPublicAccess"] == "Enabled");
        CHECK(inner["allocationState"] == "Steady");
        CHECK(inner["currentNodeCount"] == 0);
        CHECK(inner["nodeStateCounts"]["idleNodeCount"] == 0);
        CHECK(inner["vmSize"] == "STANDARD_DS3_V2");
        CHECK(p["createdOn"] == "2026-11-26T07:00:00.0000000Z");
        CHECK(p["isAttachedCompute"] == false);
        CHECK(p["computeLocation"] == "eastus");
    }

    TEST_CASE("remoteLoginPortPublicAccess NotSpecified is resolved at creation from the subnet") {
        Json in_vnet = put(k_compute, aml({{"remoteLoginPortPublicAccess", "NotSpecified"},
                                           {"subnet", {{"id", "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/"
                                                               "virtualNetworks/v/subnets/default"}}}}));
        CHECK(in_vnet["properties"]["properties"]["remoteLoginPortPublicAccess"] == "Disabled");
        Json open = put(k_compute, aml({{"remoteLoginPortPublicAccess", "NotSpecified"}}));
        CHECK(open["properties"]["properties"]["remoteLoginPortPublicAccess"] == "Enabled");
        Json explicit_value = put(k_compute, aml({{"remoteLoginPortPublicAccess", "disabled"}}));
        CHECK(explicit_value["properties"]["properties"]["remoteLoginPortPublicAccess"] == "Disabled");
    }

    TEST_CASE("a re-PUT keeps the resolved remote login; a PATCH to NotSpecified is refused") {
        const Json first = put(k_compute, aml({{"remoteLoginPortPublicAccess", "Disabled"}}));
        Json again = put(k_compute, aml({{"remoteLoginPortPublicAccess", "NotSpecified"}}), "thing", &first);
        CHECK(again["properties"]["properties"]["remoteLoginPortPublicAccess"] == "Disabled");
        CHECK(again["properties"]["createdOn"] == first["properties"]["createdOn"]);

        Json patched = first;
        patched["properties"]["properties"]["remoteLoginPortPublicAccess"] = "NotSpecified";
        auto error = realism::on_patch(k_compute, patched, context("thing"), first);
        REQUIRE(error);
        CHECK(error->status == 400);
        CHECK(error->target == "properties.properties.remoteLoginPortPublicAccess");
    }

    TEST_CASE("ComputeInstance defaults and server fields") {
        Json body = {{"location", "eastus"},
                     {"properties", {{"computeType", "ComputeInstance"}, {"properties", {{"vmSize", "STANDARD_DS3_V2"}}}}}};
        body = put(k_compute, body, "ci1");
        const Json& inner = body["properties"]["properties"];
        CHECK(inner["applicationSharingPolicy"] == "Shared");
        CHECK(inner["computeInstanceAuthorizationType"] == "personal");
        CHECK(inner["sshSettings"]["sshPublicAccess"] == "Disabled");
        CHECK(inner["sshSettings"]["adminUserName"] == "azureuser");
        CHECK(inner["enableNodePublicIp"] == true);
        CHECK(inner["state"] == "Running");
        CHECK(inner["applications"].size() == 2);
    }

    TEST_CASE("write-only compute credentials are taken out of the stored body") {
        Json body = aml({{"userAccountCredentials",
                          {{"adminUserName", "azureuser"}, {"adminUserPassword", "S3cret!"}, {"adminUserSshPublicKey", "ssh-rsa AAA"}}}});
        const Json taken = realism::take_write_only(k_compute, body);
        const Json& creds = body["properties"]["properties"]["userAccountCredentials"];
        CHECK(creds == Json{{"adminUserName", "azureuser"}});
        CHECK(body.dump().find("S3cret!") == std::string::npos);
        CHECK(taken["properties"]["properties"]["userAccountCredentials"]["adminUserPassword"] == "S3cret!");
        CHECK(taken["properties"]["properties"]["userAccountCredentials"]["adminUserSshPublicKey"] == "ssh-rsa AAA");

        Json endpoint = {{"properties", {{"authMode", "Key"}, {"keys", {{"primaryKey", "k1"}}}}}};
        const Json endpoint_taken =
            realism::take_write_only("Microsoft.MachineLearningServices/workspaces/onlineEndpoints", endpoint);
        CHECK_FALSE(endpoint["properties"].contains("keys"));
        CHECK(endpoint_taken["properties"]["keys"]["primaryKey"] == "k1");
    }

    TEST_CASE("workspace defaults, identity and server-generated ids") {
        const Json body = put("Microsoft.MachineLearningServices/workspaces",
                              {{"location", "Central US"}, {"identity", {{"type", "systemassigned"}}}, {"properties", Json::object()}},
                              "ws1");
        const Json& p = body["properties"];
        CHECK(body["location"] == "centralus");
        CHECK(p["hbiWorkspace"] == false);
        CHECK(p["v1LegacyMode"] == false);
        CHECK(p["allowPublicAccessWhenBehindVnet"] == false);
        CHECK(p["publicNetworkAccess"] == "Enabled");
        CHECK(body["sku"] == Json{{"name", "Basic"}, {"tier", "Basic"}});
        CHECK(p["discoveryUrl"] == "https://127.0.0.1:8443/discovery");
        CHECK(p["workspaceId"] == "guid-1");
        CHECK(p["tenantId"] == "72f988bf-0000-0000-0000-000000000002");
        CHECK(body["identity"]["type"] == "SystemAssigned");
        CHECK(body["identity"]["principalId"] == "guid-2");
        CHECK(body["identity"]["tenantId"] == "72f988bf-0000-0000-0000-000000000002");

        // A second PUT keeps every generated value.
        const Json again = put("Microsoft.MachineLearningServices/workspaces",
                               {{"location", "centralus"}, {"identity", {{"type", "SystemAssigned"}}}, {"properties", {{"description", "d"}}}},
                               "ws1", &body);
        CHECK(again["properties"]["workspaceId"] == "guid-1");
        CHECK(again["identity"]["principalId"] == "guid-2");
        CHECK(again["properties"]["creationTime"] == p["creationTime"]);
    }

    TEST_CASE("a workspace without identity gets a system-assigned one; explicit values are kept") {
        const Json body = put("Microsoft.MachineLearningServices/workspaces",
                              {{"location", "eastus"},
                               {"sku", {{"name", "basic"}}},
                               {"properties", {{"hbiWorkspace", true}, {"publicNetworkAccess", "disabled"}}}},
                              "ws2");
        CHECK(body["identity"]["type"] == "SystemAssigned");
        CHECK(body["identity"].contains("principalId"));
        CHECK(body["sku"] == Json{{"name", "Basic"}, {"tier", "Basic"}});
        CHECK(body["properties"]["hbiWorkspace"] == true);
        CHECK(body["properties"]["publicNetworkAccess"] == "Disabled");
    }

    TEST_CASE("key vault soft-delete settings and vaultUri") {
        const Json body = put("Microsoft.KeyVault/vaults",
                              {{"location", "eastus"},
                               {"properties", {{"tenantId", "t"}, {"sku", {{"family", "A"}, {"name", "Standard"}}}}}},
                              "KvDemo");
        const Json& p = body["properties"];
        CHECK(p["enableSoftDelete"] == true);
        CHECK(p["softDeleteRetentionInDays"] == 90);
        CHECK(p["vaultUri"] == "https://kvdemo.vault.azure.net/");
        CHECK(p["sku"]["name"] == "standard");
        CHECK(p["enableRbacAuthorization"] == false);
        CHECK(p["provisioningState"] == "Succeeded");
    }

    TEST_CASE("storage account endpoints, provisioning state and creation time") {
        const Json body = put("Microsoft.Storage/storageAccounts",
                              {{"location", "West Europe"}, {"kind", "storagev2"}, {"sku", {{"name", "standard_lrs"}}}}, "SaDemo");
        const Json& p = body["properties"];
        CHECK(body["kind"] == "StorageV2");
        CHECK(body["sku"]["name"] == "Standard_LRS");
        CHECK(p["primaryEndpoints"]["blob"] == "https://sademo.blob.core.windows.net/");
        CHECK(p["primaryEndpoints"]["dfs"] == "https://sademo.dfs.core.windows.net/");
        CHECK(p["primaryEndpoints"].size() == 6);
        CHECK(p["primaryLocation"] == "westeurope");
        CHECK(p["provisioningState"] == "Succeeded");
        CHECK(p["creationTime"] == "2026-11-26T07:00:00.0000000Z");
        CHECK(p["supportsHttpsTrafficOnly"] == true);
        CHECK(p["accessTier"] == "Hot");
    }

    TEST_CASE("application insights instrumentation key, connection string and app id") {
        const Json body = put("microsoft.insights/components",
                              {{"location", "eastus"}, {"kind", "web"}, {"properties", {{"Application_Type", "web"}}}}, "ai1");
        const Json& p = body["properties"];
        CHECK(p["InstrumentationKey"] == "guid-1");
        CHECK(p["ConnectionString"].get<std::string>().rfind("InstrumentationKey=guid-1;IngestionEndpoint=https://eastus-0.", 0) == 0);
        CHECK(p["AppId"] == "guid-2");
        CHECK(p["Name"] == "ai1");
        const Json again = put("microsoft.insights/components", {{"location", "eastus"}, {"kind", "web"}}, "ai1", &body);
        CHECK(again["properties"]["InstrumentationKey"] == "guid-1");
    }

    TEST_CASE("container registry login server") {
        const Json body = put("Microsoft.ContainerRegistry/registries", {{"location", "eastus"}, {"sku", {{"name", "premium"}}}}, "CrDemo");
        CHECK(body["properties"]["loginServer"] == "crdemo.azurecr.io");
        CHECK(body["sku"] == Json{{"name", "Premium"}, {"tier", "Premium"}});
        CHECK(body["properties"]["adminUserEnabled"] == false);
    }

    TEST_CASE("model versions always carry flavors; containers their flags") {
        const Json version = put("Microsoft.MachineLearningServices/workspaces/models/versions",
                                 {{"properties", {{"modelUri", "azureml://x"}}}}, "1");
        CHECK(version["properties"]["flavors"] == Json::object());
        CHECK(version["properties"]["isAnonymous"] == false);
        CHECK(version["properties"]["isArchived"] == false);
        const Json container = put("Microsoft.MachineLearningServices/workspaces/models", {{"properties", Json::object()}}, "m1");
        CHECK(container["properties"]["isArchived"] == false);
    }

    TEST_CASE("online endpoint and deployment defaults") {
        const Json endpoint = put("Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                                  {{"location", "eastus"}, {"properties", {{"authMode", "key"}}}}, "ep1");
        CHECK(endpoint["properties"]["authMode"] == "Key");
        CHECK(endpoint["properties"]["publicNetworkAccess"] == "Enabled");
        CHECK(endpoint["properties"]["scoringUri"] ==
              "https://127.0.0.1:8443/inference/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-demo/"
              "workspaces/ws-demo/onlineEndpoints/ep1/score");
        CHECK(endpoint["identity"]["type"] == "SystemAssigned");

        const Json deployment = put("Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
                                    {{"location", "eastus"},
                                     {"properties", {{"endpointComputeType", "managed"},
                                                     {"requestSettings", {{"requestTimeout", "PT60S"}}}}}},
                                    "blue");
        const Json& p = deployment["properties"];
        CHECK(p["endpointComputeType"] == "Managed");
        CHECK(p["instanceType"] == "Standard_F4s_v2");
        CHECK(p["requestSettings"]["requestTimeout"] == "PT1M");
        CHECK(p["requestSettings"]["maxQueueWait"] == "PT0.5S");
        CHECK(p["livenessProbe"]["period"] == "PT10S");
        CHECK(p["scaleSettings"]["scaleType"] == "Default");
    }

    TEST_CASE("the normalisation switch stores bodies exactly as sent") {
        Json body = aml({{"scaleSettings", {{"maxNodeCount", 1}, {"nodeIdleTimeBeforeScaleDown", "PT1800S"}}}});
        body["location"] = "East US";
        const Json sent = body;
        CHECK_FALSE(realism::on_put(k_compute, body, context("c"), nullptr, realism::Options{false}));
        CHECK(body == sent);
    }

    TEST_CASE("real-world durations per type and phase, keyed for the emulator's presets") {
        using std::chrono::milliseconds;
        using realism::Kind;
        using realism::Phase;
        CHECK(realism::real_world_duration(Kind::workspace, Phase::create) == milliseconds(600'000));
        CHECK(realism::real_world_duration(Kind::compute, Phase::create, "AmlCompute") == milliseconds(480'000));
        CHECK(realism::real_world_duration(Kind::model_version, Phase::create) == milliseconds(0));
        CHECK(realism::real_world_duration(Kind::compute, Phase::create, "ComputeInstance") >
              realism::real_world_duration(Kind::storage_account, Phase::create));
        const auto table = realism::real_world_durations();
        CHECK(table.at("Microsoft.MachineLearningServices/workspaces") == milliseconds(600'000));
        CHECK(table.at("Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments") ==
              milliseconds(720'000));
        CHECK(table.at("Microsoft.Resources/resourceGroups#delete") == milliseconds(60'000));
    }
}
