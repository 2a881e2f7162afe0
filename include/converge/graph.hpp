#pragma once
// The dependency graph of resources: explicit dependsOn, refs, parent/child (a compute lives in
// its workspace, a workspace in its group) and ARM ids named in a body (a workspace's storage
// account, key vault, ...). Ordered deterministically: dependencies first, ties by ResourceId.
#include "converge/diagnostic.hpp"
#include "converge/json.hpp"
#include "converge/model.hpp"
#include "converge/resource_id.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace converge {

/// One edge: the node depends on `to`, declared at `location` for reason `why`.
struct GraphEdge {
    std::size_t to = 0;
    const Location* location = nullptr;  ///< in the inputs, or owned by the graph (refs)
    std::string_view why;                ///< "dependsOn", "ref", "parent", ...
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

/// Resources as nodes (by index) with their dependencies. The graph refers to what it was built
/// from (ids, locations, reasons): keep the inputs alive while using it. Move-only.
class Graph {
public:
    Graph() = default;
    Graph(Graph&&) = default;
    Graph& operator=(Graph&&) = default;
    Graph(const Graph&) = delete;
    Graph& operator=(const Graph&) = delete;

    std::size_t size() const { return m_nodes.size(); }
    const ResourceId& id(std::size_t i) const { return *m_nodes[i].id; }
    /// "Workspace/ws", for messages.
    std::string label(std::size_t i) const;
    /// The node's declaration.
    const Location& location(std::size_t i) const { return *m_nodes[i].location; }
    /// The dependencies of node i, each once, in declaration order.
    std::span<const GraphEdge> deps(std::size_t i) const {
        return {m_edges.data() + m_first[i], m_edges.data() + m_first[i + 1]};
    }
    /// The node with this id, or npos.
    std::size_t find(const ResourceId& id) const;

private:
    friend struct GraphBuilder;
    struct Node {
        const ResourceId* id = nullptr;
        const Location* location = nullptr;
        const Resource* resource = nullptr;  ///< labels come from the resource, or
        const std::string* label = nullptr;  ///< from the input
    };
    std::vector<Node> m_nodes;
    std::vector<GraphEdge> m_edges;          ///< node i's edges: [m_first[i], m_first[i + 1])
    std::vector<std::uint32_t> m_first{0};
    std::deque<Location> m_field_locations;  ///< where refs were found (stable addresses)
};

/// Builds the graph; edges to ids outside the inputs are dropped. `inputs` must outlive the graph.
Graph build_graph(const std::vector<GraphInput>& inputs);
/// The graph of every desired resource (node i = desired.resources[i]), its edges exactly
/// Resource::depends_on (what the loader recorded: dependsOn, refs, the nearest enclosing resource,
/// a workspace's dependency fields, ARM ids named in bodies); `desired` must outlive it.
Graph build_graph(const DesiredSet& desired);
/// Records in each Resource::depends_on the edges a body implies without declaring them: the
/// nearest enclosing desired resource ("parent") and every ARM id of another desired resource the
/// body names ("ref", at that field's location); edges already there are kept as they are. The
/// loader calls it once; a test that builds a DesiredSet by hand calls it too.
void record_implied_edges(DesiredSet& desired);
/// resource_label(kind, id) of a desired resource ("Compute/cpu", "Model/m@1").
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

/// The cycles of the graph, one error each, as topological_order reports them (the loader's check:
/// it needs no order).
Diagnostics find_cycles(const Graph& graph);

/// The one text of a cycle error, from the loader and the planner alike:
/// `dependency cycle: Workspace/ws -> StorageAccount/sa (ref at a.yaml:9:7) -> Workspace/ws (dependsOn at b.yaml:4:3)`.
std::string cycle_message(const std::string& start, const std::vector<CycleStep>& steps);

}  // namespace converge
