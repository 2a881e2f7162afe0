#pragma once
// What plan, apply and destroy share: the stack's flags, the optional in-process emulator,
// the client, the loaded manifests and observe.
#include "cli/cli.hpp"

#include "converge/arm_client_api.hpp"
#include "converge/manifest.hpp"
#include "converge/observe.hpp"
#include "converge/planner.hpp"
#include "converge/stack_lock.hpp"

#include "emulator.hpp"

#include <memory>
#include <string>
#include <vector>

namespace converge::cli {

/// Flags of plan, apply and destroy.
struct StackOptions {
    std::vector<std::string> paths;
    std::vector<std::string> values_files;
    std::vector<std::string> vars;  ///< "name=value"
    std::string subscription;
    bool emulator = false;
    std::string emulator_state = ".converge/emulator";
    std::string refresh = "list";
    bool prune = false;
    bool adopt = false;                  ///< --adopt: take over existing untagged resources the manifests name
    std::string take_over_from;          ///< --take-over-from STACK
    bool force_delete_contents = false;  ///< --force-delete-contents
    bool recover = false;                ///< --recover: recover a soft-deleted key vault the plan creates
    bool purge_soft_deleted = false;     ///< --purge-soft-deleted: purge it first, then create (destructive)
    bool strict = false;  ///< --strict: warnings are errors
    /// apply/destroy ("apply", "destroy"): hold the stack's lock (converge.yaml `lock:`) from
    /// before observe until the command ends. Empty (plan): no lock.
    std::string lock_command;
    bool no_lock = false;            ///< --no-lock
    std::string lock_timeout = "0";  ///< --lock-timeout DURATION (0 = refuse at once when held)
    ClientOptions client;
};

/// Adds --lock-timeout and --no-lock (apply, destroy).
void add_lock_options(CLI::App& command, StackOptions& options);

/// "0", "90" (seconds), "30s", "5m", "1h" -> milliseconds; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_lock_timeout(const std::string& text);

/// --refresh's value as a mode; "graph" only when the caller confirms (else list).
RefreshMode refresh_mode(const std::string& refresh, bool graph);

/// Adds the positional DIR... and the shared flags (client flags included) to `command`.
void add_stack_options(CLI::App& command, StackOptions& options, bool with_refresh_and_prune);

/// An opened stack: the manifests loaded and validated, a client ready (and an emulator when asked).
class Stack {
public:
    /// Loads and validates first (nothing is sent when a manifest is invalid); prints
    /// diagnostics to stderr; nullptr on any error.
    static std::unique_ptr<Stack> open(const StackOptions& options, const GlobalOptions& global);
    ~Stack();

    const DesiredSet& desired() const { return m_loaded.desired; }
    /// The subscription ids default to when the manifests name none.
    const std::string& default_subscription() const { return m_subscription; }
    ArmApi& api() { return *m_api; }
    ArmClient& client() { return m_api->client(); }
    bool is_emulated() const { return m_emulator != nullptr; }
    /// Loads the manifests again (sync, before each tick; the client and emulator stay);
    /// prints diagnostics to stderr; false on any error (desired() is then not to be used).
    bool reload();
    const StackOptions& options() const { return m_options; }
    /// Observes the desired set; prints the error and returns nullopt on failure.
    /// `graph`: the caller confirms candidate changes (confirm_observed), so --refresh=graph may
    /// read from Resource Graph; otherwise graph reads as list.
    std::optional<ObservedState> observe(bool find_orphans, bool graph = false);
    /// Plans; prints diagnostics (cycles, protected resources); nullopt when it may not be applied.
    std::optional<Plan> plan(const ObservedState& observed, const PlanOptions& options);
    /// Takes the stack's lock when options.lock_command is set, converge.yaml has `lock:` and
    /// --no-lock is not given (held until the Stack is destroyed); prints the refusal (who holds
    /// it, since when) and returns false when it cannot.
    bool lock(const GlobalOptions& global);
    /// converge.yaml `lock:`, when the stack has one.
    const std::optional<StackLockConfig>& lock_config() const { return m_loaded.lock; }

private:
    Stack() = default;
    bool start_emulator(const StackOptions& options, ClientOptions& client);
    bool load();

    StackOptions m_options;
    std::unique_ptr<emulator::Emulator> m_emulator;
    LoadResult m_loaded;
    std::string m_subscription;
    std::unique_ptr<ArmClientApi> m_api;
    std::unique_ptr<StackLock> m_lock;  ///< last: released before the client goes
};

/// A stack opened, observed and planned: what plan, apply and destroy all start with.
struct Planned {
    std::unique_ptr<Stack> stack;
    ObservedState observed;
    Plan plan;
};

/// Opens the stack, observes (with the stack's orphans and what its groups and workspaces hold)
/// and plans with the ownership flags of `options`; errors are printed, nullopt then.
std::optional<Planned> open_and_plan(const StackOptions& options, const GlobalOptions& global, PlanOptions plan);

/// Adds --auto-approve (apply, destroy).
void add_auto_approve(CLI::App& command, bool& auto_approve, const std::string& verb);

/// "name=value" -> {name, value} (value empty without "=").
std::pair<std::string, std::string> split_var(const std::string& text);

/// Prints a line to stderr as "converge: error: <text>".
void print_error(const std::string& text);

}  // namespace converge::cli
