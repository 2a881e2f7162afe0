#pragma once
// Parts 1-3: against the in-process emulator (latency per request, ARM's throttle numbers,
// time-scaled provisioning): apply from empty, a second apply and plan (0 writes), then a plan
// of the converged estate against the floor and against --refresh=per-resource.
#include "options.hpp"
#include "report.hpp"

#include <functional>

namespace bench {

/// Runs the phases selected in options.only ("plan", then "apply") and adds their rows;
/// `meanwhile` (may be empty) runs while the per-resource baseline waits on ARM's read bucket.
void run_remote_phases(const Options& options, Report& report, const std::function<void()>& meanwhile);

}  // namespace bench
