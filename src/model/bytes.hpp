#pragma once
// Byte helpers shared by the id comparisons (ids are long and share long prefixes).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace converge {

/// ASCII-only lower case (ids and ARM names are ASCII; no locale lookup).
inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// The first index at or after `from` where a and b differ, or min(a.size(), b.size());
/// equal bytes are skipped eight at a time.
inline std::size_t first_difference(std::string_view a, std::string_view b, std::size_t from) {
    const std::size_t n = a.size() < b.size() ? a.size() : b.size();
    std::size_t i = from;
    while (i + 8 <= n) {
        std::uint64_t x = 0;
        std::uint64_t y = 0;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        if (x != y) {
            if constexpr (std::endian::native == std::endian::little) {
                return i + static_cast<std::size_t>(std::countr_zero(x ^ y) / 8);  // the lowest differing byte
            }
            break;
        }
        i += 8;
    }
    while (i < n && a[i] == b[i]) {
        ++i;
    }
    return i;
}

}  // namespace converge
