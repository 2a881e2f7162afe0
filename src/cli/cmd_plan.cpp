#include "stack.hpp"

#include "converge/render.hpp"

#include <cstdio>
#include <fstream>
#include <memory>

namespace converge::cli {

namespace {

struct PlanCommand {
    StackOptions stack;
    std::string out_file;
    std::string format = "text";
    bool detailed_exitcode = false;
};

std::string render(const Plan& plan, const std::string& format, bool color) {
    if (format == "json") {
        return render_json(plan);
    }
    if (format == "markdown") {
        return render_markdown(plan);
    }
    return render_text(plan, TextOptions{color});
}

int run_plan(const PlanCommand& cmd, const GlobalOptions& global) {
    auto stack = Stack::open(cmd.stack, global);
    if (!stack) {
        return k_exit_error;
    }
    auto observed = stack->observe(cmd.stack.prune);
    if (!observed) {
        return k_exit_error;
    }
    auto plan = stack->plan(*observed, PlanOptions{cmd.stack.prune, false});
    if (!plan) {
        return k_exit_error;
    }
    const std::string text = render(*plan, cmd.format, global.color_stdout());
    std::fputs(text.c_str(), stdout);
    if (!cmd.detailed_exitcode || !plan->has_changes()) {
        return k_exit_ok;
    }
    return plan->destructive() ? k_exit_destructive : k_exit_changes;
}

}  // namespace

void register_plan(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<PlanCommand>();
    auto* sub = app.add_subcommand("plan", "Show what apply would change (never writes)");
    add_stack_options(*sub, cmd->stack, true);
    sub->add_option("--format", cmd->format, "Output format")
        ->check(CLI::IsMember({"text", "json", "markdown"}))
        ->capture_default_str();
    sub->add_flag("--detailed-exitcode", cmd->detailed_exitcode,
                  "Exit 0 when there are no changes, 2 with changes, 3 with destructive changes");
    sub->callback([cmd, &global, &exit_code] { exit_code = run_plan(*cmd, global); });
}

}  // namespace converge::cli
