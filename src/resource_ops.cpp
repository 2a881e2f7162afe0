#include "converge/resource_ops.hpp"

#include "converge/ownership.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace converge {

namespace {

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
    const KindInfo& kind = *desired.kind;
    if (kind.update_verb == UpdateVerb::patch && !change.fields.empty() && all_fields_match(change, kind.patchable)) {
        return {true, patch_subset(desired.body, kind.patchable)};
    }
    return {false, desired.body};
}

WriteRequest create_request(const Resource& desired) {
    return WriteRequest{"PUT", desired.body, {}, false};
}

WriteRequest change_request(const Resource& desired, const Change& change) {
    UpdateRequest update = update_request(desired, change);
    return WriteRequest{update.patch ? "PATCH" : "PUT", std::move(update.body), {}, update.patch};
}

WriteRequest delete_request(const ResourceId& id) {
    WriteRequest request{"DELETE", Json(), {}, false};
    if (iequals(id.type(), "Microsoft.MachineLearningServices/workspaces/computes")) {
        request.query["underlyingResourceAction"] = "Delete";  // required by the compute DELETE
    }
    return request;
}

ApiResult<WriteStarted> send_write(ArmApi& api, const std::string& path, const std::string& api_version,
                                   const WriteRequest& request) {
    if (request.method == "DELETE") {
        return api.begin_remove(path, api_version, request.query);
    }
    if (request.method == "PATCH") {
        return api.begin_patch(path, api_version, request.body);
    }
    return api.begin_put(path, api_version, request.body);
}

Json model_container_body(const std::string& stack) {
    return Json{{"properties", {{"tags", ownership::tags(stack)}}}};
}

bool is_terminal_provisioning_state(const std::string& state) {
    return state == "Succeeded" || state == "Failed" || state == "Canceled";
}

ApiError provisioning_failure(const ResourceId& id, const Json& body) {
    const std::string state = provisioning_state(body);
    std::string message = provisioning_error(body);
    if (message.empty()) {
        message = fmt::format("{} ended in provisioningState {}", id.str(), state);
    }
    return make_api_error("Provisioning" + state, message);
}

}  // namespace converge
