#include "converge/observe.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_set>
#include <utility>

namespace converge {

namespace {

// Top-level types whose API lists them subscription-wide, GET /subscriptions/{s}/providers/{type}:
// StorageAccounts_List, Vaults_ListBySubscription, Components_List, Registries_List and
// Workspaces_ListBySubscription (CONTRACT.md 1.2). Returned items are the same as a group's list.
constexpr std::array<std::string_view, 5> k_listed_by_subscription = {
    "Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults", "Microsoft.Insights/components",
    "Microsoft.ContainerRegistry/registries", "Microsoft.MachineLearningServices/workspaces"};

bool listed_by_subscription(std::string_view arm_type) {
    return std::any_of(k_listed_by_subscription.begin(), k_listed_by_subscription.end(),
                       [&](std::string_view t) { return iequals(t, arm_type); });
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
            m_state.resources[id] = std::move(body);
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

// Groups and workspaces that belong to the stack: named in the manifests or tagged with it.
Collections orphan_collections(const DesiredSet& desired, const ObservedState& seen) {
    std::vector<ResourceId> groups;
    std::vector<ResourceId> workspaces;
    const std::string ws_type = "Microsoft.MachineLearningServices/workspaces";
    for (const auto& r : desired.resources) {
        for (ResourceId p = r.id; !p.empty(); p = p.parent()) {
            (p.is_resource_group() ? groups : workspaces).push_back(p);
        }
    }
    for (const auto& [id, body] : seen.resources) {
        if (owned_by_stack(body, desired.stack)) {
            (id.is_resource_group() ? groups : workspaces).push_back(id);
        }
    }
    Collections out;
    for (const auto& g : groups) {
        for (const auto& kind : all_kinds()) {
            if (kind.parent == Parent::resource_group && !kind.arm_type.empty()) {
                add_collection(out, g.str() + "/providers/" + std::string(kind.arm_type), kind.api_version, g);
            }
        }
    }
    for (const auto& w : workspaces) {
        if (iequals(w.type(), ws_type) && seen.find(w) != nullptr) {
            add_collection(out, w.str() + "/computes", find_kind("Compute")->api_version, w);
            add_collection(out, w.str() + "/models", find_kind("Model")->api_version, w);
        }
    }
    return out;
}

// Model containers found by the orphan lists: their versions are listed next.
Collections version_collections(const ObservedState& seen) {
    Collections out;
    for (const auto& [id, body] : seen.resources) {
        if (iequals(id.type(), "Microsoft.MachineLearningServices/workspaces/models")) {
            add_collection(out, id.str() + "/versions", find_kind("Model")->api_version, id);
        }
    }
    return out;
}

ApiResult<ObservedState> observe_per_resource(const DesiredSet& desired, ArmApi& api, int parallelism) {
    const ObservedNeeds needs(desired);
    std::mutex mutex;
    ObservedState state;
    std::optional<ApiError> error;
    run_parallel(desired.resources.size(), parallelism, [&](std::size_t i) {
        const Resource& r = desired.resources[i];
        auto got = api.get(r.id.str(), api_version_of(r));
        if (got) {
            (*got)["id"] = got->value("id", r.id.str());
            *got = needs.project(r.id, std::move(*got));
        }
        std::lock_guard guard(mutex);
        if (got) {
            state.resources[r.id] = std::move(*got);
        } else if (!got.error().is_not_found() && !error) {
            error = got.error();
        }
    });
    if (error) {
        return tl::unexpected(*error);
    }
    return state;
}

}  // namespace

std::string collection_path(const ResourceId& id) {
    const std::string& s = id.str();
    return s.substr(0, s.rfind('/'));
}

bool owned_by_stack(const Json& body, const std::string& stack) {
    for (const char* where : {"/tags/converge-stack", "/properties/tags/converge-stack"}) {
        const Json::json_pointer ptr{where};
        if (body.is_object() && body.contains(ptr) && body.at(ptr).is_string() && body.at(ptr) == stack) {
            return true;
        }
    }
    return false;
}

ApiResult<ObservedState> observe(const DesiredSet& desired, ArmApi& api, const ObserveOptions& options) {
    if (options.mode == RefreshMode::per_resource) {
        return observe_per_resource(desired, api, options.parallelism);
    }
    Collections wanted;
    for (const auto& r : desired.resources) {
        add_collection(wanted, collection_path(r.id), api_version_of(r), r.id.parent(), 1);
    }
    const ObservedNeeds needs(desired);
    Lister lister(api, needs, options.parallelism);
    // Every collection at once: a list under a missing parent answers 404, which means empty.
    lister.run(std::move(wanted));
    if (options.find_orphans && !lister.failed()) {
        lister.run(orphan_collections(desired, lister.state()));
        lister.run(version_collections(lister.state()));
    }
    return lister.finish();
}

}  // namespace converge
