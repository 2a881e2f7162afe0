// Microsoft.MachineLearningServices/workspaces/computes: 201 + Azure-AsyncOperation creates,
// PATCH of scaleSettings, create-only fields, DELETE with underlyingResourceAction,
// listKeys/listNodes and ComputeInstance start/stop/restart.
#include "arm/arm.hpp"
#include "arm/generic.hpp"
#include "ml/ml_common.hpp"
#include "platform/modules.hpp"
#include "arm/operations.hpp"

namespace emulator {

namespace {

const std::vector<std::string> k_compute_types = {"AKS",          "Kubernetes",       "AmlCompute",
                                                  "ComputeInstance", "DataFactory",   "VirtualMachine",
                                                  "HDInsight",    "Databricks",       "DataLakeAnalytics",
                                                  "SynapseSpark"};

std::string compute_type(const Json& body) {
    return body.contains("properties") && body["properties"].is_object()
               ? body["properties"].value("computeType", "")
               : "";
}

/// "/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Network/virtualNetworks/{v}/subnets/{n}".
bool is_subnet_id(const std::string& id) {
    std::vector<std::string> parts;
    std::size_t at = 0;
    while (at <= id.size()) {
        const auto next = std::min(id.find('/', at), id.size());
        parts.push_back(id.substr(at, next - at));
        at = next + 1;
    }
    return parts.size() == 11 && parts[0].empty() && iequals(parts[1], "subscriptions") && !parts[2].empty() &&
           iequals(parts[3], "resourceGroups") && !parts[4].empty() && iequals(parts[5], "providers") &&
           iequals(parts[6], "Microsoft.Network") && iequals(parts[7], "virtualNetworks") && !parts[8].empty() &&
           iequals(parts[9], "subnets") && !parts[10].empty();
}

/// The subnet is a subnet's resource id (AmlComputeProperties.subnet, a ResourceId: "for a
/// subnet, it is the resource URL for the subnet"); no public IP needs a subnet
/// (how-to-secure-training-vnet). The same rules as converge's loader (docs/manifests.md).
std::optional<ArmError> check_network(const Json& inner) {
    const bool has_subnet = inner.contains("subnet") && !inner["subnet"].is_null();
    if (has_subnet) {
        const Json& subnet = inner["subnet"];
        const std::string id = subnet.is_object() && subnet.contains("id") && subnet["id"].is_string()
                                   ? subnet["id"].get<std::string>()
                                   : "";
        // An ARM id must name the virtual network and the subnet; other text (the API
        // reference's examples write "test-subnet-resource-id") is accepted as is.
        if (id.size() >= 15 && iequals(id.substr(0, 15), "/subscriptions/") && !is_subnet_id(id)) {
            return ArmError{400, "BadRequest",
                            "Invalid subnet id '" + id + "': expected /subscriptions/{subscriptionId}/resourceGroups/"
                            "{resourceGroup}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}.",
                            "properties.properties.subnet.id"};
        }
    }
    if (inner.contains("enableNodePublicIp") && inner["enableNodePublicIp"] == false && !has_subnet) {
        return ArmError{400, "BadRequest", "enableNodePublicIp can be false only for a compute in a virtual network: "
                                           "properties.properties.subnet is required.",
                        "properties.properties.enableNodePublicIp"};
    }
    return std::nullopt;
}

std::optional<ArmError> check_compute(WriteContext& w) {
    std::string type = compute_type(w.body);
    if (type.empty()) {
        return ArmError{400, "BadRequest", "properties.computeType is required; expected one of AmlCompute, "
                                           "ComputeInstance, Kubernetes, AKS, VirtualMachine, ...",
                        "properties.computeType"};
    }
    bool known = std::any_of(k_compute_types.begin(), k_compute_types.end(),
                             [&](const std::string& k) { return iequals(k, type); });
    if (!known) {
        return ArmError{400, "BadRequest", "Unknown computeType '" + type + "'.", "properties.computeType"};
    }
    if (iequals(type, "AmlCompute")) {
        const Json& inner = w.body["properties"].value("properties", Json::object());
        if (w.create && (!inner.contains("vmSize") || !inner["vmSize"].is_string())) {
            return ArmError{400, "BadRequest", "properties.properties.vmSize is required for AmlCompute.",
                            "properties.properties.vmSize"};
        }
        const Json& scale = inner.value("scaleSettings", Json::object());
        if (scale.contains("minNodeCount") && scale.contains("maxNodeCount") && scale["minNodeCount"].is_number() &&
            scale["maxNodeCount"].is_number() && scale["minNodeCount"].get<int>() > scale["maxNodeCount"].get<int>()) {
            return ArmError{400, "BadRequest", "scaleSettings.minNodeCount must not exceed maxNodeCount.",
                            "properties.properties.scaleSettings.minNodeCount"};
        }
    }
    if (iequals(type, "AmlCompute") || iequals(type, "ComputeInstance")) {
        return check_network(w.body["properties"].value("properties", Json::object()));
    }
    return std::nullopt;
}

void compute_fields(WriteContext& w) {
    Json& p = w.body["properties"];
    const Json empty = Json::object();
    const Json& old = w.existing != nullptr ? w.existing->body["properties"] : empty;
    std::string now = w.ctx.svc.now_iso();
    p["createdOn"] = old.value("createdOn", now);
    p["modifiedOn"] = now;
    p["isAttachedCompute"] = false;
    p["provisioningErrors"] = nullptr;
    if (!w.body.contains("location")) {
        auto ws = w.ctx.svc.store->get(w.id.substr(0, to_lower(w.id).rfind("/computes/")));
        if (ws) {
            w.body["location"] = ws->body.value("location", "");
        }
    }
    if (!p.contains("computeLocation") && w.body.contains("location")) {
        p["computeLocation"] = w.body["location"];
    }
    if (!p.contains("properties") || !p["properties"].is_object()) {
        p["properties"] = Json::object();
    }
    Json& inner = p["properties"];
    if (iequals(compute_type(w.body), "AmlCompute")) {
        const Json scale = inner.value("scaleSettings", Json::object());
        int min_nodes = scale.value("minNodeCount", 0);
        inner["allocationState"] = "Steady";
        inner["allocationStateTransitionTime"] = now;
        inner["currentNodeCount"] = min_nodes;
        inner["targetNodeCount"] = min_nodes;
        inner["nodeStateCounts"] = {{"idleNodeCount", min_nodes}, {"runningNodeCount", 0}, {"preparingNodeCount", 0},
                                    {"unusableNodeCount", 0},     {"leavingNodeCount", 0}, {"preemptedNodeCount", 0}};
        inner["errors"] = nullptr;
    } else if (iequals(compute_type(w.body), "ComputeInstance")) {
        const Json& old_inner = old.value("properties", Json::object());
        inner["state"] = old_inner.value("state", "Creating");
    }
}

/// PATCH body is ClusterUpdateParameters {properties: {scaleSettings}}; only AmlCompute.
std::optional<ArmError> compute_patch(Context&, const Record& existing, Json& patch) {
    if (!iequals(compute_type(existing.body), "AmlCompute")) {
        return ArmError{400, "BadRequest",
                        "Updating a compute of type '" + compute_type(existing.body) +
                            "' is not supported; only AmlCompute scaleSettings can be updated."};
    }
    Json out = Json::object();
    if (patch.contains("tags")) {
        out["tags"] = patch["tags"];
    }
    if (patch.contains("properties")) {
        // The spec (2025-12-01 examples/Compute/patch.json, the SDKs) nests the settings one
        // level further: {properties: {properties: {scaleSettings}}}; accept both forms.
        const Json& outer = patch["properties"];
        const Json& props = outer.is_object() && outer.size() == 1 && outer.contains("properties") ? outer["properties"] : outer;
        if (!props.is_object()) {
            return invalid_body("properties must be an object");
        }
        for (const auto& kv : props.items()) {
            if (kv.key() != "scaleSettings") {
                return ArmError{400, "BadRequest",
                                "Property 'properties." + kv.key() +
                                    "' cannot be updated with PATCH; only properties.scaleSettings can.",
                                "properties." + kv.key()};
            }
        }
        if (props.contains("scaleSettings")) {
            out["properties"]["properties"]["scaleSettings"] = props["scaleSettings"];
        }
    }
    patch = out;
    return std::nullopt;
}

std::optional<ArmError> check_delete_action(Context& ctx, const Record*) {
    auto action = ctx.req.param("underlyingResourceAction");
    if (!action) {
        return ArmError{400, "BadRequest",
                        "The query parameter 'underlyingResourceAction' is required; expected 'Delete' or 'Detach'.",
                        "underlyingResourceAction"};
    }
    if (!iequals(*action, "Delete") && !iequals(*action, "Detach")) {
        return ArmError{400, "BadRequest",
                        "Invalid underlyingResourceAction '" + *action + "'; expected 'Delete' or 'Detach'.",
                        "underlyingResourceAction"};
    }
    return std::nullopt;
}

void on_compute_done(Services& svc, const Json& op, bool ok) {
    if (op["kind"] == "delete" && ok) {
        return;
    }
    auto rec = svc.store->get(op["resourceId"].get<std::string>(), true);
    if (!rec || !iequals(compute_type(rec->body), "ComputeInstance")) {
        return;
    }
    std::string state = "Running";
    if (op["kind"] == "action") {
        state = op["extra"].value("state", "Running");
    }
    rec->body["properties"]["properties"]["state"] = ok ? state : "Failed";
    svc.store->put(*rec);
}

Response list_keys(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    if (!rec) {
        return nf;
    }
    Json out = rec->secrets;
    out["computeType"] = compute_type(rec->body);
    return Response::json(200, out);
}

Response list_nodes(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    if (!rec) {
        return nf;
    }
    Json nodes = Json::array();
    int count = rec->body["properties"].value("properties", Json::object()).value("currentNodeCount", 0);
    for (int i = 0; i < count; ++i) {
        nodes.push_back({{"nodeId", "tvmps_" + std::to_string(i) + "_d"},
                         {"privateIpAddress", "10.0.0." + std::to_string(4 + i)},
                         {"publicIpAddress", nullptr},
                         {"port", 50000 + i},
                         {"nodeState", "idle"},
                         {"runId", nullptr}});
    }
    return Response::json(200, Json{{"nodes", nodes}});
}

Handler instance_action(std::string during, std::string after) {
    return [during, after](Context& ctx) {
        Response nf;
        auto rec = load_item(ctx, nf);
        if (!rec) {
            return nf;
        }
        if (!iequals(compute_type(rec->body), "ComputeInstance")) {
            return ArmError{400, "BadRequest", "This operation is only supported for ComputeInstance computes."}
                .response();
        }
        rec->body["properties"]["properties"]["state"] = during;
        ctx.svc.store->put(*rec);
        AsyncStart start{"action", rec->id, k_compute_type, k_compute_type + "#action", "compute-done",
                         to_lower(rec->body.value("location", "global")), "computeOperations"};
        start.extra = {{"state", after}};
        return accept_async(ctx, start);
    };
}

}  // namespace

void install_computes(Registry& r) {
    TypeBehaviour c;
    c.type = k_compute_type;
    c.api_versions = ml_api_versions();
    c.tracked = false;  // location is optional: it defaults to the workspace's
    c.name_pattern = "^[a-zA-Z][a-zA-Z0-9-]{1,23}$";
    c.create_mode = AsyncMode::async_operation;
    c.delete_mode = AsyncMode::async_operation;
    c.operation_prefix = "computeOperations";
    c.create_only = {"/properties/computeType",
                     "/properties/computeLocation",
                     "/properties/disableLocalAuth",
                     "/properties/properties/vmSize",
                     "/properties/properties/vmPriority",
                     "/properties/properties/subnet",
                     "/properties/properties/osType",
                     "/properties/properties/virtualMachineImage"};
    c.write_only = {"/properties/properties/userAccountCredentials/adminUserPassword"};
    c.validate.push_back(check_compute);
    c.server_fields.push_back(compute_fields);
    c.patch_transform = compute_patch;
    c.on_delete = check_delete_action;
    c.completion_hook = "compute-done";
    r.add_type(std::move(c));
    r.add_operation_hook("compute-done", on_compute_done);
    r.add_action(k_compute_type, "listKeys", list_keys);
    r.add_action(k_compute_type, "listNodes", list_nodes);
    r.add_action(k_compute_type, "start", instance_action("Starting", "Running"));
    r.add_action(k_compute_type, "stop", instance_action("Stopping", "Stopped"));
    r.add_action(k_compute_type, "restart", instance_action("Restarting", "Running"));
}

}  // namespace emulator
