// converge_bench: how converge's cost grows with the estate, against the floor and a baseline.
// Usage and method: docs/benchmarks.md. Prints a table (stdout) and optionally JSON (--json).
#include "command_phase.hpp"
#include "cpu_phase.hpp"
#include "options.hpp"
#include "remote_phase.hpp"
#include "report.hpp"
#include "soak_phase.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <functional>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

std::set<std::string> split_set(const std::string& text) {
    std::set<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (!item.empty()) {
            out.insert(item);
        }
    }
    return out;
}

std::filesystem::path make_workdir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "converge-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("cannot create a temporary directory");
    }
    return tmpl;
}

int run(bench::Options& options) {
    bench::Report report;
    report.set("machine", bench::machine_info());
    report.set("parameters", {{"n", options.n},
                              {"apply_n", options.apply_n},
                              {"apply_parallelism", options.apply_parallelism},
                              {"cpu_sizes", options.cpu_sizes},
                              {"latency_ms", options.latency_ms},
                              {"time_scale", options.time_scale},
                              {"baseline_in_flight", options.baseline_in_flight},
                              {"page_size", options.page_size},
                              {"models", options.models},
                              {"command_sizes", options.command_sizes},
                              {"command_runs", options.command_runs},
                              {"phases", options.only}});
    const bool own_dir = options.workdir.empty();
    if (own_dir) {
        options.workdir = make_workdir();
    }
    std::cerr << "converge_bench: working in " << options.workdir.string() << "\n";
    // The CPU phase (child processes pinned to one core, CPU time measured) runs while the
    // per-resource baseline waits on ARM's read bucket; the list plan is measured alone first.
    std::function<void()> cpu;
    if (options.only.count("cpu") != 0U) {
        cpu = [&] { bench::run_cpu_phase(options, report); };
    }
    if (options.only.count("apply") != 0U || options.only.count("plan") != 0U || options.only.count("sync") != 0U) {
        bench::run_remote_phases(options, report, cpu);
        cpu = nullptr;
    }
    if (cpu) {
        cpu();
    }
    if (options.only.count("command") != 0U) {
        bench::run_command_phase(options, report);
    }
    bool soak_ok = true;
    if (options.only.count("soak") != 0U) {
        soak_ok = bench::run_soak_phase(options, report);
    }
    std::cout << report.table();
    const auto failures = report.failures();
    std::cout << (failures.empty() ? "all targets met\n" : fmt::format("{} target(s) missed:\n", failures.size()));
    for (const auto& f : failures) {
        std::cout << "  " << f << "\n";
    }
    if (!options.json_path.empty()) {
        std::ofstream(options.json_path) << report.to_json().dump(2) << "\n";
    }
    if (own_dir && !options.keep) {
        std::filesystem::remove_all(options.workdir);
    }
    // The soak checks invariants, not speed: a broken one fails the command.
    if (!soak_ok) {
        std::cout << "soak: an invariant broke (see the soak rows above)\n";
        return 2;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"converge_bench: plan/apply cost against the floor, CPU and memory at scale"};
    bench::Options options;
    std::string only = "cpu,apply,plan,sync,command";
    std::string child_cpu;
    app.add_option("--n", options.n, "resources in the converged estate that is planned")->capture_default_str();
    app.add_option("--apply-n", options.apply_n, "resources applied from empty, then re-applied")
        ->capture_default_str();
    app.add_option("--apply-parallelism", options.apply_parallelism, "apply --parallelism (0: converge's default)")
        ->capture_default_str();
    app.add_option("--cpu-sizes", options.cpu_sizes, "estate sizes for the CPU/memory phase")
        ->delimiter(',')
        ->capture_default_str();
    app.add_option("--only", only, "phases to run: cpu,apply,plan,sync,command (default) and soak")
        ->capture_default_str();
    app.add_option("--command-sizes", options.command_sizes, "command phase: estate sizes planned by `converge plan`")
        ->delimiter(',')
        ->capture_default_str();
    app.add_option("--command-runs", options.command_runs, "command phase: runs per size (median and spread)")
        ->capture_default_str();
    app.add_option("--converge", options.converge_paths,
                   "command phase: converge binaries to run, interleaved (default: the one next to this one)")
        ->delimiter(',');
    app.add_option("--seed", options.seed, "the emulator's seed (fault decisions, generated ids)")->capture_default_str();
    app.add_option("--soak-n", options.soak_n, "soak: resources applied from empty under faults")
        ->capture_default_str();
    app.add_option("--soak-5xx", options.soak_server_error, "soak: share of requests answered 500/503")
        ->capture_default_str();
    app.add_option("--soak-429", options.soak_throttle, "soak: share of requests answered 429")->capture_default_str();
    app.add_option("--soak-resets", options.soak_reset, "soak: share of connections dropped after the headers")
        ->capture_default_str();
    app.add_option("--soak-async-failures", options.soak_async_failure,
                   "soak: share of async operations that end Failed")
        ->capture_default_str();
    app.add_option("--soak-max-applies", options.soak_max_applies, "soak: applies allowed before the plan is empty")
        ->capture_default_str();
    app.add_option("--latency-ms", options.latency_ms, "emulator latency per request")->capture_default_str();
    app.add_option("--time-scale", options.time_scale, "provisioning durations x this")->capture_default_str();
    app.add_option("--baseline-in-flight", options.baseline_in_flight, "per-resource refresh concurrency")
        ->capture_default_str();
    app.add_option("--page-size", options.page_size, "emulator list page size")->capture_default_str();
    app.add_option("--workdir", options.workdir, "generate estates here (default: a temp dir, removed)");
    app.add_option("--json", options.json_path, "write the JSON report to this file");
    app.add_flag("--keep", options.keep, "keep the generated manifests");
    app.add_flag("!--no-models", options.models, "plan/apply estates without model versions");
    app.add_option("--child-cpu", child_cpu, "internal: run the CPU phase on this directory")->group("");
    CLI11_PARSE(app, argc, argv);
    options.only = split_set(only);
    try {
        if (!child_cpu.empty()) {
            return bench::cpu_child_main(child_cpu);
        }
        return run(options);
    } catch (const std::exception& e) {
        std::cerr << "converge_bench: error: " << e.what() << "\n";
        return 1;
    }
}
