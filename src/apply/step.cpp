// One step's requests: the write, then polls of its operation until it is done. Each call
// sends one request (a model container two) and returns; the executor schedules the next
// after the operation's wait. The operation (the client's) decides when it is done and how
// it ended: a Failed provisioningState arrives here as an error with the service's message.
#include "apply/internal.hpp"

#include "converge/applied_digest.hpp"
#include "converge/secret_digest.hpp"

namespace converge::detail {

TaskOutcome StepTasks::start(const Step& step, const WriteInput& input, StepRun& run, const PhaseCallback& phase) {
    if (step.kind == k_model_container_kind && step.action == Action::create) {
        return start_container(step, run, phase);
    }
    if (step.action == Action::remove) {
        phase("deleting");
        return send(step, delete_request(step.id), run, phase);
    }
    if (input.resource == nullptr) {
        return TaskOutcome::done(
            tl::unexpected(make_api_error("NotInManifests", step.id.str() + " is not in the manifests")));
    }
    if (m_options.before_write) {  // e.g. a Model's upload (model_upload.hpp)
        if (auto ready = m_options.before_write(*input.resource, phase); !ready) {
            return TaskOutcome::done(tl::unexpected(ready.error()));
        }
    }
    if (step.action == Action::create) {
        WriteRequest create = create_request(*input.resource);
        secrets::stamp(create.body, *input.resource, m_stack, true);  // docs/secrets.md
        applied::stamp(create.body, *input.resource, true);           // docs/sync.md
        const Reason reason = input.change != nullptr ? input.change->reason : Reason::absent;
        if (reason == Reason::recover) {  // docs/apply.md "Soft-delete"
            create.body["properties"]["createMode"] = "recover";
            phase("recovering (createMode: recover)");
            return send(step, std::move(create), run, phase);
        }
        if (reason == Reason::purge_soft_deleted) {
            phase("purging the soft-deleted vault");
            run.then = std::move(create);
            return send(step, purge_soft_deleted_request(*input.resource), run, phase);
        }
        phase("creating");
        return send(step, std::move(create), run, phase);
    }
    if (step.traffic == TrafficPart::traffic) {
        // The whole body again, its traffic now naming deployments that have converged: a PUT
        // (the endpoint's PATCH takes only tags and identity).
        WriteRequest request = create_request(*input.resource);
        secrets::stamp(request.body, *input.resource, m_stack, true);
        applied::stamp(request.body, *input.resource, true);
        phase("writing traffic (PUT)");
        return send(step, std::move(request), run, phase);
    }
    static const Change k_no_change;
    WriteRequest request = change_request(*input.resource, input.change ? *input.change : k_no_change);
    secrets::stamp(request.body, *input.resource, m_stack, request.verb == Verb::put);
    applied::stamp(request.body, *input.resource, request.verb == Verb::put);
    phase(request.verb == Verb::patch ? "updating (PATCH)" : "updating (PUT)");
    return send(step, std::move(request), run, phase);
}

// Model versions live in a container that must exist first; PUT it only when absent.
TaskOutcome StepTasks::start_container(const Step& step, StepRun& run, const PhaseCallback& phase) {
    phase("ensuring model container");
    auto got = m_api.get(run.path, run.api_version);
    if (got || !got.error().is_not_found()) {
        return TaskOutcome::done(std::move(got));
    }
    phase("creating");
    WriteRequest request;
    request.verb = Verb::put;
    request.body = model_container_body(m_stack);
    return send(step, std::move(request), run, phase);
}

TaskOutcome StepTasks::send(const Step& step, WriteRequest request, StepRun& run, const PhaseCallback& phase) {
    if (request.path.empty()) {
        request.path = run.path;
    }
    request.api_version = run.api_version;
    auto started = m_api.begin(request);
    if (!started) {
        return TaskOutcome::done(tl::unexpected(started.error()));
    }
    run.operation = std::move(*started);
    run.next = StepRun::Next::operation;
    if (run.operation->done()) {
        return ended(step, run, phase);
    }
    phase("waiting for the operation");
    return TaskOutcome::after(run.operation->wait());
}

TaskOutcome StepTasks::resume(const Step& step, StepRun& run, const PhaseCallback& phase) {
    if (run.next == StepRun::Next::read_back) {
        return TaskOutcome::done(m_api.get(run.path, run.api_version));
    }
    if (run.next == StepRun::Next::follow_job) {
        if (m_options.cancel != nullptr && m_options.cancel->load()) {
            return TaskOutcome::done(tl::unexpected(make_api_error(
                "Interrupted", "stopped following job " + step.id.name() + " (status " + run.job_status +
                                   "); it goes on in Azure, and the next apply finds it and submits nothing")));
        }
        auto job = m_api.get(run.path, run.api_version);
        if (!job) {
            return TaskOutcome::done(tl::unexpected(job.error()));
        }
        return follow_job(step, run, std::move(*job), phase);
    }
    run.operation->poll();
    if (!run.operation->done()) {
        return TaskOutcome::after(run.operation->wait());
    }
    return ended(step, run, phase);
}

// The operation is done: its error, or the final body. A write that ended without a body
// (a service that answers 200 with none) is read once, for the refs that point at it.
TaskOutcome StepTasks::ended(const Step& step, StepRun& run, const PhaseCallback& phase) {
    ApiResult<Json> result = run.operation->result();
    run.operation.reset();
    if (result && run.then) {
        WriteRequest next = std::move(*run.then);
        run.then.reset();
        phase("creating");
        return send(step, std::move(next), run, phase);
    }
    if (!result || step.action == Action::remove) {
        return TaskOutcome::done(result ? ApiResult<Json>(Json()) : std::move(result));
    }
    if (!result->is_object() || result->empty()) {
        run.next = StepRun::Next::read_back;
        return TaskOutcome::after(Clock::Duration::zero());
    }
    if (step.kind == "Job" && step.action == Action::create) {
        return follow_job(step, run, std::move(*result), phase);
    }
    return TaskOutcome::done(std::move(result));
}

namespace {

// The service's explanation of a failed job: the first errorMessage among its services
// (JobService.errorMessage, mfe.json; the only error field a JobBase carries).
std::string job_error(const Json& job) {
    const Json* services = nullptr;
    if (job.contains("properties") && job["properties"].is_object() && job["properties"].contains("services")) {
        services = &job["properties"]["services"];
    }
    if (services != nullptr && services->is_object()) {
        for (const auto& [name, service] : services->items()) {
            if (service.is_object() && service.contains("errorMessage") && service["errorMessage"].is_string() &&
                !service["errorMessage"].get<std::string>().empty()) {
                return service["errorMessage"].get<std::string>();
            }
        }
    }
    return "the service gave no error message";
}

}  // namespace

// Completed ends the step with the job; Failed and Canceled fail it with the service's message;
// any other status waits for the next read. Each new status is a phase of the step.
TaskOutcome StepTasks::follow_job(const Step& step, StepRun& run, Json job, const PhaseCallback& phase) {
    std::string status;
    if (job.contains("properties") && job["properties"].is_object()) {
        status = job["properties"].value("status", "");
    }
    if (status != run.job_status || run.next != StepRun::Next::follow_job) {
        phase("job " + step.id.name() + ": " + (status.empty() ? std::string("(no status)") : status));
    }
    run.job_status = status;
    run.next = StepRun::Next::follow_job;
    if (status == "Completed") {
        return TaskOutcome::done(std::move(job));
    }
    if (status == "Failed" || status == "Canceled") {
        return TaskOutcome::done(tl::unexpected(make_api_error(
            status == "Failed" ? "JobFailed" : "JobCanceled",
            "job " + step.id.name() + " " + (status == "Failed" ? "failed: " + job_error(job) : std::string("was canceled")))));
    }
    return TaskOutcome::after(m_options.job_poll_interval);
}

}  // namespace converge::detail
