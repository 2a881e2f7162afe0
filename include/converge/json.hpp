#pragma once
// The one JSON type of the core library: nlohmann::json, behind a short name.
#include <nlohmann/json.hpp>

namespace converge {
/// A JSON value (ARM request and response bodies, manifest specs, plans).
using Json = nlohmann::json;
}  // namespace converge
