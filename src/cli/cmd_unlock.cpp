// converge force-unlock DIR: break the stack's lock (converge.yaml lock:) left by a run that is
// gone, like `terraform force-unlock`. A lease that nobody renews also expires by itself after
// lock.leaseSeconds; this is for when that cannot wait, or the holder is stuck but alive.
#include "cli/stack.hpp"

#include <cstdio>
#include <memory>

namespace converge::cli {

namespace {

struct UnlockCommand {
    StackOptions stack;
    bool yes = false;
};

int run_unlock(const UnlockCommand& cmd, const GlobalOptions& global) {
    StackOptions options = cmd.stack;
    options.lock_command.clear();
    auto stack = Stack::open(options, global);
    if (!stack) {
        return k_exit_error;
    }
    if (!stack->lock_config()) {
        print_error("converge.yaml has no lock: section; there is no stack lock to break");
        return k_exit_error;
    }
    auto holder = lock_holder(stack->client(), *stack->lock_config());
    if (!holder) {
        print_error("reading the stack lock: " + holder.error().to_string());
        return k_exit_error;
    }
    if (!*holder) {
        std::printf("The stack lock is not held; nothing to do.\n");
        return k_exit_ok;
    }
    if (!cmd.yes) {
        print_error("the stack lock is held by " + (*holder)->describe() +
                    "; breaking it lets another run write while that one may still be writing. "
                    "Pass --yes when you are sure it is gone");
        return k_exit_error;
    }
    auto broken = break_lock(stack->client(), *stack->lock_config());
    if (!broken) {
        print_error("breaking the stack lock: " + broken.error().to_string());
        return k_exit_error;
    }
    std::printf("Broke the stack lock held by %s.\n", (*holder)->describe().c_str());
    return k_exit_ok;
}

}  // namespace

void register_force_unlock(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<UnlockCommand>();
    auto* sub = app.add_subcommand("force-unlock", "Break the stack's lock (converge.yaml lock:) left by a run that is gone");
    add_stack_options(*sub, cmd->stack, false);
    sub->add_flag("--yes", cmd->yes, "Break it without asking (required: the command never prompts)");
    sub->callback([cmd, &global, &exit_code] { exit_code = run_unlock(*cmd, global); });
}

}  // namespace converge::cli
