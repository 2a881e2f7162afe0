#include "cli/run_apply.hpp"

#include <memory>

namespace converge::cli {

namespace {

struct DestroyCommand {
    StackOptions stack;
    bool auto_approve = false;
};

int run_destroy(const DestroyCommand& cmd, const GlobalOptions& global) {
    auto planned = open_and_plan(cmd.stack, global, PlanOptions{true, true});
    if (!planned) {
        return k_exit_error;
    }
    return confirm_and_apply(*planned->stack, planned->plan, planned->observed,
                             ExecuteOptions{cmd.auto_approve, "destroy"}, global);
}

}  // namespace

void register_destroy(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<DestroyCommand>();
    auto* sub = app.add_subcommand("destroy", "Delete the stack's resources, dependents first");
    add_stack_options(*sub, cmd->stack, false);
    add_auto_approve(*sub, cmd->auto_approve, "Destroy");
    sub->callback([cmd, &global, &exit_code] { exit_code = run_destroy(*cmd, global); });
}

}  // namespace converge::cli
