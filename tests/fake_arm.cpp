#include "fake_arm.hpp"

#include <algorithm>

namespace converge::testing {

namespace {
ApiError not_found(const std::string& path) {
    return make_api_error("ResourceNotFound", "The resource '" + path + "' was not found.", 404);
}
}  // namespace

std::optional<std::vector<Json>> FakeArm::list_by_subscription(const std::string& path) const {
    // "/subscriptions/{s}/providers/{namespace}/{type}": every such resource in the subscription.
    const auto at = to_lower(path).find("/providers/");
    const auto sub = ResourceId::parse(path.substr(0, at));
    if (at == std::string::npos || !sub || sub->type() != "Microsoft.Resources/subscriptions") {
        return std::nullopt;
    }
    const std::string type = path.substr(at + 11);
    std::vector<Json> out;
    for (const auto& [key, body] : m_store) {
        const auto id = ResourceId::parse(key);
        if (id && iequals(id->subscription(), sub->subscription()) && iequals(id->type(), type)) {
            out.push_back(body);
        }
    }
    return out;
}

std::optional<ApiError> FakeArm::enter(const std::string& method, const std::string& path,
                                       const std::string& query) {
    if (on_request) {
        on_request(method, path);
    }
    std::lock_guard guard(m_mutex);
    log.push_back(method + " " + path + (query.empty() ? "" : "?" + query));
    const std::string key = method + " " + path;
    if (auto it = fail_once.find(key); it != fail_once.end()) {
        ApiError e = it->second;
        fail_once.erase(it);
        return e;
    }
    return std::nullopt;
}

void FakeArm::seed(const std::string& path, Json body) {
    std::lock_guard guard(m_mutex);
    body["id"] = path;
    m_store[to_lower(path)] = std::move(body);
}

bool FakeArm::has(const std::string& path) const {
    std::lock_guard guard(m_mutex);
    return m_store.count(to_lower(path)) != 0;
}

Json FakeArm::body(const std::string& path) const {
    std::lock_guard guard(m_mutex);
    auto it = m_store.find(to_lower(path));
    return it == m_store.end() ? Json() : it->second;
}

std::size_t FakeArm::writes() const {
    std::lock_guard guard(m_mutex);
    return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [](const std::string& l) {
        return l.rfind("GET ", 0) != 0 && l.rfind("LIST ", 0) != 0;
    }));
}

std::size_t FakeArm::count(const std::string& prefix) const {
    std::lock_guard guard(m_mutex);
    return static_cast<std::size_t>(
        std::count_if(log.begin(), log.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }));
}

ApiResult<Json> FakeArm::get(const std::string& path, const std::string& /*api_version*/) {
    if (auto e = enter("GET", path)) {
        return tl::unexpected(*e);
    }
    std::lock_guard guard(m_mutex);
    auto it = m_store.find(to_lower(path));
    if (it == m_store.end()) {
        return tl::unexpected(not_found(path));
    }
    return it->second;
}

ApiResult<std::vector<Json>> FakeArm::list(const std::string& path, const std::string& /*api_version*/,
                                           const Query& query) {
    std::string q;
    for (const auto& [k, v] : query) {
        q += (q.empty() ? "" : "&") + k + "=" + v;
    }
    if (auto e = enter("LIST", path, q)) {
        return tl::unexpected(*e);
    }
    std::lock_guard guard(m_mutex);
    if (auto wide = list_by_subscription(path)) {
        return *wide;
    }
    const std::string prefix = to_lower(path) + "/";
    std::vector<Json> out;
    for (const auto& [key, body] : m_store) {
        if (key.rfind(prefix, 0) == 0 && key.find('/', prefix.size()) == std::string::npos) {
            out.push_back(body);
        }
    }
    // A collection under a missing parent is a 404, as ARM answers for a missing group.
    const auto parent = ResourceId::parse(path.substr(0, path.rfind('/')));
    const bool parent_missing = parent && !parent->empty() && !parent->is_resource_group() &&
                                parent->type() != "Microsoft.Resources/subscriptions" &&
                                m_store.count(to_lower(parent->str())) == 0;
    if (out.empty() && parent_missing) {
        return tl::unexpected(not_found(path));
    }
    return out;
}

ApiResult<Json> FakeArm::put(const std::string& path, const std::string& /*api_version*/, const Json& body) {
    if (auto e = enter("PUT", path)) {
        return tl::unexpected(*e);
    }
    std::lock_guard guard(m_mutex);
    sent["PUT " + path] = body;
    Json stored = body;
    stored["id"] = path;
    stored["name"] = path.substr(path.rfind('/') + 1);
    if (auto it = server_fields.find(path); it != server_fields.end()) {
        stored.merge_patch(it->second);
    }
    auto st = state_after_put.find(path);
    stored["properties"]["provisioningState"] = st == state_after_put.end() ? "Succeeded" : st->second;
    m_store[to_lower(path)] = stored;
    return stored;
}

ApiResult<Json> FakeArm::patch(const std::string& path, const std::string& /*api_version*/, const Json& body) {
    if (auto e = enter("PATCH", path)) {
        return tl::unexpected(*e);
    }
    std::lock_guard guard(m_mutex);
    sent["PATCH " + path] = body;
    auto it = m_store.find(to_lower(path));
    if (it == m_store.end()) {
        return tl::unexpected(not_found(path));
    }
    if (body.contains("tags")) {
        it->second["tags"] = body["tags"];  // tags are replaced wholesale
    }
    it->second.merge_patch(body);
    return Json{{"properties", {{"provisioningState", "Updating"}}}};
}

ApiResult<Json> FakeArm::remove(const std::string& path, const std::string& /*api_version*/, const Query& query) {
    std::string q;
    for (const auto& [k, v] : query) {
        q += (q.empty() ? "" : "&") + k + "=" + v;
    }
    if (auto e = enter("DELETE", path, q)) {
        return tl::unexpected(*e);
    }
    std::lock_guard guard(m_mutex);
    const std::string key = to_lower(path);
    for (auto it = m_store.begin(); it != m_store.end();) {
        const bool child = it->first.rfind(key + "/", 0) == 0;
        it = (it->first == key || child) ? m_store.erase(it) : std::next(it);
    }
    return Json();
}

}  // namespace converge::testing
