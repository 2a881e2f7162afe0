// `converge sync DIR`: plan on a schedule; in correct mode apply the allowed classes of changes.
// The loop, the classes and the tick are converge::sync (include/converge/sync.hpp); this file
// has the flags, the signals, and what each tick prints. docs/sync.md.
#include "cli/apply_progress.hpp"
#include "cli/metrics.hpp"
#include "cli/saved_plan_apply.hpp"
#include "cli/stack.hpp"

#include "converge/client_factory.hpp"
#include "converge/diff.hpp"
#include "converge/model_upload.hpp"
#include "converge/redact.hpp"
#include "converge/render.hpp"
#include "converge/sync.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <unistd.h>

namespace converge::cli {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*signal*/) {
    // First signal: no new tick, no new step; in-flight steps finish. A second one kills as usual.
    g_stop.store(true);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

class StopGuard {
public:
    StopGuard() {
        g_stop.store(false);
        m_int = std::signal(SIGINT, on_stop_signal);
        m_term = std::signal(SIGTERM, on_stop_signal);
    }
    ~StopGuard() {
        std::signal(SIGINT, m_int);
        std::signal(SIGTERM, m_term);
    }
    StopGuard(const StopGuard&) = delete;
    StopGuard& operator=(const StopGuard&) = delete;

private:
    void (*m_int)(int) = SIG_DFL;
    void (*m_term)(int) = SIG_DFL;
};

struct SyncCommand {
    StackOptions stack;
    std::string interval = "10m";
    std::string jitter = "10%";
    std::string backoff_max = "1h";
    bool once = false;
    std::string mode = "detect";
    std::string allow = "create,update";
    bool detailed_exitcode = false;
    std::string metrics_listen;  ///< --metrics-listen ADDR
    std::string notify;          ///< --notify URL
};

/// RFC 3339 UTC with milliseconds: "2026-12-07T15:40:00.123Z".
std::string rfc3339_now() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

std::string seconds_text(Clock::Duration d) {
    const double s = std::chrono::duration<double>(d).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, s < 10 ? "%.2f s" : "%.0f s", s);
    return buf;
}

/// Requests one tick sent, from the client's counters.
struct RequestCounts {
    long reads = 0;
    long writes = 0;
    long deletes = 0;
};

RequestCounts counts_between(const ClientStats& before, const ClientStats& after) {
    return RequestCounts{after.reads - before.reads, after.writes - before.writes, after.deletes - before.deletes};
}

/// Prints the tick's events: text lines (the plan as `converge plan` renders it when it has
/// differences) or one JSON object per line with --log-format json.
class SyncReporter {
public:
    SyncReporter(bool json, bool color) : m_json(json), m_color(color) {}

    bool json() const { return m_json; }

    void event(Json body) {
        if (!m_json) {
            return;
        }
        Json line = {{"time", rfc3339_now()}};
        line.update(body);
        std::lock_guard guard(m_mutex);
        std::fprintf(stdout, "%s\n", line.dump().c_str());
        std::fflush(stdout);
    }

    void text(const std::string& line) {
        if (m_json) {
            return;
        }
        std::lock_guard guard(m_mutex);
        std::fputs(line.c_str(), stdout);
        std::fflush(stdout);
    }

    void tick_started(int tick) {
        event({{"type", "tick_started"}, {"tick", tick}});
    }

    void tick_finished(int tick, const SyncTickResult& result, SyncMode mode, Clock::Duration took,
                       const RequestCounts& requests) {
        if (m_json) {
            const Json changes = plan_to_json(result.plan)["changes"];
            std::size_t at = 0;
            for (const auto& c : result.plan.changes) {
                if (c.action == Action::noop) {
                    continue;
                }
                const DifferenceClass cls = difference_class(c);
                event({{"type", cls == DifferenceClass::drift ? "drift_found" : "difference"},
                       {"tick", tick},
                       {"class", difference_class_name(cls)},
                       {"resource", change_label(c)},
                       {"change", changes[at++]}});
            }
            for (const auto& u : result.unmanaged) {
                event({{"type", "unmanaged"},
                       {"tick", tick},
                       {"resource", resource_label(u.kind, u.id)},
                       {"id", u.id.str()},
                       {"other_stack", u.other_stack.empty() ? Json(nullptr) : Json(u.other_stack)}});
            }
            if (result.applied) {
                for (const auto& step : result.applied->steps) {
                    if (step.status == StepStatus::succeeded) {
                        event({{"type", "corrected"},
                               {"tick", tick},
                               {"resource", resource_label(step.kind, step.id)},
                               {"action", step_label(step)}});
                    }
                }
            }
            for (const auto& h : result.held) {
                event({{"type", "held"},
                       {"tick", tick},
                       {"resource", change_label(h.change)},
                       {"id", h.change.id.str()},
                       {"action", action_name(h.change.action)},
                       {"why", h.why}});
            }
            if (!result.ok()) {
                event({{"type", "failed"}, {"tick", tick}, {"error", failure_text(result)}});
            }
            event({{"type", "tick_finished"},
                   {"tick", tick},
                   {"ok", result.ok()},
                   {"mode", mode == SyncMode::correct ? "correct" : "detect"},
                   {"duration_ms", std::chrono::duration_cast<std::chrono::milliseconds>(took).count()},
                   {"differences", result.differences()},
                   {"drift", result.count(DifferenceClass::drift)},
                   {"pending", result.count(DifferenceClass::pending)},
                   {"unknown", result.count(DifferenceClass::unknown)},
                   {"orphans", result.plan.orphans.size()},
                   {"unmanaged", result.unmanaged.size()},
                   {"corrected", result.corrected()},
                   {"held", result.held.size()},
                   {"interrupted", result.interrupted},
                   {"requests", {{"reads", requests.reads}, {"writes", requests.writes}, {"deletes", requests.deletes}}}});
            return;
        }
        std::string out;
        if (!result.unmanaged.empty()) {
            out += "\nIn the stack's scope, in no manifest, not this stack's: " + std::to_string(result.unmanaged.size()) +
                   " resource" + (result.unmanaged.size() == 1 ? "" : "s") + "\n";
            for (const auto& u : result.unmanaged) {
                out += "    " + resource_label(u.kind, u.id) + " (" +
                       (u.other_stack.empty() ? std::string("untagged") : "owned by stack " + u.other_stack) + ")\n";
            }
        }
        for (const auto& h : result.held) {
            out += "  held back: " + change_label(h.change) + " (" + action_name(h.change.action) + "): " + h.why + "\n";
        }
        out += "sync: tick " + std::to_string(tick) + " at " + rfc3339_now() + ": ";
        if (!result.error.empty()) {
            out += "failed: " + failure_text(result);
        } else if (result.differences() == 0) {
            out += "in sync";
        } else if (mode == SyncMode::detect) {
            out += std::to_string(result.differences()) + " difference" + (result.differences() == 1 ? "" : "s") +
                   classes_text(result) + " (detect mode: nothing changed)";
        } else {
            out += std::to_string(result.differences()) + " difference" + (result.differences() == 1 ? "" : "s") +
                   classes_text(result) + ", " +
                   std::to_string(result.corrected()) + " corrected, " + std::to_string(result.held.size()) + " held back";
            if (result.applied && !result.applied->ok()) {
                out += ", " + std::to_string(result.applied->count(StepStatus::failed)) + " failed";
            }
        }
        if (result.interrupted) {
            out += " (interrupted)";
        }
        out += " (" + std::to_string(requests.reads + requests.writes + requests.deletes) + " requests, " +
               std::to_string(requests.writes + requests.deletes) + " writes, " + seconds_text(took) + ")\n";
        text(out);
    }

    /// Text mode: the plan as `converge plan` renders it, when there is something to show,
    /// before correct mode writes anything.
    void planned(const Plan& plan) {
        if (!m_json && (plan.has_changes() || !plan.orphans.empty())) {
            text(render_text(plan, TextOptions{m_color}));
        }
    }

    void waiting(Clock::Duration wait, int failures) {
        event({{"type", "waiting"},
               {"seconds", std::chrono::duration<double>(wait).count()},
               {"failures_in_a_row", failures}});
        if (failures > 0) {
            text("sync: backing off after " + std::to_string(failures) + " failed tick" + (failures == 1 ? "" : "s") +
                 "; next tick in " + seconds_text(wait) + "\n");
        }
    }

    /// " (1 drift, 2 pending)": the classes present besides creates and deletes.
    static std::string classes_text(const SyncTickResult& result) {
        std::string out;
        for (auto c : {DifferenceClass::drift, DifferenceClass::pending, DifferenceClass::unknown}) {
            if (const std::size_t n = result.count(c)) {
                out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + difference_class_name(c);
            }
        }
        return out.empty() ? out : " (" + out + ")";
    }

    static std::string failure_text(const SyncTickResult& result) {
        if (!result.error.empty()) {
            return result.error;
        }
        if (result.applied && !result.applied->ok()) {
            return result.applied->summary("Correction");
        }
        return "";
    }

private:
    bool m_json;
    bool m_color;
    std::mutex m_mutex;
};

/// The --notify body (docs/sync.md "Webhook"): one per tick with drift or a failure.
Json notification(const std::string& stack, int tick, SyncMode mode, const SyncTickResult& result) {
    Json drift = Json::array();
    for (const auto& c : result.plan.changes) {
        if (c.action == Action::noop || c.origin != Origin::drift) {
            continue;
        }
        Json fields = Json::array();
        for (const auto& f : c.fields) {
            Json field = {{"path", dotted_path(f.path)}};
            field["before"] = f.before ? Json(display_value(f.before, f.sensitive)) : Json(nullptr);
            field["after"] = f.after ? Json(display_value(f.after, f.sensitive)) : Json(nullptr);
            fields.push_back(std::move(field));
        }
        Json entry = {{"resource", change_label(c)}, {"id", c.id.str()}, {"fields", std::move(fields)}};
        entry["changed_by"] = c.changed_by ? Json{{"caller", c.changed_by->caller},
                                                  {"time", c.changed_by->time},
                                                  {"operation", c.changed_by->operation}}
                                           : Json(nullptr);
        drift.push_back(std::move(entry));
    }
    return {{"source", "converge"},
            {"event", result.ok() ? "drift" : "failure"},
            {"stack", stack},
            {"tick", tick},
            {"time", rfc3339_now()},
            {"mode", mode == SyncMode::correct ? "correct" : "detect"},
            {"ok", result.ok()},
            {"error", SyncReporter::failure_text(result)},
            {"differences", result.differences()},
            {"drift", std::move(drift)},
            {"pending", result.count(DifferenceClass::pending)},
            {"unknown", result.count(DifferenceClass::unknown)},
            {"orphans", result.plan.orphans.size()},
            {"unmanaged", result.unmanaged.size()},
            {"corrected", result.corrected()},
            {"held", result.held.size()}};
}

/// True when a URL may receive the webhook: https, or plain http to a loopback host.
bool notify_url_allowed(const std::string& url) {
    if (url.starts_with("https://")) {
        return true;
    }
    const std::string host = url_host(url);
    return url.starts_with("http://") && (host == "127.0.0.1" || host == "localhost" || host == "[::1]");
}

/// --once's exit code: like plan's with --detailed-exitcode, for what is left after the tick.
int once_exit_code(const SyncCommand& cmd, const SyncTickResult& result, SyncMode mode) {
    if (!result.ok()) {
        return k_exit_error;
    }
    if (!cmd.detailed_exitcode) {
        return k_exit_ok;
    }
    if (mode == SyncMode::detect) {
        if (!result.plan.has_changes()) {
            return k_exit_ok;
        }
        return result.plan.destructive() ? k_exit_destructive : k_exit_changes;
    }
    if (result.held.empty()) {
        return k_exit_ok;
    }
    bool destructive = false;
    for (const auto& h : result.held) {
        destructive = destructive || h.change.action == Action::remove || h.change.action == Action::replace;
    }
    return destructive ? k_exit_destructive : k_exit_changes;
}

int run_sync(const SyncCommand& cmd, const GlobalOptions& global) {
    SyncSchedule schedule;
    const auto interval = parse_duration(cmd.interval);
    if (!interval) {
        print_error("--interval " + cmd.interval + ": expected a duration such as 10m, 30s, 1h or 1h30m");
        return k_exit_error;
    }
    schedule.interval = *interval;
    const auto jitter = parse_jitter(cmd.jitter);
    if (!jitter) {
        print_error("--jitter " + cmd.jitter + ": expected a fraction below 100%, such as 10% or 0.1");
        return k_exit_error;
    }
    schedule.jitter = *jitter;
    const auto backoff_max = parse_duration(cmd.backoff_max);
    if (!backoff_max) {
        print_error("--backoff-max " + cmd.backoff_max + ": expected a duration such as 1h");
        return k_exit_error;
    }
    schedule.backoff_max = *backoff_max;
    schedule.backoff_initial = std::min(schedule.backoff_initial, schedule.backoff_max);
    std::string error;
    const auto allow = parse_allowed_classes(cmd.allow, error);
    if (!allow) {
        print_error("--allow " + cmd.allow + ": " + error);
        return k_exit_error;
    }
    if (allow->remove && !cmd.stack.prune) {
        print_error("--allow delete applies the deletes --prune plans (this stack's resources that left the "
                    "manifests); add --prune, or leave delete out");
        return k_exit_error;
    }
    if (is_saved_plan_argument(cmd.stack.paths)) {
        print_error(cmd.stack.paths[0] + " is a file, not manifests: sync reads manifest directories or *.yaml files");
        return k_exit_error;
    }
    const SyncMode mode = cmd.mode == "correct" ? SyncMode::correct : SyncMode::detect;
    if (!cmd.notify.empty() && !notify_url_allowed(cmd.notify)) {
        print_error("--notify " + cmd.notify + ": expected an https:// URL (plain http only to a loopback host)");
        return k_exit_error;
    }
    // No credential: the webhook never receives an Azure token. The client's CA options apply.
    const std::shared_ptr<Transport> webhook = cmd.notify.empty() ? nullptr : make_transport(cmd.stack.client);

    StopGuard guard;
    SyncMetrics metrics;
    StackOptions stack_options = cmd.stack;
    if (!cmd.metrics_listen.empty()) {
        stack_options.client.on_request = [&metrics](const RequestEvent& e) { metrics.request(e); };
    }
    const auto lock_timeout = parse_lock_timeout(cmd.stack.lock_timeout);
    if (!lock_timeout) {
        print_error("--lock-timeout: '" + cmd.stack.lock_timeout + "' is not a duration (90, 30s, 5m, 1h)");
        return k_exit_error;
    }
    auto stack = Stack::open(stack_options, global);
    if (!stack) {
        return k_exit_error;
    }
    MetricsServer server;
    if (!cmd.metrics_listen.empty()) {
        if (const std::string bind_error = server.start(cmd.metrics_listen, metrics); !bind_error.empty()) {
            print_error("--metrics-listen: " + bind_error);
            return k_exit_error;
        }
    }
    SyncTickOptions tick_options;
    tick_options.mode = mode;
    tick_options.allow = *allow;
    tick_options.observe.mode = refresh_mode(cmd.stack.refresh, true);  // sync_tick confirms graph reads
    tick_options.observe.parallelism =
        cmd.stack.refresh == "per-resource" ? 10 : stack->client().options().parallelism;
    tick_options.plan.prune = cmd.stack.prune;
    tick_options.plan.adopt = cmd.stack.adopt;
    tick_options.plan.take_over_from = cmd.stack.take_over_from;
    tick_options.plan.force_delete_contents = cmd.stack.force_delete_contents;
    tick_options.plan.recover = cmd.stack.recover;
    tick_options.plan.purge_soft_deleted = cmd.stack.purge_soft_deleted;
    tick_options.apply.parallelism = stack->client().options().parallelism;
    tick_options.apply.cancel = &g_stop;
    tick_options.apply.before_write = model_uploader(stack->client());  // docs/model-upload.md
    tick_options.apply.job_poll_interval = std::min(stack->client().options().lro_default_interval,
                                                    std::chrono::milliseconds(std::chrono::seconds(10)));

    SyncReporter reporter(global.log_format == "json", global.color_stdout());
    tick_options.on_plan = [&reporter](const Plan& plan) { reporter.planned(plan); };
    reporter.event({{"type", "sync_started"},
                    {"mode", cmd.mode},
                    {"allow", allow->to_string()},
                    {"interval_seconds", std::chrono::duration<double>(schedule.interval).count()},
                    {"once", cmd.once},
                    // Every ARM request of this process carries it (x-ms-correlation-request-id).
                    {"correlationId", stack->client().options().correlation_id}});
    int once_code = k_exit_ok;
    SyncLoopHooks hooks;
    hooks.tick = [&](int tick) {
        reporter.tick_started(tick);
        const auto started = std::chrono::steady_clock::now();
        const ClientStats before = stack->client().stats();
        SyncTickResult result;
        if (!stack->reload()) {
            result.error = "the manifests are invalid (see above)";
        } else {
            std::unique_ptr<ProgressPrinter> progress;
            if (mode == SyncMode::correct) {
                progress = make_progress(reporter.json() ? ProgressStyle::json : ProgressStyle::lines, stdout,
                                         global.color_stdout(), Scrubber::for_desired(stack->desired()));
                progress->name = "Correction";
            }
            // Each tick holds the stack's lock (converge.yaml lock:) from before observe to the end
            // of its apply, so a tick never interleaves with an apply, a destroy or another sync.
            std::unique_ptr<StackLock> held;
            std::string lock_error;
            if (stack->lock_config() && !cmd.stack.no_lock) {
                LockWaitOptions wait;
                wait.timeout = *lock_timeout;
                std::optional<LockHolder> holder;
                wait.on_wait = [&](const LockHolder& h, std::chrono::milliseconds) {
                    if (!holder) {
                        holder = h;
                        reporter.event({{"type", "lock_waiting"}, {"tick", tick}, {"holder", h.describe()}});
                        reporter.text("sync: waiting for the stack lock, held by " + h.describe() + "\n");
                    }
                };
                auto taken = StackLock::acquire(stack->client(), *stack->lock_config(), this_process_holder("sync"), wait);
                if (taken) {
                    held = std::move(*taken);
                    if (holder) {
                        const double waited = std::chrono::duration<double>(held->waited()).count();
                        metrics.lock_waited(waited, true);
                        reporter.event({{"type", "lock_waited"}, {"tick", tick}, {"holder", holder->describe()},
                                        {"waited_seconds", waited}});
                    }
                } else {
                    if (taken.error().code == k_stack_locked) {
                        metrics.lock_waited(std::chrono::duration<double>(*lock_timeout).count(), false);
                    }
                    lock_error = taken.error().code == k_stack_locked ? taken.error().message
                                                                      : "taking the stack lock: " + taken.error().to_string();
                }
            }
            if (!lock_error.empty()) {
                result.error = lock_error;
            } else {
                result = sync_tick(stack->desired(), stack->api(), tick_options, progress.get());
            }
            if (held) {
                (void)held->release();
            }
            if (!result.attribution_error.empty()) {
                std::fprintf(stderr, "converge: warning: %s (drift is shown without who changed it)\n",
                             result.attribution_error.c_str());
            }
            if (!result.diagnostics.empty()) {
                std::fputs(result.diagnostics.to_string().c_str(), stderr);
            }
        }
        const auto took = std::chrono::steady_clock::now() - started;
        metrics.tick_finished(result,
                              std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(),
                              std::chrono::duration<double>(took).count());
        reporter.tick_finished(tick, result, mode, took, counts_between(before, stack->client().stats()));
        if (webhook && (!result.ok() || result.count(DifferenceClass::drift) > 0)) {
            HttpRequest post;
            post.method = "POST";
            post.url = cmd.notify;
            post.headers.set("Content-Type", "application/json");
            const Scrubber scrub = Scrubber::for_desired(stack->desired());
            post.body = scrub(notification(stack->desired().stack, tick, mode, result).dump());
            const HttpResponse sent = webhook->send(post);
            if (!sent.ok()) {
                const std::string why = sent.has_response() ? "HTTP " + std::to_string(sent.status)
                                                            : std::string(to_string(sent.error)) + ": " + sent.error_message;
                std::fprintf(stderr, "converge: warning: --notify: the webhook refused or failed (%s)\n", why.c_str());
                reporter.event({{"type", "notify_failed"}, {"tick", tick}, {"error", why}});
            }
        }
        once_code = once_exit_code(cmd, result, mode);
        return result.ok();
    };
    hooks.waiting = [&](Clock::Duration wait, int failures) { reporter.waiting(wait, failures); };
    SystemClock clock;
    DefaultRandom random;
    const SyncLoopResult loop = run_sync_loop(hooks, schedule, clock, random, g_stop, cmd.once);
    if (g_stop.load()) {
        reporter.event({{"type", "sync_stopped"}, {"ticks", loop.ticks}, {"reason", "signal"}});
        reporter.text("sync: stopped by a signal after " + std::to_string(loop.ticks) + " tick" +
                      (loop.ticks == 1 ? "" : "s") + "; in-flight operations finished.\n");
        return k_exit_ok;
    }
    return cmd.once ? once_code : k_exit_ok;
}

}  // namespace

void register_sync(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<SyncCommand>();
    auto* sub = app.add_subcommand("sync", "Plan on a schedule; report drift, or correct it (--mode correct)");
    add_stack_options(*sub, cmd->stack, true);
    add_lock_options(*sub, cmd->stack);
    sub->add_option("--interval", cmd->interval, "Time between the end of a tick and the start of the next")
        ->capture_default_str();
    sub->add_option("--jitter", cmd->jitter, "Random spread of each wait, e.g. 10% (+-10%)")->capture_default_str();
    sub->add_option("--backoff-max", cmd->backoff_max,
                    "Longest wait after failed ticks (30s, doubling per failure in a row, up to this)")
        ->capture_default_str();
    sub->add_flag("--once", cmd->once, "Run one tick and exit");
    sub->add_option("--mode", cmd->mode, "detect: report only; correct: apply the allowed changes")
        ->check(CLI::IsMember({"detect", "correct"}))
        ->capture_default_str();
    sub->add_option("--allow", cmd->allow,
                    "Classes correct mode applies: create,update,replace,delete (delete needs --prune)")
        ->capture_default_str();
    sub->add_flag("--detailed-exitcode", cmd->detailed_exitcode,
                  "With --once: exit 0 when nothing is left to do, 2 when changes are left, 3 when destructive ones are");
    sub->add_option("--metrics-listen", cmd->metrics_listen,
                    "Serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9464 or :9464)");
    sub->add_option("--notify", cmd->notify,
                    "POST a JSON body to this https:// URL after each tick with drift or a failure (CA: --ca-bundle)");
    sub->callback([cmd, &global, &exit_code] { exit_code = run_sync(*cmd, global); });
}

}  // namespace converge::cli
