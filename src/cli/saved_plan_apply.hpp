#pragma once
// `converge apply plan.json`: apply exactly a plan saved with `converge plan -o plan.json`.
#include "cli/stack.hpp"

#include "converge/saved_plan.hpp"

#include <string>
#include <vector>

namespace converge::cli {

/// True when the positional arguments are one existing file that is not a manifest (*.yaml,
/// *.yml): `apply` then reads it as a saved plan.
bool is_saved_plan_argument(const std::vector<std::string>& paths);

/// Loads the saved plan named by options.paths[0], reloads its manifests (recorded in the file,
/// plus any --values/--var given now), refuses when they changed, observes, refuses when
/// anything the plan touches changed in Azure, then applies it without asking again (the plan
/// was reviewed when it was saved). Returns the exit code.
int apply_saved_plan(const StackOptions& options, const GlobalOptions& global);

/// Where a plan made with `options` goes: the ARM endpoint and Entra ID authority (normalised),
/// or the embedded emulator. Recorded in saved plans; `apply FILE` refuses another.
void record_target(PlanInputs& inputs, const StackOptions& options);

/// `converge plan` (cmd_plan.cpp), also run by `converge destroy -o FILE` (destroy = true):
/// prints the plan in `format`, saves it to `out_file` when given; returns the exit code.
int run_plan_command(const StackOptions& stack, const GlobalOptions& global, const std::string& format,
                     const std::string& out_file, bool detailed_exitcode, bool destroy);

}  // namespace converge::cli
