#pragma once
// Part 4: CPU time and peak memory of load + validate + diff at 10,000 and 100,000 resources,
// each size measured in its own child process pinned to one core.
#include "options.hpp"
#include "report.hpp"

namespace bench {

/// Generates each estate, runs the child on it, adds the rows to `report`.
void run_cpu_phase(const Options& options, Report& report);

/// The child's side: loads `dir`, diffs it against a generated converged state, prints JSON.
int cpu_child_main(const std::filesystem::path& dir);

}  // namespace bench
