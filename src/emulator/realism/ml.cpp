// Defaults and server-generated fields of computes, model assets, online endpoints and
// deployments. Sources per field: docs/emulator-realism.md.
#include "realism/detail.hpp"

#include <fmt/format.h>

namespace emulator::realism::detail {

namespace {

// "NotSpecified" (the spec default) is resolved at creation: closed when the cluster is in a
// VNet, open otherwise; "after creation it will be either enabled or disabled".
std::optional<Error> resolve_remote_login(Json& inner, const Json* previous, Write write) {
    const std::string value = inner.value("remoteLoginPortPublicAccess", "NotSpecified");
    if (value != "NotSpecified") {
        return std::nullopt;
    }
    if (write == Write::patch && previous != nullptr &&
        carried(previous, "/properties/properties/remoteLoginPortPublicAccess", "") != "NotSpecified") {
        return Error{400, "BadRequest",
                     "remoteLoginPortPublicAccess 'NotSpecified' is only valid when the cluster is "
                     "created; use 'Enabled' or 'Disabled'.",
                     "properties.properties.remoteLoginPortPublicAccess"};
    }
    const bool in_vnet = inner.contains("subnet") && inner["subnet"].is_object() && !inner["subnet"].empty();
    const Json resolved = in_vnet ? "Disabled" : "Enabled";
    inner["remoteLoginPortPublicAccess"] =
        write == Write::create ? resolved
                               : carried(previous, "/properties/properties/remoteLoginPortPublicAccess", resolved);
    return std::nullopt;
}

std::optional<Error> fill_aml_compute(Json& inner, const Context& context, const Json* previous, Write write) {
    set_default(inner, "vmPriority", "Dedicated");
    set_default(inner, "osType", "Linux");
    set_default(inner, "enableNodePublicIp", true);
    set_default(inner, "isolatedNetwork", false);
    set_default(inner, "virtualMachineImage", nullptr);
    set_default(inner, "subnet", nullptr);
    Json& scale = object_at(inner, "scaleSettings");
    set_default(scale, "maxNodeCount", 1);
    set_default(scale, "minNodeCount", 0);
    set_default(scale, "nodeIdleTimeBeforeScaleDown", "PT2M");
    if (auto error = resolve_remote_login(inner, previous, write)) {
        return error;
    }
    const int nodes = scale["minNodeCount"].is_number_integer() ? scale["minNodeCount"].get<int>() : 0;
    inner["allocationState"] = "Steady";
    inner["allocationStateTransitionTime"] =
        carried(previous, "/properties/properties/allocationStateTransitionTime", context.now);
    inner["currentNodeCount"] = nodes;
    inner["targetNodeCount"] = nodes;
    inner["nodeStateCounts"] = {{"idleNodeCount", nodes},       {"runningNodeCount", 0},
                                {"preparingNodeCount", 0},     {"unusableNodeCount", 0},
                                {"leavingNodeCount", 0},       {"preemptedNodeCount", 0}};
    inner["errors"] = nullptr;
    return std::nullopt;
}

void fill_compute_instance(Json& inner, const Context& context, const Json* previous) {
    set_default(inner, "applicationSharingPolicy", "Shared");
    set_default(inner, "computeInstanceAuthorizationType", "personal");
    set_default(inner, "enableNodePublicIp", true);
    set_default(inner, "subnet", nullptr);
    Json& ssh = object_at(inner, "sshSettings");
    set_default(ssh, "sshPublicAccess", "Disabled");
    ssh["adminUserName"] = "azureuser";
    ssh["sshPort"] = 22;
    inner["state"] = "Running";
    inner["errors"] = nullptr;
    inner["osImageMetadata"] = {
        {"currentImageVersion", "22.06.14"}, {"latestImageVersion", "22.06.14"}, {"isLatestOsImageVersion", true}};
    inner["connectivityEndpoints"] = {{"publicIpAddress", "127.0.0.1"}, {"privateIpAddress", "10.0.0.4"}};
    inner["applications"] = Json::array(
        {{{"displayName", "Jupyter"}, {"endpointUri", fmt::format("{}/instances/{}/jupyter", context.base_url, context.name)}},
         {{"displayName", "Jupyter Lab"}, {"endpointUri", fmt::format("{}/instances/{}/lab", context.base_url, context.name)}}});
    inner["createdBy"] = carried(previous, "/properties/properties/createdBy",
                                 {{"userName", "emulator"}, {"userOrgId", context.tenant_id}, {"userId", new_guid(context)}});
    inner["lastOperation"] = {{"operationName", previous == nullptr ? "Create" : "Update"},
                              {"operationTime", context.now},
                              {"operationStatus", "Succeeded"},
                              {"operationTrigger", "User"}};
}

}  // namespace

std::optional<Error> fill_compute(Json& body, const Context& context, const Json* previous, Write write) {
    Json& properties = object_at(body, "properties");
    properties["createdOn"] = carried(previous, "/properties/createdOn", context.now);
    properties["modifiedOn"] = context.now;
    properties["isAttachedCompute"] = false;
    properties["provisioningErrors"] = nullptr;
    if (!location_of(body).empty()) {
        set_default(properties, "computeLocation", location_of(body));
    }
    set_default(properties, "disableLocalAuth", false);
    const std::string type = properties.value("computeType", "");
    if (type == "AmlCompute") {
        return fill_aml_compute(object_at(properties, "properties"), context, previous, write);
    }
    if (type == "ComputeInstance") {
        fill_compute_instance(object_at(properties, "properties"), context, previous);
    }
    return std::nullopt;
}

void fill_model_container(Json& body) {
    Json& properties = object_at(body, "properties");
    set_default(properties, "isArchived", false);
    set_default(properties, "tags", Json::object());
    set_default(properties, "properties", Json::object());
    properties["provisioningState"] = "Succeeded";
}

void fill_model_version(Json& body) {
    Json& properties = object_at(body, "properties");
    set_default(properties, "flavors", Json::object());
    set_default(properties, "isAnonymous", false);
    set_default(properties, "isArchived", false);
    set_default(properties, "tags", Json::object());
    set_default(properties, "properties", Json::object());
    properties["provisioningState"] = "Succeeded";
}

// mfe.json EnvironmentVersion defaults: osType Linux, autoRebuild Disabled; environmentType is
// read-only (UserCreated for a workspace's own environments).
void fill_environment_version(Json& body) {
    Json& properties = object_at(body, "properties");
    set_default(properties, "osType", "Linux");
    set_default(properties, "autoRebuild", "Disabled");
    set_default(properties, "isAnonymous", false);
    set_default(properties, "isArchived", false);
    set_default(properties, "tags", Json::object());
    set_default(properties, "properties", Json::object());
    properties["environmentType"] = "UserCreated";
    properties["provisioningState"] = "Succeeded";
}

// AzureBlobDatastore defaults: the public cloud's endpoint, https, no service identity, and
// the account's subscription and group those of the workspace unless given.
void fill_datastore(Json& body, const Context& context) {
    Json& properties = object_at(body, "properties");
    set_default(properties, "endpoint", "core.windows.net");
    set_default(properties, "protocol", "https");
    set_default(properties, "serviceDataAccessAuthIdentity", "None");
    set_default(properties, "subscriptionId", context.subscription);
    set_default(properties, "resourceGroup", context.resource_group);
    set_default(properties, "tags", Json::object());
    set_default(properties, "properties", Json::object());
    set_default(properties, "isDefault", false);
}

void fill_online_endpoint(Json& body, const Context& context, const Json* previous) {
    Json& properties = object_at(body, "properties");
    set_default(properties, "publicNetworkAccess", "Enabled");
    set_default(properties, "traffic", Json::object());
    set_default(properties, "mirrorTraffic", Json::object());
    const std::string base = fmt::format(
        "{}/inference/subscriptions/{}/resourceGroups/{}/workspaces/{}/onlineEndpoints/{}", context.base_url,
        context.subscription, context.resource_group, context.parent, context.name);
    properties["scoringUri"] = base + "/score";
    properties["swaggerUri"] = base + "/swagger.json";
    if (!body.contains("identity") || body["identity"].is_null()) {
        body["identity"] = Json{{"type", "SystemAssigned"}};
    }
    (void)previous;
}

void fill_online_deployment(Json& body) {
    Json& properties = object_at(body, "properties");
    set_default(properties, "appInsightsEnabled", false);
    set_default(properties, "egressPublicNetworkAccess", "Enabled");
    if (properties.value("endpointComputeType", "") == "Managed") {
        set_default(properties, "instanceType", "Standard_F4s_v2");
    }
    Json& request = object_at(properties, "requestSettings");
    set_default(request, "maxConcurrentRequestsPerInstance", 1);
    set_default(request, "requestTimeout", "PT5S");
    set_default(request, "maxQueueWait", "PT0.5S");
    for (const char* probe : {"livenessProbe", "readinessProbe"}) {
        Json& settings = object_at(properties, probe);
        set_default(settings, "failureThreshold", 30);
        set_default(settings, "successThreshold", 1);
        set_default(settings, "period", "PT10S");
        set_default(settings, "timeout", "PT2S");
    }
    Json& scale = object_at(properties, "scaleSettings");
    set_default(scale, "scaleType", "Default");
}

}  // namespace emulator::realism::detail
