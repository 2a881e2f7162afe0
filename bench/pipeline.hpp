#pragma once
// The converge passes the benchmarks time, behind two calls: load (+ validate) a manifest
// directory, and diff + plan against an observed state.
#include "converge/arm_api.hpp"
#include "converge/json.hpp"
#include "converge/model.hpp"
#include "converge/plan.hpp"

#include <cstddef>
#include <filesystem>
#include <string>

namespace bench {

/// A loaded estate, or the diagnostics that stopped it.
struct LoadedEstate {
    converge::DesiredSet desired;
    std::string errors;  ///< rendered diagnostics when there are errors, else empty
};

/// converge::load_manifests on `dir` (recursive, converge.yaml defaults), validation included;
/// `subscription` is the default when the manifests name none.
LoadedEstate load_estate(const std::filesystem::path& dir, const std::string& subscription = "");

/// Counts of a plan by action.
struct PlanSummary {
    std::size_t creates = 0;
    std::size_t updates = 0;
    std::size_t replaces = 0;
    std::size_t deletes = 0;
    std::size_t noops = 0;

    std::size_t changes() const { return creates + updates + replaces + deletes; }
    converge::Json to_json() const;
};

/// build_plan: diff of every desired resource and dependency order (what `converge plan` computes).
converge::Plan make_plan(const converge::DesiredSet& desired, const converge::ObservedState& observed);

/// Counts by action.
PlanSummary summarize(const converge::Plan& plan);

/// Observe (list-based, `observe_parallelism` in flight) or throw.
converge::ObservedState observe_estate(const converge::DesiredSet& desired, converge::ArmApi& api,
                                       bool per_resource, int observe_parallelism);

/// observe + plan + apply, as `converge apply --auto-approve` does after loading; throws when
/// a step fails. `apply_parallelism` 0 keeps converge's default. Returns the plan's counts.
PlanSummary converge_estate(const converge::DesiredSet& desired, converge::ArmApi& api, int apply_parallelism);

}  // namespace bench
