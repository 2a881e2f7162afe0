#include "converge/model.hpp"

namespace converge {

const Resource* DesiredSet::find(const ResourceId& id) const {
    for (const auto& r : resources) {
        if (r.id == id) {
            return &r;
        }
    }
    return nullptr;
}

namespace {

std::uint64_t pointer_hash(std::string_view pointer) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a
    for (const char c : pointer) {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    return h;
}

}  // namespace

void FieldLocations::set(std::string_view pointer, int line, int column) {
    const std::uint64_t h = pointer_hash(pointer);
    for (auto& e : m_entries) {
        if (e.hash == h) {
            e.line = line;
            e.column = column;
            return;
        }
    }
    m_entries.push_back({h, line, column});
}

std::optional<Location> FieldLocations::find(std::string_view pointer, const std::string& file) const {
    const std::uint64_t h = pointer_hash(pointer);
    for (const auto& e : m_entries) {
        if (e.hash == h) {
            return Location{file, e.line, e.column};
        }
    }
    return std::nullopt;
}

}  // namespace converge
