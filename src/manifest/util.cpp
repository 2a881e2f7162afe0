// Small helpers of the manifest loader: positions, pointers, file reading, identity lookup.
#include "manifest/internal.hpp"

#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace converge::manifest {

const NodePosition* YamlDocument::find(std::string_view pointer) const {
    // From the back: a key set explicitly after a `<<` merge overrides the merged one.
    const std::uint64_t h = PointerHash::of(pointer);
    for (auto it = positions.rbegin(); it != positions.rend(); ++it) {
        if (it->hash == h) {
            return &it->pos;
        }
    }
    return nullptr;
}

Location YamlDocument::value_at(std::string_view pointer) const {
    while (true) {
        if (const auto* p = find(pointer)) {
            return at(p->value);
        }
        const auto slash = pointer.rfind('/');
        if (slash == std::string_view::npos) {
            return at(start);
        }
        pointer = pointer.substr(0, slash);
    }
}

Location YamlDocument::key_at(std::string_view pointer) const {
    if (const auto* p = find(pointer)) {
        return at(p->key);
    }
    return value_at(pointer);
}

const std::string* YamlDocument::raw(std::string_view pointer) const {
    const std::uint64_t h = PointerHash::of(pointer);
    for (const auto& [p, text] : raw_scalars) {
        if (p == h) {
            return &text;
        }
    }
    return nullptr;
}

bool YamlDocument::is_plain(std::string_view pointer) const {
    const std::uint64_t h = PointerHash::of(pointer);
    for (const auto p : plain_templates) {
        if (p == h) {
            return true;
        }
    }
    return false;
}

std::string display_path(std::string_view pointer) {
    std::string out;
    json_pointer::for_each_segment(pointer, [&](std::string_view segment) {
        const bool index = !segment.empty() &&
                           segment.find_first_not_of("0123456789") == std::string_view::npos;
        if (index) {
            out += fmt::format("[{}]", segment);
        } else {
            if (!out.empty()) {
                out += '.';
            }
            out += json_pointer::unescape(segment);
        }
    });
    return out;
}

bool read_file(const std::string& path, std::string& text, Diagnostics& diagnostics) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diagnostics.error({path, 0, 0}, "cannot read file");
        return false;
    }
    // Sized once: a stream copy grows by doubling and holds up to twice the file.
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    in.seekg(0, std::ios::beg);
    if (size < 0) {
        std::ostringstream ss;
        ss << in.rdbuf();
        text = std::move(ss).str();
        return true;
    }
    text.resize(static_cast<std::size_t>(size));
    in.read(text.data(), size);
    text.resize(static_cast<std::size_t>(in.gcount()));
    return true;
}

namespace {

struct RefParts {
    std::string kind;
    std::string scope;
    std::string name;
    std::string version;
};

std::optional<RefParts> split_ref(std::string_view ref) {
    RefParts parts;
    const auto first = ref.find('/');
    if (first == std::string_view::npos || first == 0) {
        return std::nullopt;
    }
    parts.kind = std::string(ref.substr(0, first));
    std::string_view rest = ref.substr(first + 1);
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
        parts.version = std::string(rest.substr(at + 1));
        rest = rest.substr(0, at);
    }
    if (const auto second = rest.find('/'); second != std::string_view::npos) {
        parts.scope = std::string(rest.substr(0, second));
        rest = rest.substr(second + 1);
    }
    parts.name = std::string(rest);
    if (parts.name.empty() || parts.name.find('/') != std::string::npos) {
        return std::nullopt;
    }
    return parts;
}

}  // namespace

namespace {

/// FNV-1a over "kind/name".
std::size_t name_hash(std::string_view kind, std::string_view name) {
    std::size_t h = 14695981039346656037ull;
    const auto add = [&h](std::string_view text) {
        for (const char c : text) {
            h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        }
    };
    add(kind);
    add("/");
    add(name);
    return h;
}

}  // namespace

std::size_t Identities::slot_of(std::size_t hash, std::string_view kind, std::string_view name) const {
    const std::size_t mask = m_slots.size() - 1;
    for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
        const NameSlot& slot = m_slots[s];
        if (slot.first == k_none) {
            return s;
        }
        // Kind names hold no '/', so "Kind/name" keys are equal when both parts are.
        if (slot.hash == hash && m_list[slot.first].kind->name == kind && m_list[slot.first].name == name) {
            return s;
        }
    }
}

void Identities::grow() {
    std::vector<NameSlot> old(m_slots.size() < 16 ? 16 : 2 * m_slots.size());
    old.swap(m_slots);
    const std::size_t mask = m_slots.size() - 1;
    for (const NameSlot& slot : old) {
        if (slot.first != k_none) {
            std::size_t s = slot.hash & mask;
            while (m_slots[s].first != k_none) {
                s = (s + 1) & mask;
            }
            m_slots[s] = slot;
        }
    }
}

void Identities::add(Identity identity) {
    if (2 * (m_names + 1) > m_slots.size()) {
        grow();
    }
    const auto at = static_cast<std::uint32_t>(m_list.size());
    const std::size_t hash = name_hash(identity.kind->name, identity.name);
    const std::size_t s = slot_of(hash, identity.kind->name, identity.name);
    m_list.push_back(std::move(identity));
    m_next.push_back(k_none);
    NameSlot& slot = m_slots[s];
    if (slot.first == k_none) {
        slot = {hash, at, at};
        ++m_names;
    } else {
        m_next[slot.last] = at;
        slot.last = at;
    }
}

RefLookup Identities::find(std::string_view ref) const {
    const auto parts = split_ref(ref);
    if (!parts) {
        return {nullptr, fmt::format("invalid reference \"{}\" (expected Kind/name)", ref)};
    }
    if (find_kind(parts->kind) == nullptr) {
        const auto guess = did_you_mean(parts->kind, kind_names());
        return {nullptr, fmt::format("unknown kind \"{}\" in reference \"{}\"{}", parts->kind, ref,
                                     guess.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", guess))};
    }
    const Identity* found = nullptr;
    int matches = 0;
    const std::size_t first = m_slots.empty() ? k_none
        : m_slots[slot_of(name_hash(parts->kind, parts->name), parts->kind, parts->name)].first;
    for (std::uint32_t index = first; index != k_none; index = m_next[index]) {
        const Identity& identity = m_list[index];
        if (!parts->scope.empty() && !iequals(identity.scope, parts->scope)) {
            continue;
        }
        if (!parts->version.empty() && identity.version != parts->version) {
            continue;
        }
        if (found == nullptr || found->id != identity.id) {
            ++matches;
        }
        if (found == nullptr) {
            found = &identity;
        }
    }
    if (matches == 0) {
        return {nullptr, fmt::format("reference to undefined resource \"{}\"", ref)};
    }
    if (matches > 1) {
        const char* how = parts->kind == "Model" ? "Model/name@version or Model/workspace/name@version"
                                                 : "Kind/scope/name";
        return {nullptr, fmt::format("ambiguous reference \"{}\": {} resources match (qualify it as {})", ref,
                                     matches, how)};
    }
    return {found, {}};
}

}  // namespace converge::manifest
