#include "fake_arm.hpp"

#include <algorithm>
#include <optional>

namespace converge::testing {

namespace {
ApiError not_found(const std::string& path) {
    return make_api_error("ResourceNotFound", "The resource '" + path + "' was not found.", 404);
}

std::string query_text(const Query& query) {
    std::string q;
    for (const auto& [k, v] : query) {
        q += (q.empty() ? "" : "&") + k + "=" + v;
    }
    return q;
}

// A write's operation: ends when the resource's provisioningState does (read by GET at each
// poll, no wait between polls), Failed/Canceled as an lro_failed error with the service's message.
class FakeOperation final : public Operation {
public:
    FakeOperation(FakeArm& arm, WriteRequest request, Json written) : m_arm(arm), m_request(std::move(request)) {
        m_report.mechanism = "none";
        settle(std::move(written));
    }
    bool done() const override { return m_result.has_value(); }
    std::chrono::milliseconds wait() const override { return std::chrono::milliseconds(0); }
    void poll() override {
        if (done()) {
            return;
        }
        ++m_report.polls;
        auto got = m_arm.get(m_request.path, m_request.api_version);
        if (!got) {
            m_report.outcome = Outcome::failed;
            m_result = tl::unexpected(got.error());
            return;
        }
        settle(std::move(*got));
    }
    const ApiResult<Json>& result() const override { return *m_result; }
    const LroReport& report() const override { return m_report; }

private:
    void settle(Json body) {
        if (m_request.verb == Verb::remove || m_request.verb == Verb::post) {
            m_report.outcome = Outcome::succeeded;
            m_result = Json();
            return;
        }
        const Outcome outcome = resource_outcome(body);
        if (outcome == Outcome::running) {
            m_report.mechanism = "provisioning-state";
            return;
        }
        const std::string state = provisioning_state(body);
        m_report.outcome = outcome;
        m_report.final_status = state.empty() ? "Succeeded" : state;
        if (outcome == Outcome::succeeded) {
            m_result = std::move(body);
            return;
        }
        const std::string why = provisioning_error(body);
        ApiError error = make_api_error("ProvisioningState" + state,
                                        "provisioningState is " + state + (why.empty() ? "" : ": " + why));
        error.kind = ApiErrorKind::lro_failed;
        m_result = tl::unexpected(error);
    }

    FakeArm& m_arm;
    WriteRequest m_request;
    LroReport m_report;
    std::optional<ApiResult<Json>> m_result;
};
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
    if (auto e = enter("LIST", path, query_text(query))) {
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

ApiResult<std::unique_ptr<Operation>> FakeArm::begin(const WriteRequest& request) {
    auto written = write(request);
    if (!written) {
        return tl::unexpected(written.error());
    }
    return std::unique_ptr<Operation>(std::make_unique<FakeOperation>(*this, request, std::move(*written)));
}

ApiResult<Json> FakeArm::write(const WriteRequest& request) {
    const std::string& path = request.path;
    const std::string method = verb_name(request.verb);
    if (auto e = enter(method, path, query_text(request.query))) {
        return tl::unexpected(*e);
    }
    std::lock_guard guard(m_mutex);
    const std::string key = to_lower(path);
    switch (request.verb) {
    case Verb::put: {
        sent["PUT " + path] = request.body;
        Json stored = request.body;
        stored["id"] = path;
        stored["name"] = path.substr(path.rfind('/') + 1);
        if (auto it = server_fields.find(path); it != server_fields.end()) {
            stored.merge_patch(it->second);
        }
        auto st = state_after_put.find(path);
        stored["properties"]["provisioningState"] = st == state_after_put.end() ? "Succeeded" : st->second;
        m_store[key] = stored;
        return stored;
    }
    case Verb::patch: {
        sent["PATCH " + path] = request.body;
        auto it = m_store.find(key);
        if (it == m_store.end()) {
            return tl::unexpected(not_found(path));
        }
        if (request.body.contains("tags")) {
            it->second["tags"] = request.body["tags"];  // tags are replaced wholesale
        }
        it->second.merge_patch(request.body);
        return it->second;  // the whole resource, as ARM answers a PATCH
    }
    case Verb::remove:
        for (auto it = m_store.begin(); it != m_store.end();) {
            const bool child = it->first.rfind(key + "/", 0) == 0;
            it = (it->first == key || child) ? m_store.erase(it) : std::next(it);
        }
        return Json();
    case Verb::post:
        sent["POST " + path] = request.body;
        return Json();
    }
    return Json();
}

}  // namespace converge::testing
