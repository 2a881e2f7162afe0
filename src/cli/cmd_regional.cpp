// The regional Azure ML API of the 2020 REST how-to (docs/regional.md):
//   converge get experiments | runs [--experiment E] | models --api v1   [-g RG] [-w WS] [-o ...]
//   converge run start --experiment E --source DIR --definition FILE [--no-follow]
//   converge run logs RUN [--experiment E]
// The workspace is -g/-w, or the only one the subscription (or resource group) has.
#include "cli/regional.hpp"
#include "cli/stack.hpp"
#include "cli/table.hpp"

#include "converge/discover.hpp"
#include "converge/kinds.hpp"
#include "converge/redact.hpp"
#include "converge/regional.hpp"
#include "converge/yaml_emit.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

namespace converge::cli {

namespace {

// The workspace named by -g/-w; with one of them missing, the only match in the subscription.
std::optional<RegionalWorkspace> resolve_workspace(Session& session, const std::string& group, const std::string& name,
                                                   int parallelism) {
    if (!group.empty() && !name.empty()) {
        return RegionalWorkspace{session.subscription(), group, name};
    }
    ListScope scope;
    scope.subscription = session.subscription();
    scope.resource_group = group;
    scope.parallelism = parallelism;
    auto found = list_kind(session.api(), *find_kind("Workspace"), scope);
    if (!found) {
        print_error("listing workspaces: " + found.error().to_string());
        return std::nullopt;
    }
    std::erase_if(*found, [&](const auto& w) { return !name.empty() && !iequals(w.id.name(), name); });
    if (found->size() == 1) {
        return RegionalWorkspace{session.subscription(), found->front().id.resource_group(), found->front().id.name()};
    }
    std::string names;
    for (const auto& w : *found) {
        names += (names.empty() ? "" : ", ") + w.id.resource_group() + "/" + w.id.name();
    }
    const std::string where = group.empty() ? "in the subscription" : "in resource group " + group;
    print_error(found->empty() ? "no workspace" + (name.empty() ? std::string() : " " + name) + " " + where
                               : "several workspaces " + where + " (" + names +
                                     "): name one with --resource-group and --workspace");
    return std::nullopt;
}

struct Regional {
    std::unique_ptr<Session> session;
    std::unique_ptr<RegionalClient> client;
};

std::optional<Regional> open_regional(const SessionOptions& options, const GlobalOptions& global, const std::string& group,
                                      const std::string& name) {
    Regional r;
    r.session = Session::open(options, global);
    if (!r.session) {
        return std::nullopt;
    }
    const auto ws = resolve_workspace(*r.session, group, name, options.client.parallelism);
    if (!ws) {
        return std::nullopt;
    }
    r.client = std::make_unique<RegionalClient>(r.session->client(), *ws,
                                                DiscoveryCacheOptions{r.session->discovery_cache_dir()});
    return r;
}

std::string text(const Json& body, const char* key) {
    if (!body.is_object() || !body.contains(key) || body[key].is_null()) {
        return "";
    }
    return body[key].is_string() ? body[key].get<std::string>() : body[key].dump();
}

std::string table_of(const std::string& listing, const std::vector<Json>& items) {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    if (listing == "experiments") {
        header = {"NAME", "EXPERIMENT ID", "CREATED"};
        for (const auto& e : items) {
            rows.push_back({text(e, "name"), text(e, "experimentId"), text(e, "createdUtc")});
        }
    } else if (listing == "runs") {
        header = {"RUN ID", "EXPERIMENT", "STATUS", "TARGET", "SCRIPT", "CREATED"};
        for (const auto& r : items) {
            rows.push_back({text(r, "runId"), text(r, "experimentName"), text(r, "status"), text(r, "target"),
                            text(r, "scriptName"), text(r, "createdUtc")});
        }
    } else {
        header = {"NAME", "VERSION", "ID", "FRAMEWORK", "CREATED"};
        for (const auto& m : items) {
            rows.push_back({text(m, "name"), text(m, "version"), text(m, "id"), text(m, "framework"), text(m, "createdTime")});
        }
    }
    return render_table(header, rows, terminal_width());
}

// A v1 model's url may be a SAS URL: its signature never leaves.
Json shown_body(const std::string& listing, Json body) {
    if (listing == "models" && body.is_object() && body.contains("url") && body["url"].is_string()) {
        body["url"] = redact_url(body["url"].get<std::string>());
    }
    return body;
}

int print_items(const std::string& listing, const std::vector<Json>& items, const std::string& output, bool one) {
    if (output == "table") {
        if (items.empty()) {
            std::fprintf(stderr, "No %s found.\n", listing == "models" ? "models (v1)" : listing.c_str());
            return k_exit_ok;
        }
        std::fputs(table_of(listing, items).c_str(), stdout);
        return k_exit_ok;
    }
    Json bodies = Json::array();
    for (const auto& item : items) {
        bodies.push_back(shown_body(listing, item));
    }
    const Json shown = one && bodies.size() == 1 ? bodies.front() : bodies;
    if (output == "json") {
        std::printf("%s\n", shown.dump(2).c_str());
    } else {
        std::fputs(emit_yaml(shown).c_str(), stdout);
    }
    return k_exit_ok;
}

// ---- run start / run logs ---------------------------------------------------------------------

struct RunCommand {
    SessionOptions session;
    std::string resource_group;
    std::string workspace;
    std::string experiment;
    std::string source;
    std::string definition;
    std::string run_id;
    bool no_follow = false;
};

std::string seconds_between(const Json& run) {
    const std::string start = text(run, "startTimeUtc");
    const std::string end = text(run, "endTimeUtc");
    return start.empty() || end.empty() ? "" : " (started " + start + ", ended " + end + ")";
}

void print_metrics(const std::vector<Json>& metrics) {
    if (metrics.empty()) {
        std::printf("No metrics logged.\n");
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : metrics) {
        rows.push_back({text(m, "name"), text(m, "value"), text(m, "step")});
    }
    std::printf("Metrics:\n");
    std::fputs(render_table({"NAME", "VALUE", "STEP"}, rows, terminal_width()).c_str(), stdout);
}

int run_start(const RunCommand& cmd, const GlobalOptions& global) {
    // Everything about the project is checked before anything is sent (or the emulator started).
    auto project = pack_run_project(cmd.source, cmd.definition);
    if (!project) {
        std::fprintf(stderr, "%s\n", project.error().c_str());  // already "file:line:col: error: ..."
        return k_exit_error;
    }
    auto regional = open_regional(cmd.session, global, cmd.resource_group, cmd.workspace);
    if (!regional) {
        return k_exit_error;
    }
    auto started = regional->client->start_run(cmd.experiment, project->zip, project->definition);
    if (!started) {
        print_error("starting a run of experiment " + cmd.experiment + ": " + started.error().to_string());
        return k_exit_error;
    }
    std::printf("Started run %s in experiment %s (%zu files, entry script %s)\n", started->c_str(), cmd.experiment.c_str(),
                project->files, project->script.c_str());
    std::fflush(stdout);
    if (cmd.no_follow) {
        return k_exit_ok;
    }
    const auto& options = regional->session->client().options();
    const auto interval = std::min(options.lro_default_interval, std::chrono::milliseconds(10'000));
    auto final = regional->client->follow_run(
        cmd.experiment, *started, interval,
        [&](const RunUpdate& update) {
            const std::string times = run_status_terminal(update.status) ? seconds_between(update.run) : "";
            std::printf("Run %s: %s%s\n", started->c_str(), update.status.c_str(), times.c_str());
            std::fflush(stdout);
        },
        options.lro_timeout);
    if (!final) {
        print_error("following run " + *started + ": " + final.error().to_string());
        return k_exit_error;
    }
    auto metrics = regional->client->metrics(cmd.experiment, *started);
    if (!metrics) {
        print_error("reading the metrics of run " + *started + ": " + metrics.error().to_string());
        return k_exit_error;
    }
    print_metrics(*metrics);
    const std::string status = text(*final, "status");
    if (status != "Completed") {
        std::string why;
        if (final->contains("error") && (*final)["error"].is_object()) {
            const Json& e = (*final)["error"].contains("error") ? (*final)["error"]["error"] : (*final)["error"];
            why = text(e, "message");
        }
        print_error("run " + *started + " ended " + status + (why.empty() ? "" : ": " + why) +
                    " (converge run logs " + *started + " shows its log)");
        return k_exit_error;
    }
    return k_exit_ok;
}

int run_logs(const RunCommand& cmd, const GlobalOptions& global) {
    auto regional = open_regional(cmd.session, global, cmd.resource_group, cmd.workspace);
    if (!regional) {
        return k_exit_error;
    }
    if (!cmd.experiment.empty()) {
        if (auto run = regional->client->run(cmd.experiment, cmd.run_id); !run) {
            print_error("run " + cmd.run_id + " of experiment " + cmd.experiment + ": " + run.error().to_string());
            return k_exit_error;
        }
    }
    auto logs = regional->client->logs(cmd.run_id);
    if (!logs) {
        print_error(logs.error().is_not_found() ? "no run " + cmd.run_id + " in this workspace (" +
                                                      logs.error().to_string() + ")"
                                                : "reading the logs of run " + cmd.run_id + ": " + logs.error().to_string());
        return k_exit_error;
    }
    if (logs->empty()) {
        std::fprintf(stderr, "Run %s has no logs yet.\n", cmd.run_id.c_str());
        return k_exit_ok;
    }
    for (const auto& log : *logs) {
        if (logs->size() > 1) {
            std::printf("==> %s <==\n", log.path.c_str());
        }
        std::fputs(log.content.c_str(), stdout);
        if (!log.content.empty() && log.content.back() != '\n') {
            std::fputc('\n', stdout);
        }
    }
    return k_exit_ok;
}

void add_workspace_options(CLI::App& sub, RunCommand& cmd) {
    sub.add_option("--resource-group,-g", cmd.resource_group, "The workspace's resource group");
    sub.add_option("--workspace,-w", cmd.workspace, "The workspace (default: the only one there is)");
    add_session_options(sub, cmd.session);
}

}  // namespace

std::string regional_listing(const std::string& kind, const std::string& api) {
    const std::string k = to_lower(kind);
    if (k == "experiments" || k == "experiment" || k == "exp") {
        return "experiments";
    }
    if (k == "runs" || k == "run") {
        return "runs";
    }
    if (api == "v1" && (k == "models" || k == "model")) {
        return "models";
    }
    return "";
}

int run_get_regional(const RegionalGet& get, const SessionOptions& options, const GlobalOptions& global) {
    if (!get.experiment.empty() && get.listing != "runs") {
        print_error("--experiment only applies to `converge get runs`");
        return k_exit_error;
    }
    auto regional = open_regional(options, global, get.resource_group, get.workspace);
    if (!regional) {
        return k_exit_error;
    }
    ApiResult<std::vector<Json>> items = get.listing == "experiments" ? regional->client->experiments()
                                         : get.listing == "runs"      ? regional->client->runs(get.experiment)
                                                                      : regional->client->models(get.name);
    if (!items) {
        print_error("listing " + get.listing + ": " + items.error().to_string());
        return k_exit_error;
    }
    if (get.listing == "runs" && !get.experiment.empty()) {
        for (auto& r : *items) {
            r["experimentName"] = get.experiment;
        }
    }
    if (!get.name.empty() && get.listing != "models") {
        const char* key = get.listing == "runs" ? "runId" : "name";
        std::erase_if(*items, [&](const Json& item) { return text(item, key) != get.name; });
    }
    if (!get.name.empty() && items->empty()) {
        print_error(get.listing.substr(0, get.listing.size() - 1) + " \"" + get.name + "\" not found");
        return k_exit_error;
    }
    return print_items(get.listing, *items, get.output, !get.name.empty() && get.listing != "models");
}

void register_run(CLI::App& app, const GlobalOptions& global, int& exit_code) {
    auto* run = app.add_subcommand("run", "Start and follow runs through the regional Azure ML API (history, execution)");
    run->require_subcommand(1);

    auto start = std::make_shared<RunCommand>();
    auto* s = run->add_subcommand("start", "Zip a project directory, start a run of it (startrun) and follow it");
    s->add_option("--experiment,-e", start->experiment, "The experiment (made on first use)")->required();
    s->add_option("--source", start->source, "The project directory; the entry script must be at its root")
        ->required()
        ->check(CLI::ExistingDirectory);
    s->add_option("--definition", start->definition, "The run definition: JSON with Configuration.Script")
        ->required()
        ->check(CLI::ExistingFile);
    s->add_flag("--no-follow", start->no_follow, "Print the run id and return without waiting");
    add_workspace_options(*s, *start);
    s->callback([start, &global, &exit_code] { exit_code = run_start(*start, global); });

    auto logs = std::make_shared<RunCommand>();
    auto* l = run->add_subcommand("logs", "Print a run's logs (its azureml-logs artifacts)");
    l->add_option("run", logs->run_id, "The run id (as `run start` and `get runs` show it)")->required();
    l->add_option("--experiment,-e", logs->experiment, "The run's experiment (checked first)");
    add_workspace_options(*l, *logs);
    l->callback([logs, &global, &exit_code] { exit_code = run_logs(*logs, global); });
}

}  // namespace converge::cli
