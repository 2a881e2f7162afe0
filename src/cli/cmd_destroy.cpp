#include "run_apply.hpp"

#include <memory>

namespace converge::cli {

namespace {

struct DestroyCommand {
    StackOptions stack;
    bool auto_approve = false;
};

int run_destroy(const DestroyCommand& cmd, const GlobalOptions& global) {
    auto stack = Stack::open(cmd.stack, global);
    if (!stack) {
        return k_exit_error;
    }
    auto observed = stack->observe(true);
    if (!observed) {
        return k_exit_error;
    }
    auto plan = stack->plan(*observed, PlanOptions{true, true});
    if (!plan) {
        return k_exit_error;
    }
    return confirm_and_apply(*stack, *plan, *observed, ExecuteOptions{cmd.auto_approve, "destroy"}, global);
}

}  // namespace

void register_destroy(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<DestroyCommand>();
    auto* sub = app.add_subcommand("destroy", "Delete the stack's resources, dependents first");
    add_stack_options(*sub, cmd->stack, false);
    sub->add_flag("--auto-approve", cmd->auto_approve, "Destroy without asking for confirmation");
    sub->callback([cmd, &global, &exit_code] { exit_code = run_destroy(*cmd, global); });
}

}  // namespace converge::cli
