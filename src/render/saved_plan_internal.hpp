#pragma once
// Internal pieces of saved plans, shared by src/saved_plan.cpp (the file format) and
// src/saved_plan_io.cpp (resources as JSON, secrets removed, the inputs digest).
#include "converge/json.hpp"
#include "converge/model.hpp"
#include "converge/redact.hpp"

#include <string>
#include <vector>

namespace converge::detail {

/// The body of `r` without its secrets (fields the schema or the manifest marks secret, and any
/// string holding a secret `scrubber` knows); the removed pointers are appended to `removed`.
Json body_without_secrets(const Resource& r, const Scrubber& scrubber, std::vector<std::string>& removed);

/// A desired resource as a saved plan records it, with `body` in place of its own.
Json resource_to_json(const Resource& r, Json body);

/// What resource_to_json wrote; throws std::runtime_error when malformed.
Resource resource_from_json(const Json& j);

}  // namespace converge::detail
