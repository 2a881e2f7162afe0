// The executor's schedule on a manual clock: waiting for long-running operations holds no
// worker, so independent creates overlap their operations; polls follow Retry-After.
#include "converge/apply.hpp"
#include "converge/planner.hpp"
#include "converge/render.hpp"

#include "fake_arm.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>

using namespace converge;
using converge::testing::FakeArm;
using namespace std::chrono_literals;

namespace {

const std::string k_sub = "00000000-0000-0000-0000-000000000001";
const ResourceId k_rg = ResourceId::for_resource_group(k_sub, "rg");
const ResourceId k_ws = ResourceId::for_resource(k_sub, "rg", "Microsoft.MachineLearningServices/workspaces", "ws");

// A FakeArm whose PUTs start operations that end `duration` after they began (manual time),
// polled every `retry_after`; an operation may end Failed.
class LroArm : public FakeArm {
public:
    explicit LroArm(std::shared_ptr<ManualClock> clock) : m_clock(std::move(clock)) {}

    std::map<std::string, Clock::Duration> duration;  ///< path -> operation length (default 10 s)
    std::map<std::string, std::string> fails;         ///< path -> error message of a Failed operation
    Clock::Duration retry_after = 2s;
    std::atomic<int> in_flight{0};
    std::atomic<int> peak{0};
    std::mutex mutex;
    std::map<std::string, int> polls;                  ///< path -> polls
    std::map<std::string, Clock::TimePoint> put_at;    ///< path -> when the PUT was sent

    ApiResult<std::unique_ptr<Operation>> begin(const WriteRequest& request) override {
        if (request.verb != Verb::put) {
            return FakeArm::begin(request);
        }
        peak = std::max(peak.load(), ++in_flight);
        auto put = write(request);
        --in_flight;
        if (!put) {
            return tl::unexpected(put.error());
        }
        const auto it = duration.find(request.path);
        const auto end = m_clock->now() + (it == duration.end() ? Clock::Duration(10s) : it->second);
        {
            std::lock_guard lock(mutex);
            put_at[request.path] = m_clock->now();
        }
        return std::unique_ptr<Operation>(std::make_unique<Op>(*this, request.path, end, *put));
    }

private:
    // Done at `end` (manual time), Failed when the path is in `fails`.
    class Op : public Operation {
    public:
        Op(LroArm& arm, std::string path, Clock::TimePoint end, Json body)
            : m_arm(arm), m_path(std::move(path)), m_end(end), m_body(std::move(body)) {}
        bool done() const override { return m_result.has_value(); }
        std::chrono::milliseconds wait() const override {
            return std::chrono::duration_cast<std::chrono::milliseconds>(m_arm.retry_after);
        }
        void poll() override {
            ++m_report.polls;
            {
                std::lock_guard lock(m_arm.mutex);
                ++m_arm.polls[m_path];
            }
            if (m_arm.m_clock->now() < m_end) {
                return;
            }
            if (auto f = m_arm.fails.find(m_path); f != m_arm.fails.end()) {
                m_report.outcome = Outcome::failed;
                m_result = tl::unexpected(make_api_error("ComputeFailed", f->second));
                return;
            }
            m_report.outcome = Outcome::succeeded;
            m_result = m_body;
        }
        const ApiResult<Json>& result() const override { return *m_result; }
        const LroReport& report() const override { return m_report; }

    private:
        LroArm& m_arm;
        std::string m_path;
        Clock::TimePoint m_end;
        Json m_body;
        LroReport m_report;
        std::optional<ApiResult<Json>> m_result;
    };

    std::shared_ptr<ManualClock> m_clock;
};

Resource make(const char* kind, const ResourceId& id, std::vector<ResourceId> deps = {}) {
    Resource r;
    r.kind = find_kind(kind);
    r.id = id;
    r.arm_type = std::string(r.kind->arm_type);
    r.api_version = std::string(r.kind->api_version);
    r.body = Json{{"location", "westeurope"}, {"properties", Json::object()}};
    for (auto& d : deps) {
        r.depends_on.push_back(Dependency{d, {}, "ref"});
    }
    return r;
}

struct Schedule {
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
    LroArm arm{clock};
    DesiredSet desired;
    ObservedState observed;
    Plan plan;
    ApplyOptions options;

    Schedule() {
        options.clock = clock;
        options.parallelism = 10;
        desired.stack = "s";
    }
    void create(const char* kind, const ResourceId& id, std::vector<ResourceId> deps = {}) {
        desired.resources.push_back(make(kind, id, deps));
        Change c;
        c.id = id;
        c.kind = kind;
        c.action = Action::create;
        c.depends_on = std::move(deps);  // apply orders by the plan's edges only
        std::sort(c.depends_on.begin(), c.depends_on.end());
        plan.changes.push_back(c);
    }
    /// The plan the planner makes of `desired` and `observed` (model containers included).
    void plan_from(const PlanOptions& plan_options = {}) {
        PlanResult r = build_plan(desired, observed, plan_options);
        REQUIRE(r.ok());
        plan = std::move(r.plan);
    }
    ApplyResult run() { return apply_plan(plan, desired, observed, arm, options, nullptr); }
    double seconds() const { return std::chrono::duration<double>(clock->now().time_since_epoch()).count(); }
};

ResourceId compute(int i) { return k_ws.child("computes", "c" + std::to_string(i)); }

}  // namespace

TEST_SUITE("apply") {

TEST_CASE("50 independent creates with 10 s operations and parallelism 10 take one operation, not five") {
    Schedule s;
    s.arm.seed(k_ws.str(), Json::object());
    for (int i = 0; i < 50; ++i) {
        s.create("Compute", compute(i));
    }
    const auto result = s.run();
    CHECK(result.ok());
    CHECK(s.seconds() >= 10.0);
    CHECK(s.seconds() <= 10.5);  // a worker held per operation would take 50 s
    CHECK(s.arm.peak.load() <= 10);
    CHECK(s.arm.count("PUT ") == 50);
    for (const auto& entry : s.arm.polls) {
        CHECK_MESSAGE(entry.second <= 10 / 2 + 2, entry.first);  // duration / Retry-After + 2
    }
    CHECK(s.arm.polls.size() == 50);
}

TEST_CASE("dependents start when the dependency's operation is done, and then all overlap") {
    Schedule s;
    s.options.parallelism = 4;
    s.create("ResourceGroup", k_rg);
    s.create("Workspace", k_ws, {k_rg});
    s.arm.duration[k_rg.str()] = 2s;
    s.arm.duration[k_ws.str()] = 10s;
    for (int i = 0; i < 20; ++i) {
        s.create("Compute", compute(i), {k_ws});
        s.arm.duration[compute(i).str()] = 6s;
    }
    CHECK(s.run().ok());
    // rg 2 s, workspace 10 s, computes 6 s in parallel: 18 s (20 / 4 x 6 = 30 s more if held).
    CHECK(s.seconds() == doctest::Approx(18.0).epsilon(0.02));
    for (int i = 0; i < 20; ++i) {
        CHECK(s.arm.put_at[compute(i).str()] >= s.arm.put_at[k_ws.str()] + 10s);
    }
}

TEST_CASE("a failed operation carries the service's message and skips only its dependents") {
    Schedule s;
    s.create("Workspace", k_ws);
    s.create("Compute", compute(0), {k_ws});
    const ResourceId other = ResourceId::for_resource_group(k_sub, "other");
    s.create("ResourceGroup", other);
    s.arm.fails[k_ws.str()] = "quota exceeded in westeurope";
    const auto result = s.run();
    CHECK(result.summary() == "Apply failed: 1 done, 1 failed, 1 skipped, 0 not started.");
    CHECK(result.steps[0].message.find("quota exceeded in westeurope") != std::string::npos);
    CHECK(result.steps[1].status == StepStatus::skipped);
    CHECK(result.steps[2].status == StepStatus::succeeded);
}

TEST_CASE("cancelling stops new writes; operations already sent are followed to their end") {
    Schedule s;
    std::atomic<bool> cancel{false};
    s.options.cancel = &cancel;
    s.options.parallelism = 2;
    s.arm.seed(k_ws.str(), Json::object());
    for (int i = 0; i < 6; ++i) {
        s.create("Compute", compute(i));
    }
    std::atomic<int> puts{0};
    s.arm.on_request = [&](const std::string& method, const std::string&) {
        if (method == "PUT" && ++puts == 1) {
            cancel = true;
        }
    };
    const auto result = s.run();
    CHECK(result.interrupted);
    CHECK(result.count(StepStatus::failed) == 0);
    CHECK(result.count(StepStatus::succeeded) == result.steps.size() - result.count(StepStatus::not_started));
    CHECK(result.count(StepStatus::not_started) >= 4);
}

TEST_CASE("versions of one model wait for one container create, tagged with the stack") {
    Schedule s;
    s.arm.seed(k_ws.str(), Json::object());
    const ResourceId model = k_ws.child("models", "m");
    for (int v = 1; v <= 6; ++v) {
        s.create("Model", model.child("versions", std::to_string(v)));
        s.arm.duration[model.child("versions", std::to_string(v)).str()] = 0s;
    }
    s.arm.duration[model.str()] = 0s;
    s.plan_from();
    CHECK(s.plan.count(Action::create) == 7);  // the container is a change of the plan
    const auto result = s.run();
    CHECK(result.ok());
    CHECK(result.steps.size() == 7);
    CHECK(result.steps.front().kind == std::string(k_model_container_kind));
    CHECK(result.summary() == "Apply complete: 7 done, 0 failed, 0 skipped, 0 not started.");
    CHECK(s.arm.count("PUT " + model.str()) == 7);  // the container once, six versions
    CHECK(std::count(s.arm.log.begin(), s.arm.log.end(), "PUT " + model.str()) == 1);
    CHECK(s.arm.sent.at("PUT " + model.str())["properties"]["tags"] ==
          Json{{"managed-by", "converge"}, {"converge-stack", "s"}});
    for (int v = 1; v <= 6; ++v) {
        CHECK(s.arm.put_at[model.child("versions", std::to_string(v)).str()] >= s.arm.put_at[model.str()]);
    }
}

TEST_CASE("a container that already holds versions is not created again") {
    Schedule s;
    const ResourceId model = k_ws.child("models", "m");
    s.observed.resources[model.child("versions", "1")] = Json::object();
    s.create("Model", model.child("versions", "2"));
    s.arm.duration[model.child("versions", "2").str()] = 0s;
    s.plan_from();
    CHECK(s.plan.count(Action::create) == 1);
    CHECK(s.run().ok());
    CHECK(s.arm.count("GET " + model.str()) == 0);
    CHECK(s.arm.writes() == 1);
}

TEST_CASE("deleting the last versions deletes the container only when this stack created it") {
    const ResourceId model = k_ws.child("models", "m");
    const Json owned{{"properties", {{"tags", {{"managed-by", "converge"}, {"converge-stack", "s"}}}}}};
    struct Case {
        Json container;
        int versions_left;
        bool deleted;
    };
    for (const Case& c : {Case{owned, 0, true}, Case{Json{{"properties", Json::object()}}, 0, false},
                          Case{owned, 1, false}}) {
        Schedule s;
        s.observed.resources[model] = c.container;
        s.arm.seed(model.str(), c.container);
        for (int v = 1; v <= 2 + c.versions_left; ++v) {
            const ResourceId id = model.child("versions", std::to_string(v));
            s.observed.resources[id] = owned;  // this stack's versions
            s.arm.seed(id.str(), owned);
            if (v <= 2) {
                s.desired.resources.push_back(make("Model", id));  // `converge destroy` of versions 1 and 2
            }
        }
        s.plan_from(PlanOptions{false, true});
        CHECK(s.plan.count(Action::remove) == (c.deleted ? 3u : 2u));  // the container is in the plan
        const auto result = s.run();
        CHECK(result.ok());
        CHECK(s.arm.count("DELETE ") == s.plan.count(Action::remove));
        CHECK(s.arm.count("DELETE " + model.str() + "/versions/") == 2);
        CHECK((std::count(s.arm.log.begin(), s.arm.log.end(), "DELETE " + model.str()) == 1) == c.deleted);
        CHECK(s.arm.has(model.str()) != c.deleted);
        if (c.deleted) {
            const auto last_version = std::find(s.arm.log.begin(), s.arm.log.end(), "DELETE " + model.str() + "/versions/2");
            const auto container = std::find(s.arm.log.begin(), s.arm.log.end(), "DELETE " + model.str());
            CHECK(last_version < container);
        }
    }
}

TEST_CASE("a prune plan's delete count is the number of deletes apply sends") {
    Schedule s;
    const ResourceId model = k_ws.child("models", "m");
    const Json owned{{"properties", {{"tags", {{"managed-by", "converge"}, {"converge-stack", "s"}}}}}};
    for (const ResourceId& id : {model, model.child("versions", "1"), model.child("versions", "2")}) {
        s.observed.resources[id] = owned;
        s.arm.seed(id.str(), owned);
    }
    s.plan_from(PlanOptions{true, false});
    CHECK(summary_line(s.plan) == "Plan: 0 to create, 0 to update, 0 to replace, 3 to delete.");
    CHECK(s.plan.changes.back().kind == std::string(k_model_container_kind));
    CHECK(render_text(s.plan).find("ModelContainer/m will be deleted") != std::string::npos);
    const auto result = s.run();
    CHECK(result.ok());
    CHECK(s.arm.count("DELETE ") == 3);
    CHECK(result.summary() == "Apply complete: 3 done, 0 failed, 0 skipped, 0 not started.");
}

TEST_CASE("apply orders by the plan's edges, through unchanged resources") {
    Schedule s;
    s.options.parallelism = 4;
    s.create("ResourceGroup", k_rg);
    Change ws;  // unchanged, between the group and the compute
    ws.id = k_ws;
    ws.kind = "Workspace";
    ws.depends_on = {k_rg};
    s.plan.changes.push_back(ws);
    s.create("Compute", compute(0), {k_ws});
    s.create("Compute", compute(1));  // no edge in the plan: not held back
    s.arm.duration[k_rg.str()] = 5s;
    s.arm.seed(k_ws.str(), Json::object());
    CHECK(s.run().ok());
    CHECK(s.arm.put_at[compute(0).str()] >= s.arm.put_at[k_rg.str()] + 5s);
    CHECK(s.arm.put_at[compute(1).str()] < s.arm.put_at[k_rg.str()] + 5s);
}

}  // TEST_SUITE
