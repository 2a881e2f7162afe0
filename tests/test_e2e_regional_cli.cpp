// The 2020 Azure ML REST how-to's flow with converge commands only (docs/regional.md), through the
// `converge` binary and its embedded emulator: list groups and workspaces, discover, list
// experiments, start a run from a directory and follow it, read its logs, list v1 models, score
// with the key; the estate's plan is then empty. A project without its entry script sends nothing.
#include "cli_stack.hpp"

#include "converge/json.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>

using converge::Json;
using converge::testing::CliStack;
using converge::testing::Run;

namespace {

const std::string k_estate = std::string(CONVERGE_SOURCE_DIR) + "/manifests/mlops-endpoint";
const std::string k_ws = " -g rg-mlops-endpoint -w mlw-mlops-endpoint";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("e2e") {
    TEST_CASE("converge binary: the regional how-to flow end to end; plan empty; nothing sent for a bad project") {
        CliStack stack("e2e-regional");
        for (const auto& e : std::filesystem::directory_iterator(k_estate)) {
            stack.write(e.path().filename().string(), converge::testing::slurp(e.path()));
        }
        const auto project = stack.root() / "project";
        std::filesystem::create_directories(project / "lib");
        std::ofstream(project / "train.py") << "print('training')\n";
        std::ofstream(project / "lib" / "util.py") << "X = 1\n";
        std::ofstream(stack.root() / "run.json")
            << R"({"Configuration": {"Script": "train.py", "Arguments": [], "Framework": "Python", "Target": "cpu-cluster"}})";
        const std::string run_args =
            " --source " + project.string() + " --definition " + (stack.root() / "run.json").string();
        std::vector<Run> all;

        const auto applied = stack.converge("apply --auto-approve");
        REQUIRE_MESSAGE(applied.code == 0, (applied.out + applied.err));
        all.push_back(applied);

        const auto groups = stack.run("get resourcegroups");
        CHECK_MESSAGE(groups.code == 0, groups.err);
        CHECK(has(groups.out, "rg-mlops-endpoint"));
        const auto workspaces = stack.run("get workspaces");
        CHECK(workspaces.code == 0);
        CHECK(has(workspaces.out, "mlw-mlops-endpoint"));

        // Discovery from the workspace's discoveryUrl, then history/v1.0: nothing yet.
        const auto none = stack.run("-v get experiments" + k_ws);
        CHECK_MESSAGE(none.code == 0, none.err);
        CHECK(has(none.err, "No experiments found."));
        CHECK(has(none.err, "/discovery"));
        CHECK(has(none.err, "/history/v1.0/subscriptions/"));
        // The discovery document is cached in the emulator's state (its address changes per run).
        CHECK_FALSE(std::filesystem::is_empty(stack.state_dir() / "regional-cache"));

        // The workspace is the only one: -g/-w may be left out.
        const auto started = stack.run("run start --experiment churn-training" + run_args);
        REQUIRE_MESSAGE(started.code == 0, (started.out + started.err));
        std::smatch m;
        REQUIRE(std::regex_search(started.out, m, std::regex("Started run (churn-training_[0-9]+) in experiment "
                                                             "churn-training \\(2 files, entry script train.py\\)")));
        const std::string run_id = m[1];
        CHECK(has(started.out, "Run " + run_id + ": Completed (started "));
        CHECK(has(started.out, "No metrics logged."));
        all.push_back(started);

        const auto experiments = stack.run("get experiments -o json" + k_ws);
        REQUIRE(experiments.code == 0);
        const Json listed = Json::parse(experiments.out);
        REQUIRE(listed.size() == 1);
        CHECK(listed[0]["name"] == "churn-training");
        const auto runs = stack.run("get runs --experiment churn-training" + k_ws);
        CHECK(runs.code == 0);
        CHECK(std::regex_search(runs.out, std::regex(run_id + " +churn-training +Completed +cpu-cluster +train.py")));
        const auto one = stack.run("get runs " + run_id + " -o yaml");
        CHECK(one.code == 0);
        CHECK(has(one.out, "status: Completed"));

        const auto logs = stack.run("run logs " + run_id + k_ws);
        CHECK_MESSAGE(logs.code == 0, logs.err);
        CHECK(has(logs.out, "Starting: python train.py"));
        CHECK(has(logs.out, "Run completed"));
        const auto no_run = stack.run("run logs churn-training_1 --experiment churn-training" + k_ws);
        CHECK(no_run.code == 1);
        CHECK(has(no_run.err, "run churn-training_1 of experiment churn-training"));

        const auto models = stack.run("get models --api v1 -o json" + k_ws);
        CHECK_MESSAGE(models.code == 0, models.err);
        CHECK(Json::parse(models.out) == Json::array());
        const auto arm_models = stack.run("get models" + k_ws);  // the ARM assets of the estate
        CHECK(arm_models.code == 0);
        CHECK(has(arm_models.out, "churn"));

        std::ofstream(stack.root() / "request.json") << R"({"data": [[1, 2], [3, 4]]})";
        const auto scored = stack.converge("score churn-endpoint --data " + (stack.root() / "request.json").string());
        CHECK_MESSAGE(scored.code == 0, scored.err);
        CHECK(Json::parse(scored.out) == Json::parse("[3, 7]"));
        all.push_back(scored);

        // A project without its entry script: a clear error, and no request at all (-v prints none).
        std::filesystem::remove(project / "train.py");
        const auto bad = stack.run("-v run start --experiment churn-training" + run_args + k_ws);
        CHECK(bad.code == 1);
        CHECK_MESSAGE(has(bad.err, "run.json:1:20: error: the entry script train.py is not at the root of " +
                                       project.string() + " (it has no .py file at its root); nothing was sent"),
                      bad.err);
        CHECK_FALSE(has(bad.err, "GET "));
        CHECK_FALSE(has(bad.err, "POST "));
        const auto still = stack.run("get runs -o json" + k_ws);
        CHECK(Json::parse(still.out).size() == 1);

        const auto plan = stack.converge("plan --detailed-exitcode");
        CHECK_MESSAGE(plan.code == 0, (plan.out + plan.err));
        for (const auto& r : all) {
            CHECK_FALSE(has(r.out + r.err, "primaryKey"));
            CHECK_FALSE(has(r.out + r.err, "Bearer"));
        }
    }
}
