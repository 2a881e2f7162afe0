#pragma once
// Per-kind field classes compiled once into a segment tree, so the differ classifies each
// field by following one child per JSON key (no pattern matching per field).
#include "converge/json.hpp"
#include "converge/kinds.hpp"
#include "converge/model.hpp"
#include "converge/plan.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace converge::detail {

/// Field classes; a class set on a node applies to its whole subtree.
enum RuleFlag : std::uint8_t {
    k_read_only = 1,
    k_create_only = 2,
    k_secret = 4,
    k_duration = 8,
    k_case_insensitive = 16,
    k_write_only = 32,
    k_placeholder = 64,  ///< the node holds a resolved-at-create placeholder value
};

/// A compiled KindInfo.
class RuleTree {
public:
    /// A position in the tree: up to four nodes (literal and wildcard branches) plus the
    /// classes inherited from ancestors.
    struct Cursor {
        std::array<int, 4> nodes{};
        int count = 0;
        std::uint8_t flags = 0;
    };

    explicit RuleTree(const KindInfo& kind);
    /// The rules of `kind` (built once per kind); nullptr kind gives the envelope-free empty tree.
    static const RuleTree& of(const KindInfo* kind);

    Cursor root() const;
    /// The cursor for child `key` (an object member or an array index).
    Cursor step(const Cursor& at, std::string_view key) const;
    /// The placeholder value at this node, when flags has k_placeholder.
    std::string_view placeholder(const Cursor& at) const;

private:
    struct Node {
        std::string key;  // "*" = any
        std::uint8_t flags = 0;
        bool any = false;  // key == "*"
        std::string placeholder;
        std::vector<int> children;
    };

    void add(std::string_view pointer, std::uint8_t flag, std::string_view placeholder = {});
    int child(int node, std::string_view key);

    std::vector<Node> m_nodes;
};

/// The member `key` of object `o`: exact first, then ignoring case (ARM property names are
/// case-insensitive); nullptr when absent or when `o` is not an object.
const Json* find_member(const Json& o, const std::string& key);

/// find_member for the keys of another object taken in order (ascending, as objects iterate):
/// one forward walk over `o`'s members instead of a lookup per key. This is how the differ
/// matches a desired member with an observed one; observe's projection uses it too, so both
/// keep exactly the members the differ compares.
class MemberCursor {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    /// `o` may be nullptr or not an object: every key is then absent.
    explicit MemberCursor(const Json* o);
    /// find_member(o, key); keys must come in ascending order.
    const Json* find(const std::string& key) {
        const std::size_t at = position(key);
        return at == npos ? nullptr : &(m_object->begin() + static_cast<std::ptrdiff_t>(at))->second;
    }
    /// The same member as find, as its position among `o`'s members (npos when absent).
    std::size_t position(const std::string& key);

private:
    const Json::object_t* m_object = nullptr;
    Json::object_t::const_iterator m_at;
};

/// diff_resource into a default-constructed `change`, without Change::depends_on (the planner
/// fills it from the graph).
void diff_fields(const Resource& desired, const Json* observed, Change& change);

}  // namespace converge::detail
