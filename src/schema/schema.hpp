#pragma once
// JSON Schema checks of manifest documents and converge.yaml, with compiler-style messages.
// The schemas live in schemas/*.json and are embedded into the binary at build time.
#include "manifest/internal.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace converge::schema {

/// The text of an embedded schema by file stem ("compute", "manifest", "plan"); "" if none.
std::string_view embedded(std::string_view name);

/// The schema file stem of a kind: "compute" for Compute.
std::string schema_name(const KindInfo& kind);

/// Checks a manifest document: the envelope, and spec against the kind's schema when
/// `kind` is known. `sensitive` holds document pointers whose values must not be printed.
void validate_document(const manifest::YamlDocument& doc, const KindInfo* kind,
                       const std::vector<std::string>& sensitive, Diagnostics& diagnostics);

/// Checks converge.yaml.
void validate_config(const manifest::YamlDocument& doc, Diagnostics& diagnostics);

}  // namespace converge::schema
