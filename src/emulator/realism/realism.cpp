// The realism pipeline run on every PUT and PATCH: location, enum casing, durations, linked
// ids, then defaults and server-generated fields (realism/defaults.cpp).
#include "realism/realism.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace emulator::realism {

namespace {

using Pointer = Json::json_pointer;

struct EnumField {
    Kind kind;
    std::string_view pointer;
    std::vector<std::string_view> values;  ///< canonical spellings
};

// Enums the services model as strings and parse ignoring case; they answer in the spelling
// of the OpenAPI enum (see docs/emulator-realism.md, "Enum casing").
const std::vector<EnumField>& enum_fields() {
    static const std::vector<EnumField> fields = {
        {Kind::workspace, "/sku/name", {"Basic", "Free", "Standard", "Premium"}},
        {Kind::workspace, "/sku/tier", {"Basic", "Free", "Standard", "Premium"}},
        {Kind::workspace, "/properties/publicNetworkAccess", {"Enabled", "Disabled"}},
        {Kind::workspace, "/identity/type",
         {"None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned"}},
        {Kind::compute, "/properties/computeType",
         {"AKS", "Kubernetes", "AmlCompute", "ComputeInstance", "DataFactory", "VirtualMachine",
          "HDInsight", "Databricks", "DataLakeAnalytics", "SynapseSpark"}},
        {Kind::compute, "/properties/properties/vmPriority", {"Dedicated", "LowPriority"}},
        {Kind::compute, "/properties/properties/osType", {"Linux", "Windows"}},
        {Kind::compute, "/properties/properties/remoteLoginPortPublicAccess",
         {"Enabled", "Disabled", "NotSpecified"}},
        {Kind::compute, "/properties/properties/applicationSharingPolicy", {"Personal", "Shared"}},
        {Kind::compute, "/properties/properties/sshSettings/sshPublicAccess", {"Enabled", "Disabled"}},
        {Kind::compute, "/identity/type",
         {"None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned"}},
        {Kind::online_endpoint, "/properties/authMode", {"AMLToken", "Key", "AADToken"}},
        {Kind::online_endpoint, "/properties/publicNetworkAccess", {"Enabled", "Disabled"}},
        {Kind::online_endpoint, "/identity/type",
         {"None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned"}},
        {Kind::online_deployment, "/properties/endpointComputeType",
         {"Managed", "Kubernetes", "AzureMLCompute"}},
        {Kind::online_deployment, "/properties/scaleSettings/scaleType", {"Default", "TargetUtilization"}},
        {Kind::online_deployment, "/properties/egressPublicNetworkAccess", {"Enabled", "Disabled"}},
        {Kind::storage_account, "/kind",
         {"Storage", "StorageV2", "BlobStorage", "FileStorage", "BlockBlobStorage"}},
        {Kind::storage_account, "/sku/name",
         {"Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Premium_LRS",
          "Premium_ZRS", "Standard_GZRS", "Standard_RAGZRS"}},
        {Kind::storage_account, "/properties/accessTier", {"Hot", "Cool", "Cold", "Premium"}},
        {Kind::key_vault, "/properties/sku/name", {"standard", "premium"}},
        {Kind::container_registry, "/sku/name", {"Basic", "Standard", "Premium", "Classic"}},
    };
    return fields;
}

// Fields holding ISO-8601 durations, per kind.
const std::vector<std::pair<Kind, std::string_view>>& duration_fields() {
    static const std::vector<std::pair<Kind, std::string_view>> fields = {
        {Kind::compute, "/properties/properties/scaleSettings/nodeIdleTimeBeforeScaleDown"},
        {Kind::compute, "/properties/properties/idleTimeBeforeShutdown"},
        {Kind::online_deployment, "/properties/requestSettings/requestTimeout"},
        {Kind::online_deployment, "/properties/requestSettings/maxQueueWait"},
        {Kind::online_deployment, "/properties/livenessProbe/initialDelay"},
        {Kind::online_deployment, "/properties/livenessProbe/period"},
        {Kind::online_deployment, "/properties/livenessProbe/timeout"},
        {Kind::online_deployment, "/properties/readinessProbe/initialDelay"},
        {Kind::online_deployment, "/properties/readinessProbe/period"},
        {Kind::online_deployment, "/properties/readinessProbe/timeout"},
        {Kind::online_deployment, "/properties/startupProbe/initialDelay"},
        {Kind::online_deployment, "/properties/startupProbe/period"},
        {Kind::online_deployment, "/properties/startupProbe/timeout"},
        {Kind::online_deployment, "/properties/scaleSettings/pollingInterval"},
        {Kind::online_deployment, "/properties/scaleSettings/scaleUpDelay"},
        {Kind::online_deployment, "/properties/scaleSettings/scaleDownDelay"},
    };
    return fields;
}

// Write-only (x-ms-secret or input-only) fields, per kind.
const std::vector<std::pair<Kind, std::string_view>>& write_only_fields() {
    static const std::vector<std::pair<Kind, std::string_view>> fields = {
        {Kind::compute, "/properties/properties/userAccountCredentials/adminUserPassword"},
        {Kind::compute, "/properties/properties/userAccountCredentials/adminUserSshPublicKey"},
        {Kind::compute, "/properties/properties/administratorAccount/password"},
        {Kind::compute, "/properties/properties/administratorAccount/privateKeyData"},
        {Kind::compute, "/properties/properties/databricksAccessToken"},
        {Kind::compute, "/properties/properties/sslConfiguration/cert"},
        {Kind::compute, "/properties/properties/sslConfiguration/key"},
        {Kind::compute, "/properties/properties/relayConnectionString"},
        {Kind::compute, "/properties/properties/serviceBusConnectionString"},
        {Kind::online_endpoint, "/properties/keys"},
        {Kind::datastore, "/properties/credentials/secrets"},
    };
    return fields;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string dotted(std::string_view pointer) {
    std::string out(pointer.substr(1));
    std::replace(out.begin(), out.end(), '/', '.');
    return out;
}

void canonicalize_enums(Kind kind, Json& body) {
    for (const auto& field : enum_fields()) {
        const Pointer pointer{std::string(field.pointer)};
        if (field.kind != kind || !body.contains(pointer) || !body[pointer].is_string()) {
            continue;
        }
        std::string value = body[pointer].get<std::string>();
        value.erase(std::remove(value.begin(), value.end(), ' '), value.end());
        for (auto canonical : field.values) {
            if (iequals(value, canonical)) {
                body[pointer] = std::string(canonical);
            }
        }
    }
}

std::optional<Error> normalize_durations(Kind kind, Json& body) {
    for (const auto& [field_kind, path] : duration_fields()) {
        const Pointer pointer{std::string(path)};
        if (field_kind != kind || !body.contains(pointer) || body[pointer].is_null()) {
            continue;
        }
        const Json& value = body[pointer];
        auto canonical = value.is_string() ? canonical_duration(value.get<std::string>()) : std::nullopt;
        if (!canonical) {
            return Error{400, "InvalidRequestContent",
                         fmt::format("The value '{}' of '{}' is not a valid ISO 8601 duration "
                                     "(expected e.g. PT30M).",
                                     value.is_string() ? value.get<std::string>() : value.dump(),
                                     dotted(path)),
                         dotted(path)};
        }
        body[pointer] = *canonical;
    }
    return std::nullopt;
}

// Azure ML answers a workspace's linked resources in lower case (the how-to's GET example);
// ids elsewhere get ARM's casing of the fixed segments.
void normalize_ids(Kind kind, Json& body) {
    if (kind != Kind::workspace || !body.contains("properties")) {
        return;
    }
    for (const char* field : {"storageAccount", "keyVault", "applicationInsights", "containerRegistry"}) {
        auto& properties = body["properties"];
        if (properties.contains(field) && properties[field].is_string()) {
            properties[field] = lower_id(properties[field].get<std::string>());
        }
    }
}

std::optional<Error> normalize(std::string_view arm_type, Json& body) {
    const Kind kind = kind_of(arm_type);
    if (auto error = normalize_location(body, arm_type)) {
        return error;
    }
    canonicalize_enums(kind, body);
    if (auto error = normalize_durations(kind, body)) {
        return error;
    }
    normalize_ids(kind, body);
    return std::nullopt;
}

}  // namespace

std::optional<Error> on_put(std::string_view arm_type, Json& body, const Context& context,
                            const Json* previous, const Options& options) {
    if (!options.normalize || !body.is_object()) {
        return std::nullopt;
    }
    if (auto error = normalize(arm_type, body)) {
        return error;
    }
    return fill_defaults(kind_of(arm_type), body, context, previous,
                         previous == nullptr ? Write::create : Write::replace);
}

std::optional<Error> on_patch(std::string_view arm_type, Json& body, const Context& context,
                              const Json& previous, const Options& options) {
    if (!options.normalize || !body.is_object()) {
        return std::nullopt;
    }
    if (auto error = normalize(arm_type, body)) {
        return error;
    }
    return fill_defaults(kind_of(arm_type), body, context, &previous, Write::patch);
}

Json take_write_only(std::string_view arm_type, Json& body) {
    const Kind kind = kind_of(arm_type);
    Json taken = Json::object();
    for (const auto& [field_kind, path] : write_only_fields()) {
        const Pointer pointer{std::string(path)};
        if (field_kind != kind || !body.is_object() || !body.contains(pointer)) {
            continue;
        }
        taken[pointer] = body[pointer];
        body[pointer.parent_pointer()].erase(pointer.back());
    }
    return taken;
}

}  // namespace emulator::realism
