// Whole-set passes: duplicates, location defaults, implicit dependencies, dependsOn, cycles.
#include "manifest_internal.hpp"

#include "converge/graph.hpp"

#include <fmt/format.h>
#include <unordered_map>
#include <unordered_set>

namespace converge::manifest {

namespace {

using Index = std::unordered_map<ResourceId, std::size_t>;

using Declared = std::vector<std::vector<DeclaredDependency>>;

void drop_duplicates(DesiredSet& desired, Declared& declared, Index& index, Diagnostics& diagnostics) {
    std::vector<Resource> kept;
    Declared kept_declared;
    kept.reserve(desired.resources.size());
    kept_declared.reserve(desired.resources.size());
    for (std::size_t i = 0; i < desired.resources.size(); ++i) {
        Resource& r = desired.resources[i];
        const auto [it, inserted] = index.emplace(r.id, kept.size());
        if (!inserted) {
            diagnostics.error(r.location, fmt::format("duplicate resource {}: the same ARM id is defined at {}",
                                                      display_name(r), kept[it->second].location.to_string()));
            continue;
        }
        kept.push_back(std::move(r));
        kept_declared.push_back(std::move(declared[i]));
    }
    desired.resources = std::move(kept);
    declared = std::move(kept_declared);
}

/// A top-level key that is a near miss of "location" ("locaton", "Location ").
bool misspells_location(const Json& body) {
    if (!body.is_object()) {
        return false;
    }
    for (const auto& [k, v] : body.items()) {
        if (did_you_mean(k, {"location"}) == "location") {
            return true;
        }
    }
    return false;
}

void default_location(Resource& r, const DesiredSet& desired, const Index& index, const StackConfig& config,
                      Diagnostics& diagnostics) {
    if (!r.kind->tracked || r.kind->name == "ArmResource" || r.body.contains("location")) {
        return;
    }
    // A compute lives where its workspace is (the service forces it for compute instances).
    if (r.kind->parent == Parent::workspace) {
        const auto ws = index.find(r.id.parent());
        if (ws != index.end()) {
            const Json& body = desired.resources[ws->second].body;
            if (body.contains("location") && body["location"].is_string()) {
                r.body["location"] = body["location"];
                return;
            }
        }
    }
    if (config.location.empty()) {
        if (misspells_location(r.body)) {
            return;  // "unknown field ... (did you mean "location"?)" already points at it
        }
        diagnostics.error(r.location, fmt::format("missing location for {}: set spec.location or defaults.location "
                                                  "in converge.yaml", display_name(r)));
        return;
    }
    r.body["location"] = config.location;
}

void add_edge(Resource& r, const ResourceId& target, const Location& at, const std::string& why) {
    for (const auto& d : r.depends_on) {
        if (d.target == target) {
            return;
        }
    }
    r.depends_on.push_back({target, at, why});
}

void implicit_edges(Resource& r, const std::vector<DeclaredDependency>& declared, const Index& index,
                    const Identities& identities, Diagnostics& diagnostics) {
    std::vector<Dependency> refs = std::move(r.depends_on);
    r.depends_on.clear();
    for (const auto& d : refs) {
        add_edge(r, d.target, d.location, d.why.c_str());
    }
    for (ResourceId up = r.id.parent(); !up.empty(); up = up.parent()) {
        if (index.contains(up)) {
            add_edge(r, up, r.location, "parent");
            break;
        }
    }
    if (r.kind->name == "Workspace" && r.body.contains("properties") && r.body["properties"].is_object()) {
        for (const char* field : {"storageAccount", "keyVault", "applicationInsights", "containerRegistry"}) {
            const Json& props = r.body["properties"];
            if (!props.contains(field) || !props[field].is_string()) {
                continue;
            }
            const auto id = ResourceId::parse(props[field].get<std::string>());
            if (id && index.contains(*id)) {
                add_edge(r, *id, r.field_location(std::string("/properties/") + field), "workspace dependency");
            }
        }
    }
    for (const auto& d : declared) {
        const RefLookup found = identities.find(d.ref);
        if (found.target == nullptr) {
            diagnostics.error(d.at, found.error);
        } else {
            add_edge(r, found.target->id, d.at, "dependsOn");
        }
    }
}

/// Iterative DFS; each back edge is one cycle, reported at its first edge.
void find_cycles(const DesiredSet& desired, const Index& index, Diagnostics& diagnostics) {
    const auto& rs = desired.resources;
    std::vector<int> color(rs.size(), 0);
    std::vector<std::pair<std::size_t, std::size_t>> stack;  // (resource, next edge)
    for (std::size_t start = 0; start < rs.size(); ++start) {
        if (color[start] != 0) {
            continue;
        }
        stack.push_back({start, 0});
        color[start] = 1;
        while (!stack.empty()) {
            auto& [node, edge] = stack.back();
            if (edge == rs[node].depends_on.size()) {
                color[node] = 2;
                stack.pop_back();
                continue;
            }
            const Dependency& d = rs[node].depends_on[edge++];
            const auto target = index.find(d.target);
            if (target == index.end()) {
                continue;
            }
            if (color[target->second] == 0) {
                color[target->second] = 1;
                stack.push_back({target->second, 0});
            } else if (color[target->second] == 1) {
                std::size_t k = 0;
                while (stack[k].first != target->second) {
                    ++k;
                }
                std::vector<CycleStep> steps;
                for (std::size_t j = k; j < stack.size(); ++j) {
                    const Dependency& e = rs[stack[j].first].depends_on[stack[j].second - 1];
                    const std::size_t next = j + 1 < stack.size() ? stack[j + 1].first : target->second;
                    steps.push_back({display_name(rs[next]), e.why, e.location});
                }
                diagnostics.error(steps.front().location, cycle_message(display_name(rs[stack[k].first]), steps));
            }
        }
    }
}

}  // namespace

std::vector<DeclaredDependency> declared_dependencies(const YamlDocument& doc) {
    std::vector<DeclaredDependency> out;
    const auto metadata = doc.root.find("metadata");
    if (metadata == doc.root.end() || !metadata->is_object()) {
        return out;
    }
    const auto list = metadata->find("dependsOn");
    if (list == metadata->end() || !list->is_array()) {
        return out;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
        if ((*list)[i].is_string()) {
            out.push_back({(*list)[i].get<std::string>(), doc.value_at("/metadata/dependsOn/" + std::to_string(i))});
        }
    }
    return out;
}

void resolve_graph(DesiredSet& desired, std::vector<std::vector<DeclaredDependency>> declared,
                   const StackConfig& config, const Identities& identities, Diagnostics& diagnostics) {
    Index index;
    index.reserve(desired.resources.size());
    drop_duplicates(desired, declared, index, diagnostics);
    for (auto& r : desired.resources) {
        default_location(r, desired, index, config, diagnostics);
    }
    for (std::size_t i = 0; i < desired.resources.size(); ++i) {
        implicit_edges(desired.resources[i], declared[i], index, identities, diagnostics);
    }
    find_cycles(desired, index, diagnostics);
}

}  // namespace converge::manifest
