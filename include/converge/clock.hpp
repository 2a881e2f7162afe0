#pragma once
// Time and randomness as seams: SystemClock for real runs, ManualClock so no test sleeps.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <vector>

namespace converge {

/// A monotonic clock that can also sleep, plus the wall clock for token expiry.
class Clock {
public:
    using Duration = std::chrono::nanoseconds;
    using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

    virtual ~Clock() = default;
    /// Monotonic now.
    virtual TimePoint now() const = 0;
    /// Seconds since the Unix epoch (wall clock), for `expires_on` values.
    virtual std::int64_t epoch_seconds() const = 0;
    /// Blocks the calling thread for `d` (a ManualClock advances instead).
    virtual void sleep_for(Duration d) = 0;
    /// Blocks until `t`; returns at once when `t` is past.
    void sleep_until(TimePoint t);
};

/// The real clock.
class SystemClock final : public Clock {
public:
    TimePoint now() const override;
    std::int64_t epoch_seconds() const override;
    void sleep_for(Duration d) override;
};

/// A clock for tests and simulations: sleeping advances time instantly. Thread-safe.
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::int64_t epoch_start = 1'700'000'000);
    TimePoint now() const override;
    std::int64_t epoch_seconds() const override;
    void sleep_for(Duration d) override;
    /// Moves time forward without recording a sleep.
    void advance(Duration d);
    /// Every sleep requested so far, in order.
    std::vector<Duration> sleeps() const;
    /// Sum of all sleeps.
    Duration slept() const;

private:
    mutable std::mutex m_mutex;
    Duration m_elapsed{0};
    std::int64_t m_epoch_start;
    std::vector<Duration> m_sleeps;
};

/// Source of uniform random numbers in [0, 1) for jitter.
class Random {
public:
    virtual ~Random() = default;
    /// A uniform value in [0, 1).
    virtual double uniform() = 0;
};

/// A seeded Mersenne twister behind a mutex.
class DefaultRandom final : public Random {
public:
    explicit DefaultRandom(std::uint64_t seed = std::random_device{}());
    double uniform() override;

private:
    std::mutex m_mutex;
    std::mt19937_64 m_engine;
};

/// Always returns the same value: makes jitter deterministic in tests.
class FixedRandom final : public Random {
public:
    explicit FixedRandom(double value) : m_value(value) {}
    double uniform() override { return m_value; }

private:
    double m_value;
};

}  // namespace converge
