#pragma once
// Measuring one phase: wall time, CPU time of this process, and peak resident memory; plus
// running a phase in a fresh child process so its peak RSS is its own.
#include "converge/json.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace bench {

/// User + system CPU seconds this process has used so far.
double cpu_seconds();
/// Peak resident set of this process in MB (10^6 bytes) (VmHWM; falls back to ru_maxrss).
double peak_rss_mb();
/// Current resident set in MB (10^6 bytes) (VmRSS).
double rss_mb();
/// Pins this process to one CPU (the one it runs on); false when not allowed.
bool pin_to_one_cpu();

/// Wall and CPU time since construction.
class Stopwatch {
public:
    Stopwatch();
    double wall() const;
    double cpu() const;

private:
    std::chrono::steady_clock::time_point m_wall;
    double m_cpu;
};

/// Runs this executable again with `args` and parses the JSON object it prints on stdout.
/// Throws with the child's stderr when it fails.
converge::Json run_child(const std::vector<std::string>& args);

/// What one run of another program cost, from just before its fork to just after its exit.
struct CommandRun {
    double wall = 0;      ///< seconds, fork/exec to exit observed by wait
    double cpu = 0;       ///< the child's user + system CPU seconds
    int exit_code = -1;   ///< -1 when it did not exit normally
    std::string stderr_text;
};

/// Runs `argv` (argv[0] a path) with exactly `env` as its environment, stdout discarded.
CommandRun run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env);

}  // namespace bench
