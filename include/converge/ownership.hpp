#pragma once
// Ownership: the tags converge writes on everything it creates or updates, and the one rule
// for "this stack owns that resource", which --prune, destroy, observe's search for orphans and
// apply's model containers all ask.
//
// The rule is the strict one: the resource's tag map (where its kind carries tags: KindInfo::tags)
// holds both managed-by=converge and converge-stack=<stack>, keys and values exactly as converge
// writes them, and the stack has a name. A resource tagged with the stack alone, or with the
// two tags in different maps, is not owned.
#include "converge/json.hpp"
#include "converge/kinds.hpp"

#include <string>
#include <string_view>

namespace converge::ownership {

inline constexpr std::string_view k_managed_by = "managed-by";
inline constexpr std::string_view k_managed_by_value = "converge";
inline constexpr std::string_view k_stack = "converge-stack";

/// The tags converge writes: {managed-by: converge, converge-stack: <stack>}.
Json tags(std::string_view stack);

/// Is `key` one of the ownership tags (ignoring case, as ARM compares tag names)?
bool is_ownership_tag(std::string_view key);

/// The tag map of a body whose kind carries its tags at `where`, or nullptr.
const Json* tags_of(const Json& body, TagsAt where);

/// Who a resource belongs to, as its tags say.
enum class Owner {
    this_stack,   ///< owned() holds
    other_stack,  ///< converge-stack names another stack
    untagged,     ///< no converge-stack tag: created outside converge (or by hand)
    no_tags,      ///< its kind carries no tags here (ArmResource without a location)
};
struct Ownership {
    Owner owner = Owner::untagged;
    std::string stack;  ///< the other stack (Owner::other_stack)
};
/// Whose is the resource with this body, whose kind carries its tags at `where`.
Ownership owner_of(const Json& body, std::string_view stack, TagsAt where);

/// Does this stack own the resource with this body (the rule above)?
bool owned(const Json& body, std::string_view stack, TagsAt where);
inline bool owned(const Json& body, std::string_view stack, const KindInfo& kind) {
    return owned(body, stack, kind.tags);
}

}  // namespace converge::ownership
