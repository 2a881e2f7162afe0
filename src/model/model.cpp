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

void FieldLocations::set(std::uint64_t h, int line, int column) {
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
    const std::uint64_t h = PointerHash::of(pointer);
    for (const auto& e : m_entries) {
        if (e.hash == h) {
            return Location{file, e.line, e.column};
        }
    }
    return std::nullopt;
}

}  // namespace converge
