#pragma once
// Private to the apply sources: one step as a sequence of single requests (a write, then
// polls), so that a step waiting for Azure holds no thread.
#include "converge/apply.hpp"

#include <optional>

namespace converge::detail {

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
    enum class Next { operation, read_back, gone_check };
    Next next = Next::read_back;
    std::string path;
    std::string api_version;
    bool read_back = false;  ///< the write's answer may be partial (PATCH): GET the resource
    std::unique_ptr<PendingOperation> operation;
    std::optional<Clock::TimePoint> deadline;  ///< of the read-back or gone-check (WaitOptions::timeout)
};

/// What a step's write needs: the resource with its deferred refs resolved (null for a
/// delete or a model container) and the plan's change (for an update's verb).
struct WriteInput {
    const Resource* resource = nullptr;
    const Change* change = nullptr;
};

/// The requests of a step: start() sends its write, resume() its next poll.
class StepTasks {
public:
    StepTasks(ArmApi& api, Clock& clock, const WaitOptions& wait, std::string stack)
        : m_api(api), m_clock(clock), m_wait(wait), m_stack(std::move(stack)) {}

    /// The step's write (a model container: a GET, then a PUT when absent).
    TaskOutcome start(const Step& step, const WriteInput& input, StepRun& run, const PhaseCallback& phase);
    /// The step's next request after its wait: a poll of its operation, a read-back of its
    /// provisioningState, or a GET that must answer 404 after a delete.
    TaskOutcome resume(const Step& step, StepRun& run, const PhaseCallback& phase);

private:
    TaskOutcome sent(const Step& step, ApiResult<WriteStarted> started, StepRun& run, const PhaseCallback& phase);
    TaskOutcome written(const Step& step, Json body, StepRun& run, const PhaseCallback& phase);
    TaskOutcome check(const Step& step, const Json& body, StepRun& run, const PhaseCallback& phase);
    TaskOutcome check_gone(const Step& step, StepRun& run, const PhaseCallback& phase);
    TaskOutcome start_container(const Step& step, StepRun& run, const PhaseCallback& phase);
    bool past_deadline(StepRun& run);

    ArmApi& m_api;
    Clock& m_clock;
    const WaitOptions& m_wait;
    std::string m_stack;
};

}  // namespace converge::detail
