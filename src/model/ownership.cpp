#include "converge/ownership.hpp"

#include "converge/resource_id.hpp"

namespace converge::ownership {

namespace {

bool has(const Json::object_t& tags, std::string_view key, std::string_view value) {
    const auto it = tags.find(key);
    return it != tags.end() && it->second.is_string() && it->second.get_ref<const std::string&>() == value;
}

}  // namespace

Json tags(std::string_view stack) {
    return Json{{std::string(k_managed_by), std::string(k_managed_by_value)}, {std::string(k_stack), std::string(stack)}};
}

bool is_ownership_tag(std::string_view key) { return iequals(key, k_managed_by) || iequals(key, k_stack); }

const Json* tags_of(const Json& body, TagsAt where) {
    const Json* holder = &body;
    if (where == TagsAt::properties) {
        const auto props = body.is_object() ? body.find("properties") : body.end();
        if (props == body.end()) {
            return nullptr;
        }
        holder = &*props;
    }
    if (!holder->is_object()) {
        return nullptr;
    }
    const auto it = holder->find("tags");
    return it != holder->end() && it->is_object() ? &*it : nullptr;
}

bool owned(const Json& body, std::string_view stack, TagsAt where) {
    const Json* tags = tags_of(body, where);
    if (stack.empty() || tags == nullptr) {
        return false;
    }
    const auto& members = tags->get_ref<const Json::object_t&>();
    return has(members, k_managed_by, k_managed_by_value) && has(members, k_stack, stack);
}

Ownership owner_of(const Json& body, std::string_view stack, TagsAt where) {
    if (where == TagsAt::top_if_located && !(body.is_object() && body.contains("location"))) {
        return {Owner::no_tags, {}};
    }
    if (owned(body, stack, where)) {
        return {Owner::this_stack, {}};
    }
    const Json* tags = tags_of(body, where);
    if (tags != nullptr) {
        const auto& members = tags->get_ref<const Json::object_t&>();
        const auto it = members.find(k_stack);
        if (it != members.end() && it->second.is_string() && !it->second.get_ref<const std::string&>().empty() &&
            it->second.get_ref<const std::string&>() != stack) {
            return {Owner::other_stack, it->second.get<std::string>()};
        }
    }
    return {Owner::untagged, {}};
}

}  // namespace converge::ownership
