// Zip central directory, per PKWARE APPNOTE.TXT section 4.3: the end-of-central-directory
// record (signature 0x06054b50, at most 65535 + 22 bytes before the end) gives the directory's
// offset and entry count; each directory header (0x02014b50) holds one entry name.
#include "ml/zip_reader.hpp"

#include <cstdint>

namespace emulator {

namespace {

constexpr std::uint32_t k_eocd_signature = 0x06054b50;
constexpr std::uint32_t k_header_signature = 0x02014b50;
constexpr std::size_t k_eocd_size = 22;
constexpr std::size_t k_header_size = 46;

std::uint32_t read_u16(std::string_view data, std::size_t at) {
    return static_cast<std::uint8_t>(data[at]) | static_cast<std::uint8_t>(data[at + 1]) << 8;
}

std::uint32_t read_u32(std::string_view data, std::size_t at) {
    return read_u16(data, at) | read_u16(data, at + 2) << 16;
}

std::optional<std::size_t> find_eocd(std::string_view data) {
    if (data.size() < k_eocd_size) {
        return std::nullopt;
    }
    const std::size_t last = data.size() - k_eocd_size;
    const std::size_t first = last > 65535 ? last - 65535 : 0;
    for (std::size_t at = last + 1; at-- > first;) {
        if (read_u32(data, at) == k_eocd_signature && at + k_eocd_size + read_u16(data, at + 20) == data.size()) {
            return at;
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::vector<std::string>> zip_entry_names(std::string_view data) {
    const auto eocd = find_eocd(data);
    if (!eocd) {
        return std::nullopt;
    }
    const std::uint32_t count = read_u16(data, *eocd + 10);
    const std::uint32_t offset = read_u32(data, *eocd + 16);
    if (count == 0xffff || offset == 0xffffffff) {
        return std::nullopt;  // ZIP64: not needed for project snapshots
    }
    std::vector<std::string> names;
    std::size_t at = offset;
    for (std::uint32_t i = 0; i < count; ++i) {
        if (at + k_header_size > *eocd || read_u32(data, at) != k_header_signature) {
            return std::nullopt;
        }
        const std::size_t name_length = read_u16(data, at + 28);
        const std::size_t extra_length = read_u16(data, at + 30);
        const std::size_t comment_length = read_u16(data, at + 32);
        if (at + k_header_size + name_length > *eocd) {
            return std::nullopt;
        }
        names.emplace_back(data.substr(at + k_header_size, name_length));
        at += k_header_size + name_length + extra_length + comment_length;
    }
    return names;
}

}  // namespace emulator
