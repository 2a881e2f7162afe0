// converge sync end to end against the in-process emulator (issue 16): a converged estate ticks
// with no write; a change made directly at the emulator is found and, in correct mode, corrected;
// a manifest change is found in detect mode and left alone; a replace waits for --allow replace;
// orphans are listed. Each scenario ends converged (apply, then an empty plan).
#include "e2e_fixture.hpp"

#include "converge/render.hpp"
#include "converge/sync.hpp"

#include <doctest/doctest.h>

using namespace converge;
using converge::testing::E2e;
using converge::testing::changes_of;
using converge::testing::require_converged;
using converge::testing::require_ok;

namespace {

const std::string k_config = R"(apiVersion: converge/v1
stack: sync-e2e
defaults:
  resourceGroup: rg-sync
  location: westeurope
)";

std::map<std::string, std::string> estate() {
    return {
        {"rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata: {name: rg-sync}\nspec: {}\n"},
        {"st.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata: {name: stsync}\n"
                    "spec: {kind: StorageV2, sku: {name: Standard_LRS}, tags: {team: data}}\n"},
        {"appi.yaml", "apiVersion: converge/v1\nkind: ApplicationInsights\nmetadata: {name: appi-sync}\n"
                      "spec: {kind: web, properties: {Application_Type: web}}\n"},
    };
}

DesiredSet load(E2e& e2e, const std::map<std::string, std::string>& files) {
    auto loaded = e2e.load(files, k_config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return std::move(loaded.desired);
}

SyncTickResult tick(E2e& e2e, const DesiredSet& desired, SyncMode mode, AllowedClasses allow = {},
                    PlanOptions plan = {}) {
    SyncTickOptions options;
    options.mode = mode;
    options.allow = allow;
    options.plan = plan;
    SyncTickResult r = sync_tick(desired, e2e.api(), options);
    REQUIRE_MESSAGE(r.error.empty(), (r.error + "\n" + r.diagnostics.to_string()));
    return r;
}

struct Estate {
    E2e e2e;
    std::string group;
    std::string storage;
    Estate() {
        group = "/subscriptions/" + e2e.subscription() + "/resourceGroups/rg-sync";
        storage = group + "/providers/Microsoft.Storage/storageAccounts/stsync";
        require_ok(e2e.apply(load(e2e, estate())));
        e2e.reset_counts();
    }
    // Someone changes the storage account's tag by hand, straight at "Azure", keeping converge's tags.
    void drift_tag() {
        auto body = e2e.api().get(storage, "2023-05-01");
        REQUIRE(body);
        Json put = {{"location", (*body)["location"]}, {"kind", "StorageV2"}, {"sku", {{"name", "Standard_LRS"}}}};
        put["tags"] = (*body)["tags"];
        put["tags"]["team"] = "someone-else";
        REQUIRE(e2e.client().put(storage, "2023-05-01", put));
        e2e.reset_counts();
    }
};

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("sync: a converged estate ticks with no write, in both modes") {
    Estate s;
    const DesiredSet desired = load(s.e2e, estate());
    for (const SyncMode mode : {SyncMode::detect, SyncMode::correct}) {
        const SyncTickResult r = tick(s.e2e, desired, mode);
        CHECK(r.ok());
        CHECK(r.differences() == 0);
        CHECK_FALSE(r.applied);
    }
    CHECK(s.e2e.writes() == 0);
    CHECK(s.e2e.emu().stats().total > 0);  // it did read
}

TEST_CASE("sync: a change made at Azure is reported in detect mode and corrected in correct mode") {
    Estate s;
    s.drift_tag();
    const DesiredSet desired = load(s.e2e, estate());
    const SyncTickResult seen = tick(s.e2e, desired, SyncMode::detect);
    CHECK(changes_of(seen.plan) == "update StorageAccount/stsync\n");
    CHECK(seen.count(DifferenceClass::drift) == 1);  // the manifests are as converge wrote them
    CHECK(seen.count(DifferenceClass::pending) == 0);
    const std::string text = render_text(seen.plan);
    CHECK(text.find("Drift: 1 resource changed in Azure since converge last wrote it") != std::string::npos);
    CHECK(text.find("\"someone-else\" -> \"data\"") != std::string::npos);
    CHECK(text.find("(1 drifted)") != std::string::npos);
    CHECK(plan_to_json(seen.plan)["changes"][0]["origin"] == "drift");
    CHECK(s.e2e.writes() == 0);  // detect never writes

    const SyncTickResult fixed = tick(s.e2e, desired, SyncMode::correct);
    REQUIRE(fixed.applied);
    require_ok(*fixed.applied);
    CHECK(fixed.corrected() == 1);
    CHECK(s.e2e.writes() == 1);
    s.e2e.reset_counts();
    const SyncTickResult after = tick(s.e2e, desired, SyncMode::correct);
    CHECK(after.differences() == 0);
    CHECK(s.e2e.writes() == 0);
    require_converged(s.e2e, desired);
}

TEST_CASE("sync: drift and a manifest change on two resources are told apart; a digest-less resource is unknown") {
    Estate s;
    s.drift_tag();
    // A resource written by an older converge (or by hand with converge's tags): no digest.
    const std::string appi = s.group + "/providers/Microsoft.Insights/components/appi-sync";
    auto body = s.e2e.api().get(appi, "2020-02-02");
    REQUIRE(body);
    Json put = {{"location", (*body)["location"]}, {"kind", "web"}, {"properties", {{"Application_Type", "web"}}}};
    put["tags"] = (*body)["tags"];
    put["tags"].erase("converge-applied");
    put["tags"]["extra"] = "x";
    REQUIRE(s.e2e.client().put(appi, "2020-02-02", put));
    auto files = estate();
    const DesiredSet desired = load(s.e2e, files);
    const SyncTickResult seen = tick(s.e2e, desired, SyncMode::detect);
    CHECK(seen.count(DifferenceClass::drift) == 1);
    CHECK(seen.count(DifferenceClass::unknown) == 1);
    const std::string text = render_text(seen.plan);
    const auto drift_at = text.find("Drift: 1 resource");
    const auto rest_at = text.find("From the manifests (changed since converge last wrote these, or not recorded):");
    REQUIRE(drift_at != std::string::npos);
    REQUIRE(rest_at != std::string::npos);
    CHECK(text.find("StorageAccount/stsync") < rest_at);
    CHECK(text.find("ApplicationInsights/appi-sync") > rest_at);
    // Written once by converge, the digest is there: the next difference is classified.
    const SyncTickResult fixed = tick(s.e2e, desired, SyncMode::correct);
    REQUIRE(fixed.applied);
    require_ok(*fixed.applied);
    require_converged(s.e2e, desired);
}

TEST_CASE("sync: unmanaged resources in the stack's group are listed with the stack that owns them") {
    Estate s;
    const std::string nobody = s.group + "/providers/Microsoft.Storage/storageAccounts/stnobody";
    const std::string other = s.group + "/providers/Microsoft.Storage/storageAccounts/stother";
    const Json plain = Json::parse(R"({"location":"westeurope","kind":"StorageV2","sku":{"name":"Standard_LRS"}})");
    REQUIRE(s.e2e.client().put(nobody, "2023-05-01", plain));
    Json tagged = plain;
    tagged["tags"] = {{"managed-by", "converge"}, {"converge-stack", "team-b"}};
    REQUIRE(s.e2e.client().put(other, "2023-05-01", tagged));
    s.e2e.reset_counts();
    const DesiredSet desired = load(s.e2e, estate());
    const SyncTickResult r = tick(s.e2e, desired, SyncMode::correct);
    CHECK(r.differences() == 0);
    REQUIRE(r.unmanaged.size() == 2);
    CHECK(r.unmanaged[0].id.name() == "stnobody");
    CHECK(r.unmanaged[0].other_stack.empty());
    CHECK(r.unmanaged[1].id.name() == "stother");
    CHECK(r.unmanaged[1].other_stack == "team-b");
    CHECK(s.e2e.writes() == 0);  // never touched
    require_converged(s.e2e, desired);
}

TEST_CASE("sync: a manifest change is found by detect and left alone; correct applies it") {
    Estate s;
    auto files = estate();
    testing::apply_edits(files, {{"team: data", "team: ml"}});
    const DesiredSet edited = load(s.e2e, files);
    const SyncTickResult seen = tick(s.e2e, edited, SyncMode::detect);
    CHECK(changes_of(seen.plan) == "update StorageAccount/stsync\n");
    CHECK(seen.count(DifferenceClass::pending) == 1);  // the manifests moved, not Azure
    CHECK(seen.count(DifferenceClass::drift) == 0);
    CHECK(render_text(seen.plan).find("Drift") == std::string::npos);
    CHECK(s.e2e.writes() == 0);
    const SyncTickResult fixed = tick(s.e2e, edited, SyncMode::correct);
    REQUIRE(fixed.applied);
    require_ok(*fixed.applied);
    require_converged(s.e2e, edited);
}

TEST_CASE("sync: a replace is not performed unless --allow replace; an update beside it is") {
    Estate s;
    auto files = estate();
    testing::apply_edits(files, {{"kind: web", "kind: other"}, {"team: data", "team: ml"}});
    const DesiredSet edited = load(s.e2e, files);
    const SyncTickResult held = tick(s.e2e, edited, SyncMode::correct);
    REQUIRE(held.held.size() == 1);
    CHECK(change_label(held.held[0].change) == "ApplicationInsights/appi-sync");
    CHECK(held.held[0].why == "replace is not allowed (--allow replace)");
    REQUIRE(held.applied);
    require_ok(*held.applied);
    CHECK(held.corrected() == 1);  // the tag update
    CHECK(s.e2e.writes() == 1);

    s.e2e.reset_counts();
    const SyncTickResult still = tick(s.e2e, edited, SyncMode::correct);
    CHECK(changes_of(still.plan) == "replace ApplicationInsights/appi-sync\n");
    CHECK(s.e2e.writes() == 0);

    AllowedClasses with_replace;
    with_replace.replace = true;
    const SyncTickResult replaced = tick(s.e2e, edited, SyncMode::correct, with_replace);
    CHECK(replaced.held.empty());
    REQUIRE(replaced.applied);
    require_ok(*replaced.applied);
    require_converged(s.e2e, edited);
}

TEST_CASE("sync: a resource that left the manifests is listed as an orphan; deleted only with --prune and delete") {
    Estate s;
    auto files = estate();
    files.erase("appi.yaml");
    const DesiredSet smaller = load(s.e2e, files);
    const SyncTickResult listed = tick(s.e2e, smaller, SyncMode::correct);
    CHECK(listed.differences() == 0);
    REQUIRE(listed.plan.orphans.size() == 1);
    CHECK(change_label(listed.plan.orphans[0]) == "ApplicationInsights/appi-sync");
    CHECK(s.e2e.writes() == 0);

    PlanOptions prune;
    prune.prune = true;
    const SyncTickResult not_allowed = tick(s.e2e, smaller, SyncMode::correct, AllowedClasses{}, prune);
    REQUIRE(not_allowed.held.size() == 1);
    CHECK(not_allowed.held[0].why == "delete is not allowed (--allow delete)");
    CHECK(s.e2e.writes() == 0);

    AllowedClasses with_delete;
    with_delete.remove = true;
    const SyncTickResult pruned = tick(s.e2e, smaller, SyncMode::correct, with_delete, prune);
    REQUIRE(pruned.applied);
    require_ok(*pruned.applied);
    CHECK(pruned.corrected() == 1);
    require_converged(s.e2e, smaller, prune);
}

TEST_CASE("sync: a stop flag set before the tick applies nothing") {
    Estate s;
    s.drift_tag();
    const DesiredSet desired = load(s.e2e, estate());
    std::atomic<bool> stop{true};
    SyncTickOptions options;
    options.mode = SyncMode::correct;
    options.apply.cancel = &stop;
    const SyncTickResult r = sync_tick(desired, s.e2e.api(), options);
    CHECK(r.interrupted);
    CHECK_FALSE(r.applied);
    CHECK(s.e2e.writes() == 0);
    require_ok(s.e2e.apply(desired));
    require_converged(s.e2e, desired);
}

}  // TEST_SUITE
