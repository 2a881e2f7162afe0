#pragma once
// The dependency graph of resources: explicit dependsOn, refs, parent/child (a compute lives in
// its workspace, a workspace in its group) and ARM ids named in a body (a workspace's storage
// account, key vault, ...). Ordered deterministically: dependencies first, ties by ResourceId.
#include "converge/diagnostic.hpp"
#include "converge/json.hpp"
#include "converge/model.hpp"
#include "converge/resource_id.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace converge {

/// One edge: the node depends on `to`, declared at `location` for reason `why`.
struct GraphEdge {
    std::size_t to = 0;
    Location location;
    std::string why;  ///< "dependsOn", "ref", "parent", ...
};

/// Resources as nodes (by index) with their dependencies.
struct Graph {
    std::vector<ResourceId> ids;
    std::vector<std::string> labels;  ///< "Workspace/ws", for messages
    std::vector<Location> locations;  ///< each node's declaration
    std::vector<std::vector<GraphEdge>> deps;

    /// The node with this id, or npos.
    std::size_t find(const ResourceId& id) const;
};

/// One node to add: a desired resource, or an observed one being deleted (no deps, no locations).
struct GraphInput {
    ResourceId id;
    std::string label;
    const Json* body = nullptr;
    const std::vector<Dependency>* depends_on = nullptr;
    Location location;
    const FieldLocations* field_locations = nullptr;  ///< positions in `location.file`
};

/// Builds the graph; edges to ids outside the inputs are dropped.
Graph build_graph(const std::vector<GraphInput>& inputs);
/// The graph of every desired resource (node i = desired.resources[i]).
Graph build_graph(const DesiredSet& desired);
/// "Kind/name" for messages ("Compute/cpu", "Model/m:1").
std::string resource_label(const Resource& resource);

/// A topological order of the nodes, or cycle diagnostics.
struct Ordering {
    std::vector<std::size_t> order;  ///< dependencies first; nodes on or behind a cycle are left out
    Diagnostics diagnostics;         ///< one error per cycle, with the whole path
};

/// Dependencies first, ties broken by ResourceId. A cycle is reported (cycle_message) as
/// `a.yaml:3:5: error: dependency cycle: Workspace/ws -> StorageAccount/sa (ref at a.yaml:9:7) -> Workspace/ws (dependsOn at b.yaml:4:3)`
/// where each arrow carries the kind and location of the edge it follows.
Ordering topological_order(const Graph& graph);

/// One arrow of a dependency cycle: the resource it reaches and the edge it follows.
struct CycleStep {
    std::string label;  ///< "StorageAccount/sa"
    std::string why;    ///< "dependsOn", "ref", "parent", ...
    Location location;  ///< where the edge was declared (unknown: left out)
};

/// The one text of a cycle error, from the loader and the planner alike:
/// `dependency cycle: Workspace/ws -> StorageAccount/sa (ref at a.yaml:9:7) -> Workspace/ws (dependsOn at b.yaml:4:3)`.
std::string cycle_message(const std::string& start, const std::vector<CycleStep>& steps);

}  // namespace converge
