// `converge score ENDPOINT [DIR...] [--deployment D] --data FILE|-`: one scoring call to an online
// endpoint, its key (listKeys) or token fetched and never printed (docs/cli.md "score"). The
// endpoint is the stack's OnlineEndpoint of that name, or the one in --resource-group/--workspace.
#include "cli/session.hpp"
#include "cli/stack.hpp"

#include "converge/score.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

namespace converge::cli {

namespace {

struct ScoreCommand {
    StackOptions stack;
    std::string endpoint;
    std::string deployment;
    std::string data;
    std::string resource_group;
    std::string workspace;
};

std::optional<std::string> read_data(const std::string& path) {
    if (path == "-") {
        return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        print_error("cannot read --data " + path);
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The endpoint named in the stack's manifests.
std::optional<ResourceId> stack_endpoint(const Stack& stack, const std::string& name) {
    std::vector<std::string> known;
    for (const auto& r : stack.desired().resources) {
        if (r.kind != nullptr && r.kind->name == "OnlineEndpoint") {
            if (iequals(r.id.name(), name)) {
                return r.id;
            }
            known.push_back(r.id.name());
        }
    }
    std::string list;
    for (const auto& k : known) {
        list += (list.empty() ? "" : ", ") + k;
    }
    print_error("no OnlineEndpoint \"" + name + "\" in the stack's manifests" +
                (known.empty() ? std::string(" (it has none)") : " (it has " + list + ")") +
                "; or name its --resource-group and --workspace");
    return std::nullopt;
}

int report(const ApiResult<DataResponse>& answer, const std::string& endpoint) {
    if (!answer) {
        print_error("scoring " + endpoint + ": " + answer.error().to_string());
        return k_exit_error;
    }
    std::fputs(answer->body.c_str(), stdout);
    if (!answer->body.empty() && answer->body.back() != '\n') {
        std::fputc('\n', stdout);
    }
    if (answer->status < 200 || answer->status >= 300) {
        print_error("scoring " + endpoint + " answered HTTP " + std::to_string(answer->status));
        return k_exit_error;
    }
    return k_exit_ok;
}

int run_score(ScoreCommand& cmd, const GlobalOptions& global) {
    auto data = read_data(cmd.data);
    if (!data) {
        return k_exit_error;
    }
    const std::string api_version(find_kind("OnlineEndpoint")->api_version);
    if (!cmd.resource_group.empty() || !cmd.workspace.empty()) {
        if (cmd.resource_group.empty() || cmd.workspace.empty()) {
            print_error("--resource-group and --workspace go together (or give the stack directory)");
            return k_exit_error;
        }
        SessionOptions options{cmd.stack.subscription, cmd.stack.emulator, cmd.stack.emulator_state, cmd.stack.client};
        auto session = Session::open(options, global);
        if (!session) {
            return k_exit_error;
        }
        const ResourceId id = ResourceId::for_resource(session->subscription(), cmd.resource_group,
                                                       "Microsoft.MachineLearningServices/workspaces", cmd.workspace)
                                  .child("onlineEndpoints", cmd.endpoint);
        return report(score_endpoint(session->api(), {id, api_version, cmd.deployment, *data}), cmd.endpoint);
    }
    if (cmd.stack.paths.empty()) {
        cmd.stack.paths.push_back(".");
    }
    auto stack = Stack::open(cmd.stack, global);
    if (!stack) {
        return k_exit_error;
    }
    const auto id = stack_endpoint(*stack, cmd.endpoint);
    if (!id) {
        return k_exit_error;
    }
    return report(score_endpoint(stack->api(), {*id, api_version, cmd.deployment, *data}), cmd.endpoint);
}

}  // namespace

void register_score(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<ScoreCommand>();
    auto* sub = app.add_subcommand("score", "Send one scoring request to an online endpoint (its key is never printed)");
    sub->add_option("endpoint", cmd->endpoint, "The OnlineEndpoint's name")->required();
    sub->add_option("--data", cmd->data, "The request body: a file, or - for stdin")->required();
    sub->add_option("--deployment", cmd->deployment, "Score this deployment (azureml-model-deployment), not the traffic split");
    sub->add_option("--resource-group,-g", cmd->resource_group, "The endpoint's resource group (instead of a stack)");
    sub->add_option("--workspace,-w", cmd->workspace, "The endpoint's workspace (instead of a stack)");
    add_stack_options(*sub, cmd->stack, false);
    sub->get_option("paths")->required(false)->description("The stack's manifest directories (default: .)");
    sub->callback([cmd, &global, &exit_code] { exit_code = run_score(*cmd, global); });
}

}  // namespace converge::cli
