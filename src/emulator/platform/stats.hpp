#pragma once
// Request counters per method, route and status, for tests and benchmarks.
#include "emulator.hpp"

#include <mutex>

namespace emulator {

/// Thread-safe request counters.
class StatsCollector {
public:
    /// Counts one request.
    void record(const std::string& method, const std::string& route, int status);
    /// Counts a 429 from the token buckets.
    void record_throttled();
    /// Counts an injected fault.
    void record_fault();
    /// A copy of the counters.
    Stats snapshot() const;
    /// Zeroes everything.
    void reset();

private:
    mutable std::mutex m_mutex;
    Stats m_stats;
};

/// The counters as JSON (GET /_emulator/stats).
std::string stats_to_json(const Stats& stats);

}  // namespace emulator
