#pragma once
// The fault soak (`converge_bench --only soak`): apply an estate from empty against an emulator
// that injects 5xx, 429, connection resets and failed async operations, again and again until a
// plan finds nothing to do, then check at the emulator that nothing was created twice and
// nothing is left Failed. Not a timed test: it checks invariants. docs/reliability.md.
#include "options.hpp"
#include "report.hpp"

namespace bench {

/// Runs the soak; adds its rows (with targets) to `report`. Returns false when an invariant
/// broke: more applies than allowed, a duplicate create, a resource not Succeeded, or a change
/// left in the plan after.
bool run_soak_phase(const Options& options, Report& report);

}  // namespace bench
