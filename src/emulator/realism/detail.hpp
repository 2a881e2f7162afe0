#pragma once
// Helpers shared by the realism_*.cpp files; not part of the emulator's interface.
#include "realism/realism.hpp"

#include <string>

namespace emulator::realism::detail {

/// Sets obj[key] = value when the key is absent or null.
void set_default(Json& obj, const std::string& key, Json value);
/// The value at `pointer` in `previous` if there is one, else `fallback`.
Json carried(const Json* previous, const std::string& pointer, Json fallback);
/// The object at body[key], created if absent or not an object.
Json& object_at(Json& body, const std::string& key);
/// A fresh GUID from the context (or a fixed one when the caller supplied no generator).
std::string new_guid(const Context& context);
/// The body's location, or "" when it has none.
std::string location_of(const Json& body);

/// Defaults of the Azure ML child types (computes, models, endpoints, deployments).
std::optional<Error> fill_compute(Json& body, const Context& context, const Json* previous, Write write);
void fill_model_container(Json& body);
void fill_model_version(Json& body);
void fill_environment_version(Json& body);
void fill_datastore(Json& body, const Context& context);
void fill_online_endpoint(Json& body, const Context& context, const Json* previous);
void fill_online_deployment(Json& body);

}  // namespace emulator::realism::detail
