#include "soak_phase.hpp"

#include "measure.hpp"
#include "pipeline.hpp"
#include "session.hpp"

#include "converge/kinds.hpp"
#include "converge/apply.hpp"
#include "converge/observe.hpp"
#include "converge/resource_id.hpp"

#include <fmt/format.h>

#include <iostream>
#include <map>
#include <set>
#include <stdexcept>

namespace bench {

namespace {

/// Made by Azure with its parent (a workspace's default datastore, and its blob container in the
/// storage account, which the emulator keeps under "/_storage/"): not a create converge sent.
bool made_with_parent(const std::string& key) {
    if (key.starts_with("/_storage/")) {
        return true;  // the soak's manifests hold no data-plane resources
    }
    const auto id = converge::ResourceId::parse(key);
    const converge::KindInfo* kind = id ? converge::find_kind_by_type(id->type()) : nullptr;
    return kind != nullptr && converge::created_with_parent(*kind, id->name());
}

/// One `converge apply --auto-approve` under faults: observe, plan, apply.
struct ApplyRun {
    bool observed = false;     ///< false: observe gave up (the run stopped there)
    std::size_t changes = 0;   ///< planned
    std::size_t failed = 0;    ///< steps that failed
    std::size_t skipped = 0;   ///< steps skipped (a dependency failed)
    std::string error;         ///< observe's error, when it gave up
};

ApplyRun one_apply(Session& s) {
    ApplyRun run;
    auto api = s.fresh_api();
    converge::ObservedState observed;
    try {
        observed = observe_estate(s.desired(), *api, false, converge::ObserveOptions{}.parallelism);
    } catch (const std::exception& e) {
        run.error = e.what();
        return run;
    }
    run.observed = true;
    const converge::Plan plan = make_plan(s.desired(), observed);
    run.changes = summarize(plan).changes();
    if (run.changes == 0) {
        return run;
    }
    const converge::ApplyResult result =
        converge::apply_plan(plan, s.desired(), observed, *api, converge::ApplyOptions{}, nullptr);
    run.failed = result.count(converge::StepStatus::failed);
    run.skipped = result.count(converge::StepStatus::skipped);
    return run;
}

// The emulator's answer to a GET of each desired resource, faults off: ids whose
// properties.provisioningState is present and not Succeeded, or that are missing.
std::vector<std::string> not_succeeded(Session& s) {
    auto api = s.fresh_api();
    std::vector<std::string> out;
    for (const auto& r : s.desired().resources) {
        auto res = api->client().send("GET", r.id.str(), r.api_version, "");
        if (!res || res->status != 200) {
            out.push_back(r.id.str() + " (" + (res ? std::to_string(res->status) : res.error().to_string()) + ")");
            continue;
        }
        const converge::Json body = converge::Json::parse(res->body, nullptr, false);
        const auto state = body.is_object() && body.contains("properties") && body["properties"].is_object()
                               ? body["properties"].value("provisioningState", "Succeeded")
                               : std::string("Succeeded");
        if (state != "Succeeded") {
            out.push_back(r.id.str() + " (" + state + ")");
        }
    }
    return out;
}

Row target_row(const std::string& metric, double measured, double max_value, std::string note = "") {
    Row row{"soak", metric, measured};
    row.max_value = max_value;
    row.note = std::move(note);
    return row;
}

Row info_row(const std::string& metric, double measured, std::string note = "") {
    Row row{"soak", metric, measured};
    row.note = std::move(note);
    return row;
}

}  // namespace

bool run_soak_phase(const Options& options, Report& report) {
    Session s(options, options.soak_n, false);
    emulator::FaultRates rates;
    rates.server_error = options.soak_server_error;
    rates.throttle = options.soak_throttle;
    rates.connection_reset = options.soak_reset;
    rates.async_failure = options.soak_async_failure;
    s.emulator().reset_stats();
    s.emulator().set_faults(rates);
    std::cerr << fmt::format(
        "soak: {} resources from empty, seed {}; faults: {:.0f}% 5xx, {:.0f}% 429, {:.0f}% resets, {:.0f}% failed async "
        "operations\n",
        s.desired().resources.size(), options.seed, rates.server_error * 100, rates.throttle * 100,
        rates.connection_reset * 100, rates.async_failure * 100);

    const Stopwatch sw;
    int applies = 0;  // runs that planned changes
    int runs = 0;     // every run, the last one (nothing to do) included
    bool converged = false;
    converge::Json runs_json = converge::Json::array();
    // One run more than the applies allowed: the one that finds nothing to do.
    while (runs < options.soak_max_applies + 1) {
        ++runs;
        const ApplyRun run = one_apply(s);
        runs_json.push_back({{"observed", run.observed}, {"changes", run.changes}, {"failed_steps", run.failed},
                             {"skipped_steps", run.skipped}, {"error", run.error}});
        if (!run.observed) {
            std::cerr << fmt::format("  run {}: observe gave up: {}\n", runs, run.error);
            ++applies;
            continue;
        }
        std::cerr << fmt::format("  run {}: {} changes planned, {} steps failed, {} skipped ({:.1f} s)\n", runs,
                                 run.changes, run.failed, run.skipped, sw.wall());
        if (run.changes == 0) {
            converged = true;
            break;
        }
        ++applies;
    }
    const double wall = sw.wall();
    const emulator::Stats stats = s.emulator().stats();

    // Faults off: what is left, as the emulator and a fresh plan see it.
    s.emulator().set_faults({});
    const ApplyRun after = [&] {
        auto api = s.fresh_api();
        const auto observed = observe_estate(s.desired(), *api, false, converge::ObserveOptions{}.parallelism);
        ApplyRun r;
        r.observed = true;
        r.changes = summarize(make_plan(s.desired(), observed)).changes();
        return r;
    }();
    const std::vector<std::string> unhealthy = not_succeeded(s);

    // Creates at the emulator: each id of the estate created once, or again only as the
    // replace of a Failed one; any other id created is a second resource for some entry
    // (model containers excepted: a version's PUT creates its container).
    std::set<std::string> expected;
    std::set<std::string> containers;
    for (const auto& r : s.desired().resources) {
        expected.insert(r.id.key());
        if (converge::to_lower(r.arm_type) == "microsoft.machinelearningservices/workspaces/models/versions") {
            containers.insert(r.id.parent().key());
        }
    }
    std::map<std::uint64_t, std::size_t> creates_histogram;
    std::uint64_t replaces = 0;
    std::uint64_t deletes = 0;
    std::vector<std::string> extra;
    for (const auto& [id, c] : stats.resources) {
        replaces += c.replaces;
        deletes += c.deletes;
        if (c.creates == 0) {
            continue;
        }
        if (expected.count(id) != 0U) {
            ++creates_histogram[c.creates];
        } else if (containers.count(id) == 0U && !made_with_parent(id)) {
            extra.push_back(id);
        }
    }
    const std::uint64_t duplicates = stats.duplicate_creates() + extra.size();
    std::size_t never_created = expected.size();
    for (const auto& [n, ids] : creates_histogram) {
        never_created -= ids;
    }

    std::string histogram;
    for (const auto& [n, ids] : creates_histogram) {
        histogram += fmt::format("{}{} created {}x", histogram.empty() ? "" : ", ", ids, n);
    }
    long errors_5xx = 0;
    for (const auto& [status, n] : stats.by_status) {
        if (status >= 500) {
            errors_5xx += static_cast<long>(n);
        }
    }
    auto kind = [&](const char* k) {
        const auto it = stats.faults_by_kind.find(k);
        return it == stats.faults_by_kind.end() ? 0.0 : static_cast<double>(it->second);
    };

    report.add(target_row("applies with changes", applies, options.soak_max_applies,
                          fmt::format("{} runs in all: the last planned nothing{}", runs,
                                      converged ? "" : " -- NOT CONVERGED")));
    report.add(target_row("duplicate creates (emulator)", static_cast<double>(duplicates), 0,
                          fmt::format("{} re-created after a healthy delete, {} ids no manifest names",
                                      stats.duplicate_creates(), extra.size())));
    report.add(target_row("resources not Succeeded", static_cast<double>(unhealthy.size()), 0,
                          unhealthy.empty() ? "" : unhealthy.front()));
    report.add(target_row("changes in the plan after", static_cast<double>(after.changes), 0, "faults off"));
    report.add(target_row("resources never created", static_cast<double>(never_created), 0, histogram));
    report.add(info_row("replaces of Failed resources", static_cast<double>(replaces),
                        fmt::format("{} deletes in all", deletes)));
    report.add(info_row("requests", static_cast<double>(stats.total),
                        fmt::format("{} answered 5xx, {} answered 429 by ARM's buckets", errors_5xx, stats.throttled)));
    report.add(info_row("faults: 5xx", kind("server_error")));
    report.add(info_row("faults: 429", kind("throttle")));
    report.add(info_row("faults: connection resets", kind("connection_reset")));
    report.add(info_row("faults: failed async operations", kind("async_failure")));
    report.add(info_row("wall s", wall, "all applies; the checks after not included"));

    converge::Json faults_json = converge::Json::object();
    for (const auto& [k, v] : stats.faults_by_kind) {
        faults_json[k] = v;
    }
    converge::Json histogram_json = converge::Json::object();
    for (const auto& [n, ids] : creates_histogram) {
        histogram_json[std::to_string(n)] = ids;
    }
    report.detail("soak", {{"seed", options.seed},
                           {"rates", {{"server_error", rates.server_error}, {"throttle", rates.throttle},
                                      {"connection_reset", rates.connection_reset},
                                      {"async_failure", rates.async_failure}}},
                           {"resources", s.desired().resources.size()},
                           {"runs", runs_json},
                           {"applies", applies},
                           {"converged", converged},
                           {"requests", stats.total},
                           {"faults", faults_json},
                           {"creates_per_resource", histogram_json},
                           {"replaces", replaces},
                           {"duplicates", duplicates},
                           {"extra_ids", extra},
                           {"not_succeeded", unhealthy},
                           {"plan_after_changes", after.changes},
                           {"wall_s", wall},
                           {"estate", s.describe()}});
    return converged && applies <= options.soak_max_applies && duplicates == 0 && unhealthy.empty() &&
           after.changes == 0 && never_created == 0;
}

}  // namespace bench
