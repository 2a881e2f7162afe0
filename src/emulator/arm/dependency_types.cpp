// The workspace dependencies: storage accounts, key vaults, Application Insights components,
// container registries — generic tracked resources with a few server-generated fields.
#include "arm/arm.hpp"
#include "arm/generic.hpp"
#include "platform/modules.hpp"
#include "platform/services.hpp"

namespace emulator {

namespace {

const std::vector<std::pair<std::string, std::string>> k_locations = {
    {"eastus", "East US"},
    {"eastus2", "East US 2"},
    {"westus", "West US"},
    {"westus2", "West US 2"},
    {"westus3", "West US 3"},
    {"centralus", "Central US"},
    {"northcentralus", "North Central US"},
    {"southcentralus", "South Central US"},
    {"westcentralus", "West Central US"},
    {"canadacentral", "Canada Central"},
    {"brazilsouth", "Brazil South"},
    {"northeurope", "North Europe"},
    {"westeurope", "West Europe"},
    {"uksouth", "UK South"},
    {"ukwest", "UK West"},
    {"francecentral", "France Central"},
    {"germanywestcentral", "Germany West Central"},
    {"switzerlandnorth", "Switzerland North"},
    {"swedencentral", "Sweden Central"},
    {"norwayeast", "Norway East"},
    {"eastasia", "East Asia"},
    {"southeastasia", "Southeast Asia"},
    {"japaneast", "Japan East"},
    {"japanwest", "Japan West"},
    {"koreacentral", "Korea Central"},
    {"centralindia", "Central India"},
    {"australiaeast", "Australia East"},
    {"southafricanorth", "South Africa North"},
    {"uaenorth", "UAE North"},
};

std::string name_of(const WriteContext& w) { return w.body.value("name", ""); }

void storage_fields(WriteContext& w) {
    Json& p = w.body["properties"];
    std::string name = to_lower(name_of(w));
    Json endpoints = Json::object();
    for (const char* svc : {"blob", "queue", "table", "file", "dfs", "web"}) {
        endpoints[svc] = "https://" + name + "." + svc + ".core.windows.net/";
    }
    p["primaryEndpoints"] = endpoints;
    p["primaryLocation"] = w.body.value("location", "");
    p["statusOfPrimary"] = "available";
    if (w.existing != nullptr && w.existing->body["properties"].contains("creationTime")) {
        p["creationTime"] = w.existing->body["properties"]["creationTime"];
    } else {
        p["creationTime"] = w.ctx.svc.now_iso();
    }
    if (!w.secrets.contains("keys")) {
        w.secrets["keys"] = {{{"keyName", "key1"}, {"value", crypto::random_secret(64)}, {"permissions", "FULL"}},
                             {{"keyName", "key2"}, {"value", crypto::random_secret(64)}, {"permissions", "FULL"}}};
    }
}

void vault_fields(WriteContext& w) {
    Json& p = w.body["properties"];
    p["vaultUri"] = "https://" + to_lower(name_of(w)) + ".vault.azure.net/";
    if (!p.contains("tenantId")) {
        p["tenantId"] = w.ctx.svc.credentials.tenant_id;
    }
}

void insights_fields(WriteContext& w) {
    Json& p = w.body["properties"];
    std::string key = w.existing != nullptr ? w.existing->body["properties"].value("InstrumentationKey", "") : "";
    if (key.empty()) {
        key = w.ctx.svc.new_uuid();
    }
    p["InstrumentationKey"] = key;
    p["ConnectionString"] = "InstrumentationKey=" + key + ";IngestionEndpoint=https://" +
                            to_lower(w.body.value("location", "eastus")) + ".in.applicationinsights.azure.com/";
    p["AppId"] = w.existing != nullptr ? w.existing->body["properties"].value("AppId", w.ctx.svc.new_uuid())
                                       : w.ctx.svc.new_uuid();
    p["Name"] = name_of(w);
}

void registry_fields(WriteContext& w) {
    Json& p = w.body["properties"];
    p["loginServer"] = to_lower(name_of(w)) + ".azurecr.io";
    if (!w.secrets.contains("passwords")) {
        w.secrets["passwords"] = {{{"name", "password"}, {"value", crypto::random_secret(32)}},
                                  {{"name", "password2"}, {"value", crypto::random_secret(32)}}};
    }
}

Response storage_list_keys(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    if (!rec) {
        return nf;
    }
    return Response::json(200, Json{{"keys", rec->secrets.value("keys", Json::array())}});
}

Response registry_list_credentials(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    if (!rec) {
        return nf;
    }
    return Response::json(200, Json{{"username", rec->body.value("name", "")},
                                    {"passwords", rec->secrets.value("passwords", Json::array())}});
}

/// VaultProperties.enablePurgeProtection (keyvault.json 2025-05-01): "the property does not
/// accept false as its value". The same rule as converge's loader (docs/manifests.md).
std::optional<ArmError> check_vault(WriteContext& w) {
    const Json& properties = w.body.value("properties", Json::object());
    if (properties.is_object() && properties.contains("enablePurgeProtection") &&
        properties["enablePurgeProtection"] == false) {
        return ArmError{400, "BadRequest",
                        "The property \"enablePurgeProtection\" cannot be set to false. Enabling the purge protection "
                        "for a vault is an irreversible action.",
                        "properties.enablePurgeProtection"};
    }
    return std::nullopt;
}

}  // namespace

void install_arm_types(Registry& r) {
    r.locations = k_locations;
    TypeBehaviour storage;
    storage.type = "Microsoft.Storage/storageAccounts";
    storage.api_versions = {"2023-05-01", "2023-01-01", "2022-09-01", "2022-05-01", "2021-09-01", "2021-04-01",
                            "2019-06-01"};
    storage.name_pattern = "^[a-z0-9]{3,24}$";
    storage.server_fields.push_back(storage_fields);
    storage.create_only = {"/location", "/kind"};
    r.add_type(std::move(storage));
    r.add_action("Microsoft.Storage/storageAccounts", "listKeys", storage_list_keys);

    TypeBehaviour vault;
    vault.type = "Microsoft.KeyVault/vaults";
    vault.api_versions = {"2023-07-01", "2023-02-01", "2022-07-01", "2021-10-01", "2019-09-01"};
    vault.name_pattern = "^[a-zA-Z0-9-]{3,24}$";
    vault.server_fields.push_back(vault_fields);
    vault.validate.push_back(check_vault);
    r.add_type(std::move(vault));

    TypeBehaviour insights;
    insights.type = "Microsoft.Insights/components";
    insights.api_versions = {"2020-02-02-preview", "2020-02-02", "2018-05-01-preview", "2015-05-01"};
    insights.server_fields.push_back(insights_fields);
    r.add_type(std::move(insights));

    TypeBehaviour acr;
    acr.type = "Microsoft.ContainerRegistry/registries";
    acr.api_versions = {"2023-07-01", "2023-01-01-preview", "2022-12-01", "2021-09-01", "2019-05-01"};
    acr.name_pattern = "^[a-zA-Z0-9]{5,50}$";
    acr.server_fields.push_back(registry_fields);
    r.add_type(std::move(acr));
    r.add_action("Microsoft.ContainerRegistry/registries", "listCredentials", registry_list_credentials);
}

}  // namespace emulator
