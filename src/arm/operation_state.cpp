#include "converge/operation_state.hpp"

#include "converge/resource_id.hpp"

namespace converge {

const char* outcome_name(Outcome outcome) {
    switch (outcome) {
    case Outcome::running: return "running";
    case Outcome::succeeded: return "succeeded";
    case Outcome::failed: return "failed";
    case Outcome::canceled: return "canceled";
    }
    return "running";
}

Outcome outcome_of(std::string_view status) {
    if (iequals(status, "Succeeded")) {
        return Outcome::succeeded;
    }
    if (iequals(status, "Failed")) {
        return Outcome::failed;
    }
    if (iequals(status, "Canceled") || iequals(status, "Cancelled")) {
        return Outcome::canceled;
    }
    return Outcome::running;
}

std::string provisioning_state(const Json& resource) {
    if (!resource.is_object()) {
        return "";
    }
    auto props = resource.find("properties");
    if (props == resource.end() || !props->is_object()) {
        return "";
    }
    auto state = props->find("provisioningState");
    return state != props->end() && state->is_string() ? state->get<std::string>() : "";
}

Outcome resource_outcome(const Json& resource) {
    const std::string state = provisioning_state(resource);
    return state.empty() ? Outcome::succeeded : outcome_of(state);
}

std::string provisioning_error(const Json& resource) {
    if (!resource.is_object()) {
        return "";
    }
    // Computes report provisioningErrors[].error; other RPs an "error" object.
    for (const char* where : {"/properties/provisioningErrors/0/error/message", "/properties/error/message",
                              "/error/message", "/properties/properties/errors/0/error/message"}) {
        const Json::json_pointer ptr{where};
        if (resource.contains(ptr) && resource.at(ptr).is_string()) {
            return resource.at(ptr).get<std::string>();
        }
    }
    return "";
}

}  // namespace converge
