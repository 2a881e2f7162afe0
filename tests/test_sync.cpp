// converge sync's pure parts (include/converge/sync.hpp): change classes, what correct mode holds
// back, durations and jitter, the wait after successes and failures, and the loop on a ManualClock.
#include "converge/applied_digest.hpp"
#include "converge/kinds.hpp"
#include "converge/render.hpp"
#include "converge/sync.hpp"

#include <doctest/doctest.h>

using namespace converge;
using namespace std::chrono_literals;

namespace {

ResourceId rid(const std::string& text) {
    auto id = ResourceId::parse(text);
    REQUIRE(id);
    return *id;
}

const std::string k_rg = "/subscriptions/s/resourceGroups/rg";
const std::string k_ws = k_rg + "/providers/Microsoft.MachineLearningServices/workspaces/ws";

Change change(const std::string& id, const std::string& kind, Action action, std::vector<std::string> deps = {},
              Reason reason = Reason::none) {
    Change c;
    c.id = rid(id);
    c.kind = kind;
    c.action = action;
    c.reason = reason;
    for (const auto& d : deps) {
        c.depends_on.push_back(rid(d));
    }
    if (action == Action::update) {
        c.fields.push_back(FieldChange{"/tags/team", Json("a"), Json("b")});
    }
    return c;
}

std::vector<std::string> active(const Plan& plan) {
    std::vector<std::string> out;
    for (const auto& c : plan.changes) {
        if (c.action != Action::noop) {
            out.push_back(std::string(action_name(c.action)) + " " + c.id.name());
        }
    }
    return out;
}

}  // namespace

TEST_SUITE("sync") {

TEST_CASE("change classes: adopt and repairs are updates, a purge is a delete, noop and keep write nothing") {
    CHECK(change_class(change(k_rg, "ResourceGroup", Action::create)) == ChangeClass::create);
    CHECK(change_class(change(k_rg, "ResourceGroup", Action::update)) == ChangeClass::update);
    CHECK(change_class(change(k_rg, "ResourceGroup", Action::adopt)) == ChangeClass::update);
    CHECK(change_class(change(k_rg, "ResourceGroup", Action::update, {}, Reason::failed)) == ChangeClass::update);
    CHECK(change_class(change(k_rg, "ResourceGroup", Action::replace)) == ChangeClass::replace);
    CHECK(change_class(change(k_rg, "ResourceGroup", Action::remove)) == ChangeClass::remove);
    CHECK(change_class(change(k_rg, "KeyVault", Action::create, {}, Reason::purge_soft_deleted)) ==
          ChangeClass::remove);
    CHECK_FALSE(change_class(change(k_rg, "ResourceGroup", Action::noop)));
    CHECK_FALSE(change_class(change(k_rg, "ResourceGroup", Action::keep)));
}

TEST_CASE("--allow parses subsets, refuses unknown and repeated words") {
    std::string error;
    auto all = parse_allowed_classes("create,update,replace,delete", error);
    REQUIRE(all);
    CHECK(all->to_string() == "create,update,replace,delete");
    auto some = parse_allowed_classes("update", error);
    REQUIRE(some);
    CHECK(some->to_string() == "update");
    CHECK_FALSE(some->allows(ChangeClass::create));
    CHECK(AllowedClasses{}.to_string() == "create,update");
    CHECK_FALSE(parse_allowed_classes("create,replce", error));
    CHECK(error.find("did you mean \"replace\"") != std::string::npos);
    CHECK_FALSE(parse_allowed_classes("create,create", error));
    CHECK(error.find("twice") != std::string::npos);
    CHECK_FALSE(parse_allowed_classes("", error));
}

TEST_CASE("correction: a replace is held by default, and what waits for it is held with it") {
    Plan plan;
    const std::string st = k_rg + "/providers/Microsoft.Storage/storageAccounts/st";
    const std::string cpu = k_ws + "/computes/cpu";
    plan.changes = {change(k_rg, "ResourceGroup", Action::update),
                    change(st, "StorageAccount", Action::create, {k_rg}),
                    change(k_ws, "Workspace", Action::replace, {k_rg, st}),
                    change(cpu, "Compute", Action::create, {k_ws}),
                    change(k_rg + "/providers/Microsoft.Storage/storageAccounts/old", "StorageAccount", Action::remove,
                           {k_rg})};
    const Correction c = correction_of(plan, AllowedClasses{});
    CHECK(active(c.plan) == std::vector<std::string>{"update rg", "create st"});
    REQUIRE(c.held.size() == 3);
    CHECK(c.held[0].change.id.name() == "ws");
    CHECK(c.held[0].why == "replace is not allowed (--allow replace)");
    CHECK(c.held[1].change.id.name() == "old");
    CHECK(c.held[1].why == "delete is not allowed (--allow delete)");
    CHECK(c.held[2].change.id.name() == "cpu");
    CHECK(c.held[2].why == "waits for Workspace/ws, held back");
    // The held change keeps its action for reports; the plan to apply has it as a noop.
    CHECK(c.held[0].change.action == Action::replace);

    AllowedClasses everything{true, true, true, true};
    const Correction all = correction_of(plan, everything);
    CHECK(all.held.empty());
    CHECK(active(all.plan).size() == 5);

    AllowedClasses update_only{false, true, false, false};
    const Correction u = correction_of(plan, update_only);
    CHECK(active(u.plan) == std::vector<std::string>{"update rg"});
}

TEST_CASE("durations and jitter") {
    CHECK(parse_duration("10m") == Clock::Duration(10min));
    CHECK(parse_duration("1h30m") == Clock::Duration(90min));
    CHECK(parse_duration("45") == Clock::Duration(45s));
    CHECK(parse_duration("500ms") == Clock::Duration(500ms));
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("0s"));
    CHECK_FALSE(parse_duration("10x"));
    CHECK_FALSE(parse_duration("1m30"));
    CHECK_FALSE(parse_duration("-5m"));
    CHECK(parse_jitter("10%").value_or(-1) == doctest::Approx(0.1));
    CHECK(parse_jitter("0.25").value_or(-1) == doctest::Approx(0.25));
    CHECK(parse_jitter("0").value_or(-1) == doctest::Approx(0.0));
    CHECK_FALSE(parse_jitter("100%"));
    CHECK_FALSE(parse_jitter("ten"));
    CHECK_FALSE(parse_jitter("-1%"));
}

TEST_CASE("waits: the interval jittered after a success, doubling backoff capped after failures") {
    SyncSchedule s;
    s.interval = 10min;
    s.jitter = 0.1;
    s.backoff_initial = 30s;
    s.backoff_max = 5min;
    FixedRandom low(0.0);
    FixedRandom mid(0.5);
    FixedRandom high(0.999999);
    CHECK(next_wait(s, 0, mid) == Clock::Duration(10min));
    CHECK(next_wait(s, 0, low) == Clock::Duration(9min));
    CHECK(std::chrono::duration<double>(next_wait(s, 0, high)).count() == doctest::Approx(660.0).epsilon(0.001));
    CHECK(next_wait(s, 1, mid) == Clock::Duration(30s));
    CHECK(next_wait(s, 2, mid) == Clock::Duration(60s));
    CHECK(next_wait(s, 4, mid) == Clock::Duration(240s));
    CHECK(next_wait(s, 5, mid) == Clock::Duration(5min));
    CHECK(next_wait(s, 60, mid) == Clock::Duration(5min));  // no overflow
    CHECK(next_wait(s, 3, low) == Clock::Duration(108s));   // 120 s - 10%
}

TEST_CASE("the loop: one tick at a time, waits between them, backs off, stops when told") {
    ManualClock clock;
    FixedRandom mid(0.5);
    SyncSchedule s;
    s.interval = 10min;
    s.backoff_initial = 30s;
    std::atomic<bool> stop{false};
    std::vector<bool> outcomes = {true, false, false, true, true};
    std::vector<Clock::Duration> waits;
    std::vector<Clock::TimePoint> starts;
    int running = 0;
    SyncLoopHooks hooks;
    hooks.tick = [&](int n) {
        CHECK(running == 0);  // never two ticks at once
        ++running;
        starts.push_back(clock.now());
        clock.advance(3s);  // the tick itself takes time: the wait starts when it ends
        --running;
        const bool ok = outcomes[static_cast<std::size_t>(n - 1)];
        if (n == static_cast<int>(outcomes.size())) {
            stop.store(true);
        }
        return ok;
    };
    hooks.waiting = [&](Clock::Duration wait, int) { waits.push_back(wait); };
    const SyncLoopResult r = run_sync_loop(hooks, s, clock, mid, stop, false, 1s);
    CHECK(r.ticks == 5);
    CHECK(r.failed == 2);
    CHECK(r.last_ok);
    CHECK(waits == std::vector<Clock::Duration>{10min, 30s, 60s, 10min});
    REQUIRE(starts.size() == 5);
    CHECK(starts[1] - starts[0] == Clock::Duration(10min + 3s));
    CHECK(starts[2] - starts[1] == Clock::Duration(30s + 3s));
    // Waits are slept in slices no longer than `poll`, so a stop is seen within it.
    for (const auto d : clock.sleeps()) {
        CHECK(d <= Clock::Duration(1s));
    }
}

TEST_CASE("the loop: a stop during the wait ends it before the next tick; --once runs one tick") {
    ManualClock clock;
    FixedRandom mid(0.5);
    SyncSchedule s;
    std::atomic<bool> stop{false};
    int ticks = 0;
    SyncLoopHooks hooks;
    hooks.tick = [&](int) {
        ++ticks;
        return true;
    };
    // A clock whose third sleep raises the stop flag, as a signal handler would.
    class StoppingClock final : public Clock {
    public:
        StoppingClock(ManualClock& inner, std::atomic<bool>& stop) : m_inner(inner), m_stop(stop) {}
        TimePoint now() const override { return m_inner.now(); }
        std::int64_t epoch_seconds() const override { return m_inner.epoch_seconds(); }
        void sleep_for(Duration d) override {
            m_inner.sleep_for(d);
            if (++m_sleeps == 3) {
                m_stop.store(true);
            }
        }

    private:
        ManualClock& m_inner;
        std::atomic<bool>& m_stop;
        int m_sleeps = 0;
    } stopping(clock, stop);
    const SyncLoopResult r = run_sync_loop(hooks, s, stopping, mid, stop, false, 200ms);
    CHECK(r.ticks == 1);
    CHECK(ticks == 1);
    CHECK(clock.slept() == Clock::Duration(600ms));

    std::atomic<bool> no_stop{false};
    const SyncLoopResult once = run_sync_loop(hooks, s, clock, mid, no_stop, true);
    CHECK(once.ticks == 1);
    CHECK(ticks == 2);

    std::atomic<bool> stopped{true};
    CHECK(run_sync_loop(hooks, s, clock, mid, stopped, false).ticks == 0);
}

TEST_CASE("drift attribution is rendered as 'changed by <caller> at <time> via <operation>' in text, markdown, JSON") {
    Plan plan;
    Change drifted = change(k_rg + "/providers/Microsoft.Storage/storageAccounts/st", "StorageAccount", Action::update);
    drifted.origin = Origin::drift;
    drifted.changed_by = Attribution{"alice@contoso.com", "2026-12-07T10:00:00Z", "Microsoft.Storage/storageAccounts/write"};
    Change pending = change(k_rg, "ResourceGroup", Action::update);
    pending.origin = Origin::pending;
    plan.changes = {pending, drifted};
    const std::string line = "changed by alice@contoso.com at 2026-12-07T10:00:00Z via Microsoft.Storage/storageAccounts/write";
    CHECK(attribution_text(*drifted.changed_by) == line);
    CHECK(attribution_text(Attribution{"", "", ""}) == "changed by an unknown caller");
    CHECK(attribution_text(Attribution{"app 1234", "", "write"}) == "changed by app 1234 via write");

    const std::string text = render_text(plan);
    const auto drift_at = text.find("Drift: 1 resource changed in Azure since converge last wrote it");
    const auto manifests_at = text.find("From the manifests");
    REQUIRE(drift_at != std::string::npos);
    REQUIRE(manifests_at != std::string::npos);
    CHECK(text.find(line) > drift_at);
    CHECK(text.find(line) < manifests_at);
    CHECK(text.find("ResourceGroup/rg") > manifests_at);  // drift first, though planned second
    CHECK(text.find("Plan: 0 to create, 2 to update, 0 to replace, 0 to delete. (1 drifted)") != std::string::npos);

    const std::string md = render_markdown(plan);
    CHECK(md.find("**Drift**: 1 resource changed in Azure") != std::string::npos);
    CHECK(md.find("- `StorageAccount/st`: tags.team (" + line + ")") != std::string::npos);

    const Json json = plan_to_json(plan);
    CHECK(json["changes"][0]["origin"] == "pending");
    CHECK(json["changes"][1]["origin"] == "drift");
    CHECK(json["changes"][1]["changed_by"]["caller"] == "alice@contoso.com");
    CHECK_FALSE(json["changes"][0].contains("changed_by"));
    std::string error;
    const auto back = plan_from_json(json, error);
    REQUIRE_MESSAGE(back, error);
    CHECK(back->changes[1].origin == Origin::drift);
    REQUIRE(back->changes[1].changed_by);
    CHECK(back->changes[1].changed_by->operation == "Microsoft.Storage/storageAccounts/write");

    // Without drift the text is what it always was: no section headers.
    Plan no_drift;
    no_drift.changes = {pending};
    CHECK(render_text(no_drift).find("Drift") == std::string::npos);
    CHECK(render_text(no_drift).find("From the manifests") == std::string::npos);
}

TEST_CASE("the applied digest: stable, blind to secrets and converge's records, stamped where the kind keeps tags") {
    Resource r;
    r.kind = find_kind("StorageAccount");
    REQUIRE(r.kind != nullptr);
    r.id = rid(k_rg + "/providers/Microsoft.Storage/storageAccounts/st");
    r.body = Json::parse(R"({"location":"westeurope","kind":"StorageV2","tags":{"team":"a","pw":"hunter2"}})");
    r.sensitive.insert("/tags/pw");
    const std::string d = applied::digest(r);
    CHECK(d.rfind("sha256:", 0) == 0);
    CHECK(d.size() == 7 + 16);
    CHECK(applied::digest(r) == d);

    Resource secret_changed = r;
    secret_changed.body["tags"]["pw"] = "another";
    CHECK(applied::digest(secret_changed) == d);  // secrets are the converge-secrets record's
    Resource recorded = r;
    recorded.body["tags"]["converge-applied"] = "sha256:0000000000000000";
    recorded.body["tags"]["converge-secrets"] = "pbkdf2-sha256:1:00:00";
    CHECK(applied::digest(recorded) == d);
    Resource changed = r;
    changed.body["tags"]["team"] = "b";
    CHECK(applied::digest(changed) != d);

    Json put = r.body;
    applied::stamp(put, r, true);
    CHECK(put["tags"]["converge-applied"] == d);
    REQUIRE(applied::recorded(put, *r.kind) != nullptr);
    CHECK(*applied::recorded(put, *r.kind) == d);
    Json patch = Json::parse(R"({"sku":{"name":"Standard_GRS"}})");
    applied::stamp(patch, r, false);  // a PATCH without tags leaves the recorded digest alone
    CHECK_FALSE(patch.contains("tags"));

    Resource model;
    model.kind = find_kind("Model");
    REQUIRE(model.kind != nullptr);
    model.body = Json::parse(R"({"properties":{"modelUri":"azureml://x","tags":{"a":"b"}}})");
    Json model_put = model.body;
    applied::stamp(model_put, model, true);
    CHECK(model_put["properties"]["tags"]["converge-applied"] == applied::digest(model));
    CHECK_FALSE(model_put.contains("tags"));
}

}  // TEST_SUITE
