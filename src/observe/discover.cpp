#include "converge/discover.hpp"

#include "converge/parallel.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>

namespace converge {

namespace {

// Lists `paths` (each with its api-version) in parallel; the items of each, in order of `paths`.
struct ListJob {
    std::string path;
    std::string api_version;
};

ApiResult<std::vector<std::vector<Json>>> list_all(ArmApi& api, const std::vector<ListJob>& jobs, int parallelism,
                                                   bool missing_is_empty) {
    std::vector<std::vector<Json>> out(jobs.size());
    std::optional<ApiError> error;
    std::mutex mutex;
    std::vector<std::size_t> index(jobs.size());
    for (std::size_t i = 0; i < index.size(); ++i) {
        index[i] = i;
    }
    parallel_for_each(index, static_cast<std::size_t>(std::max(1, parallelism)), [&](std::size_t i) {
        auto items = api.list(jobs[i].path, jobs[i].api_version, {});
        std::lock_guard guard(mutex);
        if (items) {
            out[i] = std::move(*items);
        } else if (!(missing_is_empty && items.error().is_not_found()) && !error) {
            error = items.error();
        }
    });
    if (error) {
        return tl::unexpected(*error);
    }
    return out;
}

std::optional<ResourceId> id_of(const Json& item) {
    return item.is_object() && item.contains("id") && item["id"].is_string()
               ? ResourceId::parse(item["id"].get<std::string>())
               : std::nullopt;
}

void add_items(std::vector<DiscoveredResource>& out, std::vector<Json> items, const KindInfo* kind,
               std::string_view api_version) {
    for (auto& item : items) {
        if (auto id = id_of(item)) {
            out.push_back({*id, kind, std::string(api_version), std::move(item)});
        }
    }
}

void sort_by_id(std::vector<DiscoveredResource>& v) {
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
}

// Every string in `value` that is an ARM id.
void ids_in(const Json& value, std::set<ResourceId>& out) {
    if (value.is_string()) {
        if (auto id = ResourceId::parse(value.get_ref<const std::string&>())) {
            out.insert(*id);
        }
    } else if (value.is_structured()) {
        for (const auto& v : value) {
            ids_in(v, out);
        }
    }
}

// The newest stable api-version of each type in `types` (lower-case "ns/type"), from each
// namespace's provider document; types whose provider does not say are left out.
ApiResult<std::map<std::string, std::string>> provider_versions(ArmApi& api, const std::string& subscription,
                                                                const std::set<std::string>& types) {
    std::map<std::string, std::string> out;
    std::set<std::string> namespaces;
    for (const auto& t : types) {
        namespaces.insert(t.substr(0, t.find('/')));
    }
    for (const auto& ns : namespaces) {
        auto doc = api.get("/subscriptions/" + subscription + "/providers/" + ns,
                           std::string(find_kind("ResourceGroup")->api_version));
        if (!doc) {
            if (doc.error().is_not_found()) {
                continue;
            }
            return tl::unexpected(doc.error());
        }
        if (!doc->contains("resourceTypes") || !(*doc)["resourceTypes"].is_array()) {
            continue;
        }
        for (const auto& rt : (*doc)["resourceTypes"]) {
            const std::string type = to_lower(ns + "/" + string_field(rt, "resourceType"));
            if (types.count(type) == 0 || !rt.contains("apiVersions") || !rt["apiVersions"].is_array()) {
                continue;
            }
            std::string best;
            for (const auto& v : rt["apiVersions"]) {
                if (v.is_string()) {
                    const auto& s = v.get_ref<const std::string&>();
                    if (s.find("preview") == std::string::npos && s > best) {
                        best = s;
                    }
                }
            }
            if (!best.empty()) {
                out[type] = best;
            }
        }
    }
    return out;
}

}  // namespace

ApiResult<std::vector<DiscoveredResource>> list_kind(ArmApi& api, const KindInfo& kind, const ListScope& scope) {
    std::vector<DiscoveredResource> out;
    if (kind.collection.path.empty()) {
        return tl::unexpected(make_api_error("NotListable", std::string(kind.name) + " has no collection to list"));
    }
    const std::string sub = "/subscriptions/" + scope.subscription;
    std::vector<ListJob> jobs;
    if (kind.parent == Parent::subscription) {
        auto items = list_all(api, {{sub + "/" + std::string(kind.collection.path.front()), std::string(kind.api_version)}},
                              scope.parallelism, false);
        if (!items) {
            return tl::unexpected(items.error());
        }
        add_items(out, std::move(items->front()), &kind, kind.api_version);
        if (!scope.resource_group.empty()) {
            std::erase_if(out, [&](const auto& r) { return !iequals(r.id.name(), scope.resource_group); });
        }
        sort_by_id(out);
        return out;
    }
    // The scopes the collection hangs below: groups, or workspaces.
    std::vector<std::string> scopes;
    if (kind.parent == Parent::resource_group) {
        if (!scope.resource_group.empty()) {
            scopes.push_back(sub + "/resourceGroups/" + scope.resource_group);
        } else if (kind.collection.subscription_wide) {
            scopes.push_back(sub);
        } else {
            auto groups = list_kind(api, *find_kind("ResourceGroup"), ListScope{scope.subscription, {}, {}, {}, scope.parallelism});
            if (!groups) {
                return tl::unexpected(groups.error());
            }
            for (const auto& g : *groups) {
                scopes.push_back(g.id.str());
            }
        }
    } else {
        ListScope ws_scope = scope;
        ws_scope.workspace.clear();
        auto workspaces = list_kind(api, *find_kind("Workspace"), ws_scope);
        if (!workspaces) {
            return tl::unexpected(workspaces.error());
        }
        for (const auto& w : *workspaces) {
            if (scope.workspace.empty() || iequals(w.id.name(), scope.workspace)) {
                scopes.push_back(w.id.str());
            }
        }
    }
    for (std::size_t step = 0; step < kind.collection.path.size(); ++step) {
        jobs.clear();
        for (const auto& s : scopes) {
            jobs.push_back({s + "/" + std::string(kind.collection.path[step]), std::string(kind.api_version)});
        }
        auto items = list_all(api, jobs, scope.parallelism, true);
        if (!items) {
            return tl::unexpected(items.error());
        }
        std::vector<DiscoveredResource> found;
        for (auto& list : *items) {
            add_items(found, std::move(list), &kind, kind.api_version);
        }
        if (step + 1 == kind.collection.path.size()) {
            out = std::move(found);
            break;
        }
        scopes.clear();
        for (const auto& f : found) {
            if (kind.parent != Parent::versioned_asset || scope.container.empty() || iequals(f.id.name(), scope.container)) {
                scopes.push_back(f.id.str());
            }
        }
    }
    sort_by_id(out);
    return out;
}

ApiResult<std::vector<DiscoveredResource>> discover(ArmApi& api, const DiscoverScope& scope) {
    const KindInfo& group_kind = *find_kind("ResourceGroup");
    const ResourceId group = ResourceId::for_resource_group(scope.subscription, scope.resource_group);
    auto rg = api.get(group.str(), std::string(group_kind.api_version));
    if (!rg) {
        return tl::unexpected(rg.error());
    }
    std::vector<DiscoveredResource> out;
    out.push_back({group, &group_kind, std::string(group_kind.api_version), std::move(*rg)});

    // The group's typed lists and its generic list, at once.
    std::vector<ListJob> jobs;
    std::vector<const KindInfo*> job_kinds;
    for (const auto& kind : all_kinds()) {
        if (kind.parent == Parent::resource_group && !kind.collection.path.empty()) {
            jobs.push_back({group.str() + "/" + std::string(kind.collection.path.front()), std::string(kind.api_version)});
            job_kinds.push_back(&kind);
        }
    }
    jobs.push_back({group.str() + "/resources", std::string(group_kind.api_version)});
    auto lists = list_all(api, jobs, scope.parallelism, false);
    if (!lists) {
        return tl::unexpected(lists.error());
    }
    std::vector<Json> generic = std::move(lists->back());
    for (std::size_t i = 0; i < job_kinds.size(); ++i) {
        add_items(out, std::move((*lists)[i]), job_kinds[i], job_kinds[i]->api_version);
    }

    // Workspaces: the one asked for (an error when it does not exist), or all.
    const std::string_view ws_type = find_kind("Workspace")->arm_type;
    if (!scope.workspace.empty()) {
        const bool found = std::any_of(out.begin(), out.end(), [&](const auto& r) {
            return iequals(r.id.type(), ws_type) && iequals(r.id.name(), scope.workspace);
        });
        if (!found) {
            return tl::unexpected(make_api_error(
                "ResourceNotFound",
                "workspace " + scope.workspace + " not found in resource group " + scope.resource_group, 404));
        }
        // Keep the group, the workspace and what it references (its storage account, key vault, ...).
        std::set<ResourceId> keep{group};
        for (const auto& r : out) {
            if (iequals(r.id.type(), ws_type) && iequals(r.id.name(), scope.workspace)) {
                keep.insert(r.id);
                ids_in(r.body.value("properties", Json::object()), keep);
            }
        }
        std::erase_if(out, [&](const auto& r) { return keep.count(r.id) == 0; });
        generic.clear();
    }
    ListScope below{scope.subscription, scope.resource_group, scope.workspace, {}, scope.parallelism};
    for (const auto& kind : all_kinds()) {
        // Runs (Job) are history, not estate: never exported, so their collection is not listed.
        if (!kind.run_once && (kind.parent == Parent::workspace || kind.parent == Parent::versioned_asset ||
                               kind.parent == Parent::online_endpoint)) {
            auto items = list_kind(api, kind, below);
            if (!items) {
                return tl::unexpected(items.error());
            }
            // What Azure made with the workspace is the workspace's, not a resource of the estate.
            std::erase_if(*items, [&](const auto& r) { return created_with_parent(kind, r.id.name()); });
            std::move(items->begin(), items->end(), std::back_inserter(out));
        }
    }

    // Top-level resources of a type converge has no kind for: ArmResource, read one by one.
    std::set<std::string> types;
    std::vector<ResourceId> others;
    for (const auto& item : generic) {
        const auto id = id_of(item);
        if (id && find_kind_by_type(id->type()) == nullptr && !id->is_resource_group()) {
            types.insert(to_lower(id->type()));
            others.push_back(*id);
        }
    }
    if (!others.empty()) {
        auto versions = provider_versions(api, scope.subscription, types);
        if (!versions) {
            return tl::unexpected(versions.error());
        }
        std::vector<DiscoveredResource> read(others.size());
        std::optional<ApiError> error;
        std::mutex mutex;
        std::vector<std::size_t> index(others.size());
        for (std::size_t i = 0; i < index.size(); ++i) {
            index[i] = i;
        }
        parallel_for_each(index, static_cast<std::size_t>(std::max(1, scope.parallelism)), [&](std::size_t i) {
            const auto v = versions->find(to_lower(others[i].type()));
            if (v == versions->end()) {
                return;  // the provider names no stable version: not read (the CLI says so)
            }
            auto body = api.get(others[i].str(), v->second);
            std::lock_guard guard(mutex);
            if (body && body->is_object()) {
                read[i] = {others[i], find_kind("ArmResource"), v->second, std::move(*body)};
            } else if (!body && !body.error().is_not_found() && !error) {
                error = body.error();
            }
        });
        if (error) {
            return tl::unexpected(*error);
        }
        for (auto& r : read) {
            if (r.kind == nullptr) {  // not read: kept as the generic list gave it, without an api-version
                continue;
            }
            out.push_back(std::move(r));
        }
        for (std::size_t i = 0; i < others.size(); ++i) {
            if (read[i].kind == nullptr) {
                Json stub = {{"id", others[i].str()}};
                out.push_back({others[i], find_kind("ArmResource"), "", std::move(stub)});
            }
        }
    }
    sort_by_id(out);
    return out;
}

}  // namespace converge
