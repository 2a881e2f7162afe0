#pragma once
// Plan's half of secret rotation (docs/secrets.md): apply records a slow salted digest of a
// resource's secret values in its tags; plan recomputes it and turns a mismatch into a change.
#include "converge/diagnostic.hpp"
#include "converge/model.hpp"
#include "converge/plan.hpp"

#include <vector>

namespace converge::detail {

/// For every desired resource with secret values that exists (`found[i]` its observed body) and
/// is not already created or replaced: compares the digest recorded on it with the current values
/// (in parallel: each costs one slow KDF). A mismatch, or no record, adds each secret field as
/// `(sensitive) -> (sensitive)` to `diffs[i]` and makes it an update (a replace when such a field
/// is create-only; never for a missing record alone). Warns when the resource carries no tags.
void check_secret_rotation(const DesiredSet& desired, const std::vector<const Json*>& found, std::vector<Change>& diffs,
                           Diagnostics& diagnostics);

}  // namespace converge::detail
