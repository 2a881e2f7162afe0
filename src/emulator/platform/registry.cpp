#include "platform/registry.hpp"

#include "arm/generic.hpp"

#include <set>

namespace emulator {

std::string TypeBehaviour::provider_namespace() const { return type.substr(0, type.find('/')); }

std::vector<std::string> TypeBehaviour::type_segments() const {
    std::vector<std::string> out;
    std::size_t pos = type.find('/');
    while (pos != std::string::npos) {
        std::size_t next = type.find('/', pos + 1);
        out.push_back(type.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1));
        pos = next;
    }
    return out;
}

std::string TypeBehaviour::key() const { return to_lower(type); }

std::string Registry::item_pattern(const TypeBehaviour& t) {
    std::string p = t.resource_group_scope ? "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
                                           : "/subscriptions/{subscriptionId}";
    p += "/providers/" + t.provider_namespace();
    int i = 0;
    for (const auto& seg : t.type_segments()) {
        p += "/" + seg + "/{name" + std::to_string(++i) + "}";
    }
    return p;
}

std::vector<std::string> path_segments(const std::string& path) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < path.size()) {
        std::size_t next = path.find('/', pos);
        if (next == std::string::npos) {
            next = path.size();
        }
        if (next > pos) {
            out.push_back(path.substr(pos, next - pos));
        }
        pos = next + 1;
    }
    return out;
}

void Registry::add_route(RouteSpec spec) {
    spec.segments = path_segments(spec.pattern);
    m_routes.push_back(std::move(spec));
}

TypeBehaviour& Registry::add_type(TypeBehaviour behaviour) {
    m_types.push_back(std::make_unique<TypeBehaviour>(std::move(behaviour)));
    TypeBehaviour& t = *m_types.back();
    ApiPolicy api = ApiPolicy::provider(t.type, t.api_versions);
    std::string item = item_pattern(t);
    std::string list = item.substr(0, item.rfind('/'));
    add_route({"PUT", item, generic_put, Auth::arm, api});
    add_route({"GET", item, generic_get, Auth::arm, api});
    add_route({"HEAD", item, generic_head, Auth::arm, api});
    if (t.patch_allowed) {
        add_route({"PATCH", item, generic_patch, Auth::arm, api});
    }
    add_route({"DELETE", item, generic_delete, Auth::arm, api});
    add_route({"GET", list, generic_list, Auth::arm, api});
    if (t.list_by_subscription && t.resource_group_scope && t.type_segments().size() == 1) {
        add_route({"GET", "/subscriptions/{subscriptionId}/providers/" + t.type, generic_list_by_subscription,
                   Auth::arm, api});
    }
    return t;
}

void Registry::add_action(const std::string& type, const std::string& action, Handler handler) {
    add_item_route(type, "POST", action, std::move(handler));
}

void Registry::add_item_route(const std::string& type, const std::string& method, const std::string& suffix,
                              Handler handler) {
    TypeBehaviour* t = find_type(type);
    if (t == nullptr) {
        throw std::logic_error("emulator: add_item_route for unregistered type " + type);
    }
    add_route({method, item_pattern(*t) + "/" + suffix, std::move(handler), Auth::arm,
               ApiPolicy::provider(t->type, t->api_versions)});
}

void Registry::add_operation_hook(const std::string& name, OperationHook hook) { m_hooks[name] = std::move(hook); }

TypeBehaviour* Registry::find_type(const std::string& type) {
    for (auto& t : m_types) {
        if (iequals(t->type, type)) {
            return t.get();
        }
    }
    return nullptr;
}

const OperationHook* Registry::find_hook(const std::string& name) const {
    auto it = m_hooks.find(name);
    return it == m_hooks.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::namespaces() const {
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const auto& t : m_types) {
        std::string ns = t->provider_namespace();
        if (seen.insert(to_lower(ns)).second) {
            out.push_back(ns);
        }
    }
    return out;
}

}  // namespace emulator
