// End-to-end: a Job (docs/kinds.md "Jobs") against the emulator. Apply uploads its code once as
// a code asset, submits the job (one PUT), follows it to Completed and reports each status; the
// plan after it is empty and a second apply submits nothing. A command that exits non-zero fails
// the apply with the service's message and is not submitted again; changed code is a new job;
// an old job is never pruned.
#include "cli_stack.hpp"
#include "e2e_fixture.hpp"

#include "converge/render.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>

using namespace converge;
using converge::testing::changes_of;
using converge::testing::E2e;
using converge::testing::workspace_manifests;
using converge::testing::require_converged;
using converge::testing::require_ok;

namespace fs = std::filesystem;

namespace {

const std::string k_config = "apiVersion: converge/v1\nstack: jobs\ndefaults:\n  resourceGroup: rg-job\n"
                             "  location: westeurope\n  workspace: ws-job\n";

const std::string k_base = workspace_manifests("job") + R"(---
apiVersion: converge/v1
kind: Environment
metadata: {name: train, version: 1}
spec:
  properties:
    image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
---
apiVersion: converge/v1
kind: Compute
metadata: {name: cpu}
spec:
  properties:
    computeType: AmlCompute
    properties:
      vmSize: STANDARD_DS3_V2
      scaleSettings: {minNodeCount: 0, maxNodeCount: 2}
)";

/// A temporary directory holding src/ (the job's code).
struct CodeDir {
    fs::path root;

    CodeDir() {
        std::string templ = (fs::temp_directory_path() / "converge-job-XXXXXX").string();
        REQUIRE(::mkdtemp(templ.data()) != nullptr);
        root = templ;
        fs::create_directories(root / "src");
        write("src/train.py", "print('training')\n");
        write("src/conf.yaml", "epochs: 10\n");
    }
    ~CodeDir() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    void write(const std::string& name, const std::string& content) const {
        std::ofstream(root / name, std::ios::binary) << content;
    }
};

std::string job_yaml(const CodeDir& dir, const std::string& command) {
    return "apiVersion: converge/v1\nkind: Job\nmetadata: {name: train-churn}\nspec:\n  code: " +
           (dir.root / "src").string() +
           "\n  properties:\n"
           "    jobType: Command\n"
           "    command: " + command + "\n"
           "    environmentId: ${ref:Environment/train@1}\n"
           "    computeId: ${ref:Compute/cpu}\n"
           "    displayName: train churn\n"
           "    experimentName: churn\n"
           "    inputs:\n"
           "      epochs: {jobInputType: literal, value: \"10\"}\n"
           "      data: {jobInputType: uri_folder, uri: azureml://datastores/workspaceblobstore/paths/data/}\n"
           "    outputs:\n"
           "      model: {jobOutputType: uri_folder, mode: ReadWriteMount}\n"
           "    tags: {team: ml}\n";
}

const std::string k_command = "python train.py --epochs $${{inputs.epochs}} --data $${{inputs.data}}";

DesiredSet load(E2e& e2e, const CodeDir& dir, const std::string& command = k_command) {
    auto loaded = e2e.load({{"base.yaml", k_base}, {"job.yaml", job_yaml(dir, command)}}, k_config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return std::move(loaded.desired);
}

const Resource& job_of(const DesiredSet& desired) {
    for (const auto& r : desired.resources) {
        if (r.kind != nullptr && r.kind->name == "Job") {
            return r;
        }
    }
    FAIL("no Job in the manifests");
    return desired.resources.front();
}

/// Requests the emulator answered on a route with this method whose pattern holds `segment`.
std::uint64_t requests(E2e& e2e, const std::string& method, const std::string& segment) {
    std::uint64_t n = 0;
    for (const auto& [route, count] : e2e.emu().stats().by_route) {
        if (route.starts_with(method + " ") && route.find(segment) != std::string::npos) {
            n += count;
        }
    }
    return n;
}

/// Every phase apply reported, in order.
class Phases : public ApplyObserver {
public:
    void step_started(const Step&) override {}
    void step_phase(const Step& step, const std::string& phase) override {
        std::lock_guard guard(m_mutex);
        if (step.kind == "Job") {
            m_phases.push_back(phase);
        }
    }
    void step_finished(const Step&) override {}
    std::vector<std::string> phases() const {
        std::lock_guard guard(m_mutex);
        return m_phases;
    }

private:
    mutable std::mutex m_mutex;
    std::vector<std::string> m_phases;
};

bool has_phase(const std::vector<std::string>& phases, const std::string& text) {
    return std::any_of(phases.begin(), phases.end(), [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("a job is submitted once, followed to Completed, and a second apply submits nothing") {
    CodeDir dir;
    E2e e2e;
    const DesiredSet desired = load(e2e, dir);
    const Resource& job = job_of(desired);
    CHECK(job.id.name().starts_with("train-churn-"));
    CHECK(job.id.name().size() == std::string("train-churn-").size() + 10);
    CHECK(changes_of(e2e.plan(desired).plan).find("create Job/" + job.id.name() + "\n") != std::string::npos);

    Phases phases;
    require_ok(e2e.apply(desired, {}, &phases));
    const auto seen = phases.phases();
    CHECK_MESSAGE(has_phase(seen, "uploading 2 file(s)"), fmt::format("{}", fmt::join(seen, " | ")));
    CHECK(has_phase(seen, "registering the code asset"));
    CHECK(has_phase(seen, ": Queued"));
    CHECK(has_phase(seen, ": Running"));
    CHECK(has_phase(seen, ": Completed"));
    CHECK(requests(e2e, "PUT", "/jobs/") == 1);
    CHECK(requests(e2e, "PUT", "/codes/") == 1);

    auto got = e2e.api().get(job.id.str(), "2025-12-01");
    REQUIRE(got.has_value());
    CHECK(got->at("properties").at("status") == "Completed");
    const std::string code_id = got->at("properties").at("codeId").get<std::string>();
    CHECK(code_id.find("/workspaces/ws-job/codes/") != std::string::npos);
    auto code = e2e.api().get(code_id, "2025-12-01");
    REQUIRE(code.has_value());
    CHECK(code->at("properties").at("codeUri").get<std::string>().find("/LocalUpload/") != std::string::npos);
    require_converged(e2e, desired);

    // A second apply: nothing planned, nothing uploaded, nothing submitted.
    e2e.reset_counts();
    const auto second = e2e.apply(desired);
    CHECK(second.steps.empty());
    CHECK(e2e.writes() == 0);
    // The job was read by name; the workspace's job history (its jobs collection) never listed.
    std::uint64_t job_gets = 0;
    std::uint64_t job_lists = 0;
    for (const auto& entry : e2e.emu().stats().by_route) {
        if (entry.first.starts_with("GET ") && entry.first.ends_with("/jobs")) {
            job_lists += entry.second;
        } else if (entry.first.starts_with("GET ") && entry.first.find("/jobs/") != std::string::npos) {
            job_gets += entry.second;
        }
    }
    CHECK(job_lists == 0);
    CHECK(job_gets >= 1);
    // The same manifests loaded again name the same job.
    CHECK(job_of(load(e2e, dir)).id == job.id);
}

TEST_CASE("a job whose command fails fails the apply with the service's message, and is not resubmitted") {
    CodeDir dir;
    E2e e2e;
    const DesiredSet desired = load(e2e, dir, "python train.py && exit 3");
    const auto result = e2e.apply(desired);
    CHECK_FALSE(result.ok());
    bool reported = false;
    for (const auto& step : result.steps) {
        if (step.kind == "Job") {
            CHECK(step.status == StepStatus::failed);
            CHECK_MESSAGE(step.message.find("failed: Execution failed. User process '/bin/bash' exited with status code 3") !=
                              std::string::npos,
                          step.message);
            reported = true;
        }
    }
    CHECK(reported);
    // The failed job is these inputs' run: the plan is empty, a second apply submits nothing.
    require_converged(e2e, desired);
    e2e.reset_counts();
    CHECK(e2e.apply(desired).steps.empty());
    CHECK(e2e.writes() == 0);
}

TEST_CASE("changed code or spec is a new job; the old one is never pruned") {
    CodeDir dir;
    E2e e2e;
    const DesiredSet first = load(e2e, dir);
    require_ok(e2e.apply(first));
    const ResourceId old_job = job_of(first).id;

    dir.write("src/train.py", "print('training v2')\n");
    const DesiredSet changed_code = load(e2e, dir);
    const ResourceId new_job = job_of(changed_code).id;
    CHECK(new_job != old_job);
    PlanOptions prune;
    prune.prune = true;
    CHECK(changes_of(e2e.plan(changed_code, prune).plan) == "create Job/" + new_job.name() + "\n");
    e2e.reset_counts();
    require_ok(e2e.apply(changed_code, prune));
    CHECK(requests(e2e, "PUT", "/jobs/") == 1);
    CHECK(requests(e2e, "PUT", "/codes/") == 1);  // a new code asset for the new content
    CHECK(requests(e2e, "DELETE", "/jobs/") == 0);
    CHECK(e2e.api().get(old_job.str(), "2025-12-01").has_value());
    require_converged(e2e, changed_code, prune);

    // A spec change alone (same code): a new job, the code asset reused (no upload).
    const DesiredSet changed_spec = load(e2e, dir, k_command + " --seed 7");
    CHECK(job_of(changed_spec).id != new_job);
    e2e.reset_counts();
    require_ok(e2e.apply(changed_spec, prune));
    CHECK(requests(e2e, "PUT", "/codes/") == 0);
    CHECK(requests(e2e, "PUT", "/jobs/") == 1);
    require_converged(e2e, changed_spec, prune);

    // destroy leaves jobs (Azure keeps their history): no delete of a job is planned.
    PlanOptions destroy;
    destroy.prune = true;
    destroy.destroy = true;
    CHECK(changes_of(e2e.plan(changed_spec, destroy).plan).find("Job/") == std::string::npos);
}

TEST_CASE("converge binary: manifests/mlops-training applies, streams the job's status, and then submits nothing") {
    const fs::path estate = fs::path(CONVERGE_SOURCE_DIR) / "manifests" / "mlops-training";
    converge::testing::CliStack stack("e2e-jobs");
    fs::create_directories(stack.stack_dir() / "src");
    for (const auto& e : fs::recursive_directory_iterator(estate)) {
        if (e.is_regular_file()) {
            stack.write(fs::relative(e.path(), estate).string(), converge::testing::slurp(e.path()));
        }
    }
    const auto planned = stack.converge("plan");
    REQUIRE_MESSAGE(planned.code == 0, (planned.out + planned.err));
    CHECK_MESSAGE(planned.out.find("+ Job/train-churn-") != std::string::npos, planned.out);
    CHECK(planned.out.find("is submitted and followed until it is Completed, Failed or Canceled.") != std::string::npos);
    const auto applied = stack.converge("apply --auto-approve");
    REQUIRE_MESSAGE(applied.code == 0, (applied.out + applied.err));
    for (const char* status : {": Queued", ": Running", ": Completed"}) {
        CHECK_MESSAGE(applied.out.find(status) != std::string::npos, applied.out);
    }
    const auto again = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(again.code == 0, (again.out + again.err));
    CHECK(again.out.find("Job:") == std::string::npos);  // a Completed job is no news
    const auto second = stack.converge("apply --auto-approve");
    CHECK(second.code == 0);
    CHECK(second.out.find("Job/") == std::string::npos);

    // The command changed to fail: a new job, and the apply fails with the service's message.
    std::string jobs = converge::testing::slurp(estate / "10-training.yaml");
    const std::string from = "--model $${{outputs.model}}";
    REQUIRE(jobs.find(from) != std::string::npos);
    jobs.replace(jobs.find(from), from.size(), from + " && exit 4");
    stack.write("10-training.yaml", jobs);
    const auto failed = stack.converge("apply --auto-approve");
    CHECK(failed.code == 1);
    CHECK_MESSAGE((failed.out + failed.err).find("exited with status code 4") != std::string::npos, (failed.out + failed.err));
    const auto reported = stack.converge("plan --detailed-exitcode");
    CHECK_MESSAGE(reported.code == 0, (reported.out + reported.err));
    CHECK_MESSAGE(reported.out.find("was submitted before and is Failed; it is not submitted again") != std::string::npos,
                  reported.out);
}

}  // TEST_SUITE
