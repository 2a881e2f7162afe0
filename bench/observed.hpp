#pragma once
// Observed state generated in memory for the CPU benchmark: what Azure would answer for each
// desired resource once converged (server fields added, locations, ids and durations rewritten
// the way Azure rewrites them), with a known fraction drifted so the differ has work to find.
// Each body goes through the projection observe applies to listed items (ObservedNeeds).
#include "converge/model.hpp"

#include <cstddef>

namespace bench {

/// The observed state of a converged estate; every `drift_every`-th compute has a different
/// maxNodeCount (0 = none). `drifted` receives how many were changed.
converge::ObservedState converged_state(const converge::DesiredSet& desired, std::size_t drift_every,
                                        std::size_t& drifted);

}  // namespace bench
