#pragma once
// What converge knows about each manifest kind: ARM type, pinned api-version, where it lives,
// how observe lists it, how an update is sent, which fields are read-only, create-only, secret
// or ARM ids it depends on, and where it carries the ownership tags. The single source of truth
// that the manifest loader, the differ, observe and apply all read: adding a kind is a row in
// src/model/kinds.cpp, a schema under schemas/ and tests (docs/kinds.md).
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
    versioned_asset, ///< Model, Environment: a version under workspaces/{w}/{segment}/{name}, the
                     ///< container segment from the ARM type ("models", "environments")
    online_endpoint, ///< OnlineDeployment (under workspaces/{w}/onlineEndpoints/{e}: metadata.endpoint)
};

/// How an in-place update is sent.
enum class UpdateVerb {
    put,    ///< PUT of the whole desired body
    patch,  ///< PATCH of the `patchable` fields the body sets when every changed field is
            ///< patchable; otherwise a PUT of the whole body
};

/// Where a kind carries its tags, so the ownership tags (src/model/ownership.cpp) converge writes and
/// reads back.
enum class TagsAt {
    top,             ///< body.tags (ARM tracked resources)
    top_if_located,  ///< body.tags when the body has a location (ArmResource: only tracked types take tags)
    properties,      ///< body.properties.tags (assets: model versions and their containers)
};

/// How observe lists a kind's resources below a scope the stack uses, to find the ones the stack
/// owns but the manifests no longer name (--prune, destroy). The scope is the resource group
/// for Parent::resource_group, the workspace for Parent::workspace, Parent::versioned_asset and
/// Parent::online_endpoint; a Parent::subscription kind is never listed that way (a resource
/// group is never an orphan).
struct KindCollection {
    /// Path segments below the scope's id, one list each; every next list is taken below each
    /// item of the one before: {"computes"}; {"models", "versions"} lists the containers and
    /// then each container's versions. Empty: never listed (ArmResource, of no fixed type).
    std::vector<std::string_view> path = {};
    /// The type may also be listed subscription-wide, GET /subscriptions/{s}/providers/{type}
    /// (CONTRACT.md 1.2), with the same items as a group's list.
    bool subscription_wide = false;
};

/// Static facts about one manifest kind. Field paths are JSON pointers into the ARM body
/// ("/properties/properties/vmSize"); "*" matches any single segment.
struct KindInfo {
    std::string_view name;         ///< "Compute"
    std::string_view arm_type;     ///< "Microsoft.MachineLearningServices/workspaces/computes"
    std::string_view api_version;  ///< pinned stable version, overridable per document
    Parent parent = Parent::resource_group;
    bool tracked = true;           ///< has a location (ARM tracked resource)
    KindCollection collection = {};
    TagsAt tags = TagsAt::top;
    UpdateVerb update_verb = UpdateVerb::put;
    /// With UpdateVerb::patch: what the PATCH body may carry (the API's update parameters).
    std::vector<std::string_view> patchable = {};
    std::vector<std::string_view> read_only = {};    ///< never diffed (server-populated)
    std::vector<std::string_view> create_only = {};  ///< a change forces a replace
    /// Write-only: never printed, never diffed, and the values are scrubbed from every output.
    /// The only list of secret fields (the schemas do not repeat it: the loader's secret walk
    /// and the differ read it before any schema is compiled).
    std::vector<std::string_view> secret = {};
    std::vector<std::string_view> durations = {};         ///< ISO-8601 durations compared by value
    std::vector<std::string_view> case_insensitive = {};  ///< enums and ids compared ignoring case
    /// Accepted on write but never returned by GET (not secret): never diffed.
    std::vector<std::string_view> write_only = {};
    /// (pointer, value): a placeholder the server resolves at creation, e.g. Compute
    /// remoteLoginPortPublicAccess "NotSpecified"; desired = placeholder matches any observed value.
    std::vector<std::pair<std::string_view, std::string_view>> resolved_at_create = {};
    /// String fields holding the ARM id of another resource this one needs first (a workspace's
    /// storageAccount): an edge to it when the manifests describe it.
    std::vector<std::string_view> dependencies = {};
    /// (name, value): query parameters a DELETE requires, e.g. Compute underlyingResourceAction=Delete.
    std::vector<std::pair<std::string_view, std::string_view>> delete_query = {};
    /// Names of resources Azure makes together with their parent and deletes with it (a
    /// workspace's system datastores): part of the parent, so never held contents that keep the
    /// parent from being deleted, never unmanaged, never exported. A manifest may still declare
    /// one (to set its credentials).
    std::vector<std::string_view> created_with_parent = {};
    /// A resource left in provisioningState Failed is repaired by deleting and creating it again
    /// (Compute), not by writing it again in place (docs/plan.md "Provisioning states").
    bool replace_when_failed = false;
    /// A run (Job): its name is a hash of its spec, so one that exists is never written again (no
    /// update, no replace, no repair, whatever its status), and it is history Azure keeps: never
    /// pruned, never deleted by destroy, never an orphan nor unmanaged (docs/kinds.md "Jobs").
    bool run_once = false;
};

/// Every kind, in a stable order.
std::span<const KindInfo> all_kinds();
/// The kind with this exact name, or nullptr.
const KindInfo* find_kind(std::string_view name);
/// The kind whose ARM type matches (case-insensitively), or nullptr.
const KindInfo* find_kind_by_type(std::string_view arm_type);
/// Is the resource `name` of `kind` one its parent's creation made (KindInfo::created_with_parent),
/// or a run kept with its parent (KindInfo::run_once)?
bool created_with_parent(const KindInfo& kind, std::string_view name);
/// Every kind name, for "did you mean".
std::vector<std::string> kind_names();
/// The ARM type of the scope a kind's collection hangs below (KindCollection): the resource group
/// type for Parent::resource_group, the workspace type for the kinds below a workspace,
/// empty for Parent::subscription.
std::string_view scope_type(Parent parent);

/// Does the JSON pointer `path` match `pattern` (segments equal, or "*" for any one,
/// or a pattern that is a prefix of path)?
bool path_matches(std::string_view pattern, std::string_view path);

}  // namespace converge
