#pragma once
// Private to the ArmClient sources: the atomic counters behind ClientStats, and the hosts
// already warned about.
#include "converge/arm_client.hpp"

#include <atomic>
#include <mutex>
#include <set>
#include <string>

namespace converge {

struct ArmClient::Counters {
    std::atomic<long> reads{0};
    std::atomic<long> writes{0};
    std::atomic<long> deletes{0};
    std::atomic<long> polls{0};
    std::atomic<long> lros{0};
    std::atomic<long> retries{0};
    std::atomic<long> throttled{0};
    std::atomic<long> auth_refreshes{0};
    std::mutex warned_mutex;              ///< guards warned_hosts
    std::set<std::string> warned_hosts;   ///< hosts already warned about (sent without a token)
};

}  // namespace converge

#include <optional>

namespace converge {

/// Where a long-running operation stands between polls (arm/lro.cpp drives it).
struct LroOperation::State {
    enum class Phase { async_status, location, resource, final_get };

    ArmClient* client = nullptr;
    std::string method;
    std::string url;  ///< the request URL (the resource for PUT/PATCH)
    CallOptions options;
    LroReport report;
    Clock::TimePoint start;
    Clock::TimePoint deadline;
    Phase phase = Phase::resource;
    std::optional<std::string> initial_location;  ///< the first response's Location header
    std::string poll_url;                         ///< status URL, current Location, or resource
    std::chrono::milliseconds wait{0};
    bool sleep_first = true;  ///< false: the next poll goes at once (the final GET)
    int failures = 0;         ///< consecutive unreadable status responses
    Json status_body;
    std::optional<ApiResult<Json>> result;
};

}  // namespace converge
