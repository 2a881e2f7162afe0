#include "converge/graph.hpp"

#include "converge/normalize.hpp"

#include <algorithm>
#include <functional>
#include <queue>
#include <unordered_map>

namespace converge {

namespace {

// Adds an edge unless `to` is already a dependency (the first declaration wins).
void add_edge(std::vector<GraphEdge>& edges, std::size_t to, Location location, std::string why) {
    for (const auto& e : edges) {
        if (e.to == to) {
            return;
        }
    }
    edges.push_back({to, std::move(location), std::move(why)});
}

struct Builder {
    const std::unordered_map<ResourceId, std::size_t>& index;
    const GraphInput& node;
    std::size_t self;
    std::vector<GraphEdge>& edges;
    std::string path;

    // Every string in the body that is the ARM id of another node is a dependency.
    void scan(const Json& j) {
        if (j.is_string()) {
            const auto& s = j.get_ref<const std::string&>();
            if (!looks_like_arm_id(s)) {
                return;
            }
            if (auto id = ResourceId::parse(s)) {
                const auto it = index.find(*id);
                if (it != index.end() && it->second != self) {
                    add_edge(edges, it->second, field_location(), "ref");
                }
            }
        } else if (j.is_object()) {
            for (auto it = j.begin(); it != j.end(); ++it) {
                const auto len = path.size();
                path += "/" + it.key();
                scan(*it);
                path.resize(len);
            }
        } else if (j.is_array()) {
            for (std::size_t i = 0; i < j.size(); ++i) {
                const auto len = path.size();
                path += "/" + std::to_string(i);
                scan(j[i]);
                path.resize(len);
            }
        }
    }

    Location field_location() const {
        if (node.field_locations) {
            if (auto at = node.field_locations->find(path, node.location.file)) {
                return *at;
            }
        }
        return node.location;
    }
};

CycleStep step_of(const Graph& g, std::size_t to, const GraphEdge& e) { return {g.labels[to], e.why, e.location}; }

}  // namespace

std::size_t Graph::find(const ResourceId& id) const {
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] == id) {
            return i;
        }
    }
    return static_cast<std::size_t>(-1);
}

std::string resource_label(const Resource& r) {
    const std::string kind = r.kind ? std::string(r.kind->name) : r.arm_type;
    if (r.kind && r.kind->parent == Parent::model) {
        return kind + "/" + r.id.parent().name() + ":" + r.id.name();
    }
    return kind + "/" + r.id.name();
}

std::string cycle_message(const std::string& start, const std::vector<CycleStep>& steps) {
    std::string out = "dependency cycle: " + start;
    for (const auto& s : steps) {
        out += " -> " + s.label + " (" + s.why;
        out += s.location.known() ? " at " + s.location.to_string() + ")" : std::string(")");
    }
    return out;
}

Graph build_graph(const std::vector<GraphInput>& inputs) {
    Graph g;
    std::unordered_map<ResourceId, std::size_t> index;
    index.reserve(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        g.ids.push_back(inputs[i].id);
        g.labels.push_back(inputs[i].label);
        g.locations.push_back(inputs[i].location);
        index.emplace(inputs[i].id, i);
    }
    g.deps.resize(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const auto& in = inputs[i];
        if (in.depends_on) {
            for (const auto& d : *in.depends_on) {
                const auto it = index.find(d.target);
                if (it != index.end() && it->second != i) {
                    add_edge(g.deps[i], it->second, d.location.known() ? d.location : in.location, d.why);
                }
            }
        }
        // The nearest enclosing node: compute -> workspace, workspace -> resource group.
        for (ResourceId up = in.id.parent(); !up.empty(); up = up.parent()) {
            if (const auto it = index.find(up); it != index.end()) {
                add_edge(g.deps[i], it->second, in.location, "parent");
                break;
            }
        }
        if (in.body) {
            Builder b{index, in, i, g.deps[i], {}};
            b.scan(*in.body);
        }
    }
    return g;
}

Graph build_graph(const DesiredSet& desired) {
    std::vector<GraphInput> inputs;
    inputs.reserve(desired.resources.size());
    for (const auto& r : desired.resources) {
        inputs.push_back({r.id, resource_label(r), &r.body, &r.depends_on, r.location, &r.field_locations});
    }
    return build_graph(inputs);
}

Ordering topological_order(const Graph& g) {
    const std::size_t n = g.ids.size();
    Ordering out;
    std::vector<std::size_t> pending(n, 0);  // unmet dependencies
    std::vector<std::vector<std::size_t>> dependents(n);
    for (std::size_t i = 0; i < n; ++i) {
        pending[i] = g.deps[i].size();
        for (const auto& e : g.deps[i]) {
            dependents[e.to].push_back(i);
        }
    }
    // Kahn's algorithm with a min-heap on the id, so ties come out in ResourceId order.
    auto later = [&](std::size_t a, std::size_t b) { return g.ids[b] < g.ids[a]; };
    std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> ready(later);
    for (std::size_t i = 0; i < n; ++i) {
        if (pending[i] == 0) {
            ready.push(i);
        }
    }
    while (!ready.empty()) {
        const std::size_t i = ready.top();
        ready.pop();
        out.order.push_back(i);
        for (std::size_t d : dependents[i]) {
            if (--pending[d] == 0) {
                ready.push(d);
            }
        }
    }
    if (out.order.size() == n) {
        return out;
    }
    // Report the cycles among what is left: depth-first from the smallest id, edges in id order.
    std::vector<int> color(n, 0);  // 0 new, 1 on stack, 2 done
    for (std::size_t i : out.order) {
        color[i] = 2;
    }
    std::vector<std::size_t> roots;
    for (std::size_t i = 0; i < n; ++i) {
        if (color[i] == 0) {
            roots.push_back(i);
        }
    }
    std::sort(roots.begin(), roots.end(), [&](std::size_t a, std::size_t b) { return g.ids[a] < g.ids[b]; });
    std::vector<std::pair<std::size_t, const GraphEdge*>> stack;  // node, edge that led here
    std::function<void(std::size_t)> dfs = [&](std::size_t v) {
        color[v] = 1;
        std::vector<const GraphEdge*> edges;
        for (const auto& e : g.deps[v]) {
            edges.push_back(&e);
        }
        std::sort(edges.begin(), edges.end(),
                  [&](const GraphEdge* a, const GraphEdge* b) { return g.ids[a->to] < g.ids[b->to]; });
        for (const GraphEdge* e : edges) {
            if (color[e->to] == 1) {
                auto from = std::find_if(stack.begin(), stack.end(), [&](const auto& s) { return s.first == e->to; });
                std::vector<CycleStep> steps;
                for (auto it = std::next(from); it != stack.end(); ++it) {
                    steps.push_back(step_of(g, it->first, *it->second));
                }
                steps.push_back(step_of(g, e->to, *e));
                out.diagnostics.error(g.locations[e->to], cycle_message(g.labels[e->to], steps));
            } else if (color[e->to] == 0) {
                stack.emplace_back(e->to, e);
                dfs(e->to);
                stack.pop_back();
            }
        }
        color[v] = 2;
    };
    for (std::size_t r : roots) {
        if (color[r] == 0) {
            stack.assign(1, {r, nullptr});
            dfs(r);
        }
    }
    return out;
}

}  // namespace converge
