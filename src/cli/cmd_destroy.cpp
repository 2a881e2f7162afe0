#include "cli/run_apply.hpp"
#include "cli/saved_plan_apply.hpp"

#include <memory>

namespace converge::cli {

namespace {

struct DestroyCommand {
    StackOptions stack;
    bool auto_approve = false;
    std::string out_file;
};

int run_destroy(const DestroyCommand& cmd, const GlobalOptions& global) {
    if (!cmd.out_file.empty()) {  // save the destroy plan for `converge apply FILE`, as plan --destroy -o
        StackOptions plan_only = cmd.stack;
        plan_only.lock_command.clear();  // writes nothing: no lock
        return run_plan_command(plan_only, global, "text", cmd.out_file, false, true);
    }
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
    add_lock_options(*sub, cmd->stack);
    cmd->stack.lock_command = "destroy";
    sub->add_option("-o,--out", cmd->out_file,
                    "Save the destroy plan to FILE instead of applying it; `converge apply FILE` applies exactly it");
    sub->callback([cmd, &global, &exit_code] { exit_code = run_destroy(*cmd, global); });
}

}  // namespace converge::cli
