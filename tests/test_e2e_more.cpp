// End-to-end, continued: faults, interruption, secrets and the quick start, through the library.
#include "e2e_fixture.hpp"

#include "converge/render.hpp"

#include <doctest/doctest.h>

#include <mutex>

using namespace converge;
using converge::testing::E2e;

namespace {

const std::string k_secret = "Hunter2-e2e-P4ssw0rd!";

const std::string k_config = R"(apiVersion: converge/v1
stack: e2e
defaults:
  resourceGroup: rg-e2e
  location: westeurope
  workspace: ws-e2e
variables:
  admin_password:
    sensitive: true
    value: )" + k_secret + "\n";

// A workspace with its four dependencies, a cluster with an admin password, and two computes more.
std::map<std::string, std::string> files() {
    std::string computes;
    for (const char* name : {"cpu", "gpu", "etl"}) {
        computes += std::string("---\napiVersion: converge/v1\nkind: Compute\nmetadata:\n  name: ") + name +
                    R"(
spec:
  properties:
    computeType: AmlCompute
    properties:
      vmSize: STANDARD_DS3_V2
      userAccountCredentials:
        adminUserName: azureuser
        adminUserPassword: ${var:admin_password}
      scaleSettings:
        maxNodeCount: 2
)";
    }
    return {{"rg.yaml", "apiVersion: converge/v1\nkind: ResourceGroup\nmetadata:\n  name: rg-e2e\nspec: {}\n"},
            {"deps.yaml", R"(apiVersion: converge/v1
kind: StorageAccount
metadata: {name: ste2e}
spec: {kind: StorageV2, sku: {name: Standard_LRS}}
---
apiVersion: converge/v1
kind: KeyVault
metadata: {name: kv-e2e}
spec: {properties: {tenantId: "${var:tenant}", sku: {family: A, name: standard}}}
---
apiVersion: converge/v1
kind: ApplicationInsights
metadata: {name: appi-e2e}
spec: {kind: web, properties: {Application_Type: web}}
)"},
            {"ws.yaml", R"(apiVersion: converge/v1
kind: Workspace
metadata: {name: ws-e2e}
spec:
  identity: {type: SystemAssigned}
  properties:
    storageAccount: ${ref:StorageAccount/ste2e}
    keyVault: ${ref:KeyVault/kv-e2e}
    applicationInsights: ${ref:ApplicationInsights/appi-e2e}
)"},
            {"computes.yaml", computes.substr(4)}};
}

DesiredSet load(E2e& e2e) {
    auto loaded = e2e.load(files(), k_config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return std::move(loaded.desired);
}

// Records every event as text, and can cancel after the first finished step.
class Recorder : public ApplyObserver {
public:
    std::atomic<bool>* cancel_after_first = nullptr;
    std::string text;

    void step_started(const Step& s) override { text += "start " + s.id.str() + "\n"; }
    void step_phase(const Step& s, const std::string& phase) override { text += s.id.str() + " " + phase + "\n"; }
    void step_finished(const Step& s) override {
        text += std::string("finish ") + s.id.str() + " " + step_status_name(s.status) + " " + s.message + "\n";
        if (cancel_after_first != nullptr) {
            cancel_after_first->store(true);
        }
    }
};

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("with faults on (5xx, 429, resets, failed operations) reruns converge without duplicates") {
    E2e e2e;
    emulator::FaultRates faults;
    faults.server_error = 0.08;
    faults.throttle = 0.08;
    faults.connection_reset = 0.04;
    faults.async_failure = 0.3;
    e2e.emu().set_faults(faults);
    const DesiredSet desired = load(e2e);
    bool converged = false;
    for (int run = 0; run < 10 && !converged; ++run) {
        converged = e2e.apply(desired).ok();
    }
    CHECK(converged);
    CHECK(e2e.emu().stats().faults > 0);
    e2e.emu().set_faults({});
    const auto planned = e2e.plan(desired);
    CHECK_MESSAGE(!planned.plan.has_changes(), render_text(planned.plan));
    const std::string ws = "/subscriptions/" + e2e.subscription() +
                           "/resourceGroups/rg-e2e/providers/Microsoft.MachineLearningServices/workspaces/ws-e2e";
    const auto computes = e2e.api().list(ws + "/computes", "2025-12-01", {});
    REQUIRE(computes);
    CHECK(computes->size() == 3);
}

TEST_CASE("a resource Azure left Failed is not converged: plan shows it, apply repairs it, children wait") {
    E2e e2e;
    const DesiredSet desired = load(e2e);
    emulator::FaultRates faults;
    faults.async_failure = 1.0;  // every async operation ends Failed
    e2e.emu().set_faults(faults);
    const auto first = e2e.apply(desired);
    CHECK_FALSE(first.ok());
    e2e.emu().set_faults({});
    const auto planned = e2e.plan(desired);
    REQUIRE_MESSAGE(planned.ok(), planned.diagnostics.to_string());
    const std::string text = render_text(planned.plan);
    // Everything that ended Failed is shown as such, with the service's message, and repaired.
    std::size_t failed = 0;
    for (const auto& c : planned.plan.changes) {
        if (c.reason == Reason::failed) {
            ++failed;
            CHECK(c.reason_detail.rfind("is Failed", 0) == 0);
            CHECK((c.kind == "Compute" ? c.action == Action::replace : c.action == Action::update));
        }
    }
    CHECK(failed > 0);
    CHECK_MESSAGE(text.find("  ! ") != std::string::npos, text);
    CHECK(planned.plan.has_changes());
    // Children never start below a parent that has not succeeded: their writes wait for the repair.
    for (const auto& c : planned.plan.changes) {
        if (c.kind == "Compute" && c.action == Action::create) {
            CHECK_FALSE(c.depends_on.empty());
        }
    }
    const auto repaired = e2e.apply(desired);
    CHECK(repaired.ok());
    const auto again = e2e.plan(desired);
    CHECK_MESSAGE(!again.plan.has_changes(), render_text(again.plan));
}

TEST_CASE("an interrupted apply stops starting steps; a rerun converges") {
    E2e e2e;
    const DesiredSet desired = load(e2e);
    std::atomic<bool> cancel{false};
    Recorder recorder;
    recorder.cancel_after_first = &cancel;
    const auto first = e2e.apply(desired, {}, &recorder, &cancel);
    CHECK(first.interrupted);
    CHECK(first.count(StepStatus::not_started) > 0);
    CHECK(first.count(StepStatus::failed) == 0);
    const auto second = e2e.apply(desired);
    CHECK(second.ok());
    CHECK(second.steps.size() == first.count(StepStatus::not_started));
    CHECK_FALSE(e2e.plan(desired).plan.has_changes());
}

TEST_CASE("secrets never appear in plans or apply progress") {
    E2e e2e;
    const DesiredSet desired = load(e2e);
    const auto planned = e2e.plan(desired);
    CHECK(render_text(planned.plan).find(k_secret) == std::string::npos);
    CHECK(render_json(planned.plan).find(k_secret) == std::string::npos);
    CHECK(render_markdown(planned.plan).find(k_secret) == std::string::npos);
    Recorder recorder;
    CHECK(e2e.apply(desired, {}, &recorder).ok());
    CHECK(recorder.text.find(k_secret) == std::string::npos);
    CHECK(recorder.text.find("finish") != std::string::npos);
}

TEST_CASE("the quick start: manifests/examples applies, then plans empty") {
    E2e e2e;
    LoadOptions options;
    options.paths = {std::string(CONVERGE_SOURCE_DIR) + "/manifests/examples"};
    options.default_subscription = e2e.subscription();
    options.require_subscription = true;
    const auto loaded = load_manifests(options);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    const auto result = e2e.apply(loaded.desired);
    std::string failures;
    for (const auto& s : result.steps) {
        failures += s.status == StepStatus::succeeded ? "" : s.id.str() + " " + s.message + "\n";
    }
    CHECK_MESSAGE(result.ok(), failures);
    const auto planned = e2e.plan(loaded.desired);
    CHECK_MESSAGE(!planned.plan.has_changes(), render_text(planned.plan));
    e2e.reset_counts();
    CHECK(e2e.apply(loaded.desired).steps.empty());
    CHECK(e2e.writes() == 0);
}

}  // TEST_SUITE
