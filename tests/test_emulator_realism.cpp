// Azure's server-side rewrites, one test per rule (see docs/emulator-realism.md).
#include "realism/realism.hpp"

#include <doctest/doctest.h>

using emulator::realism::Json;
namespace realism = emulator::realism;

namespace {

constexpr const char* k_ws_type = "Microsoft.MachineLearningServices/workspaces";
constexpr const char* k_compute_type = "Microsoft.MachineLearningServices/workspaces/computes";

realism::Context context(const std::string& name = "thing") {
    realism::Context c;
    c.subscription = "00000000-0000-0000-0000-000000000001";
    c.resource_group = "rg-Demo";
    c.name = name;
    c.parent = "ws-demo";
    c.tenant_id = "72f988bf-0000-0000-0000-000000000002";
    c.base_url = "https://127.0.0.1:8443";
    c.now = "2026-11-26T07:00:00.0000000Z";
    auto counter = std::make_shared<int>(0);
    c.new_guid = [counter] { return "guid-" + std::to_string(++*counter); };
    return c;
}

Json aml_compute(Json inner) {
    return {{"location", "eastus"}, {"properties", {{"computeType", "AmlCompute"}, {"properties", inner}}}};
}

}  // namespace

TEST_SUITE("emulator-realism") {
    TEST_CASE("display-name and canonical locations answer the canonical lowercase name") {
        CHECK(realism::canonical_location("Central US") == "centralus");
        CHECK(realism::canonical_location("West Europe") == "westeurope");
        CHECK(realism::canonical_location("westeurope") == "westeurope");
        CHECK(realism::canonical_location("WestEurope") == "westeurope");
        CHECK(realism::canonical_location("east us 2") == "eastus2");
        CHECK(realism::canonical_location("East US 2 EUAP") == "eastus2euap");
        CHECK(realism::canonical_location("UK South") == "uksouth");
        CHECK_FALSE(realism::canonical_location("Mars North").has_value());
        CHECK_FALSE(realism::canonical_location("europe").has_value());
    }

    TEST_CASE("every region's display name maps to its name") {
        CHECK(realism::regions().size() > 50);
        for (const auto& region : realism::regions()) {
            CHECK(realism::canonical_location(region.display_name) == std::string(region.name));
        }
    }

    TEST_CASE("a PUT body's location is rewritten; an unknown one is refused listing the regions") {
        Json body = {{"location", "North Europe"}};
        CHECK_FALSE(realism::normalize_location(body, "Microsoft.Storage/storageAccounts"));
        CHECK(body["location"] == "northeurope");

        Json bad = {{"location", "atlantis"}};
        auto error = realism::normalize_location(bad, "Microsoft.Storage/storageAccounts");
        REQUIRE(error);
        CHECK(error->status == 400);
        CHECK(error->code == "LocationNotAvailableForResourceType");
        CHECK(error->message.find("'atlantis'") != std::string::npos);
        CHECK(error->message.find("westeurope") != std::string::npos);
        CHECK(error->to_json()["error"]["code"] == "LocationNotAvailableForResourceType");

        auto rg_error = realism::normalize_location(bad, "Microsoft.Resources/resourceGroups");
        REQUIRE(rg_error);
        CHECK(rg_error->code == "LocationNotAvailableForResourceGroup");
    }

    TEST_CASE("durations are answered in their canonical form") {
        CHECK(realism::canonical_duration("PT1800S") == "PT30M");
        CHECK(realism::canonical_duration("PT120S") == "PT2M");
        CHECK(realism::canonical_duration("PT100S") == "PT1M40S");
        CHECK(realism::canonical_duration("PT3600S") == "PT1H");
        CHECK(realism::canonical_duration("PT24H") == "P1D");
        CHECK(realism::canonical_duration("P1D") == "P1D");
        CHECK(realism::canonical_duration("PT86400S") == "P1D");
        CHECK(realism::canonical_duration("P1DT1H30M") == "P1DT1H30M");
        CHECK(realism::canonical_duration("PT90M") == "PT1H30M");
        CHECK(realism::canonical_duration("P1W") == "P7D");
        CHECK(realism::canonical_duration("P0Y0M0DT0H2M") == "PT2M");
        CHECK(realism::canonical_duration("PT0.5S") == "PT0.5S");
        CHECK(realism::canonical_duration("PT0.500S") == "PT0.5S");
        CHECK(realism::canonical_duration("PT0S") == "PT0S");
        CHECK(realism::canonical_duration("P0D") == "PT0S");
    }

    TEST_CASE("invalid durations are refused") {
        for (const char* text : {"", "P", "PT", "30M", "PT30", "P1DT", "PT5M1H", "P1.5D", "-PT5M", "pt5m",
                                 "PT5X", "PTM", "P1D2D", "PT1H1H", "PT1.5M"}) {
            CAPTURE(text);
            CHECK_FALSE(realism::parse_duration(text).has_value());
        }
    }

    TEST_CASE("an invalid duration in a compute PUT is a 400 naming the field") {
        Json body = aml_compute({{"scaleSettings", {{"maxNodeCount", 2}, {"nodeIdleTimeBeforeScaleDown", "30 minutes"}}}});
        auto error = realism::on_put(k_compute_type, body, context(), nullptr);
        REQUIRE(error);
        CHECK(error->status == 400);
        CHECK(error->target == "properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown");
        CHECK(error->message.find("'30 minutes'") != std::string::npos);
    }

    TEST_CASE("a compute PUT's idle time comes back normalised") {
        Json body = aml_compute({{"scaleSettings", {{"maxNodeCount", 2}, {"nodeIdleTimeBeforeScaleDown", "PT1800S"}}}});
        REQUIRE_FALSE(realism::on_put(k_compute_type, body, context(), nullptr));
        CHECK(body["properties"]["properties"]["scaleSettings"]["nodeIdleTimeBeforeScaleDown"] == "PT30M");
    }

    TEST_CASE("ids: a workspace's linked resources are lower-cased, other ids get ARM's casing") {
        Json body = {{"location", "East US"},
                     {"properties",
                      {{"storageAccount", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/MySa"},
                       {"keyVault", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/Kv1"},
                       {"applicationInsights", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Insights/components/Ai"},
                       {"containerRegistry", "/subscriptions/S/resourceGroups/RG/providers/Microsoft.ContainerRegistry/registries/Cr"}}}};
        REQUIRE_FALSE(realism::on_put(k_ws_type, body, context("ws1"), nullptr));
        CHECK(body["properties"]["storageAccount"] ==
              "/subscriptions/s/resourcegroups/rg/providers/microsoft.storage/storageaccounts/mysa");
        CHECK(body["properties"]["keyVault"] == "/subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv1");
        CHECK(body["properties"]["applicationInsights"] ==
              "/subscriptions/s/resourcegroups/rg/providers/microsoft.insights/components/ai");
        CHECK(body["properties"]["containerRegistry"] ==
              "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerregistry/registries/cr");

        CHECK(realism::canonical_id("/SUBSCRIPTIONS/s/resourcegroups/My-RG/providers/microsoft.machinelearningservices/"
                                    "WORKSPACES/Ws1/computes/Cpu") ==
              "/subscriptions/s/resourceGroups/My-RG/providers/Microsoft.MachineLearningServices/workspaces/Ws1/computes/Cpu");
        CHECK(realism::canonical_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/Ai") ==
              "/subscriptions/s/resourceGroups/rg/providers/microsoft.insights/components/Ai");
        CHECK(realism::canonical_id("/subscriptions/s/resourcegroups/rg") == "/subscriptions/s/resourceGroups/rg");
    }

    TEST_CASE("kinds are recognised from ARM types in any case") {
        CHECK(realism::kind_of("microsoft.machinelearningservices/WORKSPACES") == realism::Kind::workspace);
        CHECK(realism::kind_of(k_compute_type) == realism::Kind::compute);
        CHECK(realism::kind_of("Microsoft.Insights/components") == realism::Kind::app_insights);
        CHECK(realism::kind_of("Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments") ==
              realism::Kind::online_deployment);
        CHECK(realism::kind_of("Microsoft.Web/sites") == realism::Kind::other);
    }
}
