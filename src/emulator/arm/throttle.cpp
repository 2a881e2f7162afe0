#include "arm/throttle.hpp"

#include <algorithm>
#include <cmath>

namespace emulator {

const char* op_class_name(OpClass c) {
    switch (c) {
        case OpClass::read:
            return "reads";
        case OpClass::write:
            return "writes";
        case OpClass::del:
            return "deletes";
    }
    return "reads";
}

long Throttle::take(const std::string& subscription, const std::string& principal, OpClass c, std::int64_t now_ms,
                    int& retry_after_s) {
    const double size = (c == OpClass::read ? 250.0 : 200.0) * m_scale;
    const double rate = (c == OpClass::read ? 25.0 : 10.0) * m_scale;
    std::lock_guard lock(m_mutex);
    auto [it, inserted] = m_buckets.try_emplace({subscription, principal, static_cast<int>(c)}, Bucket{size, now_ms});
    Bucket& b = it->second;
    if (now_ms > b.last_ms) {
        b.tokens = std::min(size, b.tokens + rate * static_cast<double>(now_ms - b.last_ms) / 1000.0);
        b.last_ms = now_ms;
    }
    if (b.tokens < 1.0) {
        retry_after_s = std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / std::max(rate, 1e-9))));
        return -1;
    }
    b.tokens -= 1.0;
    return static_cast<long>(std::floor(b.tokens));
}

void Throttle::reset() {
    std::lock_guard lock(m_mutex);
    m_buckets.clear();
}

}  // namespace emulator
