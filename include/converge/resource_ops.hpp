#pragma once
// Per-kind write requests: the right verb, body and query parameters for each kind. The
// apply executor sends them and polls their operations (src/apply/step.cpp); whether an
// operation or a resource is done is operation_state.hpp's rule.
#include "converge/arm_api.hpp"
#include "converge/model.hpp"
#include "converge/plan.hpp"

#include <string>

namespace converge {

/// A create: PUT of the desired body. (Each request's path and api-version are the caller's.)
WriteRequest create_request(const Resource& desired);
/// An update in place with the kind's verb (PATCH of the patchable set, else PUT).
WriteRequest change_request(const Resource& desired, const Change& change);
/// A delete with the query parameters its kind requires (KindInfo::delete_query).
WriteRequest delete_request(const ResourceId& id);
/// The purge of the soft-deleted key vault a create of `desired` collides with (--purge-soft-deleted):
/// POST /subscriptions/{s}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}/purge,
/// the location being the desired vault's (a recreate after destroy has the deleted vault's).
WriteRequest purge_soft_deleted_request(const Resource& desired);
/// The body of a model container converge creates: this stack's ownership tags.
Json model_container_body(const std::string& stack);

/// The body of an update in place, and whether it is a PATCH (else a PUT).
struct UpdateRequest {
    bool patch = false;
    Json body;
};
/// Chooses the update verb and body: PATCH when every changed field is patchable for the kind.
UpdateRequest update_request(const Resource& desired, const Change& change);

}  // namespace converge
