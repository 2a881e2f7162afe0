#pragma once
// The part of apply and destroy after the plan: show it, ask, execute with progress, summarise.
#include "cli/stack.hpp"

namespace converge::cli {

/// How the plan is confirmed and executed.
struct ExecuteOptions {
    bool auto_approve = false;
    std::string verb = "apply";  ///< "apply" or "destroy", for messages
    const DesiredSet* desired = nullptr;  ///< what the plan's changes send; nullptr = the stack's manifests
};

/// The lines that say which OnlineEndpoint smoke tests apply will run after the plan's writes
/// ("" when none): "Smoke test: OnlineEndpoint/ep runs after apply (expects HTTP 200)."
std::string smoke_test_note(const Plan& plan, const DesiredSet& desired, const ObservedState& observed);

/// The lines about the Jobs of the manifests (docs/kinds.md "Jobs"), "" when none: one the plan
/// submits, and one submitted before that is not Completed (reported, never submitted again).
std::string job_note(const Plan& plan, const DesiredSet& desired, const ObservedState& observed);

/// Prints the plan, asks for "yes" on a TTY (refuses without one unless auto_approve),
/// applies it with progress and SIGINT/SIGTERM handling; returns the exit code.
int confirm_and_apply(Stack& stack, const Plan& plan, const ObservedState& observed, const ExecuteOptions& options,
                      const GlobalOptions& global);

}  // namespace converge::cli
