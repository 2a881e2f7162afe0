#pragma once
// The apply executor: walks a plan's graph with bounded parallelism. A step starts as soon as
// the steps it depends on succeeded; deletes wait for their dependents' deletes; a replace is
// a delete then a create. A failed step's dependents are skipped, independent branches go on.
// A step is a write followed by polls of its operation: waiting holds no thread, so writes go
// on (bounded by --parallelism and the client's pacing) while operations run. When an
// operation is done and how it ended is the operation's (the client's) to say; apply schedules.
#include "converge/arm_api.hpp"
#include "converge/clock.hpp"
#include "converge/model.hpp"
#include "converge/plan.hpp"
#include "converge/resource_ops.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace converge {

/// How apply runs.
struct ApplyOptions {
    int parallelism = 10;       ///< writes in flight at once
    int poll_parallelism = 0;   ///< polls in flight at once (0 = parallelism)
    std::shared_ptr<Clock> clock;  ///< null = the system clock (tests pass a ManualClock)
    /// Set (e.g. by a SIGINT handler) to stop starting new steps; in-flight steps finish.
    const std::atomic<bool>* cancel = nullptr;
    /// Runs on a worker thread before a resource's create or update is sent, reporting its
    /// phase: a Model's upload of its `path:` (model_upload.hpp). An error fails the step.
    std::function<ApiResult<void>(const Resource&, const std::function<void(const std::string&)>& phase)>
        before_write;
    /// How often a submitted Job's status is read while apply follows it to a terminal state.
    std::chrono::milliseconds job_poll_interval{std::chrono::seconds(10)};
};

/// Where one step stands.
enum class StepStatus { pending, running, succeeded, failed, skipped, not_started };

/// One unit of work: a change, or half of a replace ("delete" then "create").
/// Which part of an OnlineEndpoint's write a step sends (docs/kinds.md "Online endpoints").
enum class TrafficPart {
    all,      ///< the whole desired body (every other kind)
    without,  ///< the body with the traffic as it was (none for a create): its deployments come next
    traffic,  ///< the whole body again, once the deployments its traffic names have converged
};

/// Step::kind of an OnlineEndpoint's smoke test (its `smokeTest:`): a scoring call once the
/// endpoint and the deployments this apply writes have converged; it fails when the answer differs.
inline constexpr const char* k_smoke_test_kind = "SmokeTest";

struct Step {
    ResourceId id;
    std::string kind;
    Action action = Action::noop;  ///< create, update or remove (a replace is two steps)
    bool part_of_replace = false;
    TrafficPart traffic = TrafficPart::all;
    StepStatus status = StepStatus::pending;
    std::string message;  ///< the error for failed, the failed dependency for skipped
    std::chrono::milliseconds elapsed{0};
};

/// Receives progress from worker threads; calls are serialized by the executor.
class ApplyObserver {
public:
    virtual ~ApplyObserver() = default;
    virtual void step_started(const Step& step) = 0;
    /// A step moved to a new phase ("creating", "waiting for the operation").
    virtual void step_phase(const Step& step, const std::string& phase) = 0;
    virtual void step_finished(const Step& step) = 0;
};

/// What apply did.
struct ApplyResult {
    std::vector<Step> steps;  ///< in plan order
    bool interrupted = false;

    std::size_t count(StepStatus status) const;
    bool ok() const;
    /// "Apply complete: 4 done, 1 failed, 2 skipped, 0 not started."
    /// "Apply complete: 3 done, ...", or with another name ("Destroy complete: ...").
    std::string summary(std::string_view name = "Apply") const;
};

/// Runs the plan against `api`. Bodies come from `desired`; deferred refs to targets that were
/// not part of this apply are read from `observed`.
ApplyResult apply_plan(const Plan& plan, const DesiredSet& desired, const ObservedState& observed,
                       ArmApi& api, const ApplyOptions& options, ApplyObserver* observer);

/// The steps of a plan with their edges (indices into the vector), for tests and renderers.
struct StepGraph {
    std::vector<Step> steps;
    std::vector<std::vector<std::size_t>> waits_for;
};
/// The plan's changes as steps, ordered by the plan's own edges (Change::depends_on) and nothing
/// else: a write waits for the writes it depends on (through unchanged resources: a compute whose
/// workspace is unchanged waits for the group's update), a replace's create for its delete, and
/// a delete of P for the deletes of everything whose change depends on P.
StepGraph build_step_graph(const Plan& plan);
/// The same, with an OnlineEndpoint's traffic written after the deployments it names: an
/// endpoint write whose traffic names a deployment this plan writes becomes two steps (the body
/// with the traffic as observed, then the whole body once those deployments have converged), and
/// a deployment's delete waits for the endpoint's write that takes its traffic away.
StepGraph build_step_graph(const Plan& plan, const DesiredSet& desired, const ObservedState& observed);

/// Replaces the `${ref:Kind/name:field}` occurrences of `ref` in `text` with `value`; a text
/// that is exactly one ref becomes the value itself (which may be a number or an object).
Json substitute_ref(const std::string& text, const DeferredRef& ref, const Json& value);

const char* step_status_name(StepStatus status);

}  // namespace converge
