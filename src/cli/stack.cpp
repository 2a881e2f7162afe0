#include "cli/stack.hpp"

#include "cli/client_options.hpp"
#include "cli/session.hpp"

#include "converge/client_factory.hpp"
#include "converge/sync.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace converge::cli {

namespace {

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

// Requests observe keeps in flight: 10 per resource (what ARM tolerates), else the client's.
int observe_parallelism(const StackOptions& options) {
    return options.refresh == "per-resource" ? 10 : options.client.parallelism;
}

}  // namespace

RefreshMode refresh_mode(const std::string& refresh, bool graph) {
    if (refresh == "per-resource") {
        return RefreshMode::per_resource;
    }
    return refresh == "graph" && graph ? RefreshMode::graph : RefreshMode::list;
}

std::pair<std::string, std::string> split_var(const std::string& text) {
    const auto eq = text.find('=');
    return eq == std::string::npos ? std::pair{text, std::string()} : std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

void print_error(const std::string& text) { std::fprintf(stderr, "converge: error: %s\n", text.c_str()); }

Diagnostics warnings_as_errors(const Diagnostics& diagnostics) {
    Diagnostics out;
    for (Diagnostic d : diagnostics.items()) {
        if (d.severity == Severity::warning) {
            d.severity = Severity::error;
        }
        out.add(std::move(d));
    }
    return out;
}

bool is_format_name(const std::string& out_file) {
    for (const char* format : {"json", "yaml", "yml", "table", "markdown", "md", "text", "tsv"}) {
        if (out_file == format) {
            return true;
        }
    }
    return false;
}

CLI::Validator var_validator() {
    return CLI::Validator(
        [](const std::string& text) -> std::string {
            const auto eq = text.find('=');
            if (eq == std::string::npos || eq == 0) {
                return "expects NAME=VALUE, got \"" + text + "\"";  // no '=': no value to hide
            }
            return {};
        },
        "NAME=VALUE");
}

void add_stack_options(CLI::App& command, StackOptions& options, bool with_refresh_and_prune) {
    options.client = client_options_from_env();
    command.add_option("paths", options.paths, "Manifest directories or *.yaml files (apply: or one saved plan file)")->required();
    // One value per flag, so `--var a=1 DIR` leaves DIR to the positional arguments.
    command.add_option("--values", options.values_files, "YAML file of variable values (repeatable)")
        ->allow_extra_args(false);
    command.add_option("--var", options.vars, "Variable value name=value (repeatable)")
        ->check(var_validator())
        ->allow_extra_args(false);
    command.add_flag("--strict", options.strict, "Treat warnings (unset ${env:}, near-miss keys, ...) as errors");
    command.add_option("--subscription", options.subscription, "Default subscription id (also AZURE_SUBSCRIPTION_ID)");
    command.add_flag("--emulator", options.emulator, "Run against the embedded emulator (started in-process)");
    command.add_option("--emulator-state", options.emulator_state, "State directory of the embedded emulator")
        ->capture_default_str();
    if (with_refresh_and_prune) {
        command.add_option("--refresh", options.refresh, "How to read current state")
            ->check(CLI::IsMember({"list", "per-resource", "graph"}))
            ->capture_default_str();
        command.add_flag("--prune", options.prune, "Delete resources tagged with this stack that left the manifests");
        command.add_flag("--adopt", options.adopt,
                         "Take over existing resources the manifests name that no stack owns (untagged)");
        command.add_option("--take-over-from", options.take_over_from,
                           "Take over the resources the manifests name that this other stack owns");
        auto* recover = command.add_flag("--recover", options.recover,
                                         "Recover a soft-deleted key vault whose name the plan creates (createMode: recover)");
        command.add_flag("--purge-soft-deleted", options.purge_soft_deleted,
                         "DESTRUCTIVE: purge a soft-deleted key vault whose name the plan creates, then create it anew")
            ->excludes(recover);
    }
    command.add_flag("--force-delete-contents", options.force_delete_contents,
                     "DESTRUCTIVE: delete a resource group or workspace even when it holds resources this stack "
                     "does not own (they are deleted with it)");
    add_client_options(command, options.client);
}

void add_auto_approve(CLI::App& command, bool& auto_approve, const std::string& verb) {
    command.add_flag("--auto-approve", auto_approve, verb + " without asking for confirmation");
}

Stack::~Stack() = default;

bool Stack::start_emulator(const StackOptions& options, ClientOptions& client) {
    m_emulator = start_embedded_emulator(options.emulator_state, client);
    return m_emulator != nullptr;
}

std::unique_ptr<Stack> Stack::open(const StackOptions& options, const GlobalOptions& global) {
    std::unique_ptr<Stack> stack(new Stack());
    stack->m_options = options;
    ClientOptions client = options.client;
    if (options.emulator && !stack->start_emulator(options, client)) {
        return nullptr;
    }
    stack->m_subscription = !options.subscription.empty() ? options.subscription
                            : options.emulator         ? stack->m_emulator->credentials().subscription_id
                                                       : env_or_empty("AZURE_SUBSCRIPTION_ID");
    if (global.verbose > 0) {
        auto log = stderr_request_logger();
        if (client.on_request) {  // sync's metrics count requests too
            client.on_request = [counted = client.on_request, log](const RequestEvent& e) {
                counted(e);
                log(e);
            };
        } else {
            client.on_request = std::move(log);
        }
    }
    client.on_warning = stderr_warning_logger();
    auto made = make_arm_client(client);
    bool warmed = false;
    if (stack->m_subscription.empty() && made) {
        // No --subscription and no AZURE_SUBSCRIPTION_ID: the Azure CLI's current subscription,
        // as az itself would use. So the token comes first (the same single `az` run).
        (*made)->warm_up(observe_parallelism(options));
        warmed = true;
        stack->m_subscription = (*made)->credential().default_subscription().value_or("");
    }
    {
        // The token and the connections are fetched while the manifests load; only reads that
        // change nothing are sent before the manifests validate. Errors are left to observe.
        std::jthread warm_up;
        if (made && !warmed) {
            warm_up = std::jthread([arm = *made, n = observe_parallelism(options)] { arm->warm_up(n); });
        }
        if (!stack->load()) {
            return nullptr;  // nothing has been written: the manifests must all validate first
        }
    }
    if (!made) {
        print_error(made.error());
        return nullptr;
    }
    if (global.verbose > 0) {
        // Every ARM request carries it: the Activity Log finds this run's writes by it.
        std::fprintf(stderr, "converge: correlation id %s (x-ms-correlation-request-id)\n",
                     (*made)->options().correlation_id.c_str());
    }
    stack->m_api = std::make_unique<ArmClientApi>(*made);
    return stack;
}

bool Stack::load() {
    LoadOptions load;
    load.paths = m_options.paths;
    load.values_files = m_options.values_files;
    for (const auto& v : m_options.vars) {
        load.vars.push_back(split_var(v));
    }
    load.default_subscription = m_subscription;
    load.require_subscription = true;
    m_loaded = load_manifests(load);
    if (m_options.strict) {
        m_loaded.diagnostics = warnings_as_errors(m_loaded.diagnostics);
    }
    if (!m_loaded.diagnostics.empty()) {
        std::fputs(m_loaded.diagnostics.to_string().c_str(), stderr);
    }
    return !m_loaded.diagnostics.has_errors();
}

bool Stack::reload() { return load(); }

std::optional<ObservedState> Stack::observe(bool find_orphans, bool graph) {
    ObserveOptions options;
    options.mode = refresh_mode(m_options.refresh, graph);
    options.find_orphans = find_orphans;
    options.parallelism = observe_parallelism(m_options);
    auto observed = converge::observe(m_loaded.desired, *m_api, options);
    if (!observed) {
        print_error("reading current state: " + observed.error().to_string());
        return std::nullopt;
    }
    return std::move(*observed);
}

std::optional<Plan> Stack::plan(const ObservedState& observed, const PlanOptions& options) {
    PlanResult result = build_plan(m_loaded.desired, observed, options);
    if (!result.diagnostics.empty()) {
        std::fputs(result.diagnostics.to_string().c_str(), stderr);
    }
    if (!result.ok()) {
        return std::nullopt;
    }
    return std::move(result.plan);
}

std::optional<std::chrono::milliseconds> parse_lock_timeout(const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::size_t used = 0;
    long long n = 0;
    try {
        n = std::stoll(text, &used);
    } catch (...) {
        return std::nullopt;
    }
    if (n < 0) {
        return std::nullopt;
    }
    std::string unit = text.substr(used);
    long long scale = unit.empty() || unit == "s" ? 1000 : unit == "ms" ? 1 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000 : -1;
    if (scale < 0) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(n * scale);
}

void add_lock_options(CLI::App& command, StackOptions& options) {
    command.add_option("--lock-timeout", options.lock_timeout,
                       "Wait up to DURATION (90, 30s, 5m, 1h) for the stack's lock (converge.yaml lock:); 0 = fail at once")
        ->capture_default_str();
    command.add_flag("--no-lock", options.no_lock, "Do not take the stack's lock (converge.yaml lock:)");
}

bool Stack::lock(const GlobalOptions& global) {
    if (m_options.lock_command.empty() || m_options.no_lock || !m_loaded.lock) {
        return true;
    }
    auto timeout = parse_lock_timeout(m_options.lock_timeout);
    if (!timeout) {
        print_error("--lock-timeout: '" + m_options.lock_timeout + "' is not a duration (90, 30s, 5m, 1h)");
        return false;
    }
    LockWaitOptions wait;
    wait.timeout = *timeout;
    bool said = false;
    wait.on_wait = [&said, &global](const LockHolder& holder, std::chrono::milliseconds) {
        if (!said && global.log_format != "json") {
            std::fprintf(stderr, "converge: waiting for the stack lock, held by %s\n", holder.describe().c_str());
            said = true;
        }
    };
    auto held = StackLock::acquire(client(), *m_loaded.lock, this_process_holder(m_options.lock_command), wait);
    if (!held) {
        print_error(held.error().code == k_stack_locked ? held.error().message
                                                         : "taking the stack lock: " + held.error().to_string());
        return false;
    }
    m_lock = std::move(*held);
    return true;
}

std::optional<Planned> open_and_plan(const StackOptions& options, const GlobalOptions& global, PlanOptions plan) {
    Planned out;
    out.stack = Stack::open(options, global);
    if (!out.stack) {
        return std::nullopt;
    }
    if (!out.stack->lock(global)) {  // before observe: the plan is made under the lock
        return std::nullopt;
    }
    plan.adopt = options.adopt;
    plan.take_over_from = options.take_over_from;
    plan.force_delete_contents = options.force_delete_contents;
    plan.recover = options.recover;
    plan.purge_soft_deleted = options.purge_soft_deleted;
    // Always with what the stack's scopes hold: plan lists orphans, deletes check what they hold.
    auto observed = out.stack->observe(true, true);
    if (!observed) {
        return std::nullopt;
    }
    auto planned = out.stack->plan(*observed, plan);
    if (!planned) {
        return std::nullopt;
    }
    if (options.refresh == "graph") {
        // Resource Graph lags ARM: every candidate change is read again from ARM, then planned.
        auto confirmed = confirm_observed(out.stack->desired(), *observed, graph_candidates(*planned),
                                          out.stack->api(), observe_parallelism(options));
        if (!confirmed) {
            print_error("reading current state: " + confirmed.error().to_string());
            return std::nullopt;
        }
        if (*confirmed > 0) {
            planned = out.stack->plan(*observed, plan);
            if (!planned) {
                return std::nullopt;
            }
        }
    }
    // Who changed what drifted: one Activity Log query per subscription, only when there is drift.
    if (const std::string why = attribute_drift(*planned, out.stack->api(), std::chrono::system_clock::now());
        !why.empty()) {
        std::fprintf(stderr, "converge: warning: %s (drift is shown without who changed it)\n", why.c_str());
    }
    out.observed = std::move(*observed);
    out.plan = std::move(*planned);
    return out;
}

}  // namespace converge::cli
