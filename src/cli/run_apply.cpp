#include "cli/run_apply.hpp"

#include "cli/apply_progress.hpp"

#include "converge/model_upload.hpp"
#include "converge/render.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace converge::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int /*signal*/) {
    // First signal: stop starting steps. A second one kills as usual (handlers reset below).
    g_interrupted.store(true);
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

// Restores the previous handlers when apply ends.
class InterruptGuard {
public:
    InterruptGuard() {
        g_interrupted.store(false);
        m_int = std::signal(SIGINT, on_interrupt);
        m_term = std::signal(SIGTERM, on_interrupt);
    }
    ~InterruptGuard() {
        std::signal(SIGINT, m_int);
        std::signal(SIGTERM, m_term);
    }

private:
    void (*m_int)(int) = SIG_DFL;
    void (*m_term)(int) = SIG_DFL;
};

bool confirmed(const ExecuteOptions& options) {
    if (options.auto_approve) {
        return true;
    }
    if (::isatty(0) == 0) {
        print_error(options.verb + " needs confirmation but standard input is not a terminal; " +
                    "review the plan and pass --auto-approve");
        return false;
    }
    if (options.verb == "destroy") {
        std::printf("\nDo you really want to destroy what is shown above? Only 'yes' will be accepted: ");
    } else {
        std::printf("\nDo you want to %s these changes? Only 'yes' will be accepted: ", options.verb.c_str());
    }
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "yes") {
        std::printf("%s cancelled.\n", options.verb.c_str());
        return false;
    }
    return true;
}

ProgressStyle style_for(const GlobalOptions& global) {
    if (global.log_format == "json") {
        return ProgressStyle::json;
    }
    return ::isatty(1) != 0 ? ProgressStyle::live : ProgressStyle::lines;
}

}  // namespace

std::string smoke_test_note(const Plan& plan, const DesiredSet& desired, const ObservedState& observed) {
    std::string out;
    for (const auto& step : build_step_graph(plan, desired, observed).steps) {
        if (step.kind != k_smoke_test_kind) {
            continue;
        }
        const Resource* r = desired.find(step.id);
        const int status = r == nullptr ? 200 : r->smoke_test.value("expectedStatus", 200);
        out += "Smoke test: " + resource_label("OnlineEndpoint", step.id) + " is scored after apply (expects HTTP " +
               std::to_string(status) + (r != nullptr && r->smoke_test.contains("jsonPath")
                                             ? " and a value at " + r->smoke_test.value("jsonPath", "")
                                             : std::string()) +
               ").\n";
    }
    return out;
}

std::string job_note(const Plan& plan, const DesiredSet& desired, const ObservedState& observed) {
    std::string out;
    for (const auto& r : desired.resources) {
        if (r.kind == nullptr || !r.kind->run_once) {
            continue;
        }
        const std::string label = resource_label(r.kind->name, r.id);
        if (const Json* body = observed.find(r.id)) {
            std::string status;
            if (body->contains("properties") && (*body)["properties"].is_object()) {
                status = (*body)["properties"].value("status", "");
            }
            if (status != "Completed") {
                out += "Job: " + label + " was submitted before and is " + (status.empty() ? "of unknown status" : status) +
                       "; it is not submitted again (a change of its code or spec makes a new job).\n";
            }
            continue;
        }
        const bool created = std::any_of(plan.changes.begin(), plan.changes.end(), [&](const Change& c) {
            return c.id == r.id && c.action == Action::create;
        });
        if (created) {
            out += "Job: " + label + " is submitted and followed until it is Completed, Failed or Canceled.\n";
        }
    }
    return out;
}

int confirm_and_apply(Stack& stack, const Plan& plan, const ObservedState& observed, const ExecuteOptions& options,
                      const GlobalOptions& global) {
    if (global.log_format != "json") {
        std::fputs(render_text(plan, TextOptions{global.color_stdout()}).c_str(), stdout);
        std::fputs(smoke_test_note(plan, options.desired ? *options.desired : stack.desired(), observed).c_str(), stdout);
        if (options.verb != "destroy") {
            std::fputs(job_note(plan, options.desired ? *options.desired : stack.desired(), observed).c_str(), stdout);
        }
    }
    if (!plan.has_changes()) {
        return k_exit_ok;
    }
    if (!confirmed(options)) {
        return k_exit_error;
    }
    InterruptGuard guard;
    ApplyOptions apply;
    apply.parallelism = stack.client().options().parallelism;
    apply.cancel = &g_interrupted;
    apply.before_write = model_uploader(stack.client());  // a Model's path:, a Job's code: (docs/model-upload.md)
    apply.job_poll_interval = std::min(stack.client().options().lro_default_interval,
                                       std::chrono::milliseconds(std::chrono::seconds(10)));
    const DesiredSet& desired = options.desired ? *options.desired : stack.desired();
    auto progress = make_progress(style_for(global), stdout, global.color_stdout(), Scrubber::for_desired(desired));
    progress->name = options.verb == "destroy" ? "Destroy" : "Apply";
    const ApplyResult result = apply_plan(plan, desired, observed, stack.api(), apply, progress.get());
    progress->finish(result);
    if (result.interrupted) {
        std::fputs("converge: interrupted; in-flight steps finished. Run the command again to converge the rest.\n",
                   stderr);
    }
    return result.ok() ? k_exit_ok : k_exit_error;
}

}  // namespace converge::cli
