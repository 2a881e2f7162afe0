#include "converge/resource_ops.hpp"

#include <algorithm>

namespace converge {

namespace {

// Workspace 2025-12-01 WorkspaceUpdateParameters (+ WorkspacePropertiesUpdateParameters).
const std::vector<std::string_view> k_workspace_patchable = {
    "/tags", "/sku", "/identity", "/properties/description", "/properties/friendlyName",
    "/properties/imageBuildCompute", "/properties/serviceManagedResourcesSettings",
    "/properties/primaryUserAssignedIdentity", "/properties/serverlessComputeSettings",
    "/properties/publicNetworkAccess", "/properties/applicationInsights",
    "/properties/containerRegistry", "/properties/featureStoreSettings", "/properties/managedNetwork",
    "/properties/enableDataIsolation", "/properties/systemDatastoresAuthMode",
    "/properties/v1LegacyMode", "/properties/encryption/keyVaultProperties/keyIdentifier"};

// Compute 2025-12-01 ClusterUpdateParameters: only the AmlCompute scale settings (no tags).
const std::vector<std::string_view> k_compute_patchable = {"/properties/properties/scaleSettings"};

bool all_fields_match(const Change& change, const std::vector<std::string_view>& patterns) {
    return std::all_of(change.fields.begin(), change.fields.end(), [&](const FieldChange& f) {
        return std::any_of(patterns.begin(), patterns.end(),
                           [&](std::string_view p) { return path_matches(p, f.path); });
    });
}

// The desired body restricted to the patchable pointers it sets.
Json patch_subset(const Json& body, const std::vector<std::string_view>& patterns) {
    Json out = Json::object();
    for (const auto& pattern : patterns) {
        const Json::json_pointer ptr{std::string(pattern)};
        if (body.contains(ptr)) {
            out[ptr] = body.at(ptr);
        }
    }
    return out;
}

}  // namespace

UpdateRequest update_request(const Resource& desired, const Change& change) {
    const std::string_view kind = desired.kind->name;
    if (kind == "Workspace" && all_fields_match(change, k_workspace_patchable)) {
        return {true, patch_subset(desired.body, k_workspace_patchable)};
    }
    if (kind == "Compute" && !change.fields.empty() && all_fields_match(change, k_compute_patchable)) {
        return {true, patch_subset(desired.body, k_compute_patchable)};
    }
    return {false, desired.body};
}

WriteRequest create_request(const Resource& desired) {
    WriteRequest request;
    request.verb = Verb::put;
    request.body = desired.body;
    return request;
}

WriteRequest change_request(const Resource& desired, const Change& change) {
    UpdateRequest update = update_request(desired, change);
    WriteRequest request;
    request.verb = update.patch ? Verb::patch : Verb::put;
    request.body = std::move(update.body);
    return request;
}

WriteRequest delete_request(const ResourceId& id) {
    WriteRequest request;
    request.verb = Verb::remove;
    if (iequals(id.type(), "Microsoft.MachineLearningServices/workspaces/computes")) {
        request.query["underlyingResourceAction"] = "Delete";  // required by the compute DELETE
    }
    return request;
}

Json model_container_body(const std::string& stack) {
    Json tags{{k_tag_managed_by, "converge"}};
    if (!stack.empty()) {
        tags[k_tag_stack] = stack;
    }
    return Json{{"properties", {{"tags", tags}}}};
}

}  // namespace converge
