// The Job kind at load (docs/kinds.md "Jobs"): its name is metadata.name plus a stable hash of
// its code's content and its spec, untouched by the stack's tags; its code directory is read
// and named as a code asset; bad input is a located error.
#include "manifest_helpers.hpp"
#include "plan_fixtures.hpp"

#include "converge/ownership.hpp"
#include "converge/planner.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace converge;
using converge::test::load_inline;

namespace fs = std::filesystem;

namespace {

const std::string k_spec = "  properties:\n    jobType: Command\n    command: echo hi\n"
                           "    environmentId: azureml://registries/azureml/environments/sklearn-1.5/versions/1\n";

LoadResult load_job(const std::string& spec, const std::string& config = "stack: a\n") {
    const std::string doc = "apiVersion: converge/v1\nkind: Job\n"
                            "metadata: {name: train, workspace: mlw, resourceGroup: rg, subscription: s1}\nspec:\n" +
                            spec;
    return load_inline({{"j.yaml", doc}}, config);
}

std::string job_name(const LoadResult& loaded) {
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    REQUIRE(loaded.desired.resources.size() == 1);
    return loaded.desired.resources[0].id.name();
}

struct TempDir {
    fs::path root;
    TempDir() {
        std::string templ = (fs::temp_directory_path() / "converge-jobunit-XXXXXX").string();
        REQUIRE(::mkdtemp(templ.data()) != nullptr);
        root = templ;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    void write(const std::string& name, const std::string& content) const {
        fs::create_directories((root / name).parent_path());
        std::ofstream(root / name, std::ios::binary) << content;
    }
};

}  // namespace

TEST_SUITE("manifest") {

TEST_CASE("a job's name is metadata.name and a stable hash of its spec, whatever the stack's tags") {
    // SHA-256 of "code:\nspec:" + the spec's canonical JSON (no code), first 10 hex digits.
    CHECK(job_name(load_job(k_spec)) == "train-9aea169665");
    CHECK(job_name(load_job(k_spec, "stack: other\ndefaults:\n  tags: {team: ml}\n")) == "train-9aea169665");
    const auto loaded = load_job(k_spec);
    const Resource& job = loaded.desired.resources.at(0);
    CHECK(job.id.str() == "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/"
                          "workspaces/mlw/jobs/train-9aea169665");
    CHECK(job.body.at("properties").at("tags").at("converge-stack") == "a");  // the ownership tags, not hashed
    // Any change of the spec is another name.
    CHECK(job_name(load_job(k_spec + "    displayName: x\n")) != "train-9aea169665");
}

TEST_CASE("a job's code directory is hashed, named as a code asset, and its content changes the name") {
    TempDir dir;
    dir.write("src/train.py", "print(1)\n");
    const std::string spec = "  code: " + (dir.root / "src").string() + "\n" + k_spec;
    const auto first = load_job(spec);
    const std::string name = job_name(first);
    const Resource& job = first.desired.resources.at(0);
    const std::string sha = job.body.at("code").at("sha256").get<std::string>();
    CHECK(job.body.at("code").at("files") == 1);
    CHECK(job.body.at("properties").at("codeId") ==
          "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw/codes/" +
              sha.substr(0, 32) + "/versions/1");
    CHECK(job_name(load_job(spec)) == name);
    dir.write("src/train.py", "print(2)\n");
    CHECK(job_name(load_job(spec)) != name);
}

TEST_CASE("a job's bad input is a located error") {
    const auto missing = load_job("  properties:\n    jobType: Command\n    environmentId: azureml:env:1\n");
    CHECK_MESSAGE(missing.diagnostics.to_string().find("j.yaml:5:3: error: missing required field \"command\" in spec.properties") !=
                      std::string::npos,
                  missing.diagnostics.to_string());
    const auto input = load_job(k_spec + "    inputs:\n      epochs: {jobInputType: literal}\n");
    CHECK_MESSAGE(input.diagnostics.to_string().find("j.yaml:10:7: error: missing required field \"value\" in spec.properties.inputs.epochs") !=
                      std::string::npos,
                  input.diagnostics.to_string());
    const auto nowhere = load_job("  code: /nonexistent/converge/src\n" + k_spec);
    CHECK_MESSAGE(nowhere.diagnostics.to_string().find("j.yaml:5:9: error: code \"/nonexistent/converge/src\" does not "
                                                       "exist") != std::string::npos,
                  nowhere.diagnostics.to_string());
    TempDir dir;
    dir.write("train.py", "print(1)\n");
    const auto file = load_job("  code: " + (dir.root / "train.py").string() + "\n" + k_spec);
    CHECK(file.diagnostics.to_string().find("j.yaml:5:9: error: code \"") != std::string::npos);
    CHECK(file.diagnostics.to_string().find("is a file, not a directory") != std::string::npos);
    const auto both = load_job("  code: " + dir.root.string() + "\n" + k_spec + "    codeId: /x\n");
    CHECK(both.diagnostics.to_string().find("code and properties.codeId are exclusive") != std::string::npos);
}

}  // TEST_SUITE

TEST_SUITE("plan") {

TEST_CASE("a job that exists is no change whatever its status, and prune and destroy never delete one") {
    const std::string ws = "/subscriptions/" + converge::test::k_sub +
                           "/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw";
    const ResourceId job_id = *ResourceId::parse(ws + "/jobs/train-0123456789");
    const ResourceId old_id = *ResourceId::parse(ws + "/jobs/train-9876543210");
    Json tags = ownership::tags("s");
    Json body = {{"properties", {{"jobType", "Command"}, {"command", "python train.py"}, {"tags", tags}}}};
    DesiredSet desired;
    desired.stack = "s";
    desired.resources.push_back(converge::test::make_resource("Job", job_id, body));
    ObservedState observed;
    CHECK(build_plan(desired, observed, {}).plan.count(Action::create) == 1);

    // Observed Failed, with a field that differs (the service normalised it): still no change.
    Json seen = body;
    seen["properties"]["status"] = "Failed";
    seen["properties"]["command"] = "python  train.py";
    observed.resources[job_id] = seen;
    // An older job of the stack the manifests no longer name.
    observed.resources[old_id] = Json{{"properties", {{"jobType", "Command"}, {"status", "Completed"}, {"tags", tags}}}};
    PlanOptions prune;
    prune.prune = true;
    const auto planned = build_plan(desired, observed, prune);
    REQUIRE_FALSE(planned.diagnostics.has_errors());
    CHECK_FALSE(planned.plan.has_changes());
    CHECK(planned.plan.orphans.empty());
    const auto listed = build_plan(desired, observed, {});
    CHECK(listed.plan.orphans.empty());  // not even listed as an orphan
    PlanOptions destroy;
    destroy.prune = true;
    destroy.destroy = true;
    CHECK_FALSE(build_plan(desired, observed, destroy).plan.has_changes());
}

}  // TEST_SUITE
