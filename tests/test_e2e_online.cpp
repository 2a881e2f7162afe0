// End-to-end: manifests/mlops-endpoint (a workspace, two model versions, an online endpoint with
// blue/green deployments, a traffic split and a smoke test) against the emulator, through the
// library and through the `converge` binary (`converge score`).
#include "cli_stack.hpp"
#include "e2e_fixture.hpp"

#include "converge/render.hpp"
#include "converge/score.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace converge;
using converge::testing::E2e;

namespace {

const std::string k_estate = std::string(CONVERGE_SOURCE_DIR) + "/manifests/mlops-endpoint";
const std::string k_split_90_10 = "blue: 90\n      green: 10";
const std::string k_split_100_0 = "blue: 100\n      green: 0";

// The estate's manifests by name, converge.yaml apart.
std::map<std::string, std::string> estate_files(std::string& config) {
    std::map<std::string, std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(k_estate)) {
        const std::string name = e.path().filename().string();
        (name == "converge.yaml" ? config : files[name]) = converge::testing::slurp(e.path());
    }
    return files;
}

DesiredSet load(E2e& e2e, const converge::testing::Edits& edits) {
    std::string config;
    auto files = estate_files(config);
    converge::testing::apply_edits(files, edits);
    auto loaded = e2e.load(files, config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return loaded.desired;
}

const Resource& endpoint_of(const DesiredSet& desired) {
    for (const auto& r : desired.resources) {
        if (r.kind->name == "OnlineEndpoint") {
            return r;
        }
    }
    FAIL("no OnlineEndpoint");
    return desired.resources.front();
}

std::string failures(const ApplyResult& result) {
    std::string out;
    for (const auto& s : result.steps) {
        out += s.status == StepStatus::succeeded ? "" : resource_label(s.kind, s.id) + ": " + s.message + "\n";
    }
    return out;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("online endpoint: blue/green 100/0 applies; 90/10 is one in-place update; scoring routes by traffic") {
    E2e e2e;
    const DesiredSet first = load(e2e, {{k_split_90_10, k_split_100_0}});
    const auto applied = e2e.apply(first);
    REQUIRE_MESSAGE(applied.ok(), failures(applied));
    converge::testing::require_converged(e2e, first);

    const Resource& ep = endpoint_of(first);
    auto answer = score_endpoint(e2e.api(), {ep.id, ep.api_version, "", R"({"data": [[1, 2], [3, 4]]})"});
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(Json::parse(answer->body) == Json::parse("[3, 7]"));

    const DesiredSet split = load(e2e, {});
    const auto planned = e2e.plan(split);
    CHECK(converge::testing::changes_of(planned.plan) == "update OnlineEndpoint/churn-endpoint\n");
    const auto before = e2e.emu().stats();
    const auto result = e2e.apply(split);
    REQUIRE_MESSAGE(result.ok(), failures(result));
    const auto after = e2e.emu().stats();
    CHECK(after.by_method.at("PUT") - before.by_method.at("PUT") == 1);
    CHECK(after.by_method.count("PATCH") == before.by_method.count("PATCH"));
    REQUIRE(result.steps.size() == 2);  // the update, then the smoke test
    CHECK(result.steps[1].kind == k_smoke_test_kind);
    converge::testing::require_converged(e2e, split);

    // --deployment: the azureml-model-deployment header picks green, whatever the traffic.
    answer = score_endpoint(e2e.api(), {ep.id, ep.api_version, "green", R"({"data": [5]})"});
    REQUIRE(answer);
    CHECK(answer->status == 200);
    answer = score_endpoint(e2e.api(), {ep.id, ep.api_version, "purple", R"({"data": [5]})"});
    REQUIRE(answer);
    CHECK(answer->status == 404);
}

TEST_CASE("online endpoint: a new model version flows to a deployment, then the traffic moves to it") {
    E2e e2e;
    const DesiredSet first = load(e2e, {{k_split_90_10, k_split_100_0}});
    const auto applied = e2e.apply(first);
    REQUIRE_MESSAGE(applied.ok(), failures(applied));
    // blue gets model version 2 and all the traffic goes to green: the deployment's write, then
    // the traffic, then the smoke test.
    const DesiredSet moved = load(e2e, {{k_split_90_10, "blue: 0\n      green: 100"}, {"churn@1}", "churn@2}"}});
    const auto planned = e2e.plan(moved);
    CHECK(converge::testing::changes_of(planned.plan) ==
          "update OnlineEndpoint/churn-endpoint\nupdate OnlineDeployment/blue\n");
    const auto result = e2e.apply(moved);
    REQUIRE_MESSAGE(result.ok(), failures(result));
    converge::testing::require_converged(e2e, moved);
}

TEST_CASE("online endpoint: a failing smoke test fails the apply, naming what differed; the plan is then empty") {
    E2e e2e;
    const DesiredSet desired = load(e2e, {{"expectedValue: 7", "expectedValue: 8"}});
    const auto result = e2e.apply(desired);
    CHECK_FALSE(result.ok());
    const std::string failed = failures(result);
    CHECK_MESSAGE(failed.find("SmokeTest/churn-endpoint: ") != std::string::npos, failed);
    CHECK_MESSAGE(failed.find("smoke test of OnlineEndpoint/churn-endpoint failed: $[1] is 7, expected 8") !=
                      std::string::npos,
                  failed);
    CHECK(result.count(StepStatus::failed) == 1);
    converge::testing::require_converged(e2e, desired);
}

TEST_CASE("online endpoint: destroy deletes the endpoint while a deployment still takes traffic") {
    E2e e2e;
    const DesiredSet desired = load(e2e, {});
    REQUIRE(e2e.apply(desired).ok());
    PlanOptions destroy;
    destroy.destroy = true;
    const auto result = e2e.apply(desired, destroy);
    CHECK_MESSAGE(result.ok(), failures(result));
    CHECK_FALSE(e2e.plan(desired, destroy).plan.has_changes());
}

TEST_CASE("converge binary: apply the endpoint estate, plan empty, score it; keys are never printed") {
    converge::testing::CliStack stack("e2e-online");
    for (const auto& e : std::filesystem::directory_iterator(k_estate)) {
        stack.write(e.path().filename().string(), converge::testing::slurp(e.path()));
    }
    const auto applied = stack.converge("apply --auto-approve");
    REQUIRE_MESSAGE(applied.code == 0, (applied.out + applied.err));
    CHECK(applied.out.find("Smoke test: OnlineEndpoint/churn-endpoint is scored after apply (expects HTTP 200 and a "
                           "value at $[1]).") != std::string::npos);
    // its progress lines say what the step is, not "update"
    CHECK_MESSAGE(applied.out.find("SmokeTest/churn-endpoint smoke test: ") != std::string::npos, applied.out);
    CHECK(applied.out.find("SmokeTest/churn-endpoint update") == std::string::npos);
    const auto plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
    CHECK(plan.out.find("Smoke test") == std::string::npos);

    std::ofstream(stack.root() / "request.json") << R"({"data": [[1, 2], [3, 4]]})";
    const std::string data = " --data " + (stack.root() / "request.json").string();
    const auto scored = stack.converge("-v score churn-endpoint" + data);
    CHECK_MESSAGE(scored.code == 0, scored.err);
    CHECK(Json::parse(scored.out) == Json::parse("[3, 7]"));
    CHECK(scored.err.find("listKeys") != std::string::npos);
    const auto green = stack.run("score churn-endpoint -g rg-mlops-endpoint -w mlw-mlops-endpoint --deployment green" + data);
    CHECK_MESSAGE(green.code == 0, green.err);
    const auto missing = stack.converge("score churn-endpoint --deployment purple" + data);
    CHECK(missing.code != 0);
    CHECK(missing.out.find("purple") != std::string::npos);
    CHECK(missing.err.find("answered HTTP 404") != std::string::npos);
    const auto unknown = stack.converge("score nope" + data);
    CHECK(unknown.code != 0);
    CHECK(unknown.err.find("no OnlineEndpoint \"nope\" in the stack's manifests (it has churn-endpoint)") !=
          std::string::npos);
    for (const auto* run : {&applied, &scored, &green, &missing}) {
        CHECK(run->out.find("primaryKey") == std::string::npos);
        CHECK(run->err.find("primaryKey") == std::string::npos);
        CHECK(run->err.find("Bearer") == std::string::npos);
    }
}

}  // TEST_SUITE
