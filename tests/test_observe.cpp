#include "converge/observe.hpp"
#include "converge/ownership.hpp"

#include "fake_arm.hpp"

#include <doctest/doctest.h>

using namespace converge;
using converge::testing::FakeArm;

namespace {

const std::string k_sub = "00000000-0000-0000-0000-000000000001";
const ResourceId k_rg = ResourceId::for_resource_group(k_sub, "rg");
const ResourceId k_ws = ResourceId::for_resource(k_sub, "rg", "Microsoft.MachineLearningServices/workspaces", "ws");
const ResourceId k_sa = ResourceId::for_resource(k_sub, "rg", "Microsoft.Storage/storageAccounts", "sa");

Resource resource(const char* kind, const ResourceId& id) {
    Resource r;
    r.kind = find_kind(kind);
    r.id = id;
    r.api_version = std::string(r.kind->api_version);
    return r;
}

Json tagged(const std::string& stack) { return Json{{"tags", ownership::tags(stack)}}; }

// rg, sa, ws and computes c0..c{n-1} desired; everything but c{n-1} exists.
DesiredSet stack_with_computes(FakeArm& arm, int n) {
    DesiredSet d;
    d.stack = "demo";
    d.resources = {resource("ResourceGroup", k_rg), resource("StorageAccount", k_sa), resource("Workspace", k_ws)};
    arm.seed(k_rg.str(), tagged("demo"));
    arm.seed(k_sa.str(), tagged("demo"));
    arm.seed(k_ws.str(), tagged("demo"));
    for (int i = 0; i < n; ++i) {
        const ResourceId c = k_ws.child("computes", "c" + std::to_string(i));
        d.resources.push_back(resource("Compute", c));
        if (i + 1 < n) {
            arm.seed(c.str(), tagged("demo"));
        }
    }
    return d;
}

}  // namespace

TEST_SUITE("observe") {

TEST_CASE("list mode reads each collection once, whatever the number of resources") {
    FakeArm arm;
    const DesiredSet d = stack_with_computes(arm, 5);
    const auto state = observe(d, arm, {});
    REQUIRE(state);
    CHECK(arm.log.size() == 4);  // groups, storage accounts, workspaces, computes
    CHECK(arm.count("LIST ") == 4);
    CHECK(arm.writes() == 0);
    CHECK(state->find(k_ws) != nullptr);
    CHECK(state->find(k_ws.child("computes", "c3")) != nullptr);
    CHECK(state->find(k_ws.child("computes", "c4")) == nullptr);
}

TEST_CASE("the collections holding the most desired resources are listed first") {
    FakeArm arm;
    DesiredSet d = stack_with_computes(arm, 3);
    const ResourceId model = k_ws.child("models", "m");
    for (int i = 0; i < 5; ++i) {
        d.resources.push_back(resource("Model", model.child("versions", std::to_string(i))));
    }
    ObserveOptions one_at_a_time;
    one_at_a_time.parallelism = 1;
    REQUIRE(observe(d, arm, one_at_a_time));
    REQUIRE(arm.log.size() == 5);
    CHECK(arm.log[0].find(model.str() + "/versions") != std::string::npos);  // 5 versions
    CHECK(arm.log[1].find(k_ws.str() + "/computes") != std::string::npos);   // 3 computes
}

TEST_CASE("per-resource mode does one GET per resource") {
    FakeArm arm;
    const DesiredSet d = stack_with_computes(arm, 5);
    ObserveOptions options;
    options.mode = RefreshMode::per_resource;
    const auto state = observe(d, arm, options);
    REQUIRE(state);
    CHECK(arm.count("GET ") == 8);
    CHECK(arm.log.size() == 8);
    CHECK(state->resources.size() == 7);
}

TEST_CASE("a list under a missing parent means absent, not an error") {
    FakeArm arm;
    DesiredSet d;
    d.resources = {resource("Workspace", k_ws), resource("Compute", k_ws.child("computes", "cpu"))};
    const auto state = observe(d, arm, {});
    REQUIRE(state);
    CHECK(state->resources.empty());
}

TEST_CASE("a forbidden list is an error") {
    FakeArm arm;
    DesiredSet d;
    d.resources = {resource("Workspace", k_ws)};
    arm.fail_once["LIST " + collection_path(k_ws)] = make_api_error("AuthorizationFailed", "no", 403);
    const auto state = observe(d, arm, {});
    REQUIRE_FALSE(state);
    CHECK(state.error().code == "AuthorizationFailed");
}

TEST_CASE("orphans tagged with the stack are found in the stack's groups and workspaces") {
    FakeArm arm;
    const DesiredSet d = stack_with_computes(arm, 1);
    const ResourceId orphan = k_ws.child("computes", "old");
    const ResourceId foreign = k_ws.child("computes", "theirs");
    const ResourceId old_model = k_ws.child("models", "m").child("versions", "1");
    const ResourceId kv = ResourceId::for_resource(k_sub, "rg", "Microsoft.KeyVault/vaults", "kv");
    arm.seed(orphan.str(), tagged("demo"));
    arm.seed(foreign.str(), tagged("other"));
    arm.seed(old_model.parent().str(), Json::object());
    arm.seed(old_model.str(), {{"properties", {{"tags", ownership::tags("demo")}}}});
    arm.seed(kv.str(), tagged("demo"));
    ObserveOptions options;
    options.find_orphans = true;
    const auto state = observe(d, arm, options);
    REQUIRE(state);
    const KindInfo& compute = *find_kind("Compute");
    CHECK(ownership::owned(*state->find(orphan), "demo", compute));
    CHECK_FALSE(ownership::owned(*state->find(foreign), "demo", compute));
    CHECK(ownership::owned(*state->find(old_model), "demo", *find_kind("Model")));
    CHECK(ownership::owned(*state->find(kv), "demo", *find_kind("KeyVault")));
    CHECK(arm.writes() == 0);
}

TEST_CASE("a group tagged with the stack's name but not managed-by converge is not searched for orphans") {
    FakeArm arm;
    DesiredSet d;
    d.stack = "demo";
    d.resources.push_back(resource("ResourceGroup", k_rg));
    const ResourceId half = ResourceId::for_resource_group(k_sub, "half");
    const ResourceId whole = ResourceId::for_resource_group(k_sub, "whole");
    arm.seed(k_rg.str(), tagged("demo"));
    arm.seed(half.str(), Json{{"tags", {{"converge-stack", "demo"}}}});
    arm.seed(whole.str(), tagged("demo"));
    const ResourceId kv_half = ResourceId::for_resource(k_sub, "half", "Microsoft.KeyVault/vaults", "kvh");
    const ResourceId kv_whole = ResourceId::for_resource(k_sub, "whole", "Microsoft.KeyVault/vaults", "kvw");
    arm.seed(kv_half.str(), tagged("demo"));
    arm.seed(kv_whole.str(), tagged("demo"));
    ObserveOptions options;
    options.find_orphans = true;
    const auto state = observe(d, arm, options);
    REQUIRE(state);
    CHECK(state->find(kv_whole) != nullptr);
    CHECK(state->find(kv_half) == nullptr);
}

TEST_CASE("a type in several groups is listed once for the subscription, other groups' members dropped") {
    FakeArm arm;
    DesiredSet d;
    for (const char* g : {"a", "b"}) {
        const ResourceId sa = ResourceId::for_resource(k_sub, g, "Microsoft.Storage/storageAccounts", std::string("sa") + g);
        d.resources.push_back(resource("StorageAccount", sa));
        arm.seed(sa.str(), tagged("demo"));
    }
    const ResourceId foreign = ResourceId::for_resource(k_sub, "x", "Microsoft.Storage/storageAccounts", "theirs");
    arm.seed(foreign.str(), tagged("other"));
    const auto state = observe(d, arm, {});
    REQUIRE(state);
    CHECK(arm.log == std::vector<std::string>{"LIST /subscriptions/" + k_sub + "/providers/Microsoft.Storage/storageAccounts"});
    CHECK(state->resources.size() == 2);
    CHECK(state->find(d.resources[1].id) != nullptr);
    CHECK(state->find(foreign) == nullptr);
}

TEST_CASE("a forbidden subscription-wide list falls back to one list per group") {
    FakeArm arm;
    DesiredSet d;
    for (const char* g : {"a", "b"}) {
        const ResourceId ws = ResourceId::for_resource(k_sub, g, "Microsoft.MachineLearningServices/workspaces", "ws");
        d.resources.push_back(resource("Workspace", ws));
        arm.seed(ws.str(), tagged("demo"));
    }
    const std::string wide = "/subscriptions/" + k_sub + "/providers/Microsoft.MachineLearningServices/workspaces";
    arm.fail_once["LIST " + wide] = make_api_error("AuthorizationFailed", "no", 403);
    const auto state = observe(d, arm, {});
    REQUIRE(state);
    CHECK(arm.log.size() == 3);
    CHECK(arm.count("LIST " + collection_path(d.resources[0].id)) == 1);
    CHECK(arm.count("LIST " + collection_path(d.resources[1].id)) == 1);
    CHECK(state->resources.size() == 2);
}

TEST_CASE("orphans in a group found later come from the subscription-wide list already read") {
    FakeArm arm;
    DesiredSet d;
    d.stack = "demo";
    for (const char* g : {"a", "b"}) {
        d.resources.push_back(resource("ResourceGroup", ResourceId::for_resource_group(k_sub, g)));
        d.resources.push_back(
            resource("KeyVault", ResourceId::for_resource(k_sub, g, "Microsoft.KeyVault/vaults", std::string("kv") + g)));
        arm.seed(d.resources.back().id.str(), tagged("demo"));
    }
    const ResourceId old_group = ResourceId::for_resource_group(k_sub, "c");
    const ResourceId old_kv = ResourceId::for_resource(k_sub, "c", "Microsoft.KeyVault/vaults", "kvc");
    arm.seed(old_group.str(), tagged("demo"));
    arm.seed(old_kv.str(), tagged("demo"));
    ObserveOptions options;
    options.find_orphans = true;
    const auto state = observe(d, arm, options);
    REQUIRE(state);
    CHECK(state->find(old_kv) != nullptr);
    CHECK(arm.count("LIST /subscriptions/" + k_sub + "/providers/Microsoft.KeyVault/vaults") == 1);
    CHECK(arm.count("LIST " + collection_path(old_kv)) == 0);
    CHECK(arm.writes() == 0);
}

}  // TEST_SUITE
