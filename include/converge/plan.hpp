#pragma once
// A plan: the ordered changes that take Azure from what was observed to what the manifests say.
#include "converge/diagnostic.hpp"
#include "converge/json.hpp"
#include "converge/resource_id.hpp"

#include <optional>
#include <string>
#include <vector>

namespace converge {

/// What happens to one resource.
enum class Action {
    noop,
    create,
    update,
    replace,
    remove,
    adopt,  ///< an update that makes an existing resource this stack's (metadata.adopt, --adopt, --take-over-from)
    keep,   ///< a delete refused: not this stack's, or it holds what is not (docs/apply.md "Ownership")
};

/// Why it happens.
enum class Reason {
    none,
    absent,             ///< create: not found in Azure
    drift,              ///< update: fields differ
    create_only_field,  ///< replace: a field that cannot change in place differs
    pruned,             ///< remove: tagged with this stack but no longer in the manifests
    destroy,            ///< remove: `converge destroy`
    untagged,           ///< adopt: exists without converge's ownership tags
    take_over,          ///< adopt: owned by the stack --take-over-from names
    not_owned,          ///< keep: destroy of a resource this stack does not own
    holds_unowned,      ///< keep (or remove with --force-delete-contents): holds what is not deleted
    used_by_kept,       ///< keep: a kept resource names it or lives in it
    failed,             ///< update or replace: Azure left it Failed/Canceled (reason_detail: the service's message)
    unsettled,          ///< update: still in a non-terminal provisioningState (Creating, Updating, ...)
    recover,            ///< create: a soft-deleted key vault of that name is recovered (--recover, createMode: recover)
    purge_soft_deleted, ///< create: the soft-deleted key vault of that name is purged first (--purge-soft-deleted)
};

/// One field that differs; values are already redacted when `sensitive`.
struct FieldChange {
    std::string path;               ///< JSON pointer, "/properties/properties/scaleSettings/maxNodeCount"
    std::optional<Json> before;     ///< absent when the field is new
    std::optional<Json> after;      ///< absent when the field is removed
    bool sensitive = false;
    bool forces_replace = false;
};

/// Change::kind of a model container (`.../models/{name}`): planned as a change of its own, created
/// before its first version when observe did not see it (apply: a GET, then a PUT with this stack's
/// ownership tags when absent) and deleted after its last version when this stack created it.
inline constexpr const char* k_model_container_kind = "ModelContainer";

/// Where the differences of an existing resource come from (docs/sync.md "Drift or pending"),
/// from the digest apply records in the `converge-applied` tag (applied_digest.hpp).
enum class Origin {
    none,     ///< no difference on an existing resource (create, delete, noop, keep), or a repair
    drift,    ///< the manifests are as converge last wrote them: Azure changed
    pending,  ///< the manifests changed since converge last wrote the resource
    unknown,  ///< no digest recorded (written by an older converge, or by hand): cannot tell
};

/// Who changed a drifted resource, from the Azure Activity Log (filled by the caller that reads
/// it; the planner never does).
struct Attribution {
    std::string caller;     ///< the principal (UPN, appId or object id)
    std::string time;       ///< RFC 3339
    std::string operation;  ///< e.g. "Microsoft.Storage/storageAccounts/write"
};

/// One planned step.
struct Change {
    ResourceId id;
    std::string kind;
    Action action = Action::noop;
    Reason reason = Reason::none;
    std::string reason_detail;  ///< e.g. "properties.properties.vmSize cannot change in place"
    std::vector<FieldChange> fields;
    /// The ids this change waits for, sorted: the graph's edges; for a delete also the deleted ids
    /// its observed body names and its deleted ancestors (their deletes wait for this one).
    /// Apply orders its steps by these edges and nothing else.
    std::vector<ResourceId> depends_on;
    Location location;
    Origin origin = Origin::none;
    std::size_t ignored = 0;  ///< fields that differ but an ignore rule hides (Resource::ignore)
    std::optional<Attribution> changed_by;  ///< drift only, when the Activity Log names someone
};

/// The ordered changes (creates/updates in dependency order, deletes in reverse).
struct Plan {
    static constexpr int k_format_version = 1;
    std::vector<Change> changes;
    /// Resources this stack owns that the manifests no longer name, kept because the plan does
    /// not prune (action noop, reason pruned); not changes: nothing is done to them.
    std::vector<Change> orphans;

    /// Any change but noop (a keep counts: the plan differs from the manifests).
    bool has_changes() const;
    bool destructive() const;
    std::size_t count(Action action) const;
};

const char* action_name(Action action);
const char* reason_name(Reason reason);
/// "drift", "pending", "unknown" ("" for none).
const char* origin_name(Origin origin);
/// "changed by <caller> at <time> via <operation>" (parts left out when empty).
std::string attribution_text(const Attribution& a);

}  // namespace converge
