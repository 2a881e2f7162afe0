#pragma once
// Discover: read what exists in a resource group (or a subscription, a workspace) without a
// manifest, for `converge export` and `converge get`. Like observe it only reads, one list per
// collection (GETs only where no list says enough: a resource of a type converge has no kind
// for); unlike observe it keeps every body whole, as Azure returned it.
#include "converge/arm_api.hpp"
#include "converge/kinds.hpp"
#include "converge/resource_id.hpp"

#include <string>
#include <vector>

namespace converge {

/// One resource found, with the body Azure returned.
struct DiscoveredResource {
    ResourceId id;
    /// Its kind; ArmResource for a type converge has no kind for; nullptr for a model container
    /// (not a manifest kind: Model is one version).
    const KindInfo* kind = nullptr;
    std::string api_version;  ///< what it was read with (for ArmResource: the provider's newest stable)
    Json body;
};

/// What `converge export` reads.
struct DiscoverScope {
    std::string subscription;
    std::string resource_group;
    std::string workspace;  ///< only this workspace's computes and models (empty: every workspace's)
    int parallelism = 8;
};

/// The resource group, every resource of a known kind in it (the four workspace dependencies,
/// workspaces), the workspaces' computes, model containers and versions, and the group's other
/// top-level resources (its generic list) read with their provider's newest stable api-version
/// as ArmResource. Ordered by id. A missing group or workspace is an error (404).
ApiResult<std::vector<DiscoveredResource>> discover(ArmApi& api, const DiscoverScope& scope);

/// Where `converge get` lists a kind.
struct ListScope {
    std::string subscription;
    std::string resource_group;  ///< empty: the whole subscription
    std::string workspace;       ///< empty: every workspace in scope (for kinds that live in one)
    std::string container;       ///< Parent::versioned_asset kinds: only this model's versions
    int parallelism = 8;
};

/// Every resource of `kind` in `scope` (ArmResource has no collection: not listable), by id.
/// `kind` need not be a manifest kind: any KindInfo with a collection below its parent works
/// (the CLI lists online endpoints and model containers that way).
ApiResult<std::vector<DiscoveredResource>> list_kind(ArmApi& api, const KindInfo& kind, const ListScope& scope);

}  // namespace converge
