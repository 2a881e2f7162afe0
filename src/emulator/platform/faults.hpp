#pragma once
// Deterministic fault decisions: a pure function of (seed, sequence number, salt).
#include "emulator.hpp"

#include <cstdint>
#include <mutex>

namespace emulator {

/// What to do to one request.
enum class Fault { none, server_error, throttle, connection_reset, slow_response };

/// Fault injection state (rates can change at runtime).
class Faults {
public:
    Faults(std::uint64_t seed, FaultRates rates) : m_seed(seed), m_rates(rates) {}

    /// The fault for the request with this sequence number.
    Fault decide(std::uint64_t seq) const;
    /// Whether the async operation with this sequence number fails.
    bool async_fails(std::uint64_t seq) const;
    /// Current rates.
    FaultRates rates() const;
    /// Replaces the rates.
    void set_rates(const FaultRates& rates);

private:
    std::uint64_t m_seed;
    mutable std::mutex m_mutex;
    FaultRates m_rates;
};

/// A uniform double in [0, 1) from (seed, n, salt) (splitmix64).
double uniform(std::uint64_t seed, std::uint64_t n, std::uint64_t salt);
/// A deterministic 64-bit value from (seed, n, salt).
std::uint64_t mix(std::uint64_t seed, std::uint64_t n, std::uint64_t salt);

}  // namespace emulator
