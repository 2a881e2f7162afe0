// Validator errors -> `file:line:col: error: ...` with the expected type or values and
// "did you mean". The validator only says what failed where; the schema JSON says what
// was expected there.
#include "schema/internal.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace converge::schema {

namespace {

/// The member `key` of an object, or null (one lookup instead of contains + operator[]).
const Json* member(const Json& j, std::string_view key) {
    if (!j.is_object()) {
        return nullptr;
    }
    const auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

const Json* resolve_ref(const Json& root, const Json& node) {
    const Json* n = &node;
    for (int depth = 0; depth < 16 && n->is_object() && n->contains("$ref"); ++depth) {
        const std::string& ref = (*n)["$ref"].get_ref<const std::string&>();
        const std::string prefix = "#/definitions/";
        if (!ref.starts_with(prefix)) {
            break;
        }
        n = &root["definitions"][ref.substr(prefix.size())];
    }
    return n;
}

/// Does the instance satisfy a simple `if` ({properties: {k: {const: v}}, required: [...]})?
bool if_matches(const Json& condition, const Json* instance) {
    if (instance == nullptr || !instance->is_object()) {
        return false;
    }
    if (condition.contains("properties")) {
        for (const auto& [k, v] : condition["properties"].items()) {
            if (!instance->contains(k)) {
                return false;
            }
            if (v.contains("const") && (*instance)[k] != v["const"]) {
                return false;
            }
            if (v.contains("type") && v["type"] == "object" && !(*instance)[k].is_object()) {
                return false;
            }
        }
    }
    if (condition.contains("type") && condition["type"] == "object") {
        return instance->is_object();
    }
    return true;
}

void expand(const Json& root, const Json& node, const Json* instance, std::vector<const Json*>& out,
            bool* looked) {
    const Json* n = resolve_ref(root, node);
    if (!n->is_object()) {
        return;
    }
    out.push_back(n);
    if (const Json* all_of = member(*n, "allOf")) {
        for (const auto& branch : *all_of) {
            expand(root, branch, instance, out, looked);
        }
    }
    const Json* condition = member(*n, "if");
    const Json* then = member(*n, "then");
    if (condition != nullptr && then != nullptr) {
        if (looked != nullptr) {
            *looked = true;
        }
        if (if_matches(*condition, instance)) {
            expand(root, *then, instance, out, looked);
        }
    }
}

const Json* child_of(const Json* instance, const std::string& segment) {
    if (instance == nullptr) {
        return nullptr;
    }
    if (instance->is_object()) {
        auto it = instance->find(segment);
        return it == instance->end() ? nullptr : &*it;
    }
    if (instance->is_array() && !segment.empty() && segment.find_first_not_of("0123456789") == std::string::npos) {
        const auto i = std::stoul(segment);
        return i < instance->size() ? &(*instance)[i] : nullptr;
    }
    return nullptr;
}

}  // namespace

std::vector<const Json*> schemas_below(const Json& root, const std::vector<const Json*>& schemas,
                                       std::string_view segment, const Json* child, bool* looked) {
    std::vector<const Json*> out;
    for (const Json* s : schemas) {
        const Json* properties = member(*s, "properties");
        const Json* declared = properties != nullptr ? member(*properties, segment) : nullptr;
        const Json* items = declared == nullptr ? member(*s, "items") : nullptr;
        const Json* additional = declared == nullptr && (items == nullptr || !items->is_object())
                                     ? member(*s, "additionalProperties")
                                     : nullptr;
        if (declared != nullptr) {
            expand(root, *declared, child, out, looked);
        } else if (items != nullptr && items->is_object()) {
            expand(root, *items, child, out, looked);
        } else if (additional != nullptr && additional->is_object()) {
            expand(root, *additional, child, out, looked);
        }
    }
    return out;
}

std::vector<const Json*> schemas_at(const Json& root_schema, const Json& instance, std::string_view pointer,
                                    bool* looked) {
    std::vector<const Json*> schemas;
    const Json* node = &instance;
    expand(root_schema, root_schema, node, schemas, looked);
    std::size_t i = 0;
    while (i < pointer.size() && !schemas.empty()) {
        const auto next = pointer.find('/', i + 1);
        const std::string segment =
            json_pointer::unescape(pointer.substr(i + 1, (next == std::string_view::npos ? pointer.size() : next) - i - 1));
        node = child_of(node, segment);
        schemas = schemas_below(root_schema, schemas, segment, node, looked);
        if (next == std::string_view::npos) {
            break;
        }
        i = next;
    }
    return schemas;
}

}  // namespace converge::schema
