#include "converge/apply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

namespace converge {

namespace {

using Clock = std::chrono::steady_clock;

// Schedules steps on a fixed pool of workers. Everything shared is guarded by m_mutex;
// observer calls go through m_observer_mutex so observers need not be thread-safe.
class Executor {
public:
    Executor(const Plan& plan, const DesiredSet& desired, const ObservedState& observed, ArmApi& api,
             const ApplyOptions& options, ApplyObserver* observer)
        : m_plan(plan), m_desired(desired), m_observed(observed), m_api(api), m_options(options), m_observer(observer),
          m_graph(build_step_graph(plan, desired, observed)) {
        const std::size_t n = m_graph.steps.size();
        m_blockers.resize(n);
        m_dependents.resize(n);
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
    }

    ApplyResult run() {
        const int workers = std::max(1, std::min<int>(m_options.parallelism, static_cast<int>(m_graph.steps.size())));
        std::vector<std::thread> pool;
        for (int i = 0; i < workers && !m_graph.steps.empty(); ++i) {
            pool.emplace_back([this] { work(); });
        }
        for (auto& t : pool) {
            t.join();
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
    bool cancelled() const { return m_options.cancel != nullptr && m_options.cancel->load(); }

    void work() {
        std::unique_lock lock(m_mutex);
        while (true) {
            m_cv.wait_for(lock, std::chrono::milliseconds(50), [this] {
                return cancelled() || !m_ready.empty() || m_running == 0;
            });
            if (cancelled() || (m_ready.empty() && m_running == 0)) {
                m_cv.notify_all();
                return;
            }
            if (m_ready.empty()) {
                continue;
            }
            const std::size_t i = *m_ready.begin();
            m_ready.erase(m_ready.begin());
            ++m_running;
            m_graph.steps[i].status = StepStatus::running;
            const Step snapshot = m_graph.steps[i];
            lock.unlock();
            notify([&](ApplyObserver& o) { o.step_started(snapshot); });
            const auto start = Clock::now();
            auto outcome = execute(snapshot);
            const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
            lock.lock();
            finish(i, std::move(outcome), elapsed);
            --m_running;
            m_cv.notify_all();
        }
    }

    // Records the outcome; on failure, every transitive dependent is skipped.
    void finish(std::size_t i, ApiResult<Json> outcome, std::chrono::milliseconds elapsed) {
        Step& step = m_graph.steps[i];
        step.elapsed = elapsed;
        --m_unfinished;
        if (outcome) {
            step.status = StepStatus::succeeded;
            if (step.action != Action::remove) {
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

    ApiResult<Json> execute(const Step& step) {
        const PhaseCallback phase = [&](const std::string& p) {
            notify([&](ApplyObserver& o) { o.step_phase(step, p); });
        };
        const Resource* desired = m_desired.find(step.id);
        if (step.action == Action::remove) {
            return delete_resource(m_api, step.id, api_version_for(step, desired), m_options.wait, phase);
        }
        if (desired == nullptr) {
            return tl::unexpected(make_api_error("NotInManifests", step.id.str() + " is not in the manifests"));
        }
        auto resolved = resolve_deferred(*desired);
        if (!resolved) {
            return tl::unexpected(resolved.error());
        }
        if (step.action == Action::create) {
            return create_resource(m_api, *resolved, m_options.wait, phase);
        }
        return update_resource(m_api, *resolved, change_for(step), m_options.wait, phase);
    }

    const Change& change_for(const Step& step) const;

    std::string api_version_for(const Step& step, const Resource* desired) const {
        if (desired != nullptr && !desired->api_version.empty()) {
            return desired->api_version;
        }
        const KindInfo* kind = find_kind(step.kind);
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
    ArmApi& m_api;
    const ApplyOptions& m_options;
    ApplyObserver* m_observer;
    StepGraph m_graph;
    std::vector<std::size_t> m_blockers;
    std::vector<std::vector<std::size_t>> m_dependents;
    std::set<std::size_t> m_ready;
    std::size_t m_running = 0;
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

std::string ApplyResult::summary() const {
    return fmt::format("{}: {} done, {} failed, {} skipped, {} not started.",
                       interrupted ? "Apply interrupted" : (ok() ? "Apply complete" : "Apply failed"),
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
