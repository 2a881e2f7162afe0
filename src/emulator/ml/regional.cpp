// The Azure ML regional API of the 2020 REST how-to (contract 1.4), reached through a
// workspace's discoveryUrl: the discovery document, history/v1.0 experiments and runs,
// execution/v1.0 startrun. modelmanagement/v1.0 lives in regional_models.cpp.
#include "arm/arm.hpp"
#include "platform/modules.hpp"
#include "ml/regional.hpp"
#include "platform/services.hpp"
#include "ml/zip_reader.hpp"

#include <algorithm>

namespace emulator {

namespace {

const std::string k_experiment_type = "microsoft.machinelearningservices/workspaces/experiments";
const std::string k_run_type = "microsoft.machinelearningservices/workspaces/experiments/runs";

Response discovery(Context& ctx) {
    const std::string base = ctx.base_url();
    Json doc = Json::object();
    for (const char* service : {"api", "catalog", "experimentation", "gallery", "history", "hyperdrive", "labeling",
                                "modelmanagement", "pipelines", "studiocoreservices"}) {
        doc[service] = base;
    }
    return Response::json(200, doc);
}

std::string experiment_id(const Context& ctx) {
    return regional_workspace_id(ctx) + "/history/experiments/" + ctx.param("experimentName");
}

// Queued for the first third of the run's duration, then Running, then Completed or Failed.
Json render_run(const Services& svc, const Json& stored, bool keep_internal = false) {
    Json run = stored;
    const std::int64_t created = stored["createdMs"].get<std::int64_t>();
    const std::int64_t due = stored["dueMs"].get<std::int64_t>();
    const std::int64_t now = svc.now_ms();
    const std::int64_t started = created + (due - created) / 3;
    if (now >= due) {
        const bool failed = !stored["error"].is_null();
        run["status"] = failed ? "Failed" : "Completed";
        run["startTimeUtc"] = iso_time(started);
        run["endTimeUtc"] = iso_time(due);
    } else if (now >= started) {
        run["status"] = "Running";
        run["startTimeUtc"] = iso_time(started);
        run["error"] = nullptr;
    } else {
        run["status"] = "Queued";
        run["error"] = nullptr;
    }
    if (!keep_internal) {
        for (const char* internal : {"createdMs", "dueMs", "projectFiles", "arguments", "metrics"}) {
            run.erase(internal);
        }
    }
    return run;
}

Response list_experiments(Context& ctx) {
    Response error;
    if (!check_regional_workspace(ctx, error)) {
        return error;
    }
    RecordQuery q;
    q.type = k_experiment_type;
    q.parent = to_lower(regional_workspace_id(ctx));
    Json value = Json::array();
    for (const auto& r : ctx.svc.store->list(q)) {
        value.push_back(r.body);
    }
    return Response::json(200, Json{{"value", value}, {"continuationToken", nullptr}, {"nextLink", nullptr}});
}

Response get_experiment(Context& ctx) {
    Response error;
    if (!check_regional_workspace(ctx, error)) {
        return error;
    }
    auto rec = ctx.svc.store->get(experiment_id(ctx));
    return rec ? Response::json(200, rec->body)
               : regional_error(404, "Experiment '" + ctx.param("experimentName") + "' not found.");
}

Response list_runs(Context& ctx) {
    Response error;
    if (!check_regional_workspace(ctx, error)) {
        return error;
    }
    if (!ctx.svc.store->get(experiment_id(ctx))) {
        return regional_error(404, "Experiment '" + ctx.param("experimentName") + "' not found.");
    }
    RecordQuery q;
    q.type = k_run_type;
    q.parent = to_lower(experiment_id(ctx));
    Json value = Json::array();
    for (const auto& r : ctx.svc.store->list(q)) {
        value.push_back(render_run(ctx.svc, r.body));
    }
    return Response::json(200, Json{{"value", value}, {"continuationToken", nullptr}, {"nextLink", nullptr}});
}

Response get_run(Context& ctx) {
    Response error;
    if (!check_regional_workspace(ctx, error)) {
        return error;
    }
    auto rec = ctx.svc.store->get(experiment_id(ctx) + "/runs/" + ctx.param("runId"));
    return rec ? Response::json(200, render_run(ctx.svc, rec->body))
               : regional_error(404, "Run '" + ctx.param("runId") + "' not found.");
}

const MultipartPart* part(const Request& req, const std::string& name) {
    for (const auto& p : req.parts) {
        if (p.name == name) {
            return &p;
        }
    }
    return nullptr;
}

Record regional_record(const Context& ctx, const std::string& id, const std::string& type, const std::string& parent) {
    Record r;
    r.id = id;
    r.type = type;
    r.parent = to_lower(parent);
    r.created_ms = ctx.svc.now_ms();
    return r;  // no subscription/resource group: never listed as an ARM resource
}

void ensure_experiment(Context& ctx) {
    if (ctx.svc.store->get(experiment_id(ctx))) {
        return;
    }
    Record r = regional_record(ctx, experiment_id(ctx), k_experiment_type, regional_workspace_id(ctx));
    r.body = {{"experimentId", ctx.svc.new_uuid()}, {"name", ctx.param("experimentName")},
              {"description", nullptr},          {"createdUtc", ctx.svc.now_iso()},
              {"tags", Json::object()},          {"archivedTime", nullptr}};
    ctx.svc.store->put(r);
}

// The entry script, as the run definition names it, must be a file of the zip (at its root or
// at the relative path given).
bool has_entry(const std::vector<std::string>& names, std::string script) {
    while (script.starts_with("./")) {
        script = script.substr(2);
    }
    return std::find(names.begin(), names.end(), script) != names.end();
}

Response start_run(Context& ctx) {
    Response error;
    if (!check_regional_workspace(ctx, error)) {
        return error;
    }
    const MultipartPart* zip = part(ctx.req, "projectZipFile");
    const MultipartPart* definition = part(ctx.req, "runDefinitionFile");
    if (zip == nullptr || definition == nullptr) {
        return regional_error(400, "startrun needs two multipart/form-data parts: projectZipFile and runDefinitionFile.");
    }
    Json run_definition = Json::parse(definition->content, nullptr, false);
    const Json config = run_definition.is_object() ? run_definition.value("Configuration", Json()) : Json();
    if (!config.is_object() || !config.contains("Script") || !config["Script"].is_string()) {
        return regional_error(400, "runDefinitionFile must be JSON with Configuration.Script (the entry script).");
    }
    auto names = zip_entry_names(zip->content);
    if (!names) {
        return regional_error(400, "projectZipFile is not a readable zip archive.");
    }
    ensure_experiment(ctx);
    const std::string script = config["Script"].get<std::string>();
    std::int64_t created = ctx.svc.now_ms();
    std::string run_id = ctx.param("experimentName") + "_" + std::to_string(created);
    while (ctx.svc.store->get(experiment_id(ctx) + "/runs/" + run_id)) {
        run_id = ctx.param("experimentName") + "_" + std::to_string(++created);
    }
    Record r = regional_record(ctx, experiment_id(ctx) + "/runs/" + run_id, k_run_type, experiment_id(ctx));
    const std::int64_t due = ctx.svc.now_ms() + ctx.svc.duration_ms("Microsoft.MachineLearningServices/workspaces/runs");
    Json failure = nullptr;
    if (!has_entry(*names, script)) {
        failure = {{"code", "UserError"},
                   {"message", "The entry script '" + script +
                                   "' named by runDefinitionFile Configuration.Script is not in projectZipFile."}};
    }
    r.body = {{"runId", run_id},
              {"runUuid", ctx.svc.new_uuid()},
              {"experimentId", ctx.svc.store->get(experiment_id(ctx))->body["experimentId"]},
              {"runType", "azureml.scriptrun"},
              {"createdUtc", iso_time(created)},
              {"target", config.value("Target", "local")},
              {"scriptName", script},
              {"properties", {{"azureml.runsource", "experiment"}}},
              {"tags", Json::object()},
              {"error", failure.is_null() ? Json(nullptr) : Json{{"error", failure}}},
              {"createdMs", ctx.svc.now_ms()},
              {"dueMs", due},
              {"projectFiles", *names},
              {"arguments", config.value("Arguments", Json::array())},
              {"metrics", Json::array()}};
    ctx.svc.store->put(r);
    return Response::json(200, Json{{"runId", run_id}});
}


std::string run_record_id(const Context& ctx) { return experiment_id(ctx) + "/runs/" + ctx.param("runId"); }

// The run the path names, in a workspace the caller may read; else the error to answer.
std::optional<Record> find_run(Context& ctx, Response& error) {
    if (!check_regional_workspace(ctx, error)) {
        return std::nullopt;
    }
    auto rec = ctx.svc.store->get(run_record_id(ctx));
    if (!rec) {
        error = regional_error(404, "Run '" + ctx.param("runId") + "' not found.");
    }
    return rec;
}

// POST .../runs/{runId}/batch/metrics {"values": [{"name", "value", "step"?}]}: what a running
// script's SDK sends (the emulator executes no script, so only a client that posts them adds any).
Response post_metrics(Context& ctx) {
    Response error;
    auto rec = find_run(ctx, error);
    if (!rec) {
        return error;
    }
    const Json body = Json::parse(ctx.req.body, nullptr, false);
    if (!body.is_object() || !body.contains("values") || !body["values"].is_array()) {
        return regional_error(400, "The request body must be {\"values\": [{\"name\", \"value\"}, ...]}.");
    }
    for (const auto& v : body["values"]) {
        if (!v.is_object() || !v.contains("name") || !v["name"].is_string() || v["name"].get<std::string>().empty() ||
            !v.contains("value") || !(v["value"].is_number() || v["value"].is_string())) {
            return regional_error(400, "Each metric needs a non-empty string name and a number or string value.");
        }
    }
    if (render_run(ctx.svc, rec->body)["status"] != "Running") {
        return regional_error(409, "Run '" + ctx.param("runId") + "' is not running: metrics are logged while it runs.");
    }
    if (!rec->body["metrics"].is_array()) {
        rec->body["metrics"] = Json::array();
    }
    for (const auto& v : body["values"]) {
        rec->body["metrics"].push_back({{"name", v["name"]},
                                        {"value", v["value"]},
                                        {"step", v.value("step", 0)},
                                        {"createdUtc", ctx.svc.now_iso()}});
    }
    ctx.svc.store->put(*rec);
    return Response::empty(200);
}

Response list_metrics(Context& ctx) {
    Response error;
    auto rec = find_run(ctx, error);
    if (!rec) {
        return error;
    }
    return Response::json(200, Json{{"value", rec->body.value("metrics", Json::array())},
                                    {"continuationToken", nullptr},
                                    {"nextLink", nullptr}});
}

const std::string k_driver_log = "azureml-logs/70_driver_log.txt";

// The run whose artifacts container ("dcid.<runId>") a route names, searched in every experiment
// of the workspace (artifact/v2.0 paths do not name the experiment).
std::optional<Record> run_of_container(Context& ctx, Response& error) {
    if (!check_regional_workspace(ctx, error)) {
        return std::nullopt;
    }
    const std::string container = ctx.param("container");
    if (ctx.param("origin") != "ExperimentRun" || !container.starts_with("dcid.")) {
        error = regional_error(404, "Artifact container '" + ctx.param("origin") + "/" + container + "' not found.");
        return std::nullopt;
    }
    const std::string run_id = container.substr(5);
    RecordQuery q;
    q.type = k_run_type;
    q.key_prefix = to_lower(regional_workspace_id(ctx) + "/history/experiments/");
    for (const auto& r : ctx.svc.store->list(q)) {
        if (r.body.value("runId", "") == run_id) {
            return r;
        }
    }
    error = regional_error(404, "Artifact container '" + ctx.param("origin") + "/" + container + "' not found.");
    return std::nullopt;
}

// The driver log as far as the run has got. The emulator executes no script: the log says so,
// and what it knows: target, entry script and arguments, the project's files, the outcome.
std::string driver_log(const Services& svc, const Json& stored) {
    const Json run = render_run(svc, stored, true);
    const std::int64_t created = stored["createdMs"].get<std::int64_t>();
    const std::int64_t due = stored["dueMs"].get<std::int64_t>();
    const std::string status = run["status"].get<std::string>();
    std::string log = iso_time(created) + " Run " + run["runId"].get<std::string>() + " queued on target " +
                      run.value("target", "local") + "\n";
    if (status == "Queued") {
        return log;
    }
    std::string args;
    for (const auto& a : stored.value("arguments", Json::array())) {
        args += " " + (a.is_string() ? a.get<std::string>() : a.dump());
    }
    std::string files;
    for (const auto& f : stored.value("projectFiles", Json::array())) {
        files += (files.empty() ? "" : ", ") + f.get<std::string>();
    }
    log += run["startTimeUtc"].get<std::string>() + " Project files: " + files + "\n";
    log += run["startTimeUtc"].get<std::string>() + " Starting: python " + run.value("scriptName", "") + args +
           " (emulated: the script is not executed)\n";
    if (status == "Running") {
        return log;
    }
    if (status == "Failed") {
        log += iso_time(due) + " Run failed: " + run["error"]["error"].value("message", "") + "\n";
    } else {
        log += iso_time(due) + " Run completed\n";
    }
    return log;
}

// GET artifact/v2.0<ws>/artifacts/{origin}/{container}: the run's artifacts (its driver log).
Response list_artifacts(Context& ctx) {
    Response error;
    auto rec = run_of_container(ctx, error);
    if (!rec) {
        return error;
    }
    Json value = Json::array();
    value.push_back({{"origin", ctx.param("origin")}, {"container", ctx.param("container")}, {"path", k_driver_log}});
    return Response::json(200, Json{{"value", value}, {"continuationToken", nullptr}, {"nextLink", nullptr}});
}

// GET artifact/v2.0<ws>/artifacts/content/{origin}/{container}?path=P: one artifact's bytes.
Response artifact_content(Context& ctx) {
    Response error;
    auto rec = run_of_container(ctx, error);
    if (!rec) {
        return error;
    }
    const auto path = ctx.req.param("path");
    if (!path || *path != k_driver_log) {
        return regional_error(404, "Artifact '" + path.value_or("") + "' not found in " + ctx.param("container") + ".");
    }
    Response res;
    res.status = 200;
    res.body = driver_log(ctx.svc, rec->body);
    res.content_type = "text/plain; charset=utf-8";
    return res;
}

}  // namespace

void install_regional(Registry& r) {
    r.add_route({"GET", "/discovery", discovery, Auth::none, ApiPolicy::none()});
    r.add_route({"GET", "/discovery/{location}", discovery, Auth::none, ApiPolicy::none()});
    const std::string history = "/history/v1.0" + k_regional_workspace;
    r.add_route({"GET", history + "/experiments", list_experiments, Auth::arm, ApiPolicy::none()});
    r.add_route({"GET", history + "/experiments/{experimentName}", get_experiment, Auth::arm, ApiPolicy::none()});
    r.add_route({"GET", history + "/experiments/{experimentName}/runs", list_runs, Auth::arm, ApiPolicy::none()});
    r.add_route({"GET", history + "/experiments/{experimentName}/runs/{runId}", get_run, Auth::arm, ApiPolicy::none()});
    r.add_route({"GET", history + "/experiments/{experimentName}/runs/{runId}/metrics", list_metrics, Auth::arm,
                 ApiPolicy::none()});
    r.add_route({"POST", history + "/experiments/{experimentName}/runs/{runId}/batch/metrics", post_metrics, Auth::arm,
                 ApiPolicy::none()});
    const std::string artifacts = "/artifact/v2.0" + k_regional_workspace + "/artifacts";
    r.add_route({"GET", artifacts + "/content/{origin}/{container}", artifact_content, Auth::arm, ApiPolicy::none()});
    r.add_route({"GET", artifacts + "/{origin}/{container}", list_artifacts, Auth::arm, ApiPolicy::none()});
    r.add_route({"POST", "/execution/v1.0" + k_regional_workspace + "/experiments/{experimentName}/startrun", start_run,
                 Auth::arm, ApiPolicy::none()});
    install_regional_models(r);
}

}  // namespace emulator
