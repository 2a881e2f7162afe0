#pragma once
// Observe: read the current state of everything the manifests describe, with as few requests
// as the API allows (one list per collection, in parallel), or one GET per resource.
// Observe never writes.
#include "converge/arm_api.hpp"
#include "converge/model.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace converge {

/// What plan, apply and saved plans read of observed bodies, derived once from the desired set;
/// observe keeps only that of each item as it arrives (docs/plan.md "What observe keeps").
class ObservedNeeds {
public:
    explicit ObservedNeeds(const DesiredSet& desired);
    /// The part of `item` (stored under `id`) converge reads: for a desired resource every field
    /// its body sets (objects walked, anything else whole); for every item tags, properties.tags,
    /// the fields `${ref:...}` read from it, and every ARM id in it but its own.
    Json project(const ResourceId& id, Json item) const;

private:
    const Resource* desired(const ResourceId& id) const;

    std::vector<std::pair<std::size_t, const Resource*>> m_by_hash;  // sorted by ResourceId::hash()
    std::unordered_map<ResourceId, std::vector<std::vector<std::string>>> m_ref_fields;  // target -> fields
};

/// How current state is read.
enum class RefreshMode {
    list,          ///< one paginated list per collection (group's workspaces, workspace's computes, ...)
    per_resource,  ///< one GET per desired resource, for principals that may not list
    /// one Resource Graph query (paged) for the types it indexes, lists for the others; what it
    /// reads lags ARM, so the caller confirms every candidate change with confirm_observed()
    /// (docs/resource-graph.md)
    graph,
};

/// Options for observe.
struct ObserveOptions {
    RefreshMode mode = RefreshMode::list;
    /// Also discover what the stack's groups and workspaces hold beyond the manifests: every
    /// known kind's list in them, and each group's generic list (`.../resources`). Plan lists the
    /// stack's orphans from it, and a delete checks what its resource holds (the CLI always sets it).
    bool find_orphans = false;
    int parallelism = 16;
};

/// Reads current state. A missing parent (404 on a list or GET) means "absent", not an error.
ApiResult<ObservedState> observe(const DesiredSet& desired, ArmApi& api, const ObserveOptions& options);

/// Whether Resource Graph's `resources` table holds resources of this ARM type (among
/// converge's kinds; docs/resource-graph.md): RefreshMode::graph reads them from its query.
bool graph_indexed(std::string_view arm_type);

/// RefreshMode::graph: re-reads each of `candidates` whose type Resource Graph indexes with a
/// direct ARM GET (a 404 removes it from `observed`), since the query lags ARM. Candidates are
/// the resources a plan of `observed` would change, create, delete or report as orphans.
/// Returns how many were read.
ApiResult<std::size_t> confirm_observed(const DesiredSet& desired, ObservedState& observed,
                                        const std::vector<ResourceId>& candidates, ArmApi& api, int parallelism);

/// "rgs/x/providers/T/name" -> "rgs/x/providers/T": the collection a resource is listed in.
std::string collection_path(const ResourceId& id);

}  // namespace converge
