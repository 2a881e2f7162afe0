#include "converge/clock.hpp"

#include <numeric>
#include <thread>

namespace converge {

void Clock::sleep_until(TimePoint t) {
    const auto current = now();
    if (t > current) {
        sleep_for(t - current);
    }
}

Clock::TimePoint SystemClock::now() const {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

std::int64_t SystemClock::epoch_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void SystemClock::sleep_for(Duration d) {
    if (d > Duration::zero()) {
        std::this_thread::sleep_for(d);
    }
}

ManualClock::ManualClock(std::int64_t epoch_start) : m_epoch_start(epoch_start) {}

Clock::TimePoint ManualClock::now() const {
    std::lock_guard lock(m_mutex);
    return TimePoint(m_elapsed);
}

std::int64_t ManualClock::epoch_seconds() const {
    std::lock_guard lock(m_mutex);
    return m_epoch_start + std::chrono::duration_cast<std::chrono::seconds>(m_elapsed).count();
}

void ManualClock::sleep_for(Duration d) {
    std::lock_guard lock(m_mutex);
    m_sleeps.push_back(d);
    if (d > Duration::zero()) {
        m_elapsed += d;
    }
}

void ManualClock::advance(Duration d) {
    std::lock_guard lock(m_mutex);
    m_elapsed += d;
}

std::vector<Clock::Duration> ManualClock::sleeps() const {
    std::lock_guard lock(m_mutex);
    return m_sleeps;
}

Clock::Duration ManualClock::slept() const {
    std::lock_guard lock(m_mutex);
    return std::accumulate(m_sleeps.begin(), m_sleeps.end(), Duration::zero());
}

DefaultRandom::DefaultRandom(std::uint64_t seed) : m_engine(seed) {}

double DefaultRandom::uniform() {
    std::lock_guard lock(m_mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(m_engine);
}

}  // namespace converge
