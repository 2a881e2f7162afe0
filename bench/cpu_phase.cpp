#include "cpu_phase.hpp"

#include "estate.hpp"
#include "measure.hpp"
#include "observed.hpp"
#include "pipeline.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>

namespace bench {

namespace {

constexpr std::size_t k_drift_every = 100;  // 1% of computes drift, so the differ has real work
constexpr double k_max_seconds_100k = 2.0;
constexpr double k_max_rss_mb_100k = 500.0;

void add_rows(Report& report, std::size_t n, const converge::Json& r) {
    const std::string size = fmt::format("{}k", n / 1000);
    const double cpu = r["load_cpu_s"].get<double>() + r["diff_cpu_s"].get<double>();
    const double wall = r["load_wall_s"].get<double>() + r["diff_wall_s"].get<double>();
    const bool big = n >= 100000;
    Row time{"cpu", fmt::format("{} load+validate+diff CPU s", size), cpu};
    if (big) {
        time.max_value = k_max_seconds_100k * static_cast<double>(n) / 100000.0;
    }
    time.note = fmt::format("wall {:.2f} s; load {:.2f} + diff {:.2f} CPU s", wall, r["load_cpu_s"].get<double>(),
                            r["diff_cpu_s"].get<double>());
    report.add(time);
    report.add({"cpu", fmt::format("{} CPU us per resource", size), cpu * 1e6 / static_cast<double>(n)});
    Row rss{"cpu", fmt::format("{} peak RSS MB", size), r["peak_rss_mb"].get<double>()};
    if (big) {
        rss.max_value = k_max_rss_mb_100k;
    }
    rss.note = fmt::format("RSS at start {:.0f} MB, after load {:.0f} MB, + observed state {:.0f} MB",
                           r["rss_at_start_mb"].get<double>(), r["rss_after_load_mb"].get<double>(),
                           r["rss_with_observed_mb"].get<double>() - r["rss_after_load_mb"].get<double>());
    report.add(rss);
    Row fp{"cpu", fmt::format("{} false changes", size), r["false_changes"].get<double>()};
    fp.max_value = 0;
    fp.note = fmt::format("{} drifted computes found of {}", r["drift_found"].get<int>(), r["drifted"].get<int>());
    report.add(fp);
}

}  // namespace

void run_cpu_phase(const Options& options, Report& report) {
    converge::Json details = converge::Json::object();
    for (const std::size_t n : options.cpu_sizes) {
        const EstateShape shape = EstateShape::for_size(n);
        const auto dir = options.workdir / fmt::format("cpu-{}", n);
        const Stopwatch gen;
        const std::size_t bytes = write_manifests(shape, dir);
        std::cerr << fmt::format("cpu: {} resources ({}), {:.1f} MB of YAML generated in {:.1f} s\n", n,
                                 shape.describe(), static_cast<double>(bytes) / 1e6, gen.wall());
        converge::Json r = run_child({"--child-cpu", dir.string()});
        r["yaml_mb"] = static_cast<double>(bytes) / 1e6;
        r["shape"] = shape.describe();
        add_rows(report, n, r);
        details[std::to_string(n)] = r;
    }
    report.detail("cpu", details);
}

int cpu_child_main(const std::filesystem::path& dir) {
    converge::Json r;
    r["pinned_to_one_cpu"] = pin_to_one_cpu();
    r["rss_at_start_mb"] = rss_mb();
    const Stopwatch load;
    LoadedEstate loaded = load_estate(dir);
    r["load_wall_s"] = load.wall();
    r["load_cpu_s"] = load.cpu();
    r["rss_after_load_mb"] = rss_mb();
    if (!loaded.errors.empty()) {
        std::cerr << loaded.errors;
        return 1;
    }
    r["resources"] = loaded.desired.resources.size();
    std::size_t drifted = 0;
    const converge::ObservedState observed = converged_state(loaded.desired, k_drift_every, drifted);
    r["rss_with_observed_mb"] = rss_mb();  // before the clock starts: converge plan does not measure itself
    const Stopwatch diff;
    const PlanSummary plan = summarize(make_plan(loaded.desired, observed));
    r["diff_wall_s"] = diff.wall();
    r["diff_cpu_s"] = diff.cpu();
    r["peak_rss_mb"] = peak_rss_mb();
    r["drifted"] = drifted;
    r["drift_found"] = plan.updates;
    r["false_changes"] = plan.changes() - std::min(plan.updates, drifted);
    r["plan"] = plan.to_json();
    std::cout << r.dump() << "\n";
    return 0;
}

}  // namespace bench
