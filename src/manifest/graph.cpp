// Whole-set passes: duplicates, location defaults, implicit dependencies, dependsOn, cycles.
#include "manifest/internal.hpp"

#include "converge/graph.hpp"
#include "model/id_prefixes.hpp"

#include <fmt/format.h>
#include <cstdint>

namespace converge::manifest {

namespace {

/// Desired resources by id (open addressing on ResourceId::hash; the first insertion wins).
class Index {
public:
    static constexpr std::size_t k_npos = static_cast<std::size_t>(-1);

    explicit Index(const std::vector<Resource>& resources) : m_resources(resources) {
        std::size_t cap = 16;
        while (cap < 2 * resources.size()) {
            cap *= 2;
        }
        m_slots.assign(cap, {0, k_empty});
    }
    /// The resource already indexed under resources[i]'s id, or i once it is added.
    std::size_t insert(std::size_t i) {
        const ResourceId& id = m_resources[i].id;
        for (std::size_t s = id.hash() & (m_slots.size() - 1);; s = (s + 1) & (m_slots.size() - 1)) {
            if (m_slots[s].at == k_empty) {
                m_slots[s] = {id.hash(), static_cast<std::uint32_t>(i)};
                return i;
            }
            if (m_slots[s].hash == id.hash() && m_resources[m_slots[s].at].id == id) {
                return m_slots[s].at;
            }
        }
    }
    std::size_t find(const ResourceId& id) const {
        for (std::size_t s = id.hash() & (m_slots.size() - 1);; s = (s + 1) & (m_slots.size() - 1)) {
            if (m_slots[s].at == k_empty) {
                return k_npos;
            }
            if (m_slots[s].hash == id.hash() && m_resources[m_slots[s].at].id == id) {
                return m_slots[s].at;
            }
        }
    }
    /// The resource whose id has this text (hashed with id_hash), compared ignoring case.
    std::size_t find(std::size_t hash, std::string_view text) const {
        for (std::size_t s = hash & (m_slots.size() - 1);; s = (s + 1) & (m_slots.size() - 1)) {
            if (m_slots[s].at == k_empty) {
                return k_npos;
            }
            if (m_slots[s].hash == hash && iequals(m_resources[m_slots[s].at].id.str(), text)) {
                return m_slots[s].at;
            }
        }
    }
    bool contains(const ResourceId& id) const { return find(id) != k_npos; }
    const Resource& at(std::size_t i) const { return m_resources[i]; }
    void clear() { m_slots.assign(m_slots.size(), {0, k_empty}); }

private:
    static constexpr std::uint32_t k_empty = 0xffffffffu;
    struct Slot {
        std::size_t hash;
        std::uint32_t at;
    };
    const std::vector<Resource>& m_resources;
    std::vector<Slot> m_slots;
};

using Declared = std::vector<std::vector<DeclaredDependency>>;

/// Reports and removes the later definitions of an id, in place; then indexes what is kept.
void drop_duplicates(DesiredSet& desired, Declared& declared, Index& index, Diagnostics& diagnostics) {
    auto& rs = desired.resources;
    std::vector<bool> dropped;
    for (std::size_t i = 0; i < rs.size(); ++i) {
        const std::size_t first = index.insert(i);
        if (first != i) {
            diagnostics.error(rs[i].location, fmt::format("duplicate resource {}: the same ARM id is defined at {}",
                                                          resource_label(rs[i]), rs[first].location.to_string()));
            dropped.resize(rs.size(), false);
            dropped[i] = true;
        }
    }
    if (dropped.empty()) {
        return;
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < rs.size(); ++i) {
        if (!dropped[i]) {
            if (kept != i) {
                rs[kept] = std::move(rs[i]);
                declared[kept] = std::move(declared[i]);
            }
            ++kept;
        }
    }
    rs.erase(rs.begin() + static_cast<std::ptrdiff_t>(kept), rs.end());
    declared.erase(declared.begin() + static_cast<std::ptrdiff_t>(kept), declared.end());
    index.clear();
    for (std::size_t i = 0; i < rs.size(); ++i) {
        index.insert(i);
    }
}

/// A resource's nearest enclosing resource: the first id walking ResourceId::parent() that is
/// a desired resource.
struct Enclosing {
    std::size_t at = Index::k_npos;
    std::size_t end = 0;     ///< the length of its text as a prefix of the resource's (canonical ids)
    bool immediate = false;  ///< it is the resource's parent()
    bool same_text = false;  ///< its id's text is that prefix, byte for byte
};

Enclosing enclosing_resource(const Resource& r, const Index& index, EnclosingIds& scanner,
                             std::vector<std::pair<std::size_t, std::size_t>>& up) {
    Enclosing out;
    const std::string& text = r.id.str();
    if (!scanner.of(text, up)) {
        out.immediate = true;
        for (ResourceId p = r.id.parent(); !p.empty(); p = p.parent()) {
            if (const std::size_t at = index.find(p); at != Index::k_npos) {
                out.at = at;
                return out;
            }
            out.immediate = false;
        }
        return out;
    }
    for (std::size_t k = 0; k < up.size(); ++k) {
        if (const std::size_t at = index.find(up[k].second, std::string_view(text.data(), up[k].first));
            at != Index::k_npos) {
            const std::string& found = index.at(at).id.str();
            return {at, up[k].first, k == 0, found.size() == up[k].first && text.compare(0, up[k].first, found) == 0};
        }
    }
    return out;
}

/// The id of `e` (found for `r`) as parent() gives it: a prefix of r's text, in r's casing.
ResourceId enclosing_id(const Resource& r, const Enclosing& e, const std::vector<Resource>& rs) {
    const ResourceId& found = rs[e.at].id;
    if (e.same_text) {
        return found;  // the same text: share it
    }
    ResourceId p = r.id.parent();
    while (!p.empty() && !(p == found)) {
        p = p.parent();
    }
    return p;
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

void default_location(Resource& r, const DesiredSet& desired, const Enclosing& up, const StackConfig& config,
                      Diagnostics& diagnostics) {
    if (!r.kind->tracked || r.kind->name == "ArmResource" || r.body.contains("location")) {
        return;
    }
    // A compute lives where its workspace is (the service forces it for compute instances), a
    // deployment where its endpoint is.
    if (r.kind->parent == Parent::workspace || r.kind->parent == Parent::online_endpoint) {
        if (up.at != Index::k_npos && up.immediate) {
            const Json& body = desired.resources[up.at].body;
            if (body.contains("location") && body["location"].is_string()) {
                r.body["location"] = body["location"];
                return;
            }
        }
    }
    if (config.location.empty()) {
        if (misspells_location(r.body) || config.is_unusable("/defaults/location")) {
            return;  // "unknown field ... (did you mean "location"?)" or a type error already points at it
        }
        diagnostics.error(r.location, fmt::format("missing location for {}: set spec.location or defaults.location "
                                                  "in converge.yaml", resource_label(r)));
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

void implicit_edges(Resource& r, const std::vector<DeclaredDependency>& declared, const std::vector<Resource>& rs,
                    const Index& index, const Identities& identities, const Enclosing& up,
                    Diagnostics& diagnostics) {
    if (!r.depends_on.empty()) {
        std::vector<Dependency> refs = std::move(r.depends_on);
        r.depends_on.clear();
        for (const auto& d : refs) {
            add_edge(r, d.target, d.location, d.why.c_str());
        }
    }
    if (up.at != Index::k_npos) {
        add_edge(r, enclosing_id(r, up, rs), r.location, "parent");
    }
    for (const std::string_view field : r.kind->dependencies) {  // a workspace's storageAccount, ...
        const Json::json_pointer ptr{std::string(field)};
        if (!r.body.contains(ptr) || !r.body.at(ptr).is_string()) {
            continue;
        }
        const auto id = ResourceId::parse(r.body.at(ptr).get<std::string>());
        if (id && index.contains(*id)) {
            add_edge(r, *id, r.field_location(std::string(field)), to_lower(r.kind->name) + " dependency");
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
    Index index(desired.resources);
    drop_duplicates(desired, declared, index, diagnostics);
    std::vector<Enclosing> up(desired.resources.size());
    {
        EnclosingIds scanner;
        std::vector<std::pair<std::size_t, std::size_t>> ids;  // scratch
        for (std::size_t i = 0; i < up.size(); ++i) {
            up[i] = enclosing_resource(desired.resources[i], index, scanner, ids);
        }
    }
    for (std::size_t i = 0; i < up.size(); ++i) {
        default_location(desired.resources[i], desired, up[i], config, diagnostics);
    }
    for (std::size_t i = 0; i < up.size(); ++i) {
        implicit_edges(desired.resources[i], declared[i], desired.resources, index, identities, up[i], diagnostics);
    }
    record_implied_edges(desired);  // ARM ids written in bodies (and parents not found above)
    // The graph the planner orders by, checked by its own cycle finder.
    diagnostics.append(find_cycles(build_graph(desired)));
}

}  // namespace converge::manifest
