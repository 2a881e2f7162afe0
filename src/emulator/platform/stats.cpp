#include "platform/stats.hpp"

#include "platform/http.hpp"

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

void StatsCollector::record_fault() {
    std::lock_guard lock(m_mutex);
    ++m_stats.faults;
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
    return j.dump(2);
}

}  // namespace emulator
