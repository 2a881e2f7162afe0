#include "platform/stats.hpp"

#include "platform/http.hpp"

#include <optional>

namespace emulator {

void StatsCollector::record(const std::string& method, const std::string& route, int status) {
    std::lock_guard lock(m_mutex);
    ++m_stats.total;
    ++m_stats.by_method[method];
    ++m_stats.by_route[method + " " + route];
    ++m_stats.by_status[status];
}

void StatsCollector::record_throttled() {
    std::lock_guard lock(m_mutex);
    ++m_stats.throttled;
}

void StatsCollector::record_fault(std::string_view kind) {
    std::lock_guard lock(m_mutex);
    ++m_stats.faults;
    ++m_stats.faults_by_kind[std::string(kind)];
}

void StatsCollector::record_async_failure() {
    std::lock_guard lock(m_mutex);
    ++m_stats.faults_by_kind["async_failure"];
}

namespace {

// provisioningState as a settled health: Failed/Canceled -> true, Succeeded or none -> false,
// a transitional state (Creating, Updating, Deleting, ...) -> nullopt.
std::optional<bool> settled_unhealthy(const Json& body) {
    const auto props = body.find("properties");
    if (props == body.end() || !props->is_object()) {
        return false;
    }
    const auto state = props->find("provisioningState");
    if (state == props->end() || !state->is_string()) {
        return false;
    }
    const std::string s = to_lower(state->get<std::string>());
    if (s == "succeeded") {
        return false;
    }
    if (s == "failed" || s == "canceled" || s == "cancelled") {
        return true;
    }
    return std::nullopt;
}

}  // namespace

void StatsCollector::stored(const std::string& key, bool created, const Record& record) {
    const Json& body = record.body;
    std::lock_guard lock(m_mutex);
    if (created) {
        auto& counts = m_stats.resources[key];
        ++counts.creates;
        if (const auto gone = m_deleted_unhealthy.find(key); gone != m_deleted_unhealthy.end()) {
            ++(gone->second ? counts.replaces : counts.duplicates);
            m_deleted_unhealthy.erase(gone);
        }
        m_unhealthy[key] = false;
    }
    if (const auto unhealthy = settled_unhealthy(body)) {
        m_unhealthy[key] = *unhealthy;
    }
}

void StatsCollector::removed(const std::string& key) {
    std::lock_guard lock(m_mutex);
    ++m_stats.resources[key].deletes;
    const auto it = m_unhealthy.find(key);
    // A resource deleted with an unhealthy parent (a workspace's default datastore when the
    // Failed workspace is replaced) is part of that replace, not a healthy resource deleted.
    bool parent_unhealthy = false;
    for (std::string up = key; !parent_unhealthy;) {
        const auto name = up.rfind('/');
        const auto type = name == std::string::npos || name == 0 ? std::string::npos : up.rfind('/', name - 1);
        if (type == std::string::npos || type == 0) {
            break;
        }
        up.resize(type);
        const auto live = m_unhealthy.find(up);
        const auto gone = m_deleted_unhealthy.find(up);
        parent_unhealthy = (live != m_unhealthy.end() && live->second) || (gone != m_deleted_unhealthy.end() && gone->second);
    }
    m_deleted_unhealthy[key] = parent_unhealthy || (it != m_unhealthy.end() && it->second);
    if (it != m_unhealthy.end()) {
        m_unhealthy.erase(it);
    }
}

std::uint64_t Stats::duplicate_creates() const {
    std::uint64_t n = 0;
    for (const auto& [id, c] : resources) {
        n += c.duplicates;
    }
    return n;
}

Stats StatsCollector::snapshot() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

void StatsCollector::reset() {
    std::lock_guard lock(m_mutex);
    m_stats = Stats{};
}

std::string stats_to_json(const Stats& s) {
    Json j = {{"total", s.total}, {"throttled", s.throttled}, {"faults", s.faults}};
    j["byMethod"] = Json::object();
    for (const auto& [k, v] : s.by_method) {
        j["byMethod"][k] = v;
    }
    j["byRoute"] = Json::object();
    for (const auto& [k, v] : s.by_route) {
        j["byRoute"][k] = v;
    }
    j["byStatus"] = Json::object();
    for (const auto& [k, v] : s.by_status) {
        j["byStatus"][std::to_string(k)] = v;
    }
    j["faultsByKind"] = Json::object();
    for (const auto& [k, v] : s.faults_by_kind) {
        j["faultsByKind"][k] = v;
    }
    j["duplicateCreates"] = s.duplicate_creates();
    j["resources"] = Json::object();
    for (const auto& [id, c] : s.resources) {
        j["resources"][id] = {
            {"creates", c.creates}, {"replaces", c.replaces}, {"duplicates", c.duplicates}, {"deletes", c.deletes}};
    }
    return j.dump(2);
}

}  // namespace emulator
