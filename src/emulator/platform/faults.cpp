#include "platform/faults.hpp"

namespace emulator {

std::uint64_t mix(std::uint64_t seed, std::uint64_t n, std::uint64_t salt) {
    std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + n * 0xBF58476D1CE4E5B9ULL + salt * 0x94D049BB133111EBULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double uniform(std::uint64_t seed, std::uint64_t n, std::uint64_t salt) {
    return static_cast<double>(mix(seed, n, salt) >> 11) * (1.0 / 9007199254740992.0);
}

Fault Faults::decide(std::uint64_t seq) const {
    FaultRates r = rates();
    // One draw partitioned into bands, so the rates add up and never mask each other.
    double u = uniform(m_seed, seq, 1);
    double edge = r.server_error;
    if (u < edge) {
        return Fault::server_error;
    }
    if (u < (edge += r.throttle)) {
        return Fault::throttle;
    }
    if (u < (edge += r.connection_reset)) {
        return Fault::connection_reset;
    }
    if (u < (edge += r.slow_response)) {
        return Fault::slow_response;
    }
    return Fault::none;
}

bool Faults::async_fails(std::uint64_t seq) const { return uniform(m_seed, seq, 2) < rates().async_failure; }

FaultRates Faults::rates() const {
    std::lock_guard lock(m_mutex);
    return m_rates;
}

void Faults::set_rates(const FaultRates& rates) {
    std::lock_guard lock(m_mutex);
    m_rates = rates;
}

}  // namespace emulator
