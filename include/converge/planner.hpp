#pragma once
// The planner: diffs every desired resource against what observe found and orders the changes
// (creates, updates and replaces in dependency order, then deletes in reverse order).
#include "converge/diagnostic.hpp"
#include "converge/model.hpp"
#include "converge/plan.hpp"

namespace converge {

/// What the plan may delete.
struct PlanOptions {
    /// Delete observed resources tagged managed-by=converge and converge-stack=<stack> that the
    /// manifests no longer name (never untagged or foreign ones).
    bool prune = false;
    /// Delete every desired resource that exists and this stack owns, dependents first
    /// (`converge destroy`); the others are kept (Action::keep, Reason::not_owned).
    bool destroy = false;
    /// Adopt every existing desired resource that carries no ownership tags (as metadata.adopt
    /// does for one); without it such a resource is an error.
    bool adopt = false;
    /// Take over the desired resources this other stack owns (else they are a conflict: an error).
    std::string take_over_from;
    /// Delete a resource group or workspace even when it holds resources this stack does not own
    /// (else the delete becomes a keep, Reason::holds_unowned).
    bool force_delete_contents = false;
    /// A key vault to create whose name is soft-deleted is recovered (createMode: recover);
    /// without this or purge_soft_deleted it is an error.
    bool recover = false;
    /// DESTRUCTIVE: such a soft-deleted vault is purged first, then created anew.
    bool purge_soft_deleted = false;
};

/// A plan, and the problems that forbid applying it (cycles, protected resources).
struct PlanResult {
    Plan plan;
    Diagnostics diagnostics;

    bool ok() const { return !diagnostics.has_errors(); }
};

/// Builds the plan. Ownership (ownership.hpp) is checked for every write and delete: an existing
/// resource without ownership tags is adopted only when allowed (metadata.adopt, --adopt), one
/// owned by another stack is a conflict unless taken over (--take-over-from); both are errors
/// naming the resource. Deletes remove only what this stack owns and never a resource that holds
/// (in `observed`) what is not deleted. Without prune, the stack's resources no manifest names
/// are listed in Plan::orphans. Includes no-op changes (renderers skip them); every value of
/// desired.secret_values is redacted from the field values. Orders by build_graph(desired) and
/// reports its cycles (find_cycles' message). Model containers are changes of their own
/// (kind k_model_container_kind): a create before the first version created in a container
/// observe did not see, a delete after the last version of a container this stack owns when no
/// version is kept. Each change's depends_on holds every edge apply orders it by.
PlanResult build_plan(const DesiredSet& desired, const ObservedState& observed, const PlanOptions& options);

}  // namespace converge
