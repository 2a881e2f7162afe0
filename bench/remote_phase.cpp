#include "remote_phase.hpp"

#include "estate.hpp"
#include "floor.hpp"
#include "measure.hpp"
#include "pipeline.hpp"
#include "recording_api.hpp"
#include "session.hpp"

#include "converge/sync.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <thread>

namespace bench {

namespace {

constexpr double k_plan_vs_floor = 1.25;
constexpr double k_baseline_speedup = 20;
constexpr double k_apply_vs_bound = 1.15;

// ARM's read bucket refills at 25/s: after `reads` requests from a full bucket, idle until it
// is full again (plus a margin for the requests' own duration).
void wait_for_full_read_bucket(long reads) {
    const double seconds = std::min(k_arm_reads.burst, static_cast<double>(reads)) / k_arm_reads.per_second + 0.5;
    std::cerr << fmt::format("  (idle {:.1f} s: ARM's read bucket refills after {} reads)\n", seconds, reads);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

struct Timed {
    double wall = 0;
    double observe = 0;  ///< of which observe (requests); the rest is diff + plan
    RequestCounts requests;
    PlanSummary plan;
};

// A fresh client, warmed up (token, connections) before the stopwatch starts: `converge plan`
// and `apply` warm their client while they load the manifests (Stack::open), which takes
// longer than the warm-up at these sizes, so neither waits for a token or a TLS handshake.
std::unique_ptr<RecordingApi> warm_api(const Session& s, int parallelism) {
    auto api = s.fresh_api();
    api->client().warm_up(parallelism);
    return api;
}

// observe + diff + plan, as `converge plan` does after loading.
Timed timed_plan(Session& s, bool per_resource, int parallelism) {
    const auto before = s.counts();
    auto api = warm_api(s, parallelism);
    const Stopwatch sw;
    const auto observed = observe_estate(s.desired(), *api, per_resource, parallelism);
    const double observe_s = sw.wall();
    const auto plan = make_plan(s.desired(), observed);
    Timed t{sw.wall(), observe_s, s.counts() - before, summarize(plan)};
    t.requests.polls = api->client().stats().polls;
    return t;
}

// observe + plan + apply, as `converge apply --auto-approve` does after loading.
Timed timed_apply(Session& s, int parallelism, std::vector<LroRecord>* lros) {
    const auto before = s.counts();
    auto api = warm_api(s, s.client_parallelism());
    const Stopwatch sw;
    const PlanSummary plan = converge_estate(s.desired(), *api, parallelism);
    Timed t{sw.wall(), 0, s.counts() - before, plan};
    t.requests.polls = api->client().stats().polls;
    if (lros != nullptr) {
        *lros = api->lros();
    }
    return t;
}

void add_poll_rows(Report& report, const Session& s, const std::vector<LroRecord>& lros) {
    std::map<std::string, std::vector<int>> by_type;
    for (const auto& l : lros) {
        by_type[l.method + " " + l.type].push_back(l.polls);
    }
    converge::Json details = converge::Json::object();
    for (const auto& [key, polls] : by_type) {
        const std::string type = key.substr(key.find(' ') + 1);
        const double bound = s.duration_of(type) / s.retry_after_seconds() + 2;
        const int worst = *std::max_element(polls.begin(), polls.end());
        double mean = 0;
        for (int p : polls) {
            mean += p;
        }
        mean /= static_cast<double>(polls.size());
        Row row{"apply", fmt::format("max polls/LRO {}", type.substr(type.rfind('/') + 1)), static_cast<double>(worst)};
        row.max_value = bound;
        row.note = fmt::format("{} LROs, mean {:.2f}; bound = {:.2f} s / {} s + 2", polls.size(), mean,
                               s.duration_of(type), s.retry_after_seconds());
        report.add(row);
        details[key] = {{"lros", polls.size()}, {"max_polls", worst}, {"mean_polls", mean}, {"bound", bound}};
    }
    report.detail("apply_lros", details);
}

void run_apply(const Options& options, Session& s, Report& report) {
    std::cerr << fmt::format("apply: {} resources from empty ...\n", s.desired().resources.size());
    std::vector<LroRecord> lros;
    const Timed t = timed_apply(s, options.apply_parallelism, &lros);
    // The writes an apply needs: one per manifest resource plus one per model container (the
    // measured count would let wasted writes raise the reference).
    const std::size_t needed = s.shape().resources() + s.shape().implicit_resources();
    const ApplyBound bound = apply_bound(s.durations(), needed, s.rtt());
    Row wall{"apply", "from empty: wall s", t.wall, bound.reference(), "crit+bucket"};
    wall.max_ratio = k_apply_vs_bound;
    wall.note = fmt::format("critical path {:.1f} s + write bucket {:.1f} s ({} writes); lower bound {:.1f} s",
                            bound.critical_path, bound.write_bucket, bound.writes, bound.lower_bound());
    report.add(wall);
    Row writes{"apply", "from empty: writes", static_cast<double>(t.requests.writes)};
    writes.note = fmt::format("{} reads ({} polls), {} throttled (429)", t.requests.reads, t.requests.polls,
                              t.requests.throttled);
    report.add(writes);
    add_poll_rows(report, s, lros);
    report.detail("apply", {{"wall_s", t.wall}, {"requests", t.requests.to_json()}, {"plan", t.plan.to_json()},
                            {"critical_path_s", bound.critical_path}, {"write_bucket_s", bound.write_bucket},
                            {"parallelism", options.apply_parallelism}, {"estate", s.describe()}});
}

void run_reapply(const Options& options, Session& s, Report& report) {
    std::cerr << "re-apply and plan of the converged estate ...\n";
    const Timed again = timed_apply(s, options.apply_parallelism, nullptr);
    Row w{"reapply", "second apply: writes", static_cast<double>(again.requests.writes)};
    w.max_value = 0;
    w.note = fmt::format("{} changes planned; {} reads", again.plan.changes(), again.requests.reads);
    report.add(w);
    const Timed plan = timed_plan(s, false, s.client_parallelism());
    Row p{"reapply", "plan of converged: writes", static_cast<double>(plan.requests.writes)};
    p.max_value = 0;
    p.note = fmt::format("{} changes planned", plan.plan.changes());
    report.add(p);
    report.detail("reapply", {{"apply_requests", again.requests.to_json()}, {"plan_requests", plan.requests.to_json()}});
}

// The baseline runs on another thread while `meanwhile` (the CPU phase) runs here: it is
// paced by ARM's read bucket (70 s at N = 2000), not by the CPU, so the overlap saves that
// time without touching the list plan, which was measured alone before.
Timed baseline(const Options& options, Session& s, long reads_so_far, const std::function<void()>& meanwhile) {
    auto base = std::async(std::launch::async, [&] {
        wait_for_full_read_bucket(reads_so_far);
        std::cerr << fmt::format("plan: --refresh=per-resource, {} in flight ...\n", options.baseline_in_flight);
        return timed_plan(s, true, static_cast<int>(options.baseline_in_flight));
    });
    if (meanwhile) {
        meanwhile();
    }
    return base.get();
}

double run_plan(const Options& options, Session& s, Report& report, const std::function<void()>& meanwhile) {
    const ReadFloor floor = read_floor(s.shape(), options.page_size);
    const double floor_s = floor.seconds(static_cast<std::size_t>(s.client_parallelism()), s.rtt());
    // A fresh emulator: its read bucket is full but for the rtt samples.
    std::cerr << "plan: converged estate, list-based observe ...\n";
    const Timed plan = timed_plan(s, false, s.client_parallelism());
    const Timed base = baseline(options, s, s.counts().reads, meanwhile);
    const std::size_t n = s.desired().resources.size();
    Row wall{"plan", fmt::format("{} converged: wall s", n), plan.wall, floor_s, "floor"};
    wall.max_ratio = k_plan_vs_floor;
    wall.note = fmt::format("observe {:.3f} s + diff/plan {:.3f} s; rtt {:.1f} ms, concurrency {}", plan.observe,
                            plan.wall - plan.observe, s.rtt() * 1e3, s.client_parallelism());
    report.add(wall);
    Row req{"plan", "requests", static_cast<double>(plan.requests.total()), static_cast<double>(floor.requests()), "floor"};
    req.max_ratio = k_plan_vs_floor;
    req.note = fmt::format("floor: {} group + {} type + {} compute + {} version + {} scope lists", floor.group_lists,
                           floor.type_lists, floor.compute_lists, floor.version_lists, floor.scope_lists);
    report.add(req);
    const double base_floor = paced_seconds(n, options.baseline_in_flight, s.rtt(), k_arm_reads);
    Row speed{"plan", "per-resource refresh: wall s", base.wall, plan.wall, "converge plan"};
    speed.min_ratio = k_baseline_speedup;
    speed.note = fmt::format("{} requests, {} in flight; its own floor {:.1f} s ({:.0f}x converge plan)",
                             base.requests.total(), options.baseline_in_flight, base_floor, base_floor / plan.wall);
    report.add(speed);
    Row changes{"plan", "changes in converged plan", static_cast<double>(plan.plan.changes())};
    changes.max_value = 0;
    report.add(changes);
    report.detail("plan", {{"list", {{"wall_s", plan.wall}, {"observe_s", plan.observe}, {"requests", plan.requests.to_json()}}},
                           {"per_resource", {{"wall_s", base.wall}, {"observe_s", base.observe}, {"requests", base.requests.to_json()},
                                             {"own_floor_s", base_floor}}},
                           {"floor", {{"requests", floor.requests()}, {"seconds", floor_s},
                                      {"longest_chain", floor.longest_chain}}}});
    return plan.wall;
}

// `converge sync` at a 10-minute interval against an hourly re-PUT of every resource (Azure
// Service Operator's model): one real tick (detect mode, as sync runs it) of the converged estate,
// measured at the emulator, times the ticks an hour.
void run_sync(Session& s, Report& report, double plan_wall) {
    constexpr double k_ticks_per_hour = 6;  // --interval 10m
    wait_for_full_read_bucket(s.counts().reads);
    std::cerr << "sync: one tick of the converged estate (detect) ...\n";
    const auto before = s.counts();
    auto api = warm_api(s, s.client_parallelism());
    converge::SyncTickOptions options;
    options.observe.parallelism = s.client_parallelism();
    const Stopwatch sw;
    const converge::SyncTickResult tick = converge::sync_tick(s.desired(), *api, options);
    const double wall = sw.wall();
    const RequestCounts used = s.counts() - before;
    const std::size_t n = s.desired().resources.size();
    Row requests{"sync", "requests/hour, 10 min interval", used.total() * k_ticks_per_hour};
    requests.note = fmt::format("{} requests per tick x 6; {} differences; {}", used.total(), tick.differences(),
                                tick.ok() ? "ok" : tick.error);
    report.add(requests);
    Row writes{"sync", "writes/hour, 10 min interval", static_cast<double>(used.writes + used.deletes) * k_ticks_per_hour};
    writes.max_value = 0;
    report.add(writes);
    Row aso{"sync", "hourly re-PUT (ASO): writes/hour", static_cast<double>(n)};
    aso.note = "one PUT per resource per hour, plus its operation's polls; never a diff";
    report.add(aso);
    Row tick_wall{"sync", "tick wall s", wall, plan_wall, "plan"};
    tick_wall.note = "the tick is observe + plan: its wall against the plan phase's";
    report.add(tick_wall);
    report.detail("sync", {{"tick_requests", used.to_json()}, {"tick_wall_s", wall}, {"ticks_per_hour", k_ticks_per_hour},
                           {"resources", n}});
}

}  // namespace

void run_remote_phases(const Options& options, Report& report, const std::function<void()>& meanwhile) {
    bool ran_meanwhile = false;
    if (options.only.count("plan") != 0U || options.only.count("sync") != 0U) {
        Session s(options, options.n, true);
        report.set("plan_session", s.describe());
        double plan_wall = 0;
        if (options.only.count("plan") != 0U) {
            plan_wall = run_plan(options, s, report, meanwhile);
            ran_meanwhile = true;
        }
        if (options.only.count("sync") != 0U) {
            run_sync(s, report, plan_wall > 0 ? plan_wall : timed_plan(s, false, s.client_parallelism()).wall);
        }
    }
    if (!ran_meanwhile && meanwhile) {
        meanwhile();
    }
    if (options.only.count("apply") != 0U) {
        Session s(options, options.apply_n, false);
        run_apply(options, s, report);
        run_reapply(options, s, report);
    }
}

}  // namespace bench

