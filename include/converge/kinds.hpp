#pragma once
// What converge knows about each manifest kind: ARM type, pinned api-version, where it lives,
// and which fields are read-only, create-only or secret. The single source of truth that
// the manifest loader, the differ, observe and apply all read.
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace converge {

/// Where a kind's resources live, which decides how its ARM id is built from metadata.
enum class Parent {
    subscription,    ///< ResourceGroup
    resource_group,  ///< StorageAccount, KeyVault, ..., Workspace, ArmResource
    workspace,       ///< Compute
    model,           ///< Model (a version under workspaces/{w}/models/{name})
};

/// How an in-place update is sent.
enum class UpdateVerb { put, patch };

/// Static facts about one manifest kind. Field paths are JSON pointers into the ARM body
/// ("/properties/properties/vmSize"); "*" matches any single segment.
struct KindInfo {
    std::string_view name;         ///< "Compute"
    std::string_view arm_type;     ///< "Microsoft.MachineLearningServices/workspaces/computes"
    std::string_view api_version;  ///< pinned stable version, overridable per document
    Parent parent;
    bool tracked;                  ///< has a location (ARM tracked resource)
    UpdateVerb update_verb;
    std::vector<std::string_view> read_only;    ///< never diffed (server-populated)
    std::vector<std::string_view> create_only;  ///< a change forces a replace
    std::vector<std::string_view> secret;       ///< write-only: never printed, never diffed
    std::vector<std::string_view> durations;    ///< ISO-8601 durations compared by value
    std::vector<std::string_view> case_insensitive;  ///< enums and ids compared ignoring case
    /// Accepted on write but never returned by GET (not secret): never diffed.
    std::vector<std::string_view> write_only = {};
    /// (pointer, value): a placeholder the server resolves at creation, e.g. Compute
    /// remoteLoginPortPublicAccess "NotSpecified"; desired = placeholder matches any observed value.
    std::vector<std::pair<std::string_view, std::string_view>> resolved_at_create = {};
};

/// Every kind, in a stable order.
std::span<const KindInfo> all_kinds();
/// The kind with this exact name, or nullptr.
const KindInfo* find_kind(std::string_view name);
/// The kind whose ARM type matches (case-insensitively), or nullptr.
const KindInfo* find_kind_by_type(std::string_view arm_type);
/// Every kind name, for "did you mean".
std::vector<std::string> kind_names();

/// Does the JSON pointer `path` match `pattern` (segments equal, or "*" for any one,
/// or a pattern that is a prefix of path)?
bool path_matches(std::string_view pattern, std::string_view path);

}  // namespace converge
