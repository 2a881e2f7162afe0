#include "plan/diff_rules.hpp"

#include "converge/resource_id.hpp"

#include <map>

namespace converge::detail {

RuleTree::RuleTree(const KindInfo& kind) {
    m_nodes.push_back({});
    for (auto p : kind.read_only) {
        add(p, k_read_only);
    }
    for (auto p : kind.create_only) {
        add(p, k_create_only);
    }
    for (auto p : kind.secret) {
        add(p, k_secret);
    }
    for (auto p : kind.durations) {
        add(p, k_duration);
    }
    for (auto p : kind.case_insensitive) {
        add(p, k_case_insensitive);
    }
    for (auto p : kind.write_only) {
        add(p, k_write_only);
    }
    for (const auto& [p, value] : kind.resolved_at_create) {
        add(p, k_placeholder, value);
    }
}

const RuleTree& RuleTree::of(const KindInfo* kind) {
    static const std::map<const KindInfo*, RuleTree> trees = [] {
        std::map<const KindInfo*, RuleTree> out;
        for (const auto& k : all_kinds()) {
            out.emplace(&k, RuleTree(k));
        }
        return out;
    }();
    static const RuleTree empty(KindInfo{});
    const auto it = trees.find(kind);
    return it == trees.end() ? empty : it->second;
}

int RuleTree::child(int node, std::string_view key) {
    for (int c : m_nodes[node].children) {
        if (m_nodes[c].key == key) {
            return c;
        }
    }
    m_nodes.push_back({std::string(key), 0, key == "*", {}, {}});
    const int id = static_cast<int>(m_nodes.size()) - 1;
    m_nodes[node].children.push_back(id);
    return id;
}

void RuleTree::add(std::string_view pointer, std::uint8_t flag, std::string_view placeholder) {
    int node = 0;
    std::size_t i = 0;
    while (i < pointer.size()) {
        const std::size_t next = pointer.find('/', i + 1);
        const auto seg = pointer.substr(i + 1, (next == std::string_view::npos ? pointer.size() : next) - i - 1);
        node = child(node, seg);
        i = next == std::string_view::npos ? pointer.size() : next;
    }
    m_nodes[node].flags |= flag;
    if (!placeholder.empty()) {
        m_nodes[node].placeholder = std::string(placeholder);
    }
}

RuleTree::Cursor RuleTree::root() const {
    Cursor c;
    c.nodes[0] = 0;
    c.count = 1;
    c.flags = m_nodes[0].flags;
    return c;
}

RuleTree::Cursor RuleTree::step(const Cursor& at, std::string_view key) const {
    Cursor out;
    // Inherited classes flow down; the placeholder applies to its own node only.
    out.flags = static_cast<std::uint8_t>(at.flags & ~k_placeholder);
    for (int i = 0; i < at.count; ++i) {
        for (int c : m_nodes[at.nodes[i]].children) {
            const auto& n = m_nodes[c];
            const bool match = n.any || (n.key.size() == key.size() && iequals(n.key, key));
            if (match && out.count < static_cast<int>(out.nodes.size())) {
                out.nodes[out.count++] = c;
                out.flags |= n.flags;
            }
        }
    }
    return out;
}

std::string_view RuleTree::placeholder(const Cursor& at) const {
    for (int i = 0; i < at.count; ++i) {
        if (!m_nodes[at.nodes[i]].placeholder.empty()) {
            return m_nodes[at.nodes[i]].placeholder;
        }
    }
    return {};
}

const Json* find_member(const Json& o, const std::string& key) {
    if (!o.is_object()) {
        return nullptr;
    }
    const auto it = o.find(key);
    if (it != o.end()) {
        return &*it;
    }
    for (auto m = o.begin(); m != o.end(); ++m) {
        if (iequals(m.key(), key)) {
            return &*m;
        }
    }
    return nullptr;
}

MemberCursor::MemberCursor(const Json* o) {
    if (o && o->is_object()) {
        m_object = &o->get_ref<const Json::object_t&>();
        m_at = m_object->begin();
    }
}

std::size_t MemberCursor::position(const std::string& key) {
    if (!m_object) {
        return npos;
    }
    for (; m_at != m_object->end(); ++m_at) {
        const int order = m_at->first.compare(key);
        if (order == 0) {
            return static_cast<std::size_t>(m_at - m_object->begin());
        }
        if (order > 0) {
            break;
        }
    }
    for (auto m = m_object->begin(); m != m_object->end(); ++m) {
        if (iequals(m->first, key)) {
            return static_cast<std::size_t>(m - m_object->begin());
        }
    }
    return npos;
}

}  // namespace converge::detail
