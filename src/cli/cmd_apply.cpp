#include "cli/run_apply.hpp"
#include "cli/saved_plan_apply.hpp"

#include <memory>

namespace converge::cli {

namespace {

struct ApplyCommand {
    StackOptions stack;
    bool auto_approve = false;
};

int run_apply(const ApplyCommand& cmd, const GlobalOptions& global) {
    if (is_saved_plan_argument(cmd.stack.paths)) {
        return apply_saved_plan(cmd.stack, global);
    }
    auto planned = open_and_plan(cmd.stack, global, PlanOptions{cmd.stack.prune, false});
    if (!planned) {
        return k_exit_error;
    }
    return confirm_and_apply(*planned->stack, planned->plan, planned->observed,
                             ExecuteOptions{cmd.auto_approve, "apply"}, global);
}

}  // namespace

void register_apply(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<ApplyCommand>();
    auto* sub = app.add_subcommand("apply", "Converge Azure to the manifests, or apply a plan saved with plan -o");
    add_stack_options(*sub, cmd->stack, true);
    add_auto_approve(*sub, cmd->auto_approve, "Apply");
    add_lock_options(*sub, cmd->stack);
    cmd->stack.lock_command = "apply";
    sub->callback([cmd, &global, &exit_code] { exit_code = run_apply(*cmd, global); });
}

}  // namespace converge::cli
