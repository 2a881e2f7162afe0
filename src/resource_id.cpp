#include "converge/resource_id.hpp"

#include "bytes.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace converge {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    // Equal bytes are skipped eight at a time (ids usually agree in case); case is folded only
    // where the bytes differ.
    const std::size_t n = a.size();
    std::size_t i = 0;
    while (true) {
        i = first_difference(a, b, i);
        if (i == n) {
            return true;
        }
        if (ascii_lower(a[i]) != ascii_lower(b[i])) {
            return false;
        }
        ++i;
    }
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

namespace {

std::vector<std::string_view> split_path(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t j = text.find('/', i);
        const std::size_t end = j == std::string_view::npos ? text.size() : j;
        if (end > i) {
            parts.push_back(text.substr(i, end - i));
        }
        i = end + 1;
    }
    return parts;
}

/// The parts of an id, as views into its text.
struct Parts {
    std::string_view subscription;
    std::string_view group;
    std::string_view ns;
    std::vector<std::pair<std::string_view, std::string_view>> segments;  // (type, name) below ns
};

/// /subscriptions/{s}[/resourceGroups/{g}[/providers/{ns}/{type}/{name}(/{type}/{name})*]]
std::optional<Parts> split_id(std::string_view text) {
    if (text.empty() || text.front() != '/') {
        return std::nullopt;
    }
    const auto parts = split_path(text);
    if (parts.size() < 2 || !iequals(parts[0], "subscriptions")) {
        return std::nullopt;
    }
    Parts out;
    out.subscription = parts[1];
    std::size_t i = 2;
    if (i < parts.size()) {
        if (!iequals(parts[i], "resourceGroups") || i + 1 >= parts.size()) {
            return std::nullopt;
        }
        out.group = parts[i + 1];
        i += 2;
    }
    if (i < parts.size()) {
        if (!iequals(parts[i], "providers") || i + 1 >= parts.size()) {
            return std::nullopt;
        }
        out.ns = parts[i + 1];
        i += 2;
        const std::size_t rest = parts.size() - i;
        if (rest == 0 || rest % 2 != 0) {
            return std::nullopt;
        }
        for (; i < parts.size(); i += 2) {
            out.segments.emplace_back(parts[i], parts[i + 1]);
        }
    }
    return out;
}

/// The canonical text of an id made of these parts.
std::string compose(const Parts& p) {
    std::string text;
    text.reserve(64);
    text += "/subscriptions/";
    text += p.subscription;
    if (!p.group.empty()) {
        text += "/resourceGroups/";
        text += p.group;
    }
    if (!p.segments.empty()) {
        text += "/providers/";
        text += p.ns;
        for (const auto& [type, name] : p.segments) {
            text += '/';
            text += type;
            text += '/';
            text += name;
        }
    }
    return text;
}

Parts parts_of(const std::string& text) {
    auto p = split_id(text);
    return p ? std::move(*p) : Parts{};
}

}  // namespace

std::optional<ResourceId> ResourceId::parse(std::string_view text) {
    const auto parts = split_id(text);
    if (!parts) {
        return std::nullopt;
    }
    return from_text(compose(*parts));
}

ResourceId ResourceId::for_subscription(std::string_view subscription) {
    Parts p;
    p.subscription = subscription;
    return from_text(compose(p));
}

ResourceId ResourceId::for_resource_group(std::string_view subscription, std::string_view group) {
    Parts p;
    p.subscription = subscription;
    p.group = group;
    return from_text(compose(p));
}

ResourceId ResourceId::for_resource(std::string_view subscription, std::string_view group,
                                    std::string_view type, std::string_view name) {
    Parts p;
    p.subscription = subscription;
    p.group = group;
    const auto types = split_path(type);
    const auto names = split_path(name);
    if (!types.empty()) {
        p.ns = types[0];
        for (std::size_t k = 1; k < types.size(); ++k) {
            const std::size_t n = k - 1;
            p.segments.emplace_back(types[k], n < names.size() ? names[n] : std::string_view{});
        }
    }
    return from_text(compose(p));
}

ResourceId ResourceId::child(std::string_view type, std::string_view name) const {
    Parts p = parts_of(m_text);
    p.segments.emplace_back(type, name);
    return from_text(compose(p));
}

ResourceId ResourceId::parent() const {
    Parts p = parts_of(m_text);
    if (!p.segments.empty()) {
        p.segments.pop_back();
    } else if (!p.group.empty()) {
        p.group = {};
    } else {
        return ResourceId{};
    }
    return from_text(compose(p));
}

std::string ResourceId::subscription() const { return std::string(parts_of(m_text).subscription); }
std::string ResourceId::resource_group() const { return std::string(parts_of(m_text).group); }

std::string ResourceId::provider_namespace() const {
    const Parts p = parts_of(m_text);
    return p.segments.empty() ? std::string{} : std::string(p.ns);
}

std::string ResourceId::type() const {
    const Parts p = parts_of(m_text);
    if (p.segments.empty()) {
        return p.group.empty() ? "Microsoft.Resources/subscriptions" : "Microsoft.Resources/resourceGroups";
    }
    std::string out(p.ns);
    for (const auto& [type, name] : p.segments) {
        out += '/';
        out += type;
    }
    return out;
}

std::string ResourceId::name() const {
    const Parts p = parts_of(m_text);
    if (!p.segments.empty()) {
        return std::string(p.segments.back().second);
    }
    return std::string(p.group.empty() ? p.subscription : p.group);
}

bool ResourceId::is_resource_group() const {
    const Parts p = parts_of(m_text);
    return !p.group.empty() && p.segments.empty();
}

std::string ResourceId::key() const { return to_lower(m_text); }

ResourceId ResourceId::from_text(std::string text) {
    ResourceId id;
    id.m_text = std::move(text);
    std::size_t h = 14695981039346656037ull;  // FNV-1a over the lower-cased text
    for (const char c : id.m_text) {
        h = (h ^ static_cast<unsigned char>(ascii_lower(c))) * 1099511628211ull;
    }
    id.m_hash = h;
    return id;
}

bool operator==(const ResourceId& a, const ResourceId& b) {
    return a.m_hash == b.m_hash && iequals(a.m_text, b.m_text);
}

std::strong_ordering operator<=>(const ResourceId& a, const ResourceId& b) {
    const std::size_t n = std::min(a.m_text.size(), b.m_text.size());
    for (std::size_t i = 0; i < n; ++i) {
        const char x = ascii_lower(a.m_text[i]);
        const char y = ascii_lower(b.m_text[i]);
        if (x != y) {
            return static_cast<unsigned char>(x) <=> static_cast<unsigned char>(y);
        }
    }
    return a.m_text.size() <=> b.m_text.size();
}

}  // namespace converge
