// One step's requests: the write, then polls of its operation, a read-back of its
// provisioningState (or, after a delete, GETs until 404). Each call sends one request (a
// model container two) and returns; the executor schedules the next after its wait.
#include "apply_internal.hpp"

#include <fmt/format.h>

namespace converge::detail {

TaskOutcome StepTasks::start(const Step& step, const WriteInput& input, StepRun& run, const PhaseCallback& phase) {
    if (step.kind == k_model_container_kind && step.action == Action::create) {
        return start_container(step, run, phase);
    }
    if (step.action == Action::remove) {
        phase("deleting");
        return sent(step, send_write(m_api, run.path, run.api_version, delete_request(step.id)), run, phase);
    }
    if (input.resource == nullptr) {
        return TaskOutcome::done(
            tl::unexpected(make_api_error("NotInManifests", step.id.str() + " is not in the manifests")));
    }
    if (step.action == Action::create) {
        phase("creating");
        return sent(step, send_write(m_api, run.path, run.api_version, create_request(*input.resource)), run, phase);
    }
    static const Change k_no_change;
    const WriteRequest request = change_request(*input.resource, input.change ? *input.change : k_no_change);
    phase(request.method == "PATCH" ? "updating (PATCH)" : "updating (PUT)");
    run.read_back = request.read_back;
    return sent(step, send_write(m_api, run.path, run.api_version, request), run, phase);
}

// Model versions live in a container that must exist first; PUT it only when absent.
TaskOutcome StepTasks::start_container(const Step& step, StepRun& run, const PhaseCallback& phase) {
    phase("ensuring model container");
    auto got = m_api.get(run.path, run.api_version);
    if (got || !got.error().is_not_found()) {
        return TaskOutcome::done(std::move(got));
    }
    phase("creating");
    return sent(step, m_api.begin_put(run.path, run.api_version, model_container_body(m_stack)), run, phase);
}

TaskOutcome StepTasks::sent(const Step& step, ApiResult<WriteStarted> started, StepRun& run,
                            const PhaseCallback& phase) {
    if (!started) {
        return TaskOutcome::done(tl::unexpected(started.error()));
    }
    if (started->operation) {
        run.operation = std::move(started->operation);
        run.next = StepRun::Next::operation;
        phase("waiting for the operation");
        return TaskOutcome::after(run.operation->wait());
    }
    return written(step, std::move(started->body), run, phase);
}

TaskOutcome StepTasks::resume(const Step& step, StepRun& run, const PhaseCallback& phase) {
    switch (run.next) {
    case StepRun::Next::operation: {
        auto polled = run.operation->poll();
        if (!polled) {
            return TaskOutcome::done(tl::unexpected(polled.error()));
        }
        if (!*polled) {
            return TaskOutcome::after(run.operation->wait());
        }
        run.operation.reset();
        return written(step, std::move(**polled), run, phase);
    }
    case StepRun::Next::read_back: {
        auto got = m_api.get(run.path, run.api_version);
        if (!got) {
            return TaskOutcome::done(tl::unexpected(got.error()));
        }
        return check(step, *got, run, phase);
    }
    case StepRun::Next::gone_check:
        return check_gone(step, run, phase);
    }
    return TaskOutcome::done(tl::unexpected(make_api_error("Internal", "unknown step state")));
}

// The write's operation ended: a delete is confirmed by a 404, anything else by a terminal
// provisioningState, from the final body or (when there is none, or it may be partial) a GET.
TaskOutcome StepTasks::written(const Step& step, Json body, StepRun& run, const PhaseCallback& phase) {
    if (step.action == Action::remove) {
        run.next = StepRun::Next::gone_check;
        return check_gone(step, run, phase);
    }
    if (run.read_back || !body.is_object() || body.empty()) {
        run.next = StepRun::Next::read_back;
        run.read_back = false;
        return TaskOutcome::after(Clock::Duration::zero());
    }
    return check(step, body, run, phase);
}

bool StepTasks::past_deadline(StepRun& run) {
    const auto now = m_clock.now();
    if (!run.deadline) {
        run.deadline = now + m_wait.timeout;
    }
    return now >= *run.deadline;
}

TaskOutcome StepTasks::check(const Step& step, const Json& body, StepRun& run, const PhaseCallback& phase) {
    const std::string state = provisioning_state(body);
    if (state == "Succeeded") {
        return TaskOutcome::done(body);
    }
    if (is_terminal_provisioning_state(state)) {
        return TaskOutcome::done(tl::unexpected(provisioning_failure(step.id, body)));
    }
    if (past_deadline(run)) {
        return TaskOutcome::done(tl::unexpected(
            make_api_error("Timeout", fmt::format("{} still {} after the operation timeout", step.id.str(), state))));
    }
    phase("waiting (" + state + ")");
    run.next = StepRun::Next::read_back;
    return TaskOutcome::after(m_wait.poll_interval);
}

TaskOutcome StepTasks::check_gone(const Step& step, StepRun& run, const PhaseCallback& phase) {
    auto got = m_api.get(run.path, run.api_version);
    if (!got) {
        return got.error().is_not_found() ? TaskOutcome::done(Json()) : TaskOutcome::done(tl::unexpected(got.error()));
    }
    if (past_deadline(run)) {
        return TaskOutcome::done(
            tl::unexpected(make_api_error("Timeout", step.id.str() + " still exists after the operation timeout")));
    }
    phase("waiting for deletion (" + provisioning_state(*got) + ")");
    return TaskOutcome::after(m_wait.poll_interval);
}

}  // namespace converge::detail
