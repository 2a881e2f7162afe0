#pragma once
// Request counters per method, route and status, for tests and benchmarks.
#include "emulator.hpp"
#include "platform/store.hpp"

#include <mutex>
#include <string_view>

namespace emulator {

/// Thread-safe request counters; as the store's listener, also the per-resource create counts.
class StatsCollector : public StoreListener {
public:
    /// Counts one request.
    void record(const std::string& method, const std::string& route, int status);
    /// Counts a 429 from the token buckets.
    void record_throttled();
    /// Counts an injected request fault of this kind ("server_error", ...).
    void record_fault(std::string_view kind);
    /// Counts an async operation set to end Failed.
    void record_async_failure();
    void stored(const std::string& key, bool created, const Record& record) override;
    void removed(const std::string& key) override;
    /// A copy of the counters.
    Stats snapshot() const;
    /// Zeroes everything.
    void reset();

private:
    mutable std::mutex m_mutex;
    Stats m_stats;
    /// Kept across reset(): what the store holds. Per id, whether it last settled Failed or
    /// Canceled; and per deleted id, whether it was so when deleted (its next create is a replace).
    std::map<std::string, bool> m_unhealthy;
    std::map<std::string, bool> m_deleted_unhealthy;
};

/// The counters as JSON (GET /_emulator/stats).
std::string stats_to_json(const Stats& stats);

}  // namespace emulator
