// The regional Azure ML API (docs/regional.md): the run project (definition, entry script, zip),
// the client against the emulator (discovery and its cache, startrun multipart, following a run,
// metrics, logs, v1 models), and the how-to's flow through the `converge` binary only.
#include "cli_stack.hpp"
#include "e2e_fixture.hpp"

#include "converge/regional.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

using namespace converge;
using converge::testing::E2e;
using converge::testing::workspace_manifests;

namespace fs = std::filesystem;

namespace {

const std::string k_config = "apiVersion: converge/v1\nstack: regional\ndefaults:\n  resourceGroup: rg-reg\n"
                             "  location: westeurope\n  workspace: ws-reg\n";

const std::string k_estate = workspace_manifests("reg");

const std::string k_definition =
    R"({"Configuration": {"Script": "train.py", "Arguments": ["--epochs", "2"], "Framework": "Python",
  "Target": "cpu-cluster", "NodeCount": 1, "History": {"OutputCollection": true}}})";

/// A temporary directory: a project (train.py at its root, a module below) and its definition.
struct Project {
    fs::path root;

    Project() {
        std::string templ = (fs::temp_directory_path() / "converge-run-XXXXXX").string();
        REQUIRE(::mkdtemp(templ.data()) != nullptr);
        root = templ;
        fs::create_directories(root / "src" / "lib");
        write("src/train.py", "print('training')\n");
        write("src/lib/util.py", "def helper():\n    return 1\n");
        write("definition.json", k_definition);
    }
    ~Project() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    void write(const std::string& name, const std::string& content) const {
        std::ofstream(root / name, std::ios::binary) << content;
    }
    fs::path source() const { return root / "src"; }
    fs::path definition() const { return root / "definition.json"; }
};

emulator::Options slow_runs() {
    auto options = converge::testing::fast_emulator();
    options.durations["Microsoft.MachineLearningServices/workspaces/runs"] = std::chrono::milliseconds(900);
    return options;
}

RegionalWorkspace workspace_of(E2e& e2e) { return {e2e.subscription(), "rg-reg", "ws-reg"}; }

void apply_estate(E2e& e2e) {
    auto loaded = e2e.load({{"estate.yaml", k_estate}}, k_config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    converge::testing::require_ok(e2e.apply(loaded.desired));
}

}  // namespace

TEST_SUITE("regional") {
    TEST_CASE("run project: the definition and the entry script are checked before anything is zipped") {
        Project p;
        auto packed = pack_run_project(p.source(), p.definition());
        REQUIRE_MESSAGE(packed, packed.error());
        CHECK(packed->script == "train.py");
        CHECK(packed->files == 2);
        CHECK(packed->definition == k_definition);
        REQUIRE(packed->zip.size() > 22);
        CHECK(packed->zip.substr(0, 4) == std::string("PK\x03\x04", 4));
        CHECK(packed->zip.find("lib/util.py") != std::string::npos);  // names are stored as written

        p.write("missing.json", R"({"Configuration": {"Target": "cpu",
  "Script": "main.py"}})");
        auto missing = pack_run_project(p.source(), p.root / "missing.json");
        REQUIRE_FALSE(missing);
        CHECK_MESSAGE(missing.error() == (p.root / "missing.json").string() +
                                             ":2:3: error: the entry script main.py is not at the root of " +
                                             p.source().string() + " (its root has train.py); nothing was sent",
                      missing.error());

        p.write("nested.json", R"({"Configuration": {"Script": "lib/util.py"}})");
        auto nested = pack_run_project(p.source(), p.root / "nested.json");
        REQUIRE_FALSE(nested);
        CHECK(nested.error().find("must be a file at the root of the project") != std::string::npos);

        p.write("broken.json", "{\"Configuration\":\n  {\"Script\": }");
        auto broken = pack_run_project(p.source(), p.root / "broken.json");
        REQUIRE_FALSE(broken);
        CHECK_MESSAGE(broken.error().starts_with((p.root / "broken.json").string() + ":2:14: error: the run definition is "
                                                                                     "not JSON"),
                      broken.error());

        p.write("noscript.json", R"({"Configuration": {"Target": "cpu"}})");
        auto noscript = pack_run_project(p.source(), p.root / "noscript.json");
        REQUIRE_FALSE(noscript);
        CHECK(noscript.error().find(":1:1: error: the run definition needs Configuration.Script") != std::string::npos);
    }

    TEST_CASE("regional client: discovery cached on disk, startrun, a run followed through its states, metrics, logs") {
        E2e e2e(slow_runs());
        apply_estate(e2e);
        Project p;
        const fs::path cache = p.root / "cache";
        RegionalClient regional(e2e.client(), workspace_of(e2e), {cache});
        auto endpoints = regional.discover();
        REQUIRE_MESSAGE(endpoints, endpoints.error().to_string());
        CHECK_FALSE(endpoints->from_cache);
        CHECK(endpoints->base("history") == e2e.emu().base_url());
        CHECK(std::distance(fs::directory_iterator(cache), fs::directory_iterator()) == 1);

        // A second client reads the cache: no workspace GET, no discovery call.
        RegionalClient again(e2e.client(), workspace_of(e2e), {cache});
        const auto reads = e2e.client().stats().reads;
        auto cached = again.discover();
        REQUIRE(cached);
        CHECK(cached->from_cache);
        CHECK(e2e.client().stats().reads == reads);
        // An expired entry is fetched again.
        RegionalClient expired(e2e.client(), workspace_of(e2e), {cache, std::chrono::seconds(-1)});
        REQUIRE(expired.discover());
        CHECK_FALSE(expired.discover()->from_cache);

        auto none = regional.experiments();
        REQUIRE(none);
        CHECK(none->empty());

        auto project = pack_run_project(p.source(), p.definition());
        REQUIRE(project);
        auto run_id = regional.start_run("churn-training", project->zip, project->definition);
        REQUIRE_MESSAGE(run_id, run_id.error().to_string());
        CHECK(std::regex_match(*run_id, std::regex("churn-training_[0-9]+")));

        // While it runs, the script's SDK logs metrics (the emulator runs no script: the test does).
        std::vector<std::string> seen;
        bool posted = false;
        auto final = regional.follow_run("churn-training", *run_id, std::chrono::milliseconds(50), [&](const RunUpdate& u) {
            seen.push_back(u.status);
            if (u.status == "Running" && !posted) {
                const std::string url = e2e.emu().base_url() + "/history/v1.0" + workspace_of(e2e).arm_id() +
                                        "/experiments/churn-training/runs/" + *run_id + "/batch/metrics";
                const Json values = {{"values", {{{"name", "accuracy"}, {"value", 0.91}}, {{"name", "loss"}, {"value", 0.2}, {"step", 2}}}}};
                auto answer = e2e.client().send("POST", url, "2019-11-01", values.dump());
                REQUIRE(answer);
                CHECK(answer->status == 200);
                posted = true;
            }
        });
        REQUIRE_MESSAGE(final, final.error().to_string());
        CHECK(seen == std::vector<std::string>{"Queued", "Running", "Completed"});
        CHECK((*final)["status"] == "Completed");
        auto metrics = regional.metrics("churn-training", *run_id);
        REQUIRE(metrics);
        REQUIRE(metrics->size() == 2);
        CHECK((*metrics)[0]["name"] == "accuracy");
        CHECK((*metrics)[0]["value"] == 0.91);

        auto logs = regional.logs(*run_id);
        REQUIRE_MESSAGE(logs, logs.error().to_string());
        REQUIRE(logs->size() == 1);
        CHECK(logs->front().path == "azureml-logs/70_driver_log.txt");
        CHECK(logs->front().content.find("Starting: python train.py --epochs 2") != std::string::npos);
        CHECK(logs->front().content.find("Project files: lib/util.py, train.py") != std::string::npos);
        CHECK(logs->front().content.find("Run completed") != std::string::npos);

        auto experiments = regional.experiments();
        REQUIRE(experiments);
        REQUIRE(experiments->size() == 1);
        CHECK((*experiments)[0]["name"] == "churn-training");
        auto runs = regional.runs("");
        REQUIRE(runs);
        REQUIRE(runs->size() == 1);
        CHECK((*runs)[0]["experimentName"] == "churn-training");
        auto by_id = regional.run("", *run_id);
        REQUIRE(by_id);
        CHECK((*by_id)["scriptName"] == "train.py");
        CHECK_FALSE(regional.logs("churn-training_1")); // no such run
        CHECK(regional.logs("churn-training_1").error().is_not_found());

        auto models = regional.models();
        REQUIRE(models);
        CHECK(models->empty());
    }

    TEST_CASE("regional client: a run the service fails ends Failed, with the service's message in the run and its log") {
        E2e e2e;
        apply_estate(e2e);
        Project p;
        fs::create_directories(p.root / "other");
        p.write("other/other.py", "print(1)\n");
        p.write("other/other.json", R"({"Configuration": {"Script": "other.py"}})");
        auto packed = pack_run_project(p.root / "other", p.root / "other" / "other.json");
        REQUIRE(packed);
        RegionalClient regional(e2e.client(), workspace_of(e2e));
        // converge checks the script before sending; another client need not: the service decides.
        auto run_id = regional.start_run("exp", packed->zip, k_definition);
        REQUIRE(run_id);
        auto final = regional.follow_run("exp", *run_id, std::chrono::milliseconds(20), {});
        REQUIRE(final);
        CHECK((*final)["status"] == "Failed");
        CHECK((*final)["error"].dump().find("train.py") != std::string::npos);
        auto logs = regional.logs(*run_id);
        REQUIRE(logs);
        CHECK(logs->front().content.find("Run failed: The entry script 'train.py'") != std::string::npos);
    }

    TEST_CASE("regional client: a cached discovery whose host is gone is dropped and discovered again") {
        E2e e2e;
        apply_estate(e2e);
        Project p;
        const fs::path cache = p.root / "cache";
        RegionalClient first(e2e.client(), workspace_of(e2e), {cache});
        REQUIRE(first.discover());
        const fs::path file = fs::directory_iterator(cache)->path();
        Json entry = Json::parse(converge::testing::slurp(file));
        entry["services"]["api"] = "https://127.0.0.1:1";  // nothing listens there
        std::ofstream(file) << entry.dump();
        RegionalClient stale(e2e.client(), workspace_of(e2e), {cache});
        auto experiments = stale.experiments();
        REQUIRE_MESSAGE(experiments, experiments.error().to_string());
        CHECK(Json::parse(converge::testing::slurp(file))["services"]["api"] == e2e.emu().base_url());
    }
}
