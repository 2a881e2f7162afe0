#pragma once
// valijson's nlohmann adapter for converge::Json. The adapter names `nlohmann::json`; the alias
// below, seen first inside valijson::adapters, makes it adapt converge::Json (basic_json with
// sorted-vector objects). Every file that validates converge::Json with valijson includes this
// header instead of the adapter, so all of them see one definition of the adapter classes.
#include "converge/json.hpp"

namespace valijson::adapters::nlohmann {
using json = converge::Json;
}  // namespace valijson::adapters::nlohmann

#include <valijson/adapters/nlohmann_json_adapter.hpp>
