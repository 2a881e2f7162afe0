#include "cli/run_apply.hpp"
#include "cli/saved_plan_apply.hpp"
#include "cli/stack.hpp"

#include "converge/render.hpp"
#include "converge/saved_plan.hpp"
#include "converge/version.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

namespace converge::cli {

namespace {

struct PlanCommand {
    StackOptions stack;
    std::string out_file;
    std::string format = "text";
    bool detailed_exitcode = false;
    bool destroy = false;
    std::string environment;  ///< --environment: a label for the markdown heading
};

// The JSON plan's header: what made it, from which manifests, for which subscriptions, when.
PlanHeader header_of(const Planned& planned) {
    PlanHeader h;
    h.converge_version = k_version;
    h.stack = planned.stack->desired().stack;
    std::set<std::string> subscriptions;
    for (const auto& r : planned.stack->desired().resources) {
        subscriptions.insert(r.id.subscription());
    }
    for (const auto* list : {&planned.plan.changes, &planned.plan.orphans}) {
        for (const auto& c : *list) {
            subscriptions.insert(c.id.subscription());
        }
    }
    subscriptions.erase("");
    h.subscriptions.assign(subscriptions.begin(), subscriptions.end());
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    h.created_at = text;
    h.inputs_digest = desired_digest(planned.stack->desired());
    return h;
}

std::string render(const Planned& planned, const std::string& format, bool color, const std::string& environment) {
    const Plan& plan = planned.plan;
    if (format == "json") {
        return render_json(plan, header_of(planned));
    }
    if (format == "markdown") {
        return render_markdown(plan, header_of(planned), environment);
    }
    return render_text(plan, TextOptions{color});
}

// Relative to the stack root (the directory plan runs in, e.g. the checkout's root in CI) when
// inside it, so that the saved plan applies from another checkout; else absolute.
std::vector<std::string> root_relative_paths(const std::vector<std::string>& paths) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path root = fs::current_path(ec);
    std::vector<std::string> out;
    for (const auto& p : paths) {
        const fs::path absolute = fs::absolute(p).lexically_normal();
        const fs::path relative = ec ? fs::path() : absolute.lexically_relative(root);
        const bool inside = !relative.empty() && *relative.begin() != "..";
        std::string text = inside ? relative.string() : absolute.string();
        while (text.size() > 1 && text.back() == '/') {
            text.pop_back();
        }
        out.push_back(text.empty() ? "." : text);
    }
    return out;
}

// What `converge apply FILE` needs to load the same manifests again (secret --var values are
// dropped by save_plan).
PlanInputs inputs_of(const PlanCommand& cmd, const Stack& stack) {
    PlanInputs in;
    in.paths = root_relative_paths(cmd.stack.paths);
    in.values_files = root_relative_paths(cmd.stack.values_files);
    for (const auto& v : cmd.stack.vars) {
        in.vars.push_back(split_var(v));
    }
    in.subscription = stack.default_subscription();
    record_target(in, cmd.stack);
    return in;
}

bool write_saved_plan(const PlanCommand& cmd, const Planned& planned) {
    const std::string text =
        save_plan(planned.plan, planned.stack->desired(), planned.observed, inputs_of(cmd, *planned.stack));
    std::ofstream out(cmd.out_file, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
        print_error("cannot write the saved plan to " + cmd.out_file);
        return false;
    }
    return true;
}

int run_plan(const PlanCommand& cmd, const GlobalOptions& global) {
    if (cmd.destroy && cmd.stack.prune) {
        print_error("--destroy already deletes everything this stack owns; drop --prune");
        return k_exit_error;
    }
    if (is_format_name(cmd.out_file)) {
        const bool known = cmd.out_file == "json" || cmd.out_file == "markdown" || cmd.out_file == "text";
        print_error("-o/--out FILE saves the plan to a file; for the output format use --format " +
                    (known ? cmd.out_file : std::string("text, json or markdown")) + " (to save to a file named \"" +
                    cmd.out_file + "\", write -o ./" + cmd.out_file + ")");
        return k_exit_error;
    }
    if (is_saved_plan_argument(cmd.stack.paths)) {
        print_error(cmd.stack.paths[0] + " is a file, not manifests: plan reads manifest directories or *.yaml files; "
                    "apply a saved plan with `converge apply " + cmd.stack.paths[0] + "`");
        return k_exit_error;
    }
    auto planned = open_and_plan(cmd.stack, global, PlanOptions{cmd.stack.prune || cmd.destroy, cmd.destroy});
    if (!planned) {
        return k_exit_error;
    }
    const std::string text = render(*planned, cmd.format, global.color_stdout(), cmd.environment);
    std::fputs(text.c_str(), stdout);
    if (cmd.format == "text") {
        std::fputs(smoke_test_note(planned->plan, planned->stack->desired(), planned->observed).c_str(), stdout);
        if (!cmd.destroy) {
            std::fputs(job_note(planned->plan, planned->stack->desired(), planned->observed).c_str(), stdout);
        }
    }
    if (!cmd.out_file.empty()) {
        if (!write_saved_plan(cmd, *planned)) {
            return k_exit_error;
        }
        std::fprintf(cmd.format == "text" ? stdout : stderr, "\nSaved the plan to %s; apply exactly it with `converge apply %s`.\n",
                     cmd.out_file.c_str(), cmd.out_file.c_str());
    }
    if (!cmd.detailed_exitcode || !planned->plan.has_changes()) {
        return k_exit_ok;
    }
    return planned->plan.destructive() ? k_exit_destructive : k_exit_changes;
}

}  // namespace

int run_plan_command(const StackOptions& stack, const GlobalOptions& global, const std::string& format,
                     const std::string& out_file, bool detailed_exitcode, bool destroy) {
    PlanCommand cmd;
    cmd.stack = stack;
    cmd.format = format;
    cmd.out_file = out_file;
    cmd.detailed_exitcode = detailed_exitcode;
    cmd.destroy = destroy;
    return run_plan(cmd, global);
}

void register_plan(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<PlanCommand>();
    auto* sub = app.add_subcommand("plan", "Show what apply would change (never writes)");
    add_stack_options(*sub, cmd->stack, true);
    sub->add_option("--format", cmd->format, "Output format")
        ->check(CLI::IsMember({"text", "json", "markdown"}))
        ->capture_default_str();
    sub->add_option("-o,--out", cmd->out_file,
                    "Also save the plan to FILE (no secrets in it); `converge apply FILE` applies exactly it");
    sub->add_option("--environment", cmd->environment,
                    "Environment name for the markdown plan's heading (e.g. production), beside stack and subscription");
    sub->add_flag("--destroy", cmd->destroy, "Preview `converge destroy`: what it would delete and what it keeps");
    sub->add_flag("--detailed-exitcode", cmd->detailed_exitcode,
                  "Exit 0 when there are no changes, 2 with changes, 3 with destructive changes");
    sub->callback([cmd, &global, &exit_code] { exit_code = run_plan(*cmd, global); });
}

}  // namespace converge::cli
