#pragma once
// Private to the apply sources: one step as a sequence of single requests (a write, then
// polls of its operation), so that a step waiting for Azure holds no thread.
#include "converge/apply.hpp"

#include <functional>
#include <optional>

namespace converge::detail {

/// Reports the phase a step is in ("creating", "waiting for the operation", ...).
using PhaseCallback = std::function<void(const std::string& phase)>;

/// What one task leaves behind: the step ended (final body or error), or its next request
/// is due after `wait`.
struct TaskOutcome {
    std::optional<ApiResult<Json>> finished;
    Clock::Duration wait{0};

    static TaskOutcome done(ApiResult<Json> result) { return TaskOutcome{std::move(result), {}}; }
    static TaskOutcome after(Clock::Duration wait) { return TaskOutcome{std::nullopt, wait}; }
};

/// One step's state between its tasks; only the task running the step touches it.
struct StepRun {
    enum class Next { operation, read_back, follow_job };
    Next next = Next::operation;
    std::string job_status;  ///< follow_job: the last status read (phases name each new one)
    std::string path;
    std::string api_version;
    std::unique_ptr<Operation> operation;  ///< the write's, polled until done()
    /// The write sent once `operation` has succeeded (a create after the purge of a soft-deleted vault).
    std::optional<WriteRequest> then;
};

/// What a step's write needs: the resource with its deferred refs resolved (null for a
/// delete or a model container) and the plan's change (for an update's verb).
struct WriteInput {
    const Resource* resource = nullptr;
    const Change* change = nullptr;
};

/// An OnlineEndpoint body whose traffic waits for its deployments: traffic and mirrorTraffic
/// as `observed` has them (removed when null: a new endpoint has no deployments yet).
void keep_observed_traffic(Json& body, const Json* observed);

/// Runs an OnlineEndpoint's smokeTest (score.hpp); an error naming what differed.
ApiResult<Json> run_smoke_test(ArmApi& api, const Resource& endpoint, const std::string& api_version);

/// The requests of a step: start() sends its write, resume() its next poll. Whether the
/// write is done and how it ended is its Operation's to say; a step only polls it.
class StepTasks {
public:
    StepTasks(ArmApi& api, std::string stack, const ApplyOptions& options)
        : m_api(api), m_stack(std::move(stack)), m_options(options) {}

    /// The step's write (a model container: a GET, then a PUT when absent).
    TaskOutcome start(const Step& step, const WriteInput& input, StepRun& run, const PhaseCallback& phase);
    /// The step's next request after its wait: a poll of its operation, or the GET that
    /// reads a resource whose operation ended without a body.
    TaskOutcome resume(const Step& step, StepRun& run, const PhaseCallback& phase);

private:
    TaskOutcome send(const Step& step, WriteRequest request, StepRun& run, const PhaseCallback& phase);
    TaskOutcome ended(const Step& step, StepRun& run, const PhaseCallback& phase);
    TaskOutcome start_container(const Step& step, StepRun& run, const PhaseCallback& phase);
    /// A submitted Job's status, read until it is terminal (docs/kinds.md "Jobs").
    TaskOutcome follow_job(const Step& step, StepRun& run, Json job, const PhaseCallback& phase);

    ArmApi& m_api;
    std::string m_stack;
    const ApplyOptions& m_options;
};

}  // namespace converge::detail
