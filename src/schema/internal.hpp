#pragma once
// Shared by schema.cpp (valijson) and schema/messages.cpp (turning its errors into diagnostics).
#include "schema/schema.hpp"

#include <string>
#include <vector>

namespace converge::schema {

/// One raw validator error: the instance path ("<root>", "[spec]", "[0]") and its text.
struct RawError {
    std::vector<std::string> context;
    std::string description;
};

/// What the message builder needs to know about the document being checked.
struct Subject {
    const manifest::YamlDocument& doc;
    const Json& schema;      ///< the composed schema (envelope + kind)
    const KindInfo* kind;    ///< nullptr for converge.yaml or an unknown kind
    const std::vector<std::string>& sensitive;
    bool config = false;     ///< converge.yaml (the loader checks a manifest's apiVersion and kind itself)
};

/// Turns validator errors into diagnostics: location, expected type or values, did-you-mean.
void report_errors(const Subject& subject, const std::vector<RawError>& errors, Diagnostics& diagnostics);

/// Cross-field rules Azure enforces for the kind (schema/rules.cpp): min <= max node counts, ...
void check_rules(const manifest::YamlDocument& doc, const KindInfo& kind, Diagnostics& diagnostics);

/// Warns about unknown keys in pass-through objects that look like a known field.
void warn_near_misses(const Subject& subject, Diagnostics& diagnostics);

/// The schemas that apply at `pointer` of the instance (following $ref, allOf, if/then).
/// `*looked` is set when an `if` was evaluated against the instance.
std::vector<const Json*> schemas_at(const Json& root_schema, const Json& instance, std::string_view pointer,
                                    bool* looked = nullptr);

/// The schemas of the child `segment` given the schemas of its parent; `*looked` as above.
std::vector<const Json*> schemas_below(const Json& root_schema, const std::vector<const Json*>& schemas,
                                       std::string_view segment, const Json* child, bool* looked = nullptr);

}  // namespace converge::schema
