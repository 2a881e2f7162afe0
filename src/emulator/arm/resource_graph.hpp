#pragma once
// Azure Resource Graph (POST /providers/Microsoft.ResourceGraph/resources): its index of the
// ARM state, which lags ARM by a configurable delay, and its per-user query quota.
// See arm/resource_graph.cpp for the query subset and docs/emulator.md "Resource Graph".
#include "platform/store.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace emulator {

/// What Resource Graph has indexed: per resource, the versions written in the last `lag`
/// (and the one before them), so a query at time t sees each resource as it was at t - lag.
/// The store's listener (forwards to `next`, the stats collector).
class GraphIndex : public StoreListener {
public:
    /// One state of one resource: `present` false after a delete (or while hidden).
    struct Version {
        std::int64_t ms = 0;
        bool present = false;
        Record record;  ///< body, id, type, subscription, resource group (secrets dropped)
    };

    GraphIndex(std::function<std::int64_t()> clock, std::int64_t lag_ms) : m_clock(std::move(clock)), m_lag_ms(lag_ms) {}

    void set_next(StoreListener* next) { m_next = next; }
    /// Records what the store holds at start as indexed long ago.
    void bootstrap(const std::vector<Record>& records);
    void stored(const std::string& key, bool created, const Record& record) override;
    void removed(const std::string& key) override;

    /// The lag now in force (ms).
    std::int64_t lag_ms() const;
    void set_lag_ms(std::int64_t lag_ms);
    /// Every resource Resource Graph shows at `now_ms`, in first-indexed order.
    std::vector<Record> visible(std::int64_t now_ms) const;

private:
    void add(const std::string& key, Version v);
    std::function<std::int64_t()> m_clock;
    mutable std::mutex m_mutex;
    std::int64_t m_lag_ms;
    StoreListener* m_next = nullptr;
    std::map<std::string, std::vector<Version>> m_versions;
    std::map<std::string, std::uint64_t> m_order;  ///< key -> first-indexed sequence
    std::uint64_t m_seq = 0;
};

/// Resource Graph's per-user quota: `limit` queries in a `window_ms` window that starts with the
/// first query after the previous one ended (docs: 15 per 5 seconds, "subject to change").
class GraphQuota {
public:
    GraphQuota(int limit, std::int64_t window_ms) : m_limit(limit), m_window_ms(window_ms) {}
    /// Takes one query for `user`. Returns false when none is left. `remaining` and `resets_ms`
    /// are what the x-ms-user-quota-* headers say afterwards.
    bool take(const std::string& user, std::int64_t now_ms, int& remaining, std::int64_t& resets_ms);
    void set(int limit, std::int64_t window_ms);
    int limit() const;
    std::int64_t window_ms() const;

private:
    struct Window {
        std::int64_t start_ms = 0;
        int used = 0;
    };
    mutable std::mutex m_mutex;
    int m_limit;
    std::int64_t m_window_ms;
    std::map<std::string, Window> m_users;
};

}  // namespace emulator
