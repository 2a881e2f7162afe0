// `converge get KIND [NAME] [--resource-group RG] [--workspace WS] [-o table|json|yaml]`:
// what exists, listed (docs/onboarding.md "get").
#include "cli/regional.hpp"
#include "cli/session.hpp"
#include "cli/stack.hpp"
#include "cli/table.hpp"

#include "converge/discover.hpp"
#include "converge/export.hpp"
#include "converge/yaml_emit.hpp"

#include <cstdio>
#include <memory>

namespace converge::cli {

namespace {

struct GetCommand {
    SessionOptions session;
    std::string kind;
    std::string name;
    std::string resource_group;
    std::string workspace;
    std::string output = "table";
    std::string api = "arm";
    std::string experiment;
};

// Kinds `get` lists that are not manifest kinds (yet): read-only views of what exists.
const std::vector<KindInfo>& extra_kinds() {
    static const std::vector<KindInfo> kinds = {
        {.name = "ModelContainer",
         .arm_type = "Microsoft.MachineLearningServices/workspaces/models",
         .api_version = "2025-12-01",
         .parent = Parent::workspace,
         .tracked = false,
         .collection = {.path = {"models"}},
         .tags = TagsAt::properties},
    };
    return kinds;
}

// Every name a kind answers to, lower case: its name, plural, and the short forms az and kubectl users type.
const std::vector<std::pair<std::string, std::string>>& aliases() {
    static const std::vector<std::pair<std::string, std::string>> table = {
        {"rg", "ResourceGroup"},          {"group", "ResourceGroup"},        {"groups", "ResourceGroup"},
        {"storage", "StorageAccount"},    {"sa", "StorageAccount"},          {"vault", "KeyVault"},
        {"vaults", "KeyVault"},           {"kv", "KeyVault"},                {"appinsights", "ApplicationInsights"},
        {"insights", "ApplicationInsights"}, {"appi", "ApplicationInsights"}, {"component", "ApplicationInsights"},
        {"components", "ApplicationInsights"}, {"registry", "ContainerRegistry"}, {"registries", "ContainerRegistry"},
        {"acr", "ContainerRegistry"},     {"ws", "Workspace"},               {"cluster", "Compute"},
        {"clusters", "Compute"},          {"modelversion", "Model"}, {"mv", "Model"},         {"modelversions", "Model"},
        {"model-version", "Model"},       {"model-versions", "Model"},       {"mc", "ModelContainer"},
        {"model-container", "ModelContainer"}, {"model-containers", "ModelContainer"}, {"endpoint", "OnlineEndpoint"},
        {"endpoints", "OnlineEndpoint"},  {"online-endpoint", "OnlineEndpoint"}, {"online-endpoints", "OnlineEndpoint"},
        {"deployment", "OnlineDeployment"}, {"deployments", "OnlineDeployment"}, {"online-deployment", "OnlineDeployment"},
        {"online-deployments", "OnlineDeployment"},
    };
    return table;
}

std::vector<const KindInfo*> listable() {
    std::vector<const KindInfo*> out;
    for (const auto& k : all_kinds()) {
        if (!k.collection.path.empty()) {
            out.push_back(&k);
        }
    }
    for (const auto& k : extra_kinds()) {
        out.push_back(&k);
    }
    return out;
}

const KindInfo* resolve(const std::string& word, std::string& guess) {
    const std::string lower = to_lower(word);
    std::vector<std::string> names;
    for (const KindInfo* k : listable()) {
        const std::string name = to_lower(k->name);
        if (lower == name || lower == name + "s" || (name.ends_with("y") && lower == name.substr(0, name.size() - 1) + "ies")) {
            return k;
        }
        names.push_back(std::string(k->name));
    }
    for (const auto& [alias, kind] : aliases()) {
        if (lower == alias) {
            for (const KindInfo* k : listable()) {
                if (k->name == kind) {
                    return k;
                }
            }
        }
    }
    guess = did_you_mean(word, names);
    if (guess.empty()) {
        std::vector<std::string> words;
        for (const auto& [alias, kind] : aliases()) {
            words.push_back(alias);
        }
        if (const std::string near = did_you_mean(lower, words); !near.empty()) {
            guess = near;
        }
    }
    return nullptr;
}

std::string cell(const Json& body, std::initializer_list<const char*> path) {
    const Json* at = &body;
    for (const char* key : path) {
        if (!at->is_object() || !at->contains(key)) {
            return "";
        }
        at = &(*at)[key];
    }
    return at->is_string() ? at->get<std::string>() : at->is_null() ? "" : at->dump();
}

std::string table_of(const KindInfo& kind, const std::vector<DiscoveredResource>& items, bool show_group) {
    const bool in_workspace = kind.parent == Parent::workspace || kind.parent == Parent::versioned_asset ||
                              kind.parent == Parent::online_endpoint;
    const bool compute = kind.name == "Compute";
    std::vector<std::string> header = {"NAME"};
    if (kind.parent == Parent::versioned_asset) {
        header.push_back("VERSION");
    }
    if (in_workspace) {
        header.push_back("WORKSPACE");
    }
    if (show_group && kind.parent != Parent::subscription) {
        header.push_back("RESOURCE GROUP");
    }
    if (compute) {
        header.insert(header.end(), {"TYPE", "SIZE"});
    }
    if (kind.tracked) {
        header.push_back("LOCATION");
    }
    header.push_back("STATE");
    std::vector<std::vector<std::string>> rows;
    for (const auto& item : items) {
        std::vector<std::string> row;
        if (kind.parent == Parent::versioned_asset) {
            row = {item.id.parent().name(), item.id.name(), item.id.parent().parent().name()};
        } else if (kind.name == "OnlineDeployment") {
            row = {item.id.parent().name() + "/" + item.id.name(), item.id.parent().parent().name()};
        } else {
            row = {item.id.name()};
            if (in_workspace) {
                row.push_back(item.id.parent().name());
            }
        }
        if (show_group && kind.parent != Parent::subscription) {
            row.push_back(item.id.resource_group());
        }
        if (compute) {
            row.push_back(cell(item.body, {"properties", "computeType"}));
            row.push_back(cell(item.body, {"properties", "properties", "vmSize"}));
        }
        if (kind.tracked) {
            row.push_back(cell(item.body, {"location"}));
        }
        row.push_back(cell(item.body, {"properties", "provisioningState"}));
        rows.push_back(std::move(row));
    }
    return render_table(header, rows, terminal_width());
}

bool name_matches(const KindInfo& kind, const DiscoveredResource& item, const std::string& name) {
    if (name.empty()) {
        return true;
    }
    if (kind.parent == Parent::versioned_asset) {
        const auto at = name.find('@');
        return at == std::string::npos ? iequals(item.id.parent().name(), name)
                                       : iequals(item.id.parent().name(), name.substr(0, at)) &&
                                             iequals(item.id.name(), name.substr(at + 1));
    }
    if (kind.name == "OnlineDeployment" && name.find('/') != std::string::npos) {
        return iequals(item.id.parent().name() + "/" + item.id.name(), name);
    }
    return iequals(item.id.name(), name);
}

int run_get(const GetCommand& cmd, const GlobalOptions& global) {
    if (const std::string listing = regional_listing(cmd.kind, cmd.api); !listing.empty()) {
        return run_get_regional({listing, cmd.name, cmd.resource_group, cmd.workspace, cmd.experiment, cmd.output},
                                cmd.session, global);
    }
    if (!cmd.experiment.empty()) {
        print_error("--experiment only applies to `converge get runs`");
        return k_exit_error;
    }
    if (cmd.api == "v1") {
        print_error("--api v1 only applies to `converge get models` (modelmanagement/v1.0)");
        return k_exit_error;
    }
    std::string guess;
    const KindInfo* kind = resolve(cmd.kind, guess);
    if (kind == nullptr) {
        print_error("unknown kind \"" + cmd.kind + "\"" + (guess.empty() ? "" : " (did you mean \"" + guess + "\"?)") +
                    "; converge get lists ResourceGroup, StorageAccount, KeyVault, ApplicationInsights, "
                    "ContainerRegistry, Workspace, Compute, Model, ModelContainer, Environment, Datastore, OnlineEndpoint, "
                    "OnlineDeployment; and through the regional API: experiments, runs, models --api v1");
        return k_exit_error;
    }
    auto session = Session::open(cmd.session, global);
    if (!session) {
        return k_exit_error;
    }
    ListScope scope;
    scope.subscription = session->subscription();
    scope.resource_group = kind->parent == Parent::subscription && cmd.resource_group.empty() ? "" : cmd.resource_group;
    scope.workspace = cmd.workspace;
    scope.parallelism = cmd.session.client.parallelism;
    if (kind->parent == Parent::versioned_asset && !cmd.name.empty()) {
        scope.container = cmd.name.substr(0, cmd.name.find('@'));
    }
    auto items = list_kind(session->api(), *kind, scope);
    if (!items) {
        print_error("listing " + std::string(kind->name) + ": " + items.error().to_string());
        return k_exit_error;
    }
    std::erase_if(*items, [&](const auto& item) { return !name_matches(*kind, item, cmd.name); });
    if (!cmd.name.empty() && items->empty()) {
        print_error(std::string(kind->name) + " \"" + cmd.name + "\" not found" +
                    (cmd.resource_group.empty() ? "" : " in resource group " + cmd.resource_group) +
                    (cmd.workspace.empty() ? "" : " in workspace " + cmd.workspace));
        return k_exit_error;
    }
    if (cmd.output == "table") {
        if (items->empty()) {
            std::fprintf(stderr, "No %s found.\n", std::string(kind->name).c_str());
            return k_exit_ok;
        }
        std::fputs(table_of(*kind, *items, cmd.resource_group.empty()).c_str(), stdout);
        return k_exit_ok;
    }
    Json bodies = Json::array();
    for (const auto& item : *items) {
        bodies.push_back(redact_body(item.body, kind));
    }
    const Json shown = !cmd.name.empty() && bodies.size() == 1 ? bodies.front() : bodies;
    if (cmd.output == "json") {
        std::printf("%s\n", shown.dump(2).c_str());
    } else {
        std::fputs(emit_yaml(shown).c_str(), stdout);
    }
    return k_exit_ok;
}

}  // namespace

void register_get(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto cmd = std::make_shared<GetCommand>();
    auto* sub = app.add_subcommand("get", "List what exists: resource groups, workspaces, computes, models, endpoints, experiments, runs, ...");
    sub->add_option("kind", cmd->kind, "Kind: workspace(s), compute(s), model(s), rg, endpoint(s), ... (any case)")->required();
    sub->add_option("name", cmd->name, "Only this one (a model: NAME or NAME@VERSION)");
    sub->add_option("--resource-group,-g", cmd->resource_group, "Only in this resource group (default: the whole subscription)");
    sub->add_option("--workspace,-w", cmd->workspace, "Only in this workspace (computes, models, endpoints)");
    sub->add_option("-o,--output", cmd->output, "Output format")
        ->check(CLI::IsMember({"table", "json", "yaml"}))
        ->capture_default_str();
    sub->add_option("--api", cmd->api, "models: arm (model assets, ARM) or v1 (modelmanagement/v1.0, the regional API)")
        ->check(CLI::IsMember({"arm", "v1"}))
        ->capture_default_str();
    sub->add_option("--experiment,-e", cmd->experiment, "runs: only this experiment's");
    add_session_options(*sub, cmd->session);
    sub->callback([cmd, &global, &exit_code] { exit_code = run_get(*cmd, global); });
}

}  // namespace converge::cli
