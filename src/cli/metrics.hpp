#pragma once
// `converge sync --metrics-listen ADDR`: what sync exposes to Prometheus (docs/sync.md
// "Metrics"). SyncMetrics gathers (thread-safe) and renders the text exposition format;
// MetricsServer serves it over HTTP (metrics_server.cpp, the CLI's only file with cpp-httplib).
#include "converge/arm_client.hpp"
#include "converge/sync.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace converge::cli {

class SyncMetrics {
public:
    /// Records a finished tick: its time (Unix seconds), duration and what it found and did.
    void tick_finished(const SyncTickResult& result, double epoch_seconds, double duration_seconds);
    /// Counts one request by class (read, write, delete) and HTTP status ("0" without a response).
    void request(const RequestEvent& event);
    /// Counts a tick that found the stack lock held: `waited` seconds, and whether it got it.
    void lock_waited(double waited_seconds, bool acquired);
    /// The Prometheus text exposition (version 0.0.4).
    std::string exposition() const;

private:
    mutable std::mutex m_mutex;
    bool m_ticked = false;
    double m_last_time = 0;
    double m_last_duration = 0;
    bool m_last_ok = false;
    std::map<std::string, double> m_ticks;  // result -> count
    std::map<std::pair<std::string, std::string>, double> m_resources;  // (class, kind) -> last tick's count
    std::map<std::pair<std::string, std::string>, double> m_requests;   // (class, status) -> count
    std::map<std::string, double> m_corrections;  // action -> count
    std::map<std::string, double> m_lock_waits;   // "acquired" | "refused" -> count
    double m_lock_wait_seconds = 0;
};

/// Serves GET /metrics (and / with a pointer to it) on ADDR ("127.0.0.1:9464", ":9464").
class MetricsServer {
public:
    MetricsServer();
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;
    /// Binds and serves on a thread; the error text when it cannot bind.
    std::string start(const std::string& address, const SyncMetrics& metrics);
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace converge::cli
