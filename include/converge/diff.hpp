#pragma once
// The differ: what the manifest sets, compared with what Azure returned, without false positives.
// Rules (docs/plan.md "Diff rules"): only fields the manifest sets are compared; read-only,
// write-only and secret fields never differ; ARM ids, locations, durations, case-insensitive
// enums, numbers and top-level tags are compared by meaning, not by text.
#include "converge/json.hpp"
#include "converge/model.hpp"
#include "converge/plan.hpp"
#include "converge/redact.hpp"

#include <string>
#include <string_view>

namespace converge {

/// The change that takes `observed` (nullptr = absent) to `desired`: noop, create, update or
/// replace (a create-only field differs), with per-field before -> after, secrets redacted.
Change diff_resource(const Resource& desired, const Json* observed);

/// The observed values of the fields `desired` sets (absent ones as null; read-only, write-only
/// and secret fields left out): what a saved plan records to detect changes since planning.
Json observed_projection(const Resource& desired, const Json& observed);

/// Fields of `now` that differ from a projection saved by observed_projection, as pointers.
std::vector<std::string> projection_drift(const Resource& desired, const Json& projection, const Json& now);

/// "/properties/properties/vmSize" -> "properties.properties.vmSize".
std::string dotted_path(std::string_view pointer);

}  // namespace converge
