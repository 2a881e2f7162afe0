#pragma once
// Per-kind write operations: the right verb, body and query parameters for each kind, then a
// read-back that confirms a terminal provisioningState. Used by the apply executor.
#include "converge/arm_api.hpp"
#include "converge/model.hpp"
#include "converge/plan.hpp"

#include <atomic>
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

/// Creates the resource (PUT; a model version first ensures its container); the final body.
ApiResult<Json> create_resource(ArmApi& api, const Resource& desired, const WaitOptions& wait,
                                const PhaseCallback& phase);
/// Updates in place with the kind's verb (PATCH of the patchable set, else PUT); the final body.
ApiResult<Json> update_resource(ArmApi& api, const Resource& desired, const Change& change,
                                const WaitOptions& wait, const PhaseCallback& phase);
/// Deletes with the kind's required query parameters and waits until it is gone.
ApiResult<Json> delete_resource(ArmApi& api, const ResourceId& id, const std::string& api_version,
                                const WaitOptions& wait, const PhaseCallback& phase);

/// The body sent by update_resource, and whether it is a PATCH (else a PUT).
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
