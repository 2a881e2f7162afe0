// End-to-end, through the converge binary (issue 18's proof): one estate with a workspace, a
// compute cluster, an environment, a model uploaded from a local directory, an online endpoint
// with two deployments and a 90/10 traffic split, a smoke test and a training job
// (manifests/mlops-endpoint + manifests/mlops-training's training file + a local model).
// apply converges and the plan is empty; a second apply uploads and submits nothing (no write at
// all); a traffic change is one in-place update; a new model version flows to a deployment.
#include "cli_stack.hpp"

#include <nlohmann/json.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

using converge::testing::CliStack;
using converge::testing::Run;
using converge::testing::slurp;
using Json = nlohmann::json;

namespace {

const std::string k_manifests = std::string(CONVERGE_SOURCE_DIR) + "/manifests";

// A model version whose files are on disk (docs/model-upload.md).
const char* const k_local_model = R"(apiVersion: converge/v1
kind: Model
metadata:
  name: churn
  version: 3
spec:
  path: model-files
  properties:
    description: Churn classifier, trained on this machine
    modelType: custom_model
)";

void replace_in(const std::filesystem::path& file, const std::string& from, const std::string& to) {
    std::string text = slurp(file);
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    text.replace(at, from.size(), to);
    std::ofstream(file) << text;
}

// Every write request a -v run logged: its lines are "METHOD path -> status (n ms...)". POST
// actions are left out: listKeys and the token are reads that POST, sent only by a smoke test.
std::size_t writes_logged(const std::string& err) {
    std::size_t n = 0;
    for (std::size_t at = 0; at < err.size();) {
        const std::size_t end = std::min(err.find('\n', at), err.size());
        const std::string line = err.substr(at, end - at);
        for (const char* method : {"PUT ", "PATCH ", "DELETE "}) {
            n += line.rfind(method, 0) == 0 ? 1 : 0;
        }
        at = end + 1;
    }
    return n;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("converge binary: workspace, compute, environment, uploaded model, endpoint 90/10 with smoke test, job") {
    CliStack stack("e2e-mlops-full");
    for (const auto& e : std::filesystem::directory_iterator(k_manifests + "/mlops-endpoint")) {
        stack.write(e.path().filename().string(), slurp(e.path()));
    }
    stack.write("30-training.yaml", slurp(k_manifests + "/mlops-training/10-training.yaml"));
    std::filesystem::create_directories(stack.stack_dir() / "src");
    stack.write("src/train.py", slurp(k_manifests + "/mlops-training/src/train.py"));
    stack.write("15-local-model.yaml", k_local_model);
    std::filesystem::create_directories(stack.stack_dir() / "model-files");
    stack.write("model-files/model.pkl", std::string(4096, 'm'));
    stack.write("model-files/MLmodel", "flavors:\n  python_function: {}\n");

    const Run applied = stack.converge("apply --auto-approve");
    REQUIRE_MESSAGE(applied.code == 0, (applied.out + applied.err));
    CHECK_MESSAGE(applied.out.find("SmokeTest/churn-endpoint smoke test: ") != std::string::npos, applied.out);
    CHECK_MESSAGE(applied.out.find(": Completed") != std::string::npos, applied.out);  // the job, followed
    const Run plan = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));

    // A second apply: nothing uploaded, nothing submitted, nothing written.
    const Run second = stack.converge("-v apply --auto-approve");
    CHECK_MESSAGE(second.code == 0, (second.out + second.err));
    CHECK_MESSAGE(writes_logged(second.err) == 0, second.err);
    CHECK(second.err.find("GET ") != std::string::npos);  // -v did log the reads

    // The traffic moves: one in-place update of the endpoint, nothing else.
    replace_in(stack.stack_dir() / "20-endpoint.yaml", "blue: 90\n      green: 10", "blue: 10\n      green: 90");
    const Run moved = stack.converge("plan --detailed-exitcode --format json");
    CHECK(moved.code == 2);
    const Json moved_plan = Json::parse(moved.out);
    REQUIRE(moved_plan.at("changes").size() == 1);
    CHECK(moved_plan["changes"][0]["kind"] == "OnlineEndpoint");
    CHECK(moved_plan["changes"][0]["action"] == "update");
    const Run traffic = stack.converge("-v apply --auto-approve");
    REQUIRE_MESSAGE(traffic.code == 0, (traffic.out + traffic.err));
    CHECK_MESSAGE(writes_logged(traffic.err) == 1, traffic.err);  // the endpoint's PUT

    // A new model version (the uploaded one) flows to green: one deployment update.
    replace_in(stack.stack_dir() / "20-endpoint.yaml", "model: ${ref:Model/churn@2}", "model: ${ref:Model/churn@3}");
    const Run flowed = stack.converge("plan --detailed-exitcode --format json");
    CHECK(flowed.code == 2);
    const Json flowed_plan = Json::parse(flowed.out);
    REQUIRE(flowed_plan.at("changes").size() == 1);
    CHECK(flowed_plan["changes"][0]["kind"] == "OnlineDeployment");
    CHECK(flowed_plan["changes"][0]["action"] == "update");
    const Run rolled = stack.converge("apply --auto-approve");
    REQUIRE_MESSAGE(rolled.code == 0, (rolled.out + rolled.err));
    CHECK_MESSAGE(rolled.out.find("SmokeTest/churn-endpoint smoke test: ") != std::string::npos, rolled.out);

    const Run last = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(last.code == 0, (last.out + last.err));
    for (const Run* run : {&applied, &second, &traffic, &rolled}) {
        CHECK(run->out.find("primaryKey") == std::string::npos);
        CHECK(run->err.find("primaryKey") == std::string::npos);
    }
}

}  // TEST_SUITE
