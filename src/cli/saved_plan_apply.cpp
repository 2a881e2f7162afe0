#include "cli/saved_plan_apply.hpp"

#include "cli/run_apply.hpp"

#include "converge/saved_plan.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace converge::cli {

namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Diagnostics without a location are about the saved plan file itself.
void print_diagnostics(const Diagnostics& diagnostics, const std::string& file) {
    Diagnostics located;
    for (const auto& d : diagnostics.items()) {
        Diagnostic copy = d;
        if (!copy.location.known()) {
            copy.location = Location{file, 0, 0};
        }
        located.add(std::move(copy));
    }
    std::fputs(located.to_string().c_str(), stderr);
}

// The recorded inputs, then what the command line adds (a later --var wins, as in plan).
StackOptions stack_options_for(const SavedPlan& saved, const StackOptions& given) {
    StackOptions out = given;
    out.paths = saved.inputs.paths;
    out.values_files = saved.inputs.values_files;
    out.values_files.insert(out.values_files.end(), given.values_files.begin(), given.values_files.end());
    out.vars.clear();
    for (const auto& [name, value] : saved.inputs.vars) {
        out.vars.push_back(name + "=" + value);
    }
    out.vars.insert(out.vars.end(), given.vars.begin(), given.vars.end());
    if (out.subscription.empty()) {
        out.subscription = saved.inputs.subscription;
    }
    return out;
}

bool has_delete(const Plan& plan) {
    for (const auto& c : plan.changes) {
        if (c.action == Action::remove) {
            return true;
        }
    }
    return false;
}

// A destroy plan (`converge destroy -o`, `plan --destroy -o`): deletes for destroy, and
// perhaps deletes it refuses (keep), nothing else. Applied, it says "Destroy complete".
bool is_destroy_plan(const Plan& plan) {
    bool destroys = false;
    for (const auto& c : plan.changes) {
        if (c.action == Action::remove && c.reason == Reason::destroy) {
            destroys = true;
        } else if (c.action != Action::noop && c.action != Action::keep) {
            return false;
        }
    }
    return destroys;
}

void note_withheld_vars(const SavedPlan& saved, const StackOptions& given) {
    for (const auto& name : saved.inputs.withheld_vars) {
        const bool given_again = std::any_of(given.vars.begin(), given.vars.end(),
                                             [&](const std::string& v) { return split_var(v).first == name; });
        if (!given_again) {
            std::fprintf(stderr, "note: the plan was made with --var %s, whose value is secret and not saved: pass it again\n",
                         name.c_str());
        }
    }
}

// "https://Management.Azure.com/" -> "https://management.azure.com".
std::string normalised_url(std::string url) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    for (auto& c : url) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return url;
}

std::string describe_target(const PlanInputs& t) {
    if (t.emulator) {
        return "the embedded emulator (--emulator)";
    }
    return "ARM endpoint " + t.arm_endpoint + " (authority " + t.authority_host + ")";
}

// The refusal when the plan was made against another Azure than this apply would talk to;
// empty when they are the same (or the file predates the record).
std::string target_mismatch(const PlanInputs& saved, const StackOptions& given, const std::string& file) {
    if (saved.arm_endpoint.empty() && !saved.emulator) {
        return {};
    }
    PlanInputs now;
    record_target(now, given);
    if (saved.emulator == now.emulator &&
        (saved.emulator || (saved.arm_endpoint == now.arm_endpoint && saved.authority_host == now.authority_host))) {
        return {};
    }
    std::string how;
    if (saved.emulator) {
        how = "add --emulator";
    } else {
        how = "pass --arm-endpoint " + saved.arm_endpoint + " --authority-host " + saved.authority_host +
              " (or CONVERGE_ARM_ENDPOINT, AZURE_AUTHORITY_HOST)";
    }
    return file + " was made against " + describe_target(saved) + ", but this apply would go to " +
           describe_target(now) + ": " + how + " to apply it where it was planned, or plan again; nothing was sent";
}

// Relative paths in the file are relative to the stack root plan ran in: apply runs there too.
std::string missing_input(const SavedPlan& saved, const std::string& file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const auto* list : {&saved.inputs.paths, &saved.inputs.values_files}) {
        for (const auto& p : *list) {
            if (!fs::exists(p, ec)) {
                const bool relative = fs::path(p).is_relative();
                return file + " was made from " + p + ", which is not " +
                       (relative ? "in " + fs::current_path(ec).string() +
                                       " (paths are recorded relative to the directory plan ran in: run apply from "
                                       "the same directory of the checkout)"
                                 : "there any more");
            }
        }
    }
    return {};
}

}  // namespace

void record_target(PlanInputs& inputs, const StackOptions& options) {
    inputs.emulator = options.emulator;
    if (options.emulator) {
        inputs.arm_endpoint.clear();  // its address changes from run to run
        inputs.authority_host.clear();
        return;
    }
    inputs.arm_endpoint = normalised_url(options.client.arm_endpoint);
    const std::string& authority = options.client.credentials.authority_host;
    inputs.authority_host = normalised_url(authority.empty() ? "https://login.microsoftonline.com" : authority);
}

bool is_saved_plan_argument(const std::vector<std::string>& paths) {
    if (paths.size() != 1) {
        return false;
    }
    std::error_code ec;
    const fs::path p(paths[0]);
    const auto ext = p.extension().string();
    return fs::is_regular_file(p, ec) && ext != ".yaml" && ext != ".yml";
}

int apply_saved_plan(const StackOptions& options, const GlobalOptions& global) {
    const std::string& file = options.paths.at(0);
    if (options.prune) {
        print_error("--prune is decided when the plan is saved (`converge plan --prune -o " + file + "`)");
        return k_exit_error;
    }
    const auto text = read_text(file);
    if (!text) {
        print_error("cannot read " + file);
        return k_exit_error;
    }
    LoadedPlan loaded = load_saved_plan(*text, file);
    if (!loaded.saved) {
        print_diagnostics(loaded.diagnostics, file);
        return k_exit_error;
    }
    SavedPlan& saved = *loaded.saved;
    if (saved.inputs.paths.empty()) {
        print_error(file + " does not record which manifests it was made from; save it again with `converge plan -o`");
        return k_exit_error;
    }
    if (const std::string refusal = target_mismatch(saved.inputs, options, file); !refusal.empty()) {
        print_error(refusal);
        return k_exit_error;
    }
    if (const std::string missing = missing_input(saved, file); !missing.empty()) {
        print_error(missing);
        return k_exit_error;
    }
    auto stack = Stack::open(stack_options_for(saved, options), global);
    if (!stack || !stack->lock(global)) {
        return k_exit_error;
    }
    // Also when the plan needs no secret: a plan whose manifests changed is refused.
    if (const Diagnostics d = restore_secrets(saved, stack->desired()); d.has_errors()) {
        print_diagnostics(d, file);
        note_withheld_vars(saved, options);
        return k_exit_error;
    }
    auto observed = stack->observe(has_delete(saved.plan));
    if (!observed) {
        return k_exit_error;
    }
    if (const Diagnostics d = check_still_valid(saved, *observed); d.has_errors()) {
        print_diagnostics(d, file);
        print_error(file + " is stale: Azure changed since it was saved (or it was applied already); nothing was sent");
        return k_exit_error;
    }
    ExecuteOptions execute;
    execute.auto_approve = true;  // reviewed when it was saved, as `terraform apply PLANFILE`
    execute.desired = &saved.desired;
    if (is_destroy_plan(saved.plan)) {
        execute.verb = "destroy";
    }
    return confirm_and_apply(*stack, saved.plan, *observed, execute, global);
}

}  // namespace converge::cli
