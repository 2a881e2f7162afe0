// Defaults and server-generated fields of the ARM types around a workspace and of the
// workspace itself. Sources per field: docs/emulator-realism.md.
#include "realism/detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace emulator::realism {

namespace detail {

void set_default(Json& obj, const std::string& key, Json value) {
    if (!obj.contains(key) || obj[key].is_null()) {
        obj[key] = std::move(value);
    }
}

Json carried(const Json* previous, const std::string& pointer, Json fallback) {
    const Json::json_pointer p{pointer};
    if (previous != nullptr && previous->is_object() && previous->contains(p) && !(*previous)[p].is_null()) {
        return (*previous)[p];
    }
    return fallback;
}

Json& object_at(Json& body, const std::string& key) {
    if (!body.contains(key) || !body[key].is_object()) {
        body[key] = Json::object();
    }
    return body[key];
}

std::string new_guid(const Context& context) {
    return context.new_guid ? context.new_guid() : "00000000-0000-0000-0000-000000000000";
}

std::string location_of(const Json& body) {
    auto it = body.find("location");
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace detail

namespace {

using namespace detail;
using nlohmann::literals::operator""_json_pointer;

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// System-assigned identities get a principal and the tenant; user-assigned ones a principal
// and client id. All are generated once and kept across PUTs.
void fill_identity(Json& body, const Context& context, const Json* previous) {
    if (!body.contains("identity") || !body["identity"].is_object()) {
        return;
    }
    Json& identity = body["identity"];
    const std::string type = identity.value("type", "");
    if (type.find("SystemAssigned") != std::string::npos) {
        identity["principalId"] = carried(previous, "/identity/principalId", new_guid(context));
        identity["tenantId"] = context.tenant_id;
    } else {
        identity.erase("principalId");
        identity.erase("tenantId");
    }
    if (identity.contains("userAssignedIdentities") && identity["userAssignedIdentities"].is_object()) {
        const Json* old = nullptr;
        if (previous != nullptr && previous->contains("/identity/userAssignedIdentities"_json_pointer)) {
            old = &(*previous)["/identity/userAssignedIdentities"_json_pointer];
        }
        for (auto& [id, entry] : identity["userAssignedIdentities"].items()) {
            if (!entry.is_object()) {
                entry = Json::object();
            }
            const Json* before = old != nullptr && old->contains(id) ? &(*old)[id] : nullptr;
            entry["principalId"] = carried(before, "/principalId", new_guid(context));
            entry["clientId"] = carried(before, "/clientId", new_guid(context));
        }
    }
}

void fill_storage_account(Json& body, const Context& context, const Json* previous) {
    Json& properties = object_at(body, "properties");
    const std::string name = lower(context.name);
    const std::string kind = body.value("kind", "StorageV2");
    Json endpoints = Json::object();
    auto add = [&](const char* service) {
        endpoints[service] = fmt::format("https://{}.{}.core.windows.net/", name, service);
    };
    if (kind == "StorageV2" || kind == "Storage" || kind == "BlobStorage" || kind == "BlockBlobStorage") {
        add("blob");
    }
    if (kind == "StorageV2" || kind == "BlobStorage" || kind == "BlockBlobStorage") {
        add("dfs");
    }
    if (kind == "StorageV2" || kind == "Storage" || kind == "FileStorage") {
        add("file");
    }
    if (kind == "StorageV2" || kind == "Storage") {
        add("queue");
        add("table");
    }
    if (kind == "StorageV2" || kind == "BlockBlobStorage") {
        add("web");
    }
    properties["primaryEndpoints"] = endpoints;
    properties["primaryLocation"] = location_of(body);
    properties["statusOfPrimary"] = "available";
    properties["provisioningState"] = "Succeeded";
    properties["creationTime"] = carried(previous, "/properties/creationTime", context.now);
    set_default(properties, "supportsHttpsTrafficOnly", true);
    if (kind == "StorageV2" || kind == "BlobStorage") {
        set_default(properties, "accessTier", "Hot");
    }
    Json& encryption = object_at(properties, "encryption");
    set_default(encryption, "keySource", "Microsoft.Storage");
}

void fill_key_vault(Json& body, const Context& context, const Json* previous) {
    Json& properties = object_at(body, "properties");
    set_default(properties, "enableSoftDelete", true);
    set_default(properties, "softDeleteRetentionInDays", 90);
    set_default(properties, "enableRbacAuthorization", false);
    set_default(properties, "enabledForDeployment", false);
    set_default(properties, "enabledForDiskEncryption", false);
    set_default(properties, "enabledForTemplateDeployment", false);
    set_default(properties, "accessPolicies", Json::array());
    set_default(properties, "publicNetworkAccess", "Enabled");
    set_default(properties, "tenantId", context.tenant_id);
    properties["vaultUri"] = fmt::format("https://{}.vault.azure.net/", lower(context.name));
    properties["provisioningState"] = "Succeeded";
    (void)previous;
}

void fill_app_insights(Json& body, const Context& context, const Json* previous) {
    Json& properties = object_at(body, "properties");
    const std::string key = carried(previous, "/properties/InstrumentationKey", new_guid(context));
    const std::string location = location_of(body);
    properties["InstrumentationKey"] = key;
    properties["ConnectionString"] = fmt::format(
        "InstrumentationKey={};IngestionEndpoint=https://{}-0.in.applicationinsights.azure.com/;"
        "LiveEndpoint=https://{}.livediagnostics.monitor.azure.com/",
        key, location, location);
    properties["AppId"] = carried(previous, "/properties/AppId", new_guid(context));
    properties["ApplicationId"] = context.name;
    properties["Name"] = context.name;
    properties["CreationDate"] = carried(previous, "/properties/CreationDate", context.now);
    properties["TenantId"] = context.subscription;
    properties["provisioningState"] = "Succeeded";
    set_default(properties, "Request_Source", "rest");
    set_default(properties, "RetentionInDays", 90);
    set_default(properties, "publicNetworkAccessForIngestion", "Enabled");
    set_default(properties, "publicNetworkAccessForQuery", "Enabled");
}

void fill_container_registry(Json& body, const Context& context, const Json* previous) {
    Json& properties = object_at(body, "properties");
    Json& sku = object_at(body, "sku");
    if (sku.contains("name")) {
        sku["tier"] = sku["name"];
    }
    properties["loginServer"] = lower(context.name) + ".azurecr.io";
    properties["creationDate"] = carried(previous, "/properties/creationDate", context.now);
    properties["provisioningState"] = "Succeeded";
    set_default(properties, "adminUserEnabled", false);
    set_default(properties, "publicNetworkAccess", "Enabled");
    set_default(properties, "zoneRedundancy", "Disabled");
    set_default(properties, "dataEndpointEnabled", false);
    set_default(properties, "anonymousPullEnabled", false);
    set_default(properties, "networkRuleBypassOptions", "AzureServices");
}

void fill_workspace(Json& body, const Context& context, const Json* previous) {
    Json& properties = object_at(body, "properties");
    set_default(properties, "hbiWorkspace", false);
    set_default(properties, "allowPublicAccessWhenBehindVnet", false);
    set_default(properties, "v1LegacyMode", false);
    set_default(properties, "publicNetworkAccess", "Enabled");
    set_default(properties, "enableDataIsolation", false);
    properties["storageHnsEnabled"] = carried(previous, "/properties/storageHnsEnabled", false);
    properties["privateLinkCount"] = 0;
    properties["workspaceId"] = carried(previous, "/properties/workspaceId", new_guid(context));
    properties["creationTime"] = carried(previous, "/properties/creationTime", context.now);
    properties["tenantId"] = context.tenant_id;
    // The regional API (discovery, history, execution, modelmanagement) is this emulator.
    properties["discoveryUrl"] = context.base_url + "/discovery";
    Json& sku = object_at(body, "sku");
    set_default(sku, "name", "Basic");
    set_default(sku, "tier", sku["name"]);
    if (!body.contains("identity") || body["identity"].is_null()) {
        body["identity"] = Json{{"type", "SystemAssigned"}};
    }
    fill_identity(body, context, previous);
}

}  // namespace

std::optional<Error> fill_defaults(Kind kind, Json& body, const Context& context, const Json* previous,
                                   Write write) {
    switch (kind) {
        case Kind::storage_account: fill_storage_account(body, context, previous); break;
        case Kind::key_vault: fill_key_vault(body, context, previous); break;
        case Kind::app_insights: fill_app_insights(body, context, previous); break;
        case Kind::container_registry: fill_container_registry(body, context, previous); break;
        case Kind::workspace: fill_workspace(body, context, previous); break;
        case Kind::compute:
            fill_identity(body, context, previous);
            return fill_compute(body, context, previous, write);
        case Kind::model_container: fill_model_container(body); break;
        case Kind::model_version: fill_model_version(body); break;
        case Kind::environment_version: fill_environment_version(body); break;
        case Kind::datastore: fill_datastore(body, context); break;
        case Kind::online_endpoint:
            fill_online_endpoint(body, context, previous);
            fill_identity(body, context, previous);
            break;
        case Kind::online_deployment: fill_online_deployment(body); break;
        case Kind::resource_group:
        case Kind::other: break;
    }
    return std::nullopt;
}

}  // namespace emulator::realism
