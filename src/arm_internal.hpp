#pragma once
// Private to the ArmClient sources: the atomic counters behind ClientStats.
#include "converge/arm_client.hpp"

#include <atomic>

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
};

}  // namespace converge
