#pragma once
// Sync: plan on a schedule, and in correct mode apply the changes of the allowed classes.
// A tick is observe + build_plan exactly as `converge plan` does them (same functions, same
// options), then, in correct mode, apply_plan of the plan with every change outside the allowed
// classes held back. The loop runs one tick at a time, waits the interval (with jitter) between
// ticks, backs off after failed ticks, and stops between ticks or mid-apply (in-flight steps
// finish) when its stop flag is set. docs/sync.md.
#include "converge/apply.hpp"
#include "converge/arm_api.hpp"
#include "converge/clock.hpp"
#include "converge/model.hpp"
#include "converge/observe.hpp"
#include "converge/planner.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace converge {

/// What a change does to Azure, as `--allow` names it.
enum class ChangeClass { create, update, replace, remove };

/// "create", "update", "replace", "delete".
const char* change_class_name(ChangeClass c);

/// The class of a change: create; update (adopt and the repair of a Failed resource included);
/// replace; delete. nullopt for what writes nothing (noop, keep).
std::optional<ChangeClass> change_class(const Change& change);

/// The classes correct mode may apply (`--allow`). Default: create and update.
struct AllowedClasses {
    bool create = true;
    bool update = true;
    bool replace = false;
    bool remove = false;

    bool allows(ChangeClass c) const;
    /// "create,update" (in that fixed order; "none" when empty).
    std::string to_string() const;
};

/// Parses "create,update,replace,delete" (any subset, comma-separated, no repeats); the error
/// names the unknown word (with "did you mean" when close).
std::optional<AllowedClasses> parse_allowed_classes(std::string_view text, std::string& error);

/// A change correct mode does not apply, and why.
struct HeldChange {
    Change change;
    std::string why;  ///< "replace is not allowed (--allow replace)", "waits for Workspace/ws, held back"
};

/// The plan correct mode applies: every change of a class `allowed` excludes, and every change
/// that waits (Change::depends_on) for a held-back create, update or replace, becomes a noop and
/// is listed in `held`. Deletes are not held for what they wait on: a delete needs nothing else
/// to happen first.
struct Correction {
    Plan plan;
    std::vector<HeldChange> held;
};
Correction correction_of(const Plan& plan, const AllowedClasses& allowed);

/// How a difference is classified in sync's report (docs/sync.md "Classes").
enum class DifferenceClass {
    drift,    ///< Azure changed since converge last wrote it (Change::origin drift)
    pending,  ///< the manifests changed (origin pending)
    unknown,  ///< an existing resource differs, no converge-applied digest to tell which side moved
    absent,   ///< a create: the resource does not exist
    pruned,   ///< a delete of this stack's resource that left the manifests (--prune)
    other,    ///< adopt, keep, the repair of a Failed resource, ...
};
DifferenceClass difference_class(const Change& change);
const char* difference_class_name(DifferenceClass c);

/// A resource in the stack's scope (its groups and workspaces, as observe lists them) that no
/// manifest names and this stack does not own: made by hand, or by another stack.
struct Unmanaged {
    ResourceId id;
    std::string kind;
    std::string other_stack;  ///< the converge-stack tag on it, "" when untagged
};
/// Observed resources of a known kind that no desired resource is, encloses, and that this
/// stack does not own, sorted by id (this stack's are Plan::orphans).
std::vector<Unmanaged> unmanaged_in_scope(const DesiredSet& desired, const ObservedState& observed);

/// Detect only reports; correct applies the allowed changes.
enum class SyncMode { detect, correct };

/// One tick's configuration.
struct SyncTickOptions {
    SyncMode mode = SyncMode::detect;
    AllowedClasses allow;
    ObserveOptions observe;  ///< find_orphans is always set (as plan does)
    PlanOptions plan;        ///< as plan's: prune, adopt, take_over_from, ...
    ApplyOptions apply;      ///< correct mode only; its cancel flag also stops the tick before apply
    /// Called with the plan once it is made, before anything is written (the CLI prints it there).
    std::function<void(const Plan&)> on_plan;
    /// Read the Activity Log for who changed each drifted resource (attribute_drift).
    bool attribute = true;
};

/// What one tick found and did.
struct SyncTickResult {
    /// The observe error, or "the plan is invalid" with the diagnostics; empty when it planned.
    std::string error;
    Diagnostics diagnostics;  ///< the planner's (cycles, protected, conflicts); also on success (warnings)
    Plan plan;                ///< the full plan, as `converge plan` shows it
    std::vector<Unmanaged> unmanaged;  ///< in scope, in no manifest, not this stack's
    std::vector<HeldChange> held;  ///< correct mode: the changes not applied
    std::optional<ApplyResult> applied;  ///< correct mode with something to apply
    bool interrupted = false;  ///< the stop flag was set before or during the apply
    std::string attribution_error;  ///< the Activity Log could not be read (drift shown without who)

    /// Observed, planned, and (correct mode) every applied step succeeded.
    bool ok() const;
    /// Changes in the plan that are not noop (keeps included, as Plan::has_changes counts them).
    std::size_t differences() const;
    /// Steps that succeeded.
    std::size_t corrected() const;
    /// Differences (non-noop changes) of this class.
    std::size_t count(DifferenceClass c) const;
};

/// Fills Change::changed_by of every drifted change from the Azure Activity Log: the latest
/// successful write to that resource in the last 89 days (the log keeps 90). One query per
/// subscription (activity_log.hpp). Returns the Activity Log's error, if any, as text ("" when
/// it answered or there was no drift): attribution is best effort, never a reason to fail.
std::string attribute_drift(Plan& plan, ArmApi& api, std::chrono::system_clock::time_point now);

/// What RefreshMode::graph confirms with a direct ARM read before it is reported or acted on:
/// every resource the plan changes (any action but noop) and every orphan.
std::vector<ResourceId> graph_candidates(const Plan& plan);

/// One tick: observe (with orphans) -> build_plan -> in correct mode apply the Correction.
SyncTickResult sync_tick(const DesiredSet& desired, ArmApi& api, const SyncTickOptions& options,
                         ApplyObserver* observer = nullptr);

/// When ticks happen.
struct SyncSchedule {
    Clock::Duration interval = std::chrono::minutes(10);
    /// Each wait is the nominal one times a uniform factor in [1 - jitter, 1 + jitter].
    double jitter = 0.1;
    /// After the n-th failed tick in a row the wait is min(backoff_initial * 2^(n-1), backoff_max)
    /// (jittered): a failing estate or API is not hammered, a fixed one is back soon.
    Clock::Duration backoff_initial = std::chrono::seconds(30);
    Clock::Duration backoff_max = std::chrono::hours(1);
};

/// The wait before the next tick after `failures` failed ticks in a row (0 = the last succeeded).
Clock::Duration next_wait(const SyncSchedule& schedule, int failures, Random& random);

/// Parses "10m", "30s", "1h30m", "500ms", "90" (seconds); nullopt when malformed or zero.
std::optional<Clock::Duration> parse_duration(std::string_view text);
/// Parses "10%" or "0.1" into a fraction in [0, 1); nullopt otherwise.
std::optional<double> parse_jitter(std::string_view text);

/// The loop's callbacks.
struct SyncLoopHooks {
    /// Runs one tick; true when it succeeded.
    std::function<bool(int tick)> tick;
    /// Called before each wait (the wait, the failures in a row so far); may be empty.
    std::function<void(Clock::Duration wait, int failures)> waiting;
};

/// What the loop did.
struct SyncLoopResult {
    int ticks = 0;
    int failed = 0;  ///< ticks that failed
    bool last_ok = true;
};

/// Runs ticks one after another until `stop` is set (checked before each tick and every
/// `poll` of a wait, so a stop is noticed within `poll`), or after one tick when `once`.
/// Waits are measured from the end of a tick (a slow tick never overlaps the next one).
SyncLoopResult run_sync_loop(const SyncLoopHooks& hooks, const SyncSchedule& schedule, Clock& clock, Random& random,
                             const std::atomic<bool>& stop, bool once,
                             Clock::Duration poll = std::chrono::milliseconds(200));

}  // namespace converge
