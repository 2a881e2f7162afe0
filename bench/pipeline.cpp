#include "pipeline.hpp"

#include "converge/apply.hpp"
#include "converge/manifest.hpp"
#include "converge/observe.hpp"
#include "converge/planner.hpp"

#include <stdexcept>

namespace bench {

LoadedEstate load_estate(const std::filesystem::path& dir, const std::string& subscription) {
    converge::LoadOptions options;
    options.paths = {dir.string()};
    options.default_subscription = subscription;
    options.require_subscription = true;
    converge::LoadResult result = converge::load_manifests(options);
    LoadedEstate out;
    if (result.diagnostics.has_errors()) {
        out.errors = result.diagnostics.to_string();
    }
    out.desired = std::move(result.desired);
    return out;
}

converge::Plan make_plan(const converge::DesiredSet& desired, const converge::ObservedState& observed) {
    converge::PlanResult result = converge::build_plan(desired, observed, converge::PlanOptions{});
    if (!result.ok()) {
        throw std::runtime_error("the plan has errors:\n" + result.diagnostics.to_string());
    }
    return std::move(result.plan);
}

PlanSummary summarize(const converge::Plan& plan) {
    PlanSummary s;
    for (const auto& c : plan.changes) {
        switch (c.action) {
            case converge::Action::noop: ++s.noops; break;
            case converge::Action::create: ++s.creates; break;
            case converge::Action::update:
            case converge::Action::adopt: ++s.updates; break;
            case converge::Action::keep: break;
            case converge::Action::replace: ++s.replaces; break;
            case converge::Action::remove: ++s.deletes; break;
        }
    }
    return s;
}

converge::ObservedState observe_estate(const converge::DesiredSet& desired, converge::ArmApi& api,
                                       bool per_resource, int observe_parallelism) {
    converge::ObserveOptions options;
    options.mode = per_resource ? converge::RefreshMode::per_resource : converge::RefreshMode::list;
    options.parallelism = observe_parallelism;
    options.find_orphans = true;  // as the CLI: orphans and what the stack's scopes hold
    auto observed = converge::observe(desired, api, options);
    if (!observed) {
        throw std::runtime_error("observe failed: " + observed.error().to_string());
    }
    return std::move(*observed);
}

PlanSummary converge_estate(const converge::DesiredSet& desired, converge::ArmApi& api, int apply_parallelism) {
    const converge::ObservedState observed = observe_estate(desired, api, false, converge::ObserveOptions{}.parallelism);
    const converge::Plan plan = make_plan(desired, observed);
    converge::ApplyOptions options;
    if (apply_parallelism > 0) {
        options.parallelism = apply_parallelism;
    }
    const converge::ApplyResult result = converge::apply_plan(plan, desired, observed, api, options, nullptr);
    if (!result.ok()) {
        throw std::runtime_error("apply failed: " + result.summary());
    }
    return summarize(plan);
}

converge::Json PlanSummary::to_json() const {
    return {{"create", creates}, {"update", updates}, {"replace", replaces}, {"delete", deletes}, {"noop", noops}};
}

}  // namespace bench
