#pragma once
// The plan as users run it: the whole `converge plan` command (a process started with
// fork/exec, timed to its exit) beside the in-process plan (observe + diff + plan of a loaded
// estate, warmed client), both against the floor, on converged estates of each size.
#include "options.hpp"
#include "report.hpp"

namespace bench {

/// Runs the command phase at every options.command_sizes and adds its rows.
void run_command_phase(const Options& options, Report& report);

}  // namespace bench
