#include "converge/resource_ops.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

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

bool is_terminal(const std::string& state) {
    return state == "Succeeded" || state == "Failed" || state == "Canceled";
}

ApiError failed_error(const ResourceId& id, const Json& body) {
    const std::string state = provisioning_state(body);
    std::string message = provisioning_error(body);
    if (message.empty()) {
        message = fmt::format("{} ended in provisioningState {}", id.str(), state);
    }
    return make_api_error("Provisioning" + state, message);
}

void sleep_for(std::chrono::milliseconds d) {
    if (d.count() > 0) {
        std::this_thread::sleep_for(d);
    }
}

// Reads the resource until its provisioningState is terminal; Failed/Canceled are errors.
ApiResult<Json> await_terminal(ArmApi& api, const ResourceId& id, const std::string& api_version,
                               Json body, const WaitOptions& wait, const PhaseCallback& phase) {
    const auto deadline = std::chrono::steady_clock::now() + wait.timeout;
    bool have_body = body.is_object() && !body.empty();
    while (true) {
        if (!have_body) {
            auto got = api.get(id.str(), api_version);
            if (!got) {
                return tl::unexpected(got.error());
            }
            body = std::move(*got);
        }
        const std::string state = provisioning_state(body);
        if (state == "Succeeded") {
            return body;
        }
        if (is_terminal(state)) {
            return tl::unexpected(failed_error(id, body));
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return tl::unexpected(make_api_error("Timeout", fmt::format("{} still {} after the operation timeout", id.str(), state)));
        }
        phase("waiting (" + state + ")");
        sleep_for(wait.poll_interval);
        have_body = false;
    }
}

// Model versions live in a container that must exist first; PUT it only when absent.
ApiResult<Json> ensure_model_container(ArmApi& api, const Resource& version) {
    const ResourceId container = version.id.parent();
    auto got = api.get(container.str(), version.api_version);
    if (got || !got.error().is_not_found()) {
        return got;
    }
    return api.put(container.str(), version.api_version, Json{{"properties", Json::object()}});
}

std::string version_of(const Resource& r) {
    return r.api_version.empty() ? std::string(r.kind->api_version) : r.api_version;
}

}  // namespace

std::string provisioning_state(const Json& body) {
    const Json::json_pointer ptr{"/properties/provisioningState"};
    if (body.is_object() && body.contains(ptr) && body.at(ptr).is_string()) {
        return body.at(ptr).get<std::string>();
    }
    return "Succeeded";
}

std::string provisioning_error(const Json& body) {
    // Computes report provisioningErrors[].error; other RPs an "error" object.
    for (const char* where : {"/properties/provisioningErrors/0/error/message", "/properties/error/message",
                              "/error/message", "/properties/properties/errors/0/error/message"}) {
        const Json::json_pointer ptr{where};
        if (body.is_object() && body.contains(ptr) && body.at(ptr).is_string()) {
            return body.at(ptr).get<std::string>();
        }
    }
    return "";
}

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

ApiResult<Json> create_resource(ArmApi& api, const Resource& desired, const WaitOptions& wait,
                                const PhaseCallback& phase) {
    const std::string version = version_of(desired);
    if (desired.kind->parent == Parent::model) {
        phase("ensuring model container");
        auto container = ensure_model_container(api, desired);
        if (!container) {
            return container;
        }
    }
    phase("creating");
    auto put = api.put(desired.id.str(), version, desired.body);
    if (!put) {
        return put;
    }
    return await_terminal(api, desired.id, version, std::move(*put), wait, phase);
}

ApiResult<Json> update_resource(ArmApi& api, const Resource& desired, const Change& change,
                                const WaitOptions& wait, const PhaseCallback& phase) {
    const std::string version = version_of(desired);
    const UpdateRequest request = update_request(desired, change);
    phase(request.patch ? "updating (PATCH)" : "updating (PUT)");
    auto sent = request.patch ? api.patch(desired.id.str(), version, request.body)
                              : api.put(desired.id.str(), version, request.body);
    if (!sent) {
        return sent;
    }
    // A PATCH answer may hold only what was patched: read the whole resource back.
    Json body = request.patch ? Json() : std::move(*sent);
    return await_terminal(api, desired.id, version, std::move(body), wait, phase);
}

ApiResult<Json> delete_resource(ArmApi& api, const ResourceId& id, const std::string& api_version,
                                const WaitOptions& wait, const PhaseCallback& phase) {
    Query query;
    if (iequals(id.type(), "Microsoft.MachineLearningServices/workspaces/computes")) {
        query["underlyingResourceAction"] = "Delete";  // required by the compute DELETE
    }
    phase("deleting");
    auto removed = api.remove(id.str(), api_version, query);
    if (!removed) {
        return removed;
    }
    const auto deadline = std::chrono::steady_clock::now() + wait.timeout;
    while (true) {
        auto got = api.get(id.str(), api_version);
        if (!got) {
            return got.error().is_not_found() ? ApiResult<Json>(Json()) : tl::unexpected(got.error());
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return tl::unexpected(make_api_error("Timeout", id.str() + " still exists after the operation timeout"));
        }
        phase("waiting for deletion (" + provisioning_state(*got) + ")");
        sleep_for(wait.poll_interval);
    }
}

}  // namespace converge
