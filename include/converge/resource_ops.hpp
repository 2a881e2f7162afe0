#pragma once
// Per-kind write requests: the right verb, body and query parameters for each kind, and how
// to read a provisioningState. The apply executor sends them and polls (src/apply_step.cpp).
#include "converge/arm_api.hpp"
#include "converge/model.hpp"
#include "converge/plan.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace converge {

/// Timings for waiting on a resource whose provisioningState is not yet terminal.
struct WaitOptions {
    std::chrono::milliseconds poll_interval{10000};
    std::chrono::milliseconds timeout{std::chrono::minutes(60)};
};

/// Reports the phase a step is in ("creating", "waiting for Succeeded", ...).
using PhaseCallback = std::function<void(const std::string& phase)>;

/// The write a step sends: verb, body and query parameters for the kind.
struct WriteRequest {
    std::string method;  ///< "PUT", "PATCH" or "DELETE"
    Json body;
    Query query;
    bool read_back = false;  ///< the answer may be partial (PATCH): read the resource back
};

/// A create: PUT of the desired body.
WriteRequest create_request(const Resource& desired);
/// An update in place with the kind's verb (PATCH of the patchable set, else PUT).
WriteRequest change_request(const Resource& desired, const Change& change);
/// A delete with the kind's required query parameters (computes: underlyingResourceAction).
WriteRequest delete_request(const ResourceId& id);
/// Sends `request` without waiting for its long-running operation.
ApiResult<WriteStarted> send_write(ArmApi& api, const std::string& path, const std::string& api_version,
                                   const WriteRequest& request);
/// The body of a model container converge creates: this stack's ownership tags.
Json model_container_body(const std::string& stack);
/// The error for a Failed/Canceled provisioningState, with the service's message when given.
ApiError provisioning_failure(const ResourceId& id, const Json& body);
/// Succeeded, Failed, Canceled.
bool is_terminal_provisioning_state(const std::string& state);

/// The body of an update in place, and whether it is a PATCH (else a PUT).
struct UpdateRequest {
    bool patch = false;
    Json body;
};
/// Chooses the update verb and body: PATCH when every changed field is patchable for the kind.
UpdateRequest update_request(const Resource& desired, const Change& change);

/// "Succeeded", "Failed", ... from properties.provisioningState; "Succeeded" when absent.
std::string provisioning_state(const Json& body);
/// The service's explanation of a Failed provisioningState, when the body carries one.
std::string provisioning_error(const Json& body);

}  // namespace converge
