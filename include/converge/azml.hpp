#pragma once
// Azure ML CLI v2 (`az ml`) YAML: one table entry per az ml type, naming the converge kind it
// becomes and, field by field, where each az ml field goes in the ARM body and how its value
// is converted. The loader reads az ml files through it (src/manifest/azml.cpp) and
// `converge export --format azml` writes them back through it (src/render/export_azml.cpp).
// Source: ../shared/reference/az-ml-yaml-mapping.md (the azure-ai-ml SDK's marshmallow schemas
// and entities); docs/azml-yaml.md.
#include "converge/json.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace converge::azml {

/// How one az ml value becomes its REST value (and back, for export).
enum class Convert : std::uint8_t {
    text,            ///< a string; a number is written as its text
    integer,         ///< a whole number
    boolean,
    choice,          ///< an enum, case-insensitive: Field::values holds "az:Rest" pairs
    enabled,         ///< true/false -> "Enabled"/"Disabled"
    seconds,         ///< whole seconds -> ISO-8601 duration (120 -> PT2M, 86400 -> P1D)
    minutes,         ///< whole minutes -> "PT{n}M"
    max_nodes,       ///< max_instances: 0 becomes 1, as the SDK sends `max_instances or 1`
    string_map,      ///< tags, properties: every scalar value becomes a string
    identity,        ///< {type, user_assigned_identities: list or map} -> ARM identity
    subnet,          ///< a subnet ARM id, or a name with network_settings.vnet_name -> {id}
    model_path,      ///< azureml://, https://, runs:/ URIs -> modelUri; a local path -> the Model's `path` upload
    flavors,         ///< {flavor: {k: v}} -> {flavor: {data: {k: v}}}
    outbound_rules,  ///< a list of {name, type, destination} -> a map keyed by name
    schedules,       ///< compute_start_stop list -> computeStartStop list
    setup_script,    ///< {path, command, timeout_minutes} -> {scriptSource, scriptData, ...}
    weights,         ///< traffic: {deployment: whole percentage 0-100}
    milliseconds,    ///< whole milliseconds -> ISO-8601 duration (5000 -> PT5S, 1500 -> PT1.5S)
    probe,           ///< {initial_delay, period, timeout (seconds), failure/success_threshold} -> camelCase
    asset_ref,       ///< azureml:NAME:VERSION -> the ARM id of the workspace's Field::values[0] asset
    credentials,     ///< datastore {account_key} / {sas_token} -> {credentialsType, secrets}
    conda_file,      ///< a path to a conda YAML file -> its text (read by the loader)
    route,           ///< {port, path} -> {port, path}
    build_context,   ///< a remote Docker build context URI; a local directory is not supported yet
    consumed,        ///< read by another field's conversion (network_settings.vnet_name)
    ignored,         ///< accepted and not sent (a warning says why: Field::note)
    output_only,     ///< set by Azure: an error to write
    unsupported,     ///< converge does not read it yet: an error (Field::note says what to do)
};

/// One az ml field. `yaml` is dotted below the document ("ssh_settings.admin_password");
/// `rest` is a JSON pointer into the ARM body, or "@name", "@version", "@resourceGroup" for
/// the converge metadata.
struct Field {
    std::string_view yaml;
    std::string_view rest;
    Convert convert = Convert::text;
    /// JSON text of the value the az ml CLI sends when the field is absent ("" = nothing is
    /// sent); "@name" = the document's name.
    std::string_view fallback = {};
    std::vector<std::string_view> values = {};  ///< Convert::choice: "low_priority:LowPriority"
    std::string_view note = {};                 ///< ignored, unsupported: why / what to do
};

/// One az ml type.
struct Type {
    std::string_view schema;  ///< $schema file name without ".schema.json": "amlCompute"
    std::vector<std::string_view> types;  ///< `type:` values that select it, lower case: "amlcompute"
    std::string_view what;    ///< for messages: "compute cluster"
    std::string_view kind;    ///< the converge kind; "" = not supported yet
    /// Pointers and JSON texts always written: {"/properties/computeType", "\"AmlCompute\""}.
    std::vector<std::pair<std::string_view, std::string_view>> fixed = {};
    std::vector<Field> fields = {};
    /// The converge kinds that cover it once they exist (messages for unsupported types).
    std::string_view planned = {};
};

/// Every az ml type converge knows of, supported or not.
std::span<const Type> types();

/// The type a `$schema` URL names (".../latest/amlCompute.schema.json", any version path),
/// case-insensitive; null when the URL is not an az ml schema or the name is not in the table.
const Type* find_by_schema(std::string_view url);
/// The file name part of an az ml `$schema` URL ("amlCompute"), or "" when it is not one.
std::string_view schema_name(std::string_view url);
/// The type an az ml `type:` value selects (case-insensitive), or null.
const Type* find_by_type(std::string_view type);
/// The supported type whose converge kind is `kind` and that matches `body` (Compute: by
/// properties.computeType), or null.
const Type* find_for_kind(std::string_view kind, const Json& body);

/// What a conversion needs besides the value.
struct Context {
    const Json* group = nullptr;  ///< the az ml mapping holding the field (for vnet_name)
    std::string subscription;    ///< for subnet names: the workspace's subscription
    std::string resource_group;  ///< and resource group
    std::string workspace;       ///< for azureml:NAME:VERSION: the default workspace
};

/// The result of converting one value: the REST value, or an error message (without location).
struct Converted {
    std::optional<Json> value;
    std::string error;
    /// The az ml sub-path the error is about ("user_assigned_identities[0].resource_id"), or "".
    std::string at;
    /// Parts accepted and not sent (output-only members), as messages.
    std::vector<std::string> warnings;
};

/// az ml value -> REST value.
Converted to_rest(const Field& field, const Json& value, const Context& context);
/// REST value -> az ml value, for export; nullopt when it has no az ml form.
std::optional<Json> to_azml(const Field& field, const Json& rest);

/// A model path the service reads as it is (azureml://, https://, runs:/, wasbs://, abfss://).
bool is_remote_uri(std::string_view path);

/// Seconds as the SDK writes them (isodate.duration_isoformat): 100 -> "PT1M40S", 86400 -> "P1D".
std::string iso_duration(std::int64_t seconds);
/// An ISO-8601 duration in seconds ("PT2M" -> 120, "P1DT1H" -> 90000); nullopt when it has
/// years, months or fractions, or is not a duration.
std::optional<std::int64_t> duration_seconds(std::string_view iso);

}  // namespace converge::azml
