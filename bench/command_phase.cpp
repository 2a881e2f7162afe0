#include "command_phase.hpp"

#include "floor.hpp"
#include "measure.hpp"
#include "pipeline.hpp"
#include "session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace bench {

namespace {

constexpr double k_command_vs_floor_large = 1.25;  // at 2,000 resources and more
constexpr double k_command_vs_floor_small = 1.5;   // below
constexpr double k_in_process_vs_floor = 1.10;
constexpr std::size_t k_large = 2000;

// Median, min and max of a sample.
struct Spread {
    double median = 0;
    double min = 0;
    double max = 0;
};

Spread spread_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    const double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return {median, v.front(), v.back()};
}

// Every run starts with a full read bucket, as a user's plan after a quiet minute does.
void wait_for_full_read_bucket(long reads) {
    const double seconds = std::min(k_arm_reads.burst, static_cast<double>(reads)) / k_arm_reads.per_second + 0.3;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

std::vector<std::string> converge_paths(const Options& options) {
    if (!options.converge_paths.empty()) {
        return options.converge_paths;
    }
    // converge_bench is built next to converge.
    return {(std::filesystem::read_symlink("/proc/self/exe").parent_path() / "converge").string()};
}

double load_now() {
    double load[1] = {0};
    getloadavg(load, 1);
    return load[0];
}

// What the runs of one binary cost.
struct CommandSamples {
    std::string path;
    std::vector<double> wall, cpu;
    long reads = 0;       // of the last run
    long handshakes = 0;  // of the last run
    long resumed = 0;
};

// One `converge plan --detailed-exitcode` of the converged estate: exit 0 means no changes.
void run_once_as_command(Session& s, CommandSamples& out) {
    const auto before = s.counts();
    const auto tls = s.tls_handshakes();
    const CommandRun run =
        run_command({out.path, "plan", s.manifest_dir().string(), "--detailed-exitcode"}, s.command_env());
    if (run.exit_code != 0) {
        throw std::runtime_error(fmt::format("{} plan exited {} (0 = no changes expected):\n{}", out.path, run.exit_code,
                                             run.stderr_text));
    }
    out.wall.push_back(run.wall);
    out.cpu.push_back(run.cpu);
    out.reads = (s.counts() - before).reads;
    const auto after = s.tls_handshakes();
    out.handshakes = after.first - tls.first;
    out.resumed = after.second - tls.second;
}

// observe + diff + plan in this process with a client warmed before the stopwatch starts.
double run_once_in_process(Session& s) {
    auto api = s.fresh_api();
    api->client().warm_up(s.client_parallelism());
    const Stopwatch sw;
    const auto observed = observe_estate(s.desired(), *api, false, s.client_parallelism());
    const auto plan = make_plan(s.desired(), observed);
    const double wall = sw.wall();
    if (summarize(plan).changes() != 0) {
        throw std::runtime_error("the converged estate's in-process plan has changes");
    }
    return wall;
}

std::string name_of(const std::string& path) { return std::filesystem::path(path).filename().string(); }

void measure_size(const Options& options, std::size_t n, const std::vector<std::string>& paths, Report& report) {
    Session s(options, n, true);
    const ReadFloor floor = read_floor(s.shape(), options.page_size);
    const double floor_s = floor.seconds(static_cast<std::size_t>(s.client_parallelism()), s.rtt());
    const std::size_t resources = s.desired().resources.size();
    std::cerr << fmt::format("command: `converge plan` of {} converged resources, {} runs each (+1 unmeasured) ...\n",
                             resources, options.command_runs);
    std::vector<CommandSamples> commands;
    for (const auto& path : paths) {
        commands.push_back({path, {}, {}, 0, 0, 0});
        run_once_as_command(s, commands.back());  // page cache and emulator warm, as for a user's second run
        commands.back() = CommandSamples{path, {}, {}, 0, 0, 0};
        wait_for_full_read_bucket(static_cast<long>(floor.requests()));
    }
    std::vector<double> in_process;
    std::vector<double> load;
    for (int i = 0; i < options.command_runs; ++i) {
        // Interleaved, so that every figure sees the same machine.
        for (auto& c : commands) {
            load.push_back(load_now());
            run_once_as_command(s, c);
            wait_for_full_read_bucket(c.reads);
        }
        in_process.push_back(run_once_in_process(s));
        wait_for_full_read_bucket(static_cast<long>(floor.requests()));
    }
    const Spread l = spread_of(load);
    converge::Json details = {{"floor_s", floor_s}, {"floor_requests", floor.requests()}, {"loadavg", load},
                              {"in_process_wall_s", in_process}};
    for (const auto& c : commands) {
        const Spread wall = spread_of(c.wall);
        const Spread cpu = spread_of(c.cpu);
        Row row{"command", fmt::format("plan {}: {} wall s", resources, name_of(c.path)), wall.median, floor_s, "floor"};
        row.max_ratio = resources >= k_large ? k_command_vs_floor_large : k_command_vs_floor_small;
        row.note = fmt::format("process start to exit, median of {} ({:.3f}-{:.3f}); CPU {:.3f} s; {} reads (floor {}); "
                               "{} TLS handshakes ({} resumed); load {:.1f}-{:.1f}",
                               c.wall.size(), wall.min, wall.max, cpu.median, c.reads, floor.requests(), c.handshakes,
                               c.resumed, l.min, l.max);
        report.add(row);
        details[name_of(c.path)] = {{"path", c.path}, {"wall_s", c.wall}, {"cpu_s", c.cpu}, {"reads", c.reads},
                                    {"tls_handshakes", c.handshakes}, {"tls_resumed", c.resumed}};
    }
    const Spread p = spread_of(in_process);
    Row row{"command", fmt::format("plan {}: in-process wall s", resources), p.median, floor_s, "floor"};
    row.max_ratio = k_in_process_vs_floor;
    row.note = fmt::format("observe + diff + plan, client warmed first; median of {} ({:.3f}-{:.3f}); rtt {:.1f} ms",
                           in_process.size(), p.min, p.max, s.rtt() * 1e3);
    report.add(row);
    report.detail(fmt::format("command_{}", resources), details);
}

}  // namespace

void run_command_phase(const Options& options, Report& report) {
    const auto paths = converge_paths(options);
    for (const auto& path : paths) {
        if (!std::filesystem::exists(path)) {
            throw std::runtime_error("the command phase runs " + path + ", which does not exist (--converge PATH)");
        }
    }
    for (const std::size_t n : options.command_sizes) {
        measure_size(options, n, paths, report);
    }
}

}  // namespace bench
