#include "converge/observe.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace converge {

namespace {

// One collection to list: its path, api-version, and the resource it lives under.
struct Collection {
    std::string path;
    std::string api_version;
    ResourceId parent;
};

using Collections = std::map<std::string, Collection>;  // by lower-case path

void add_collection(Collections& out, const std::string& path, std::string_view api_version, const ResourceId& parent) {
    out.try_emplace(to_lower(path), Collection{path, std::string(api_version), parent});
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

// Shared by the parallel readers: the state being filled and the first error.
struct Sink {
    std::mutex mutex;
    ObservedState state;
    std::optional<ApiError> error;

    void add(Json item) {
        const auto id = item.contains("id") && item["id"].is_string()
                            ? ResourceId::parse(item["id"].get<std::string>())
                            : std::nullopt;
        if (id) {
            std::lock_guard guard(mutex);
            state.resources[*id] = std::move(item);
        }
    }
    void fail(ApiError e) {
        std::lock_guard guard(mutex);
        if (!error) {
            error = std::move(e);
        }
    }
};

void list_all(const std::vector<Collection>& todo, ArmApi& api, int parallelism, Sink& sink) {
    run_parallel(todo.size(), parallelism, [&](std::size_t i) {
        auto items = api.list(todo[i].path, todo[i].api_version, {});
        if (!items) {
            if (!items.error().is_not_found()) {  // a missing parent: nothing below it exists
                sink.fail(items.error());
            }
            return;
        }
        for (auto& item : *items) {
            sink.add(std::move(item));
        }
        std::lock_guard guard(sink.mutex);
        sink.state.listed_scopes.push_back(todo[i].parent);
    });
}

std::vector<Collection> not_yet_listed(const Collections& wanted, Collections& done) {
    std::vector<Collection> out;
    for (const auto& [key, c] : wanted) {
        if (done.emplace(key, c).second) {
            out.push_back(c);
        }
    }
    return out;
}

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
    Sink sink;
    run_parallel(desired.resources.size(), parallelism, [&](std::size_t i) {
        const Resource& r = desired.resources[i];
        auto got = api.get(r.id.str(), api_version_of(r));
        if (got) {
            (*got)["id"] = got->value("id", r.id.str());
            sink.add(std::move(*got));
        } else if (!got.error().is_not_found()) {
            sink.fail(got.error());
        }
    });
    if (sink.error) {
        return tl::unexpected(*sink.error);
    }
    return std::move(sink.state);
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
        add_collection(wanted, collection_path(r.id), api_version_of(r), r.id.parent());
    }
    Collections done;
    Sink sink;
    // Every collection at once: a list under a missing parent answers 404, which means empty.
    list_all(not_yet_listed(wanted, done), api, options.parallelism, sink);
    if (options.find_orphans && !sink.error) {
        list_all(not_yet_listed(orphan_collections(desired, sink.state), done), api, options.parallelism, sink);
        list_all(not_yet_listed(version_collections(sink.state), done), api, options.parallelism, sink);
    }
    if (sink.error) {
        return tl::unexpected(*sink.error);
    }
    return std::move(sink.state);
}

}  // namespace converge
