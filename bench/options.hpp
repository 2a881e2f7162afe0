#pragma once
// The benchmark's parameters (command-line options of converge_bench).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace bench {

/// What to run and at which sizes; defaults finish in under 5 minutes on 2 cores.
struct Options {
    std::size_t n = 2000;                          ///< resources in the converged estate that is planned
    std::size_t apply_n = 500;                     ///< resources applied from empty (and re-applied)
    int apply_parallelism = 0;                     ///< apply --parallelism; 0 = converge's default
    std::vector<std::size_t> cpu_sizes = {10000, 100000};
    std::set<std::string> only = {"cpu", "apply", "plan"};
    double latency_ms = 20;                        ///< emulator latency per request
    double time_scale = 0.005;                     ///< provisioning durations x this (real ~10 min -> 3 s)
    std::size_t baseline_in_flight = 10;           ///< --refresh=per-resource concurrency (Terraform's default)
    std::size_t page_size = 100;                   ///< emulator list page size
    std::filesystem::path workdir;                 ///< where estates are generated (a temp dir by default)
    std::string json_path;                         ///< write the JSON report here
    bool models = true;                            ///< model versions in the plan/apply estates
    bool keep = false;                             ///< keep the generated manifests
    std::uint64_t seed = 1;                        ///< the emulator's seed (fault decisions, generated ids)
    std::vector<std::size_t> command_sizes = {500, 2000};  ///< estates planned by the `converge plan` command
    int command_runs = 5;                          ///< runs of the command (and in-process plan) per size
    /// converge binaries the command phase runs, interleaved in the same run (default: the one
    /// next to converge_bench); a second one compares builds ("before,after").
    std::vector<std::string> converge_paths;

    // The fault soak (--only soak), docs/reliability.md "Fault soak".
    std::size_t soak_n = 300;          ///< resources applied from empty under faults
    double soak_server_error = 0.10;   ///< share of ARM requests answered 500/503
    double soak_throttle = 0.05;       ///< share answered 429 (besides ARM's own buckets)
    double soak_reset = 0.02;          ///< share whose connection drops after the headers
    double soak_async_failure = 0.05;  ///< share of async operations that end Failed
    int soak_max_applies = 6;          ///< applies allowed before the plan must be empty
};

}  // namespace bench
