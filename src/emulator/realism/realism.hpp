#pragma once
// Azure's server-side rewrites of what it is sent: canonical locations, id casing, duration
// normalisation, defaults it fills in, server-generated fields and write-only fields.
// Every rule, with its source, is listed in docs/emulator-realism.md.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace emulator::realism {

using Json = nlohmann::json;

/// An ARM error the caller turns into `{"error": {code, message, target}}` with `status`.
struct Error {
    int status = 400;
    std::string code;
    std::string message;
    std::string target;
    /// The ARM error body.
    Json to_json() const;
};

/// One public Azure region: canonical name ("westeurope") and display name ("West Europe").
struct Region {
    std::string_view name;
    std::string_view display_name;
};

/// Every physical public-cloud region accepted as a location, in a stable order.
std::span<const Region> regions();
/// The canonical lowercase region for a canonical or display name, any case and spacing.
std::optional<std::string> canonical_location(std::string_view text);
/// Rewrites body["location"] to its canonical form; an unknown region is a 400 naming them all.
std::optional<Error> normalize_location(Json& body, std::string_view resource_type);

/// A non-negative ISO-8601 duration in 100 ns ticks (.NET TimeSpan), or nullopt if invalid.
std::optional<std::int64_t> parse_duration(std::string_view text);
/// The canonical form of a tick count: "PT30M", "P1DT2H", "PT0.5S", "PT0S".
std::string format_duration(std::int64_t ticks);
/// The canonical form of an ISO-8601 duration, or nullopt if invalid.
std::optional<std::string> canonical_duration(std::string_view text);

/// Lower-cases an ARM id, as Azure ML returns a workspace's linked resource ids.
std::string lower_id(std::string_view id);
/// Rewrites the fixed segments of an ARM id (resourceGroups, providers, namespaces, types)
/// in the casing Azure returns; names keep the casing they were given.
std::string canonical_id(std::string_view id);

/// The resource types the realism rules know.
enum class Kind {
    resource_group,
    storage_account,
    key_vault,
    app_insights,
    container_registry,
    workspace,
    compute,
    model_container,
    model_version,
    environment_version,
    datastore,
    online_endpoint,
    online_deployment,
    other,
};
/// The kind of an ARM type such as "Microsoft.MachineLearningServices/workspaces/computes".
Kind kind_of(std::string_view arm_type);

/// What the rules need to know about the request and the server.
struct Context {
    std::string subscription;
    std::string resource_group;
    std::string name;           ///< last path segment, as sent
    std::string parent;         ///< workspace (or endpoint / model) name for child types
    std::string tenant_id;
    std::string base_url;       ///< "https://127.0.0.1:8443", for discoveryUrl and scoringUri
    std::string now;            ///< ISO-8601 UTC timestamp of the request
    std::function<std::string()> new_guid;  ///< server-generated ids (seeded by the caller)
};

/// Switches for the emulator's own tests; normalisation is always on in real runs.
struct Options {
    bool normalize = true;  ///< false: store and return bodies as sent (no rule applied)
};

/// Rewrites a PUT body (create or replace) the way Azure stores it. `previous` is the stored
/// body when the resource already exists: server-generated values are carried over.
std::optional<Error> on_put(std::string_view arm_type, Json& body, const Context& context,
                            const Json* previous, const Options& options = {});
/// Rewrites a body after a PATCH was merged into it (no create-only resolution).
std::optional<Error> on_patch(std::string_view arm_type, Json& body, const Context& context,
                              const Json& previous, const Options& options = {});

/// How a body reached the store: first PUT, PUT over an existing resource, or PATCH.
enum class Write { create, replace, patch };

/// Fills in the defaults and server-generated fields of a kind; values generated earlier are
/// carried over from `previous`. Returns an error for values valid only at creation.
std::optional<Error> fill_defaults(Kind kind, Json& body, const Context& context,
                                   const Json* previous, Write write);

/// Removes write-only fields from a body and returns them (an object, possibly empty), so the
/// caller can store them apart and return them only from listKeys.
Json take_write_only(std::string_view arm_type, Json& body);

/// Which phase of a resource's life a duration is for.
enum class Phase { create, update, remove };

/// The real-world duration of a phase for a type (the figures in docs/emulator-realism.md);
/// `compute_type` tells AmlCompute from ComputeInstance. Zero for synchronous types.
std::chrono::milliseconds real_world_duration(Kind kind, Phase phase, std::string_view compute_type = "");
/// The same figures keyed as Options::durations expects ("<type>", "<type>#delete",
/// "<type>#update"), for the emulator's "realistic" preset (times --time-scale).
std::map<std::string, std::chrono::milliseconds> real_world_durations();

}  // namespace emulator::realism
