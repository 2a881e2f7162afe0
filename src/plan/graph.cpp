#include "converge/graph.hpp"

#include "converge/json_pointer.hpp"
#include "converge/normalize.hpp"

#include "model/bytes.hpp"
#include "model/id_prefixes.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <unordered_map>

namespace converge {

namespace {

// An id's hash as the index keeps it: id_hash of its text (the empty id's hash() is 0).
std::uint64_t hash_of(const ResourceId& id) { return id.empty() ? id_hash({}) : id.hash(); }

// The same order as ResourceId's operator<, skipping equal bytes quickly (ids share long prefixes).
bool id_less(const ResourceId& x, const ResourceId& y) {
    const std::string& a = x.str();
    const std::string& b = y.str();
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t i = 0;
    while (true) {
        i = first_difference(a, b, i);
        if (i == n) {
            return a.size() < b.size();
        }
        const char p = ascii_lower(a[i]);
        const char q = ascii_lower(b[i]);
        if (p != q) {
            return static_cast<unsigned char>(p) < static_cast<unsigned char>(q);
        }
        ++i;
    }
}

// The order of ResourceId's operator<=> as -1, 0, 1; the first `from` bytes are known equal.
int id_compare(const ResourceId& x, const ResourceId& y, std::size_t from = 0) {
    const std::string& a = x.str();
    const std::string& b = y.str();
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t i = std::min(from, n);
    while (true) {
        i = first_difference(a, b, i);
        if (i == n) {
            return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
        }
        const auto p = static_cast<unsigned char>(ascii_lower(a[i]));
        const auto q = static_cast<unsigned char>(ascii_lower(b[i]));
        if (p != q) {
            return p < q ? -1 : 1;
        }
        ++i;
    }
}

// Node ids by hash: open addressing, the first insertion of an id wins.
class IdIndex {
public:
    explicit IdIndex(std::size_t n) {
        std::size_t cap = 16;
        while (cap < 2 * n) {
            cap *= 2;
        }
        m_slots.assign(cap, {0, k_empty});
    }
    void insert(std::uint64_t h, const ResourceId& id, std::uint32_t node, const Graph& g) {
        for (std::size_t s = h & (m_slots.size() - 1);; s = (s + 1) & (m_slots.size() - 1)) {
            if (m_slots[s].node == k_empty) {
                m_slots[s] = {h, node};
                return;
            }
            if (m_slots[s].hash == h && g.id(m_slots[s].node) == id) {
                return;
            }
        }
    }
    std::size_t find(std::uint64_t h, std::string_view text, const Graph& g) const {
        for (std::size_t s = h & (m_slots.size() - 1);; s = (s + 1) & (m_slots.size() - 1)) {
            if (m_slots[s].node == k_empty) {
                return k_npos;
            }
            if (m_slots[s].hash == h) {
                // Copies of an id share its text: then the bytes need not be compared.
                const std::string& t = g.id(m_slots[s].node).str();
                if ((t.data() == text.data() && t.size() == text.size()) || iequals(t, text)) {
                    return m_slots[s].node;
                }
            }
        }
    }
    static constexpr std::size_t k_npos = static_cast<std::size_t>(-1);

private:
    static constexpr std::uint32_t k_empty = 0xffffffffu;
    struct Slot {
        std::uint64_t hash;
        std::uint32_t node;
    };
    std::vector<Slot> m_slots;
};

// A node's view of what it was built from.
struct Source {
    const ResourceId& id;
    const Json* body;
    const std::vector<Dependency>* depends_on;
    const Location& location;
    const FieldLocations* field_locations;
};

}  // namespace

// Builds a graph from any list of sources (desired resources or GraphInputs).
struct GraphBuilder {
    Graph& g;
    std::vector<std::pair<std::size_t, std::size_t>> prefixes;  // scratch for EnclosingIds
    std::vector<std::pair<std::string_view, std::size_t>> path;   // scratch for Scan

    void reserve(std::size_t n) { g.m_nodes.reserve(n); }

    void add_node(const ResourceId& id, const Location& location, const Resource* resource, const std::string* label) {
        g.m_nodes.push_back({&id, &location, resource, label});
    }

    // A location the graph owns (where a ref was found).
    const Location* keep(Location location) { return &g.m_field_locations.emplace_back(std::move(location)); }

    // Adds an edge from the node being built unless `to` is already one (the first declaration wins).
    void add_edge(std::size_t to, const Location* location, std::string_view why) {
        for (std::size_t e = g.m_first.back(); e < g.m_edges.size(); ++e) {
            if (g.m_edges[e].to == to) {
                return;
            }
        }
        g.m_edges.push_back({to, location, why});
    }

    // Every string in the body that is the ARM id of another node is a dependency.
    struct Scan {
        GraphBuilder& b;
        const IdIndex& index;
        const Source& node;
        std::size_t self;
        std::vector<std::pair<std::string_view, std::size_t>>& path;  // (key, k_key) or ({}, array index)
        static constexpr std::size_t k_key = static_cast<std::size_t>(-1);

        void scan(const Json& j) {
            if (j.is_string()) {
                const auto& s = j.get_ref<const std::string&>();
                if (!looks_like_arm_id(s)) {
                    return;
                }
                if (auto id = ResourceId::parse(s)) {
                    const std::size_t to = index.find(hash_of(*id), id->str(), b.g);
                    if (to != IdIndex::k_npos && to != self) {
                        b.add_edge(to, field_location(), "ref");
                    }
                }
            } else if (j.is_object()) {
                for (auto it = j.begin(); it != j.end(); ++it) {
                    path.emplace_back(it.key(), k_key);
                    scan(*it);
                    path.pop_back();
                }
            } else if (j.is_array()) {
                for (std::size_t i = 0; i < j.size(); ++i) {
                    path.emplace_back(std::string_view{}, i);
                    scan(j[i]);
                    path.pop_back();
                }
            }
        }

        const Location* field_location() const {
            if (node.field_locations) {
                std::string pointer;
                for (const auto& [key, i] : path) {
                    if (i == k_key) {
                        json_pointer::append_segment(pointer, key);
                    } else {
                        json_pointer::append_segment(pointer, std::to_string(i));
                    }
                }
                if (auto at = node.field_locations->find(pointer, node.location.file)) {
                    return b.keep(std::move(*at));
                }
            }
            return &node.location;
        }
    };

    // `found`: also the nearest enclosing node and the ids named in bodies (else the declared
    // dependencies only).
    template <typename SourceOf>
    void build(std::size_t n, SourceOf source_of, bool found) {
        IdIndex index(n);
        // The enclosing ids of each id, as prefixes of its text with their hashes (for add_parent).
        std::vector<std::pair<std::size_t, std::size_t>> ancestors;
        std::vector<std::uint32_t> ancestors_first(n + 1, 0);
        std::vector<bool> shaped(n, false);
        ancestors.reserve(3 * n);
        EnclosingIds scanner;
        for (std::size_t i = 0; i < n; ++i) {
            const Source src = source_of(i);
            if (found && scanner.of(src.id.str(), prefixes)) {
                shaped[i] = true;
                ancestors.insert(ancestors.end(), prefixes.begin(), prefixes.end());
            }
            ancestors_first[i + 1] = static_cast<std::uint32_t>(ancestors.size());
            index.insert(hash_of(src.id), src.id, static_cast<std::uint32_t>(i), g);
        }
        g.m_first.reserve(n + 1);
        g.m_edges.reserve(n + n / 2);
        for (std::size_t i = 0; i < n; ++i) {
            const Source in = source_of(i);
            if (in.depends_on) {
                for (const auto& d : *in.depends_on) {
                    const std::size_t to = index.find(hash_of(d.target), d.target.str(), g);
                    if (to != IdIndex::k_npos && to != i) {
                        add_edge(to, d.location.known() ? &d.location : &in.location, d.why);
                    }
                }
            }
            if (!found) {
                // the declared edges only
            } else if (shaped[i]) {
                add_parent(index, in, {ancestors.data() + ancestors_first[i], ancestors.data() + ancestors_first[i + 1]});
            } else {
                add_parent_slowly(index, in);
            }
            if (found && in.body) {
                path.clear();
                Scan s{*this, index, in, i, path};
                s.scan(*in.body);
            }
            g.m_first.push_back(static_cast<std::uint32_t>(g.m_edges.size()));
        }
    }

    // The nearest enclosing node: compute -> workspace, workspace -> resource group.
    void add_parent(const IdIndex& index, const Source& in, std::span<const std::pair<std::size_t, std::size_t>> up) {
        for (auto it = up.begin(); it != up.end(); ++it) {
            const std::size_t to = index.find(it->second, std::string_view(in.id.str()).substr(0, it->first), g);
            if (to != IdIndex::k_npos) {
                add_edge(to, &in.location, "parent");
                return;
            }
        }
    }

    // The same for an id of another shape, by ResourceId::parent.
    void add_parent_slowly(const IdIndex& index, const Source& in) {
        for (ResourceId up = in.id.parent(); !up.empty(); up = up.parent()) {
            const std::size_t to = index.find(hash_of(up), up.str(), g);
            if (to != IdIndex::k_npos) {
                add_edge(to, &in.location, "parent");
                return;
            }
        }
    }
};

namespace {

CycleStep step_of(const Graph& g, std::size_t to, const GraphEdge& e) {
    return {g.label(to), std::string(e.why), *e.location};
}

}  // namespace

std::string Graph::label(std::size_t i) const {
    return m_nodes[i].resource ? resource_label(*m_nodes[i].resource) : *m_nodes[i].label;
}

std::size_t Graph::find(const ResourceId& id) const {
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        if (*m_nodes[i].id == id) {
            return i;
        }
    }
    return static_cast<std::size_t>(-1);
}

std::string resource_label(const Resource& r) {
    return resource_label(r.kind ? std::string_view(r.kind->name) : std::string_view(r.arm_type), r.id);
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
    GraphBuilder b{g, {}, {}};
    b.reserve(inputs.size());
    for (const auto& in : inputs) {
        b.add_node(in.id, in.location, nullptr, &in.label);
    }
    b.build(inputs.size(), [&](std::size_t i) {
        const auto& in = inputs[i];
        return Source{in.id, in.body, in.depends_on, in.location, in.field_locations};
    }, true);
    return g;
}

namespace {

// The desired set as a graph; `implied`: also the nearest enclosing node and the ids named in bodies.
Graph desired_graph(const DesiredSet& desired, bool implied) {
    Graph g;
    GraphBuilder b{g, {}, {}};
    b.reserve(desired.resources.size());
    for (const auto& r : desired.resources) {
        b.add_node(r.id, r.location, &r, nullptr);
    }
    b.build(desired.resources.size(), [&](std::size_t i) {
        const auto& r = desired.resources[i];
        return Source{r.id, &r.body, &r.depends_on, r.location, &r.field_locations};
    }, implied);
    return g;
}

}  // namespace

Graph build_graph(const DesiredSet& desired) { return desired_graph(desired, false); }

void record_implied_edges(DesiredSet& desired) {
    const Graph g = desired_graph(desired, true);
    std::vector<Dependency> added;
    for (std::size_t i = 0; i < g.size(); ++i) {
        Resource& r = desired.resources[i];
        added.clear();
        for (const auto& e : g.deps(i)) {
            const ResourceId& to = g.id(e.to);
            const bool known = std::any_of(r.depends_on.begin(), r.depends_on.end(),
                                           [&](const Dependency& d) { return d.target == to; });
            if (!known) {
                added.push_back({to, *e.location, std::string(e.why)});
            }
        }
        r.depends_on.insert(r.depends_on.end(), std::make_move_iterator(added.begin()),
                            std::make_move_iterator(added.end()));
    }
}

namespace {

// Reports the cycles among the nodes not `placed`: depth-first from the smallest id, edges in
// id order, each back edge one error at its target's declaration (cycle_message). The one cycle
// finder: the loader and the planner both report through it.
void report_cycles(const Graph& g, const std::vector<std::size_t>& placed, Diagnostics& diagnostics) {
    const std::size_t n = g.size();
    std::vector<int> color(n, 0);  // 0 new, 1 on stack, 2 done
    for (std::size_t i : placed) {
        color[i] = 2;
    }
    std::vector<std::size_t> roots;
    for (std::size_t i = 0; i < n; ++i) {
        if (color[i] == 0) {
            roots.push_back(i);
        }
    }
    std::sort(roots.begin(), roots.end(), [&](std::size_t a, std::size_t b) { return id_less(g.id(a), g.id(b)); });
    std::vector<std::pair<std::size_t, const GraphEdge*>> stack;  // node, edge that led here
    std::function<void(std::size_t)> dfs = [&](std::size_t v) {
        color[v] = 1;
        std::vector<const GraphEdge*> edges;
        for (const auto& e : g.deps(v)) {
            edges.push_back(&e);
        }
        std::sort(edges.begin(), edges.end(),
                  [&](const GraphEdge* a, const GraphEdge* b) { return id_less(g.id(a->to), g.id(b->to)); });
        for (const GraphEdge* e : edges) {
            if (color[e->to] == 1) {
                auto from = std::find_if(stack.begin(), stack.end(), [&](const auto& s) { return s.first == e->to; });
                std::vector<CycleStep> steps;
                for (auto it = std::next(from); it != stack.end(); ++it) {
                    steps.push_back(step_of(g, it->first, *it->second));
                }
                steps.push_back(step_of(g, e->to, *e));
                diagnostics.error(g.location(e->to), cycle_message(g.label(e->to), steps));
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
}

}  // namespace

Ordering topological_order(const Graph& g) {
    const std::size_t n = g.size();
    Ordering out;
    out.order.reserve(n);
    std::vector<std::size_t> pending(n, 0);  // unmet dependencies
    // Who depends on node i: dependents[first[i] .. first[i + 1]), in node order.
    std::vector<std::size_t> first(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        pending[i] = g.deps(i).size();
        for (const auto& e : g.deps(i)) {
            ++first[e.to + 1];
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        first[i + 1] += first[i];
    }
    std::vector<std::size_t> dependents(first[n]);
    {
        std::vector<std::size_t> next(first.begin(), first.end() - 1);
        for (std::size_t i = 0; i < n; ++i) {
            for (const auto& e : g.deps(i)) {
                dependents[next[e.to]++] = i;
            }
        }
    }
    // Kahn's algorithm, placing the smallest ready id each time, so ties come out in ResourceId
    // order. Nodes that become ready together (a workspace's computes, once it is placed) are
    // sorted among themselves into a run, and a heap holds the runs by their smallest remaining
    // node: a step compares a few run heads instead of sifting each node through one big heap.
    const auto less = [&](std::size_t a, std::size_t b) {
        const int c = id_compare(g.id(a), g.id(b));
        return c < 0 || (c == 0 && a < b);
    };
    std::vector<std::size_t> pool;  // the runs, one after another
    pool.reserve(n);
    struct Run {
        std::size_t at;
        std::size_t end;
    };
    std::vector<Run> runs;  // a heap: the run with the smallest head on top
    const auto later = [&](const Run& x, const Run& y) { return less(pool[y.at], pool[x.at]); };
    const auto add_run = [&](std::size_t from) {  // pool[from, end) just became ready
        if (from < pool.size()) {
            // Siblings share a long prefix: compare them after it.
            const std::string& head = g.id(pool[from]).str();
            std::size_t common = head.size();
            for (std::size_t k = from + 1; k < pool.size(); ++k) {
                common = std::min(common, first_difference(head, g.id(pool[k]).str(), 0));
            }
            std::sort(pool.begin() + static_cast<std::ptrdiff_t>(from), pool.end(),
                      [&](std::size_t a, std::size_t b) {
                          const int c = id_compare(g.id(a), g.id(b), common);
                          return c < 0 || (c == 0 && a < b);
                      });
            runs.push_back({from, pool.size()});
            std::push_heap(runs.begin(), runs.end(), later);
        }
    };
    for (std::size_t i = 0; i < n; ++i) {
        if (pending[i] == 0) {
            pool.push_back(i);
        }
    }
    add_run(0);
    while (!runs.empty()) {
        std::pop_heap(runs.begin(), runs.end(), later);
        const std::size_t i = pool[runs.back().at++];
        if (runs.back().at == runs.back().end) {
            runs.pop_back();
        } else {
            std::push_heap(runs.begin(), runs.end(), later);
        }
        out.order.push_back(i);
        const std::size_t from = pool.size();
        for (std::size_t k = first[i]; k < first[i + 1]; ++k) {
            if (const std::size_t d = dependents[k]; --pending[d] == 0) {
                pool.push_back(d);
            }
        }
        add_run(from);
    }
    if (out.order.size() < n) {
        report_cycles(g, out.order, out.diagnostics);
    }
    return out;
}

Diagnostics find_cycles(const Graph& g) {
    // Kahn's algorithm in any order: what it cannot place is on or behind a cycle.
    const std::size_t n = g.size();
    std::vector<std::uint32_t> pending(n, 0);
    std::vector<std::uint32_t> first(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        pending[i] = static_cast<std::uint32_t>(g.deps(i).size());
        for (const auto& e : g.deps(i)) {
            ++first[e.to + 1];
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        first[i + 1] += first[i];
    }
    std::vector<std::uint32_t> dependents(first[n]);
    {
        std::vector<std::uint32_t> next(first.begin(), first.end() - 1);
        for (std::size_t i = 0; i < n; ++i) {
            for (const auto& e : g.deps(i)) {
                dependents[next[e.to]++] = static_cast<std::uint32_t>(i);
            }
        }
    }
    std::vector<std::size_t> placed;
    placed.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (pending[i] == 0) {
            placed.push_back(i);
        }
    }
    for (std::size_t k = 0; k < placed.size(); ++k) {
        const std::size_t i = placed[k];
        for (std::size_t d = first[i]; d < first[i + 1]; ++d) {
            if (--pending[dependents[d]] == 0) {
                placed.push_back(dependents[d]);
            }
        }
    }
    Diagnostics out;
    if (placed.size() < n) {
        report_cycles(g, placed, out);
    }
    return out;
}

}  // namespace converge