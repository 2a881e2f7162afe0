// Workspace jobs (mfe.json 2025-12-01 Jobs_CreateOrUpdate/Get/List/Delete/Cancel, JobBase and
// CommandJob): a synchronous PUT (201 on create, 200 on an update of the mutable fields only:
// description, tags, properties, isArchived), the status a real command job goes through computed
// from its age (Queued, Preparing, Running, Finalizing, then Completed or Failed; the whole run
// lasts the `.../workspaces/jobs` duration, scaled by time_scale), a command that exits non-zero
// (`exit 3`) ending Failed with the service's message in services.Studio.errorMessage (the one
// error field a JobBase has), and the cancel LRO (202 + Location) moving a running job to
// CancelRequested, then Canceled.
#include "arm/arm.hpp"
#include "arm/generic.hpp"
#include "arm/operations.hpp"
#include "ml/ml_common.hpp"
#include "platform/modules.hpp"

#include <regex>

namespace emulator {

namespace {

const std::string k_job_type = "Microsoft.MachineLearningServices/workspaces/jobs";

// The exit status a command ends with: that of its first `exit N` (0 when none).
int exit_status(const std::string& command) {
    static const std::regex k_exit(R"((^|[;&|\s(])exit\s+([0-9]+))");
    std::smatch m;
    if (std::regex_search(command, m, k_exit)) {
        return std::atoi(m[2].str().c_str());
    }
    return 0;
}

bool terminal(const std::string& status) {
    return status == "Completed" || status == "Failed" || status == "Canceled";
}

// Where a job stands at `now`: its share of the run's duration decides the phase.
std::string status_at(const Services& svc, const Record& rec, std::int64_t now) {
    const std::int64_t created = rec.created_ms;
    const std::int64_t total = std::max<std::int64_t>(1, svc.duration_ms(k_job_type));
    const std::int64_t canceled = rec.secrets.value("canceledMs", std::int64_t(-1));
    if (canceled >= 0) {
        return now >= canceled + total / 20 ? "Canceled" : "CancelRequested";
    }
    const std::int64_t age = now - created;
    if (age >= total) {
        const Json& props = rec.body.value("properties", Json::object());
        return exit_status(props.value("command", "")) != 0 ? "Failed" : "Completed";
    }
    if (age < total * 15 / 100) {
        return "Queued";
    }
    if (age < total * 35 / 100) {
        return "Preparing";
    }
    return age < total * 90 / 100 ? "Running" : "Finalizing";
}

// Every representation: its status now, and the services Azure lists (Tracking, Studio).
void render_job(const Context& ctx, const Record& rec, Json& out) {
    Json& props = out["properties"];
    if (!props.is_object()) {
        return;
    }
    const std::string status = status_at(ctx.svc, rec, ctx.svc.now_ms());
    props["status"] = status;
    const std::string id = out.value("id", rec.id);
    const std::string ws_id = id.substr(0, id.rfind("/jobs/"));
    Json services = {
        {"Tracking", {{"jobServiceType", "Tracking"}, {"endpoint", ctx.base_url() + "/mlflow/v1.0" + ws_id},
                      {"port", nullptr}, {"properties", nullptr}, {"status", nullptr}, {"errorMessage", nullptr},
                      {"nodes", nullptr}}},
        {"Studio", {{"jobServiceType", "Studio"},
                    {"endpoint", "https://ml.azure.com/runs/" + out.value("name", "") + "?wsid=" + ws_id},
                    {"port", nullptr}, {"properties", nullptr}, {"status", nullptr}, {"errorMessage", nullptr},
                    {"nodes", nullptr}}}};
    if (status == "Failed") {
        const int code = exit_status(props.value("command", ""));
        services["Studio"]["errorMessage"] =
            "Execution failed. User process '/bin/bash' exited with status code " + std::to_string(code) +
            ". Please check log file 'user_logs/std_log.txt' for error details. Error: the command '" +
            props.value("command", "") + "' exited with status " + std::to_string(code) + ".";
    }
    props["services"] = std::move(services);
}

// An ARM id in this emulator's namespace that names nothing stored (null: not an ARM id, or it exists).
std::optional<ArmError> missing_ref(WriteContext& w, const Json& props, const std::string& field,
                                    const std::string& what) {
    const std::string value = props.value(field, "");
    if (!value.starts_with("/subscriptions/") || w.ctx.svc.store->get(value)) {
        return std::nullopt;
    }
    return ArmError{400, "UserError", "The " + what + " '" + value + "' named by " + field + " was not found.", field};
}

std::optional<ArmError> check_job(WriteContext& w) {
    if (!w.body.contains("properties") || !w.body["properties"].is_object()) {
        return ArmError{400, "BadRequest", "The request body must have properties (a JobBase).", "properties"};
    }
    const Json& props = w.body["properties"];
    const std::string job_type = props.value("jobType", "");
    if (job_type.empty()) {
        return ArmError{400, "BadRequest", "[Required] jobType is missing.", "properties.jobType"};
    }
    if (job_type != "Command") {
        return ArmError{400, "BadRequest",
                        "Job type '" + job_type + "' is not supported by this emulator (only Command jobs).",
                        "properties.jobType"};
    }
    for (const char* field : {"command", "environmentId"}) {
        if (!props.contains(field) || !props[field].is_string() || props[field].get<std::string>().empty()) {
            return ArmError{400, "BadRequest", std::string("[Required] ") + field + " is missing for a Command job.",
                            std::string("properties.") + field};
        }
    }
    if (!w.create) {
        return std::nullopt;  // references were checked when the job was submitted
    }
    if (auto e = missing_ref(w, props, "computeId", "compute")) {
        return e;
    }
    if (auto e = missing_ref(w, props, "environmentId", "environment version")) {
        return e;
    }
    return missing_ref(w, props, "codeId", "code version");
}

// Defaults Azure fills in at submission (JobBase: experimentName "Default", isArchived false;
// the display name is the job's name; a command job runs on one instance).
void job_defaults(WriteContext& w) {
    if (!w.create || !w.body["properties"].is_object()) {
        return;
    }
    Json& props = w.body["properties"];
    if (!props.contains("experimentName")) {
        props["experimentName"] = "Default";
    }
    if (!props.contains("displayName")) {
        props["displayName"] = w.body.value("name", "");
    }
    if (!props.contains("isArchived")) {
        props["isArchived"] = false;
    }
    if (!props.contains("resources")) {
        props["resources"] = {{"instanceCount", 1}, {"shmSize", "2g"}};
    }
    for (const char* map : {"inputs", "outputs", "environmentVariables", "tags", "properties"}) {
        if (!props.contains(map) || props[map].is_null()) {
            props[map] = Json::object();
        }
    }
    props.erase("status");
    props.erase("services");
}

Response cancel(Context& ctx) {
    Response nf;
    auto rec = load_item(ctx, nf);
    if (!rec) {
        return nf;
    }
    const std::string status = status_at(ctx.svc, *rec, ctx.svc.now_ms());
    if (terminal(status)) {
        return ArmError{400, "UserError", "Job " + rec->body.value("name", "") + " is in terminal state " + status +
                                              " and cannot be canceled."}
            .response();
    }
    if (!rec->secrets.contains("canceledMs")) {
        rec->secrets["canceledMs"] = ctx.svc.now_ms();
        ctx.svc.store->put(*rec);
    }
    AsyncStart start{"action", rec->id, k_job_type, k_job_type + "#action", "", "global", ""};
    return accept_async(ctx, start);
}

}  // namespace

void install_jobs(Registry& r) {
    TypeBehaviour t;
    t.type = k_job_type;
    t.api_versions = ml_api_versions();
    t.tracked = false;
    t.name_pattern = "^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$";
    t.patch_allowed = false;
    t.list_by_subscription = false;
    // CommandJob: every field but description, tags, properties and isArchived is create+read.
    t.create_only = {"/properties/jobType", "/properties/command", "/properties/codeId",
                     "/properties/environmentId", "/properties/computeId", "/properties/inputs",
                     "/properties/outputs", "/properties/experimentName", "/properties/environmentVariables",
                     "/properties/distribution", "/properties/limits", "/properties/identity"};
    t.normalise.push_back(job_defaults);
    t.validate.push_back(check_job);
    t.on_read.push_back(render_job);
    r.add_type(std::move(t));
    r.add_action(k_job_type, "cancel", cancel);
}

}  // namespace emulator
