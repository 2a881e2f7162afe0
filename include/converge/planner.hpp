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
    /// Delete every desired resource that exists, dependents first (`converge destroy`).
    bool destroy = false;
};

/// A plan, and the problems that forbid applying it (cycles, protected resources).
struct PlanResult {
    Plan plan;
    Diagnostics diagnostics;

    bool ok() const { return !diagnostics.has_errors(); }
};

/// Builds the plan. Includes no-op changes (renderers skip them); every value of
/// desired.secret_values is redacted from the field values. Orders by build_graph(desired) and
/// reports its cycles (find_cycles' message). Model containers are changes of their own
/// (kind k_model_container_kind): a create before the first version created in a container
/// observe did not see, a delete after the last version of a container this stack owns when no
/// version is kept. Each change's depends_on holds every edge apply orders it by.
PlanResult build_plan(const DesiredSet& desired, const ObservedState& observed, const PlanOptions& options);

}  // namespace converge
