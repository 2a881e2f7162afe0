#include "cli/metrics.hpp"

#include "converge/render.hpp"

#include <cstdio>

namespace converge::cli {

namespace {

std::string escape_label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

void family(std::string& out, const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

std::string request_class(const std::string& method) {
    if (method == "GET" || method == "HEAD") {
        return "read";
    }
    if (method == "DELETE") {
        return "delete";
    }
    return "write";
}

}  // namespace

void SyncMetrics::lock_waited(double waited_seconds, bool acquired) {
    std::lock_guard guard(m_mutex);
    m_lock_waits[acquired ? "acquired" : "refused"] += 1;
    m_lock_wait_seconds += waited_seconds;
}

void SyncMetrics::tick_finished(const SyncTickResult& result, double epoch_seconds, double duration_seconds) {
    std::lock_guard guard(m_mutex);
    m_ticked = true;
    m_last_time = epoch_seconds;
    m_last_duration = duration_seconds;
    m_last_ok = result.ok();
    m_ticks[result.ok() ? "success" : "failure"] += 1;
    // Gauges of the last tick: every (class, kind) seen so far is reset, so a fixed drift drops to 0.
    for (auto& [key, value] : m_resources) {
        value = 0;
    }
    if (result.error.empty()) {
        for (const auto& c : result.plan.changes) {
            if (c.action != Action::noop) {
                m_resources[{difference_class_name(difference_class(c)), c.kind}] += 1;
            }
        }
        for (const auto& c : result.plan.orphans) {
            m_resources[{"orphan", c.kind}] += 1;
        }
        for (const auto& u : result.unmanaged) {
            m_resources[{"unmanaged", u.kind}] += 1;
        }
    }
    if (result.applied) {
        for (const auto& step : result.applied->steps) {
            if (step.status == StepStatus::succeeded) {
                m_corrections[step.part_of_replace ? "replace" : action_name(step.action)] += 1;
            }
        }
    }
}

void SyncMetrics::request(const RequestEvent& event) {
    std::lock_guard guard(m_mutex);
    m_requests[{request_class(event.method), std::to_string(event.status)}] += 1;
}

std::string SyncMetrics::exposition() const {
    std::lock_guard guard(m_mutex);
    std::string out;
    family(out, "converge_sync_ticks_total", "counter", "Sync ticks run, by result.");
    for (const char* result : {"success", "failure"}) {
        const auto it = m_ticks.find(result);
        out += std::string("converge_sync_ticks_total{result=\"") + result + "\"} " +
               number(it == m_ticks.end() ? 0 : it->second) + "\n";
    }
    if (m_ticked) {
        family(out, "converge_sync_last_tick_timestamp_seconds", "gauge", "When the last tick ended (Unix time).");
        out += "converge_sync_last_tick_timestamp_seconds " + number(m_last_time) + "\n";
        family(out, "converge_sync_last_tick_duration_seconds", "gauge", "How long the last tick took.");
        out += "converge_sync_last_tick_duration_seconds " + number(m_last_duration) + "\n";
        family(out, "converge_sync_last_tick_success", "gauge", "1 when the last tick succeeded, else 0.");
        out += std::string("converge_sync_last_tick_success ") + (m_last_ok ? "1" : "0") + "\n";
    }
    family(out, "converge_sync_resources", "gauge",
           "Resources found by the last tick, by class (drift, pending, unknown, absent, pruned, other, orphan, "
           "unmanaged) and kind.");
    for (const auto& [key, value] : m_resources) {
        out += "converge_sync_resources{class=\"" + escape_label(key.first) + "\",kind=\"" + escape_label(key.second) +
               "\"} " + number(value) + "\n";
    }
    family(out, "converge_sync_requests_total", "counter",
           "HTTP requests sent to Azure, by class (read, write, delete) and status (0: no response).");
    for (const auto& [key, value] : m_requests) {
        out += "converge_sync_requests_total{class=\"" + escape_label(key.first) + "\",status=\"" +
               escape_label(key.second) + "\"} " + number(value) + "\n";
    }
    family(out, "converge_sync_lock_waits_total", "counter",
           "Ticks that found the stack lock held by another run, by outcome (acquired after waiting, refused).");
    for (const auto& [outcome, value] : m_lock_waits) {
        out += "converge_sync_lock_waits_total{outcome=\"" + outcome + "\"} " + number(value) + "\n";
    }
    family(out, "converge_sync_lock_wait_seconds_total", "counter", "Time ticks spent waiting for the stack lock.");
    out += "converge_sync_lock_wait_seconds_total " + number(m_lock_wait_seconds) + "\n";
    family(out, "converge_sync_corrections_total", "counter", "Changes correct mode applied, by action.");
    for (const auto& [action, value] : m_corrections) {
        out += "converge_sync_corrections_total{action=\"" + escape_label(action) + "\"} " + number(value) + "\n";
    }
    return out;
}

}  // namespace converge::cli
