#pragma once
// ARM's request throttling: token buckets per subscription x principal x operation class
// (reads 250 + 25/s, writes 200 + 10/s, deletes 200 + 10/s), scalable.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace emulator {

/// The operation classes ARM throttles separately.
enum class OpClass { read, write, del };

/// "reads" / "writes" / "deletes" (for the x-ms-ratelimit-remaining-subscription-* header).
const char* op_class_name(OpClass c);

/// Token buckets, refilled continuously from the emulator clock.
class Throttle {
public:
    /// `scale` multiplies bucket sizes and refill rates.
    explicit Throttle(double scale = 1.0) : m_scale(scale) {}

    /// Takes a token. Returns the tokens left (>= 0), or -1 when the bucket is empty, in
    /// which case `retry_after_s` says when one will be back.
    long take(const std::string& subscription, const std::string& principal, OpClass c, std::int64_t now_ms,
              int& retry_after_s);
    /// Forgets every bucket.
    void reset();

private:
    struct Bucket {
        double tokens;
        std::int64_t last_ms;
    };
    double m_scale;
    std::mutex m_mutex;
    std::map<std::tuple<std::string, std::string, int>, Bucket> m_buckets;
};

}  // namespace emulator
