#include "platform/services.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

namespace emulator {

Services::Services(Options opts)
    : options(std::move(opts)),
      faults(options.seed, options.faults),
      throttle(options.throttle_scale),
      graph([this] { return now_ms(); }, options.graph_lag.count()),
      graph_quota(options.graph_quota, options.graph_quota_window.count()) {}

std::int64_t Services::now_ms() const {
    if (options.clock) {
        return options.clock();
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string iso_time(std::int64_t epoch_ms) {
    std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(epoch_ms % 1000));
    return out;
}

std::string Services::now_iso() const { return iso_time(now_ms()); }

std::string Services::new_uuid() {
    std::uint64_t n = ++id_seq;
    // Mix the start instant in so ids differ across restarts of the same state.
    std::uint64_t a = mix(options.seed, n, 11);
    std::uint64_t b = mix(options.seed, n, 12) ^ static_cast<std::uint64_t>(state_dir.empty() ? 0 : now_ms());
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
}

std::int64_t Services::duration_ms(const std::string& key) const {
    auto find = [](const std::map<std::string, std::chrono::milliseconds>& m,
                   const std::string& k) -> std::optional<std::chrono::milliseconds> {
        for (const auto& [name, d] : m) {
            if (to_lower(name) == to_lower(k)) {
                return d;
            }
        }
        return std::nullopt;
    };
    static const auto k_defaults = default_durations();
    auto d = find(options.durations, key);
    if (!d) {
        d = find(k_defaults, key);
    }
    if (!d) {
        auto base = key.substr(0, key.find('#'));
        d = find(options.durations, base);
        if (!d) {
            d = find(k_defaults, base);
        }
    }
    if (!d) {
        d = find(options.durations, "default");
    }
    if (!d) {
        d = find(k_defaults, "default");
    }
    double ms = static_cast<double>(d.value_or(std::chrono::milliseconds(50)).count()) * options.time_scale;
    return static_cast<std::int64_t>(std::llround(std::max(0.0, ms)));
}

int Services::retry_after() const { return std::max(1, options.retry_after_seconds); }

}  // namespace emulator
