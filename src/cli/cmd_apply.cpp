#include "run_apply.hpp"

#include <memory>

namespace converge::cli {

namespace {

struct ApplyCommand {
    StackOptions stack;
    bool auto_approve = false;
};

int run_apply(const ApplyCommand& cmd, const GlobalOptions& global) {
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
    return confirm_and_apply(*stack, *plan, *observed, ExecuteOptions{cmd.auto_approve, "apply"}, global);
}

}  // namespace

void register_apply(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<ApplyCommand>();
    auto* sub = app.add_subcommand("apply", "Converge Azure to the manifests");
    add_stack_options(*sub, cmd->stack, true);
    sub->add_flag("--auto-approve", cmd->auto_approve, "Apply without asking for confirmation");
    sub->callback([cmd, &global, &exit_code] { exit_code = run_apply(*cmd, global); });
}

}  // namespace converge::cli
