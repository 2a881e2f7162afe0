#include "converge/apply.hpp"

#include "apply/internal.hpp"
#include "converge/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <queue>
#include <set>
#include <unordered_map>

namespace converge {

namespace {

// Schedules steps as single requests on a pool of threads: at most `parallelism` writes and
// `poll_parallelism` polls in flight; a step waiting for its next poll sits in m_timers, not
// on a thread. The coordinator (the caller's thread) owns time: it sleeps on the clock only
// when no request is in flight, so a ManualClock makes the schedule deterministic.
// Everything shared is guarded by m_mutex; observer calls go through m_observer_mutex.
class Executor {
public:
    Executor(const Plan& plan, const DesiredSet& desired, const ObservedState& observed, ArmApi& api,
             const ApplyOptions& options, ApplyObserver* observer)
        : m_plan(plan), m_desired(desired), m_observed(observed), m_options(options), m_observer(observer),
          m_clock(options.clock ? options.clock : std::make_shared<SystemClock>()),
          m_api(api), m_tasks(api, desired.stack, m_options), m_graph(build_step_graph(plan, desired, observed)) {
        const std::size_t n = m_graph.steps.size();
        m_blockers.resize(n);
        m_dependents.resize(n);
        m_runs.resize(n);
        m_started.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            std::set<std::size_t> unique(m_graph.waits_for[i].begin(), m_graph.waits_for[i].end());
            m_blockers[i] = unique.size();
            for (std::size_t j : unique) {
                m_dependents[j].push_back(i);
            }
            if (unique.empty()) {
                m_ready.insert(i);
            }
        }
        m_unfinished = n;
        m_max_writes = static_cast<std::size_t>(std::max(1, options.parallelism));
        m_max_polls = static_cast<std::size_t>(std::max(1, options.poll_parallelism > 0 ? options.poll_parallelism
                                                                                      : options.parallelism));
    }

    ApplyResult run() {
        if (!m_graph.steps.empty()) {
            ThreadPool pool(std::min(m_max_writes + m_max_polls, 2 * m_graph.steps.size()));
            coordinate(pool);
            pool.wait_idle();
        }
        ApplyResult result;
        result.interrupted = cancelled() && m_unfinished > 0;
        for (auto& step : m_graph.steps) {
            if (step.status == StepStatus::pending) {
                step.status = StepStatus::not_started;
                step.message = result.interrupted ? "interrupted before it started" : "blocked by a dependency cycle";
            }
        }
        result.steps = std::move(m_graph.steps);
        return result;
    }

private:
    struct Timer {
        Clock::TimePoint due;
        std::size_t step;
        bool operator>(const Timer& other) const { return due > other.due; }
    };

    bool cancelled() const { return m_options.cancel != nullptr && m_options.cancel->load(); }

    void coordinate(ThreadPool& pool) {
        std::unique_lock lock(m_mutex);
        while (true) {
            dispatch(pool);
            const bool in_flight = m_writes + m_polls > 0;
            if (!in_flight && m_timers.empty() && (m_ready.empty() || cancelled())) {
                return;
            }
            const auto now = m_clock->now();
            if (in_flight) {
                // Woken by a finished request; real time passes for a due poll and the cancel flag.
                auto wait = std::chrono::milliseconds(50);
                if (!m_timers.empty() && m_timers.top().due > now && m_polls < m_max_polls) {
                    wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(m_timers.top().due - now));
                }
                m_cv.wait_for(lock, wait);
            } else if (!m_timers.empty()) {
                const auto due = m_timers.top().due;
                lock.unlock();
                m_clock->sleep_until(due);  // nothing in flight: only time can move things on
                lock.lock();
            }
        }
    }

    // Starts ready steps' writes and due polls up to their limits (m_mutex held).
    void dispatch(ThreadPool& pool) {
        while (m_writes < m_max_writes && !m_ready.empty() && !cancelled()) {
            const std::size_t i = *m_ready.begin();
            m_ready.erase(m_ready.begin());
            ++m_writes;
            m_graph.steps[i].status = StepStatus::running;
            m_started[i] = m_clock->now();
            const Step snapshot = m_graph.steps[i];
            notify([&](ApplyObserver& o) { o.step_started(snapshot); });
            pool.submit([this, i, snapshot] { run_task(i, snapshot, true); });
        }
        const auto now = m_clock->now();
        while (m_polls < m_max_polls && !m_timers.empty() && m_timers.top().due <= now) {
            const std::size_t i = m_timers.top().step;
            m_timers.pop();
            ++m_polls;
            pool.submit([this, i, snapshot = m_graph.steps[i]] { run_task(i, snapshot, false); });
        }
    }

    // One request of step i, on a pool thread; then the step finishes or waits for its next.
    void run_task(std::size_t i, const Step& step, bool write) {
        const detail::PhaseCallback phase = [&](const std::string& p) {
            notify([&](ApplyObserver& o) { o.step_phase(step, p); });
        };
        detail::TaskOutcome outcome = write ? start(step, m_runs[i], phase) : m_tasks.resume(step, m_runs[i], phase);
        std::lock_guard guard(m_mutex);
        --(write ? m_writes : m_polls);
        const auto now = m_clock->now();
        if (outcome.finished) {
            finish(i, std::move(*outcome.finished),
                   std::chrono::duration_cast<std::chrono::milliseconds>(now - m_started[i]));
        } else {
            m_timers.push(Timer{now + outcome.wait, i});
        }
        m_cv.notify_all();
    }

    detail::TaskOutcome start(const Step& step, detail::StepRun& run, const detail::PhaseCallback& phase) {
        const Resource* desired = m_desired.find(step.id);
        run.path = step.id.str();
        run.api_version = api_version_for(step, desired);
        if (step.kind == k_smoke_test_kind && desired != nullptr) {
            phase("running the smoke test");
            return detail::TaskOutcome::done(detail::run_smoke_test(m_api, *desired, run.api_version));
        }
        if (step.action == Action::remove || step.kind == k_model_container_kind || desired == nullptr) {
            return m_tasks.start(step, detail::WriteInput{desired, nullptr}, run, phase);
        }
        auto resolved = resolve_deferred(*desired);
        if (!resolved) {
            return detail::TaskOutcome::done(tl::unexpected(resolved.error()));
        }
        if (step.traffic == TrafficPart::without) {
            detail::keep_observed_traffic(resolved->body, step.action == Action::create ? nullptr : m_observed.find(step.id));
        }
        return m_tasks.start(step, detail::WriteInput{&*resolved, &change_for(step)}, run, phase);
    }
    // Records the outcome; on failure, every transitive dependent is skipped.
    void finish(std::size_t i, ApiResult<Json> outcome, std::chrono::milliseconds elapsed) {
        Step& step = m_graph.steps[i];
        step.elapsed = elapsed;
        --m_unfinished;
        if (outcome) {
            step.status = StepStatus::succeeded;
            if (step.action != Action::remove && step.kind != k_smoke_test_kind) {
                m_finals[step.id] = std::move(*outcome);
            }
            for (std::size_t d : m_dependents[i]) {
                if (--m_blockers[d] == 0 && m_graph.steps[d].status == StepStatus::pending) {
                    m_ready.insert(d);
                }
            }
        } else {
            step.status = StepStatus::failed;
            step.message = outcome.error().to_string();
            skip_dependents(i);
        }
        const Step snapshot = step;
        notify([&](ApplyObserver& o) { o.step_finished(snapshot); });
    }

    void skip_dependents(std::size_t failed) {
        std::vector<std::size_t> todo = m_dependents[failed];
        while (!todo.empty()) {
            const std::size_t d = todo.back();
            todo.pop_back();
            Step& step = m_graph.steps[d];
            if (step.status != StepStatus::pending) {
                continue;
            }
            step.status = StepStatus::skipped;
            step.message = fmt::format("{} {} failed", action_name(m_graph.steps[failed].action),
                                       m_graph.steps[failed].id.str());
            --m_unfinished;
            m_ready.erase(d);
            const Step snapshot = step;
            notify([&](ApplyObserver& o) { o.step_finished(snapshot); });
            todo.insert(todo.end(), m_dependents[d].begin(), m_dependents[d].end());
        }
    }

    template <typename F>
    void notify(F&& f) {
        if (m_observer != nullptr) {
            std::lock_guard guard(m_observer_mutex);
            f(*m_observer);
        }
    }

    const Change& change_for(const Step& step) const;

    std::string api_version_for(const Step& step, const Resource* desired) const {
        if (desired != nullptr && !desired->api_version.empty()) {
            return desired->api_version;
        }
        const KindInfo* kind = find_kind(step.kind == k_model_container_kind ? "Model" : step.kind);
        if (kind == nullptr || kind->api_version.empty()) {
            kind = find_kind_by_type(step.id.type());
        }
        return kind == nullptr ? std::string() : std::string(kind->api_version);
    }

    // Fills in `${ref:...}` values from the target's state after this apply (or as observed).
    ApiResult<Resource> resolve_deferred(const Resource& desired) {
        Resource out = desired;
        std::map<std::string, Json> current;
        for (const auto& ref : desired.deferred) {
            const std::optional<Json> source = final_body(ref.target);
            std::string pointer = "/" + ref.field;
            std::replace(pointer.begin(), pointer.end(), '.', '/');
            const Json::json_pointer field{pointer};
            if (!source || !source->contains(field)) {
                return tl::unexpected(make_api_error("UnresolvedReference", fmt::format("{}: {} has no value for {}", ref.location.to_string(),
                                                           ref.target.str(), ref.field)));
            }
            const auto it = current.find(ref.pointer);
            const std::string text = it == current.end() ? ref.text : it->second.get<std::string>();
            current[ref.pointer] = substitute_ref(text, ref, source->at(field));
        }
        for (auto& [pointer, value] : current) {
            out.body[Json::json_pointer(pointer)] = value;
        }
        return out;
    }

    // A copy: another worker may be inserting into m_finals meanwhile.
    std::optional<Json> final_body(const ResourceId& id) {
        std::lock_guard guard(m_mutex);
        if (auto it = m_finals.find(id); it != m_finals.end()) {
            return it->second;
        }
        const Json* observed = m_observed.find(id);
        return observed == nullptr ? std::nullopt : std::optional<Json>(*observed);
    }

    const Plan& m_plan;
    const DesiredSet& m_desired;
    const ObservedState& m_observed;
    const ApplyOptions& m_options;
    ApplyObserver* m_observer;
    std::shared_ptr<Clock> m_clock;
    ArmApi& m_api;
    detail::StepTasks m_tasks;
    StepGraph m_graph;
    std::vector<std::size_t> m_blockers;
    std::vector<std::vector<std::size_t>> m_dependents;
    std::vector<detail::StepRun> m_runs;
    std::vector<Clock::TimePoint> m_started;
    std::set<std::size_t> m_ready;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<>> m_timers;
    std::size_t m_writes = 0;  // write requests in flight
    std::size_t m_polls = 0;   // polls in flight
    std::size_t m_max_writes = 1;
    std::size_t m_max_polls = 1;
    std::size_t m_unfinished = 0;
    std::unordered_map<ResourceId, Json> m_finals;
    std::mutex m_mutex;
    std::mutex m_observer_mutex;
    std::condition_variable m_cv;
};

const Change& Executor::change_for(const Step& step) const {
    for (const auto& c : m_plan.changes) {
        if (c.id == step.id) {
            return c;
        }
    }
    static const Change k_empty;
    return k_empty;
}

}  // namespace

ApplyResult apply_plan(const Plan& plan, const DesiredSet& desired, const ObservedState& observed, ArmApi& api,
                       const ApplyOptions& options, ApplyObserver* observer) {
    Executor executor(plan, desired, observed, api, options, observer);
    return executor.run();
}

std::size_t ApplyResult::count(StepStatus status) const {
    return static_cast<std::size_t>(
        std::count_if(steps.begin(), steps.end(), [status](const Step& s) { return s.status == status; }));
}

bool ApplyResult::ok() const {
    return !interrupted && count(StepStatus::succeeded) == steps.size();
}

std::string ApplyResult::summary(std::string_view name) const {
    // One step per change of the plan (a replace is two): model containers are counted like
    // every other change, so "Plan: 2 to delete" is followed by "2 done".
    return fmt::format("{} {}: {} done, {} failed, {} skipped, {} not started.", name,
                       interrupted ? "interrupted" : (ok() ? "complete" : "failed"),
                       count(StepStatus::succeeded), count(StepStatus::failed), count(StepStatus::skipped),
                       count(StepStatus::not_started));
}

const char* step_status_name(StepStatus status) {
    switch (status) {
    case StepStatus::pending: return "pending";
    case StepStatus::running: return "running";
    case StepStatus::succeeded: return "done";
    case StepStatus::failed: return "failed";
    case StepStatus::skipped: return "skipped";
    case StepStatus::not_started: return "not started";
    }
    return "pending";
}

}  // namespace converge
