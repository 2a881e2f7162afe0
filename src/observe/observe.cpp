#include "converge/observe.hpp"

#include "converge/ownership.hpp"

#include "graph_refresh.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_set>
#include <utility>

namespace converge {

namespace {

// Top-level types whose API lists them subscription-wide (KindInfo::collection), also when an
// ArmResource document names one of them.
bool listed_by_subscription(std::string_view arm_type) {
    const KindInfo* kind = find_kind_by_type(arm_type);
    return kind != nullptr && kind->collection.subscription_wide;
}

// One collection to list: its path, api-version, and the scopes whose members it returns
// (a group, a workspace, a model; for a subscription-wide list, every group it stands for).
struct Collection {
    std::string path;
    std::string api_version;
    std::vector<ResourceId> scopes;
    std::string type;   ///< a top-level type that may be listed subscription-wide, else empty
    bool wide = false;  ///< subscription-wide: members of other groups are dropped
    std::vector<Collection> parts;  ///< the group lists it replaces (if it is forbidden)
    std::size_t expected = 0;       ///< desired resources it holds (the longest lists go first)
    /// A group's generic list (`.../resourceGroups/{rg}/resources`): its items (id, type, tags)
    /// only stand in for resources no typed list returned.
    bool generic = false;
};

using Collections = std::map<std::string, Collection>;  // by lower-case path

void add_collection(Collections& out, const std::string& path, std::string_view api_version, const ResourceId& parent,
                    std::size_t members = 0) {
    Collection c{path, std::string(api_version), {parent}, {}, false, {}, 0};
    const std::string marker = "/providers/";
    const auto at = path.find(marker);
    if (parent.is_resource_group() && at != std::string::npos && listed_by_subscription(path.substr(at + marker.size()))) {
        c.type = path.substr(at + marker.size());
    }
    out.try_emplace(to_lower(path), std::move(c)).first->second.expected += members;
}

std::string wide_path(const ResourceId& group, const std::string& type) {
    return "/subscriptions/" + group.subscription() + "/providers/" + type;
}

// Runs `n` tasks on up to `parallelism` threads; task i is `f(i)`.
template <typename F>
void run_parallel(std::size_t n, int parallelism, F&& f) {
    std::mutex mutex;
    std::size_t next = 0;
    auto worker = [&] {
        while (true) {
            std::size_t i = 0;
            {
                std::lock_guard guard(mutex);
                if (next >= n) {
                    return;
                }
                i = next++;
            }
            f(i);
        }
    };
    const std::size_t threads = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, parallelism)));
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) {
        pool.emplace_back(worker);
    }
    for (auto& t : pool) {
        t.join();
    }
}

// Lists collections in parallel into one ObservedState, each collection once across calls.
// Group lists of one top-level type in several groups become one subscription-wide list:
//   rgs/a/providers/T + rgs/b/providers/T -> /subscriptions/s/providers/T (members of a and b kept)
// A type in a single group keeps its group list (no other groups' members to page through).
class Lister {
    using Kept = std::pair<ResourceId, Json>;  // an item's id and what observe keeps of it
    using Items = ApiResult<std::vector<Kept>>;

public:
    Lister(ArmApi& api, const ObservedNeeds& needs, int parallelism)
        : m_api(api), m_needs(needs), m_parallelism(parallelism) {}

    // Lists what `wanted` names that no earlier call listed.
    void run(Collections wanted) {
        list_new(widen(std::move(wanted)));
        // Subscription-wide lists this principal may not read (RBAC on groups only): group by group.
        Collections parts;
        for (auto& c : std::exchange(m_forbidden_parts, {})) {
            parts.try_emplace(to_lower(c.path), std::move(c));
        }
        list_new(std::move(parts));
    }
    const ObservedState& state() const { return m_state; }
    ApiResult<ObservedState> finish() {
        if (m_error) {
            return tl::unexpected(*m_error);
        }
        return std::move(m_state);
    }
    bool failed() const { return m_error.has_value(); }

private:
    void list_new(Collections wanted) {
        std::vector<Collection> todo;
        for (auto& [key, c] : wanted) {
            auto [done, fresh] = m_done.try_emplace(key, c);
            if (fresh) {
                todo.push_back(std::move(c));
            } else if (c.wide) {  // already listed: its members in the new groups are kept now
                done->second.scopes.insert(done->second.scopes.end(), c.scopes.begin(), c.scopes.end());
                admit(done->second);
            }
        }
        list_all(todo);
    }

    Collections widen(Collections wanted) const {
        std::map<std::string, std::vector<std::string>> by_type;  // lower wide path -> group-list keys
        for (const auto& [key, c] : wanted) {
            if (!c.type.empty()) {
                by_type[to_lower(wide_path(c.scopes.front(), c.type))].push_back(key);
            }
        }
        for (const auto& [wide_key, keys] : by_type) {
            if (m_forbidden.count(wide_key) != 0 || (keys.size() < 2 && m_done.count(wide_key) == 0)) {
                continue;
            }
            const Collection& first = wanted.at(keys.front());
            Collection wide{wide_path(first.scopes.front(), first.type), first.api_version, {}, first.type, true, {}, 0};
            for (const auto& key : keys) {
                wide.scopes.push_back(wanted.at(key).scopes.front());
                wide.expected += wanted.at(key).expected;
                wide.parts.push_back(std::move(wanted.at(key)));
                wanted.erase(key);
            }
            wanted.emplace(wide_key, std::move(wide));
        }
        return wanted;
    }

    // Longest lists first: a list's cost grows with its items, and the last requests to start
    // then are short ones, so the workers finish together (longest-processing-time-first).
    void list_all(std::vector<Collection>& todo) {
        std::stable_sort(todo.begin(), todo.end(),
                         [](const Collection& a, const Collection& b) { return a.expected > b.expected; });
        run_parallel(todo.size(), m_parallelism, [&](std::size_t i) { list_one(todo[i]); });
    }

    void list_one(const Collection& c) {
        auto listed = m_api.list(c.path, c.api_version, {});
        Items items = listed ? Items(kept(std::move(*listed))) : Items(tl::unexpected(listed.error()));
        std::lock_guard guard(m_mutex);
        if (!items) {
            if (c.wide && items.error().status == 403) {
                m_forbidden.insert(to_lower(c.path));
                m_done.erase(to_lower(c.path));
                m_forbidden_parts.insert(m_forbidden_parts.end(), c.parts.begin(), c.parts.end());
            } else if (!items.error().is_not_found() && !m_error) {  // 404: a missing parent, nothing below
                m_error = items.error();
            }
            return;
        }
        if (c.wide) {
            m_wide_items[to_lower(c.path)] = std::move(*items);
            admit(c);
            return;
        }
        for (auto& [id, body] : *items) {
            if (c.generic) {
                m_state.resources.try_emplace(id, std::move(body));
            } else {
                m_state.resources[id] = std::move(body);
            }
        }
        m_state.listed_scopes.push_back(c.scopes.front());
    }

    // A subscription-wide list's members in the collection's groups (m_mutex held).
    void admit(const Collection& c) {
        std::unordered_set<std::string> groups;
        for (const auto& g : c.scopes) {
            groups.insert(g.key());
            m_state.listed_scopes.push_back(g);
        }
        for (const auto& [id, body] : m_wide_items[to_lower(c.path)]) {
            if (groups.count(ResourceId::for_resource_group(id.subscription(), id.resource_group()).key())) {
                m_state.resources[id] = body;
            }
        }
    }

    static std::optional<ResourceId> id_of(const Json& item) {
        return item.contains("id") && item["id"].is_string() ? ResourceId::parse(item["id"].get<std::string>())
                                                             : std::nullopt;
    }

    // Each item with an id, reduced to what converge reads of it (outside the lock).
    std::vector<Kept> kept(std::vector<Json> items) const {
        std::vector<Kept> out;
        out.reserve(items.size());
        for (auto& item : items) {
            if (auto id = id_of(item)) {
                out.emplace_back(*id, m_needs.project(*id, std::move(item)));
            }
        }
        return out;
    }

    ArmApi& m_api;
    const ObservedNeeds& m_needs;
    int m_parallelism;
    std::mutex m_mutex;
    Collections m_done;
    std::map<std::string, std::vector<Kept>> m_wide_items;  // by lower wide path
    std::set<std::string> m_forbidden;  // subscription-wide lists answered 403
    std::vector<Collection> m_forbidden_parts;
    ObservedState m_state;
    std::optional<ApiError> m_error;
};

std::string api_version_of(const Resource& r) {
    return r.api_version.empty() ? std::string(r.kind->api_version) : r.api_version;
}

// The kind an observed id is of (a resource group by its shape), or nullptr.
const KindInfo* kind_of(const ResourceId& id) {
    return id.is_resource_group() ? find_kind("ResourceGroup") : find_kind_by_type(id.type());
}

// Does this scope (a group or workspace) hold the kind's orphan collection (KindInfo::collection)?
// Never a run (Job): runs are never orphans (KindInfo::run_once), and a workspace's job history
// grows without bound, so listing it would make every plan cost more as the history grows.
bool lists_below(const KindInfo& kind, const ResourceId& scope) {
    return !kind.collection.path.empty() && kind.parent != Parent::subscription && !kind.run_once &&
           iequals(scope.type(), scope_type(kind.parent));
}

// Scopes (groups and workspaces) that belong to the stack: named in the manifests or owned by
// it. A workspace must exist (an absent one has nothing below it); a group need not.
std::vector<ResourceId> orphan_scopes(const DesiredSet& desired, const ObservedState& seen) {
    std::unordered_set<ResourceId> scopes;
    for (const auto& r : desired.resources) {
        for (ResourceId p = r.id; !p.empty() && scopes.insert(p).second; p = p.parent()) {
        }
    }
    for (const auto& [id, body] : seen.resources) {
        if (const KindInfo* kind = kind_of(id); kind != nullptr && ownership::owned(body, desired.stack, *kind)) {
            scopes.insert(id);
        }
    }
    std::vector<ResourceId> out;
    for (const auto& s : scopes) {
        if (s.is_resource_group() || seen.find(s) != nullptr) {
            out.push_back(s);
        }
    }
    return out;
}

// The groups and workspaces the manifests name (whether they exist yet or not).
std::vector<ResourceId> desired_scopes(const DesiredSet& desired) {
    std::unordered_set<ResourceId> seen;
    std::vector<ResourceId> out;
    const std::string_view workspace = scope_type(Parent::workspace);
    for (const auto& r : desired.resources) {
        for (ResourceId p = r.id; !p.empty() && seen.insert(p).second; p = p.parent()) {
            if (p.is_resource_group() || iequals(p.type(), workspace)) {
                out.push_back(p);
            }
        }
    }
    return out;
}

// Adds to `scopes` every observed scope (a workspace) in one of its resource groups.
void add_scopes_in_groups(std::vector<ResourceId>& scopes, const ObservedState& seen) {
    std::unordered_set<ResourceId> known(scopes.begin(), scopes.end());
    std::unordered_set<std::string> groups;
    for (const auto& s : scopes) {
        if (s.is_resource_group()) {
            groups.insert(s.key());
        }
    }
    const std::string_view workspace = scope_type(Parent::workspace);
    for (const auto& [id, body] : seen.resources) {
        if (iequals(id.type(), workspace) && known.count(id) == 0 &&
            groups.count(ResourceId::for_resource_group(id.subscription(), id.resource_group()).key()) != 0) {
            known.insert(id);
            scopes.push_back(id);
        }
    }
}

// The first list of each kind's collection below each of the stack's scopes, and each group's
// generic list (what else it holds: a group is deleted only when nothing in it is kept).
Collections orphan_collections(const std::vector<ResourceId>& scopes) {
    Collections out;
    for (const auto& scope : scopes) {
        if (scope.is_resource_group()) {
            const std::string path = scope.str() + "/resources";
            auto& c = out.try_emplace(to_lower(path), Collection{path, std::string(find_kind("ResourceGroup")->api_version),
                                                                 {scope}, {}, false, {}, 0, true})
                          .first->second;
            c.generic = true;
        }
        for (const auto& kind : all_kinds()) {
            if (lists_below(kind, scope)) {
                add_collection(out, scope.str() + "/" + std::string(kind.collection.path.front()), kind.api_version,
                               scope);
            }
        }
    }
    return out;
}

// List `step` (> 0) of each collection: below every item the list before it found in a scope
// ({"models", "versions"}: each model container's versions).
Collections next_collections(const std::vector<ResourceId>& scopes, const ObservedState& seen, std::size_t step) {
    Collections out;
    for (const auto& kind : all_kinds()) {
        if (kind.collection.path.size() <= step) {
            continue;
        }
        std::unordered_set<std::string> listed;  // lower-case paths of the lists before
        for (const auto& scope : scopes) {
            if (lists_below(kind, scope)) {
                listed.insert(to_lower(scope.str() + "/" + std::string(kind.collection.path.front())));
            }
        }
        for (std::size_t s = 1; s < step; ++s) {
            std::unordered_set<std::string> deeper;
            for (const auto& [id, body] : seen.resources) {
                if (listed.count(to_lower(collection_path(id))) != 0) {
                    deeper.insert(to_lower(id.str() + "/" + std::string(kind.collection.path[s])));
                }
            }
            listed = std::move(deeper);
        }
        for (const auto& [id, body] : seen.resources) {
            if (listed.count(to_lower(collection_path(id))) != 0) {
                add_collection(out, id.str() + "/" + std::string(kind.collection.path[step]), kind.api_version, id);
            }
        }
    }
    return out;
}

// One GET per resource, in parallel, into `state` (a 404 leaves it out).
std::optional<ApiError> get_each(const std::vector<const Resource*>& resources, const ObservedNeeds& needs, ArmApi& api,
                                 int parallelism, ObservedState& state) {
    std::mutex mutex;
    std::optional<ApiError> error;
    run_parallel(resources.size(), parallelism, [&](std::size_t i) {
        const Resource& r = *resources[i];
        auto got = api.get(r.id.str(), api_version_of(r));
        if (got && !got->is_object()) {
            // A 200 whose body is a list, a string or a number (found by fuzz_responses: it threw
            // in this worker thread and ended the process).
            got = tl::unexpected(make_api_error(
                "InvalidResponse", "GET " + r.id.str() + ": the response body is not a JSON object", 200));
        }
        if (got) {
            if (!got->contains("id") || !(*got)["id"].is_string()) {
                (*got)["id"] = r.id.str();
            }
            *got = needs.project(r.id, std::move(*got));
        }
        std::lock_guard guard(mutex);
        if (got) {
            state.resources[r.id] = std::move(*got);
        } else if (!got.error().is_not_found() && !error) {
            error = got.error();
        }
    });
    return error;
}

ApiResult<ObservedState> observe_per_resource(const DesiredSet& desired, ArmApi& api, int parallelism) {
    std::vector<const Resource*> all;
    for (const auto& r : desired.resources) {
        all.push_back(&r);
    }
    ObservedState state;
    if (auto error = get_each(all, ObservedNeeds(desired), api, parallelism, state)) {
        return tl::unexpected(*error);
    }
    return state;
}

// The soft-deleted key vaults that the plan's vault creates would collide with: one list of the
// subscription's deleted vaults (GET /subscriptions/{s}/providers/Microsoft.KeyVault/deletedVaults),
// sent only when a desired key vault was not found, so a converged estate costs no request.
// A principal that may not read deleted vaults (403) gets no soft-delete check, as before.
ApiResult<ObservedState> with_soft_deleted(const DesiredSet& desired, ArmApi& api, ApiResult<ObservedState> state) {
    if (!state) {
        return state;
    }
    std::map<std::string, std::vector<const Resource*>> absent;  // lower-case subscription -> vaults
    for (const auto& r : desired.resources) {
        if (r.kind != nullptr && r.kind->name == "KeyVault" && state->find(r.id) == nullptr) {
            absent[to_lower(r.id.subscription())].push_back(&r);
        }
    }
    for (const auto& [key, vaults] : absent) {
        const Resource& first = *vaults.front();
        auto items = api.list("/subscriptions/" + std::string(first.id.subscription()) +
                                  "/providers/Microsoft.KeyVault/deletedVaults",
                              api_version_of(first), {});
        if (!items) {
            if (items.error().is_not_found() || items.error().status == 403) {
                continue;
            }
            return tl::unexpected(items.error());
        }
        for (const auto& item : *items) {
            // Kept as the deleted vault's properties.vaultId: the vault it was (a deleted vault's
            // own id is subscription-level, which ResourceId does not hold).
            const Json* vault_id = item.contains("properties") && item["properties"].is_object() &&
                                           item["properties"].contains("vaultId") && item["properties"]["vaultId"].is_string()
                                       ? &item["properties"]["vaultId"]
                                       : nullptr;
            const auto id = vault_id != nullptr ? ResourceId::parse(vault_id->get<std::string>()) : std::nullopt;
            if (id && std::any_of(vaults.begin(), vaults.end(),
                                  [&](const Resource* v) { return iequals(v->id.name(), id->name()); })) {
                state->soft_deleted.push_back(*id);
            }
        }
    }
    return state;
}

}  // namespace

std::string collection_path(const ResourceId& id) {
    const std::string& s = id.str();
    return s.substr(0, s.rfind('/'));
}

ApiResult<std::size_t> confirm_observed(const DesiredSet& desired, ObservedState& observed,
                                        const std::vector<ResourceId>& candidates, ArmApi& api, int parallelism) {
    std::vector<std::pair<ResourceId, std::string>> todo;  // id, api-version
    std::unordered_set<ResourceId> seen;
    for (const auto& id : candidates) {
        if (id.is_resource_group() || !graph_indexed(id.type()) || !seen.insert(id).second) {
            continue;
        }
        const Resource* named = nullptr;
        for (const auto& r : desired.resources) {
            if (r.id == id) {
                named = &r;
                break;
            }
        }
        const KindInfo* kind = kind_of(id);
        if (named == nullptr && kind == nullptr) {
            continue;
        }
        todo.emplace_back(id, named != nullptr ? api_version_of(*named) : std::string(kind->api_version));
    }
    const ObservedNeeds needs(desired);
    std::mutex mutex;
    std::optional<ApiError> error;
    run_parallel(todo.size(), parallelism, [&](std::size_t i) {
        const auto& [id, version] = todo[i];
        auto got = api.get(id.str(), version);
        if (got && !got->is_object()) {
            got = tl::unexpected(make_api_error("InvalidResponse", "GET " + id.str() + ": the response body is not a JSON object", 200));
        }
        if (got) {
            *got = needs.project(id, std::move(*got));
        }
        std::lock_guard guard(mutex);
        if (got) {
            observed.resources[id] = std::move(*got);
        } else if (got.error().is_not_found()) {
            observed.resources.erase(id);
        } else if (!error) {
            error = got.error();
        }
    });
    if (error) {
        return tl::unexpected(*error);
    }
    return todo.size();
}

ApiResult<ObservedState> observe(const DesiredSet& desired, ArmApi& arm, const ObserveOptions& options) {
    if (options.mode == RefreshMode::per_resource) {
        return with_soft_deleted(desired, arm, observe_per_resource(desired, arm, options.parallelism));
    }
    // Graph refresh: the lists of the types Resource Graph indexes are answered by one query.
    std::unique_ptr<ArmApi> graph;
    if (options.mode == RefreshMode::graph) {
        auto reader = graph_reader(desired, arm);
        if (!reader) {
            return tl::unexpected(reader.error());
        }
        graph = std::move(*reader);
    }
    ArmApi& api = graph ? *graph : arm;
    Collections wanted;
    std::vector<const Resource*> runs;  // read by name: a job's collection is its whole history
    for (const auto& r : desired.resources) {
        if (r.kind != nullptr && r.kind->run_once) {
            runs.push_back(&r);
            continue;
        }
        add_collection(wanted, collection_path(r.id), api_version_of(r), r.id.parent(), 1);
    }
    if (options.find_orphans) {
        // What the named groups and workspaces hold goes out with the rest (no extra round trip
        // on a converged estate); the rounds below only list scopes found on the way.
        for (auto& [key, c] : orphan_collections(desired_scopes(desired))) {
            wanted.try_emplace(key, std::move(c));
        }
    }
    const ObservedNeeds needs(desired);
    Lister lister(api, needs, options.parallelism);
    // Every collection at once: a list under a missing parent answers 404, which means empty.
    lister.run(std::move(wanted));
    if (options.find_orphans && !lister.failed()) {
        std::vector<ResourceId> scopes = orphan_scopes(desired, lister.state());
        lister.run(orphan_collections(scopes));
        // The workspaces those lists found in the stack's groups (another stack's, shared): this
        // stack's computes and models may live in them too.
        add_scopes_in_groups(scopes, lister.state());
        lister.run(orphan_collections(scopes));
        std::size_t steps = 0;
        for (const auto& kind : all_kinds()) {
            steps = std::max(steps, kind.collection.path.size());
        }
        for (std::size_t step = 1; step < steps; ++step) {
            lister.run(next_collections(scopes, lister.state(), step));
        }
    }
    auto state = lister.finish();
    if (state && !runs.empty()) {
        if (auto error = get_each(runs, needs, arm, options.parallelism, *state)) {
            return tl::unexpected(*error);
        }
    }
    return with_soft_deleted(desired, api, std::move(state));
}

}  // namespace converge
