#include "converge/resource_id.hpp"

#include <algorithm>
#include <cctype>

namespace converge {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
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
}  // namespace

std::optional<ResourceId> ResourceId::parse(std::string_view text) {
    if (text.empty() || text.front() != '/') {
        return std::nullopt;
    }
    const auto parts = split_path(text);
    // /subscriptions/{s}[/resourceGroups/{g}[/providers/{ns}/{type}/{name}(/{type}/{name})*]]
    if (parts.size() < 2 || !iequals(parts[0], "subscriptions")) {
        return std::nullopt;
    }
    ResourceId id;
    id.m_subscription = std::string(parts[1]);
    std::size_t i = 2;
    if (i < parts.size()) {
        if (!iequals(parts[i], "resourceGroups") || i + 1 >= parts.size()) {
            return std::nullopt;
        }
        id.m_group = std::string(parts[i + 1]);
        i += 2;
    }
    if (i < parts.size()) {
        if (!iequals(parts[i], "providers") || i + 1 >= parts.size()) {
            return std::nullopt;
        }
        id.m_namespace = std::string(parts[i + 1]);
        i += 2;
        const std::size_t rest = parts.size() - i;
        if (rest == 0 || rest % 2 != 0) {
            return std::nullopt;
        }
        for (; i < parts.size(); i += 2) {
            id.m_segments.emplace_back(std::string(parts[i]), std::string(parts[i + 1]));
        }
    }
    id.rebuild();
    return id;
}

ResourceId ResourceId::for_subscription(std::string_view subscription) {
    ResourceId id;
    id.m_subscription = std::string(subscription);
    id.rebuild();
    return id;
}

ResourceId ResourceId::for_resource_group(std::string_view subscription, std::string_view group) {
    ResourceId id = for_subscription(subscription);
    id.m_group = std::string(group);
    id.rebuild();
    return id;
}

ResourceId ResourceId::for_resource(std::string_view subscription, std::string_view group,
                                    std::string_view type, std::string_view name) {
    ResourceId id = for_resource_group(subscription, group);
    const auto types = split_path(type);
    const auto names = split_path(name);
    if (types.empty()) {
        return id;
    }
    id.m_namespace = std::string(types[0]);
    for (std::size_t k = 1; k < types.size(); ++k) {
        const std::size_t n = k - 1;
        id.m_segments.emplace_back(std::string(types[k]),
                                   n < names.size() ? std::string(names[n]) : std::string{});
    }
    id.rebuild();
    return id;
}

ResourceId ResourceId::child(std::string_view type, std::string_view name) const {
    ResourceId id = *this;
    id.m_segments.emplace_back(std::string(type), std::string(name));
    id.rebuild();
    return id;
}

ResourceId ResourceId::parent() const {
    ResourceId id = *this;
    if (id.m_segments.size() > 0) {
        id.m_segments.pop_back();
        if (id.m_segments.empty()) {
            id.m_namespace.clear();
        }
    } else if (!id.m_group.empty()) {
        id.m_group.clear();
    } else {
        return ResourceId{};
    }
    id.rebuild();
    return id;
}

std::string ResourceId::type() const {
    if (m_segments.empty()) {
        return m_group.empty() ? "Microsoft.Resources/subscriptions" : "Microsoft.Resources/resourceGroups";
    }
    std::string out = m_namespace;
    for (const auto& [type, name] : m_segments) {
        out += '/';
        out += type;
    }
    return out;
}

std::string ResourceId::name() const {
    if (!m_segments.empty()) {
        return m_segments.back().second;
    }
    return m_group.empty() ? m_subscription : m_group;
}

bool ResourceId::is_resource_group() const { return !m_group.empty() && m_segments.empty(); }

void ResourceId::rebuild() {
    m_text = "/subscriptions/" + m_subscription;
    if (!m_group.empty()) {
        m_text += "/resourceGroups/" + m_group;
    }
    if (!m_segments.empty()) {
        m_text += "/providers/" + m_namespace;
        for (const auto& [type, name] : m_segments) {
            m_text += '/' + type + '/' + name;
        }
    }
    m_key = to_lower(m_text);
}

}  // namespace converge
