// converge export (issue 17): an estate made without converge (raw PUTs, as the Azure SDK or
// `az` would), discovered and exported, loads; the plan of the export only adopts; the
// adopting apply tags it; the next plan is empty; a change made in Azure then shows as drift.
#include "cli_stack.hpp"
#include "e2e_fixture.hpp"

#include "converge/discover.hpp"
#include "converge/export.hpp"
#include "converge/ownership.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

using namespace converge;
using namespace converge::testing;

namespace {

const std::string k_ml = "2025-12-01";

struct Estate {
    std::string group;
    std::string ws;
};

// The examples' estate, written by hand: no ownership tags, a cluster with an admin password.
Estate make_estate(E2e& e2e) {
    Estate e;
    e.group = "/subscriptions/" + e2e.subscription() + "/resourceGroups/rg-onboard";
    const std::string p = e.group + "/providers/";
    auto put = [&](const std::string& id, const std::string& api, const std::string& body) {
        auto r = e2e.client().put(id, api, Json::parse(body));
        INFO(id << ": " << (r ? std::string() : r.error().to_string()));
        REQUIRE(r);
    };
    put(e.group, "2021-04-01", R"({"location":"westeurope","tags":{"env":"dev","owner":"ml team"}})");
    put(p + "Microsoft.Storage/storageAccounts/stonboard", "2023-01-01",
        R"({"location":"westeurope","kind":"StorageV2","sku":{"name":"Standard_LRS"},"tags":{"env":"dev"},
            "properties":{"minimumTlsVersion":"TLS1_2","allowBlobPublicAccess":false}})");
    put(p + "Microsoft.KeyVault/vaults/kv-onboard", "2023-07-01",
        R"({"location":"westeurope","tags":{"env":"dev"},"properties":{"tenantId":")" + e2e.emu().credentials().tenant_id +
            R"(","sku":{"family":"A","name":"standard"},"enableRbacAuthorization":true,"accessPolicies":[]}})");
    put(p + "Microsoft.Insights/components/appi-onboard", "2020-02-02",
        R"({"location":"westeurope","kind":"web","tags":{"env":"dev","note":"${not a ref}"},"properties":{"Application_Type":"web"}})");
    put(p + "Microsoft.ContainerRegistry/registries/cronboard", "2023-07-01",
        R"({"location":"westeurope","sku":{"name":"Basic"},"tags":{"env":"dev"},"properties":{"adminUserEnabled":false}})");
    e.ws = p + "Microsoft.MachineLearningServices/workspaces/mlw-onboard";
    put(e.ws, k_ml,
        R"({"location":"westeurope","identity":{"type":"SystemAssigned"},"tags":{"env":"dev"},"sku":{"name":"Basic","tier":"Basic"},
            "properties":{"friendlyName":"Onboarding","description":"made by hand",
            "storageAccount":")" + p + R"(Microsoft.Storage/storageAccounts/stonboard",
            "keyVault":")" + p + R"(Microsoft.KeyVault/vaults/kv-onboard",
            "applicationInsights":")" + p + R"(Microsoft.Insights/components/appi-onboard",
            "containerRegistry":")" + p + R"(Microsoft.ContainerRegistry/registries/cronboard"}})");
    put(e.ws + "/computes/cpu", k_ml,
        R"({"location":"westeurope","tags":{"env":"dev"},"properties":{"computeType":"AmlCompute","description":"cpu",
            "properties":{"vmSize":"STANDARD_DS3_V2","vmPriority":"Dedicated",
            "scaleSettings":{"minNodeCount":0,"maxNodeCount":2,"nodeIdleTimeBeforeScaleDown":"PT30M"},
            "userAccountCredentials":{"adminUserName":"azureuser","adminUserPassword":"S3cret-Pa55!"}}}})");
    put(e.ws + "/computes/ci-dev", k_ml,
        R"({"location":"westeurope","tags":{"env":"dev"},"properties":{"computeType":"ComputeInstance",
            "properties":{"vmSize":"STANDARD_DS3_V2","idleTimeBeforeShutdown":"PT60M"}}})");
    put(e.ws + "/models/churn", k_ml, R"({"properties":{"description":"churn","tags":{"env":"dev"}}})");
    for (const char* v : {"1", "2"}) {
        put(e.ws + "/models/churn/versions/" + v, k_ml,
            std::string(R"({"properties":{"description":"v)") + v +
                R"(","modelType":"custom_model","modelUri":"azureml://datastores/workspaceblobstore/paths/churn/)" + v +
                R"(/","tags":{"env":"dev","auc":"0.9"},"properties":{"data":"q3"}}})");
    }
    return e;
}

std::filesystem::path write_files(const ExportResult& result, const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("converge-export-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const auto& f : result.files) {
        std::ofstream(dir / f.name) << f.text;
    }
    return dir;
}

LoadResult load_dir(E2e& e2e, const std::filesystem::path& dir) {
    LoadOptions options;
    options.paths = {dir.string()};
    options.default_subscription = e2e.subscription();
    options.require_subscription = true;
    return load_manifests(options);
}

ExportResult export_of(E2e& e2e, const std::string& workspace = "", bool single = false) {
    DiscoverScope scope{e2e.subscription(), "rg-onboard", workspace, 4};
    auto found = discover(e2e.api(), scope);
    REQUIRE(found);
    ExportOptions options;
    options.stack = "onboard";
    options.subscription = e2e.subscription();
    options.resource_group = "rg-onboard";
    options.single_file = single;
    return export_manifests(*found, options);
}

std::string file_text(const ExportResult& r, const std::string& name) {
    for (const auto& f : r.files) {
        if (f.name == name) {
            return f.text;
        }
    }
    return "";
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("export: an estate made without converge round-trips: only adopts, adopt, empty, drift") {
    E2e e2e;
    const Estate estate = make_estate(e2e);
    const ExportResult result = export_of(e2e);
    for (const auto& n : result.notes) {
        MESSAGE(n);
    }
    CHECK(result.resources == 10);
    CHECK(result.untagged == 10);
    CHECK(result.other_stacks.empty());
    std::vector<std::string> names;
    for (const auto& f : result.files) {
        names.push_back(f.name);
    }
    CHECK(names == std::vector<std::string>{"converge.yaml", "resourcegroup-rg-onboard.yaml",
                                            "storageaccount-stonboard.yaml", "keyvault-kv-onboard.yaml",
                                            "applicationinsights-appi-onboard.yaml", "containerregistry-cronboard.yaml",
                                            "workspace-mlw-onboard.yaml", "compute-ci-dev.yaml", "compute-cpu.yaml",
                                            "model-churn-1.yaml", "model-churn-2.yaml"});
    const std::string config = file_text(result, "converge.yaml");
    CHECK(config.find("stack: onboard") != std::string::npos);
    CHECK(config.find("location: westeurope") != std::string::npos);
    CHECK(config.find("workspace: mlw-onboard") != std::string::npos);
    CHECK(config.find("  tags:\n    env: dev\n") != std::string::npos);  // on every resource: lifted
    CHECK(config.find("CPU_ADMIN_USER_PASSWORD") != std::string::npos);
    const std::string ws = file_text(result, "workspace-mlw-onboard.yaml");
    CHECK(ws.find("storageAccount: ${ref:StorageAccount/stonboard}") != std::string::npos);
    CHECK(ws.find("containerRegistry: ${ref:ContainerRegistry/cronboard}") != std::string::npos);
    CHECK(ws.find("principalId") == std::string::npos);     // read-only
    CHECK(ws.find("discoveryUrl") == std::string::npos);    // read-only
    CHECK(ws.find("systemData") == std::string::npos);      // envelope
    CHECK(ws.find("location:") == std::string::npos);       // the default
    CHECK(ws.find("apiVersion: converge/v1\nkind: Workspace\nmetadata:\n  name: mlw-onboard\nspec:\n") != std::string::npos);
    const std::string cpu = file_text(result, "compute-cpu.yaml");
    CHECK(cpu.find("adminUserPassword: \"${env:CPU_ADMIN_USER_PASSWORD}\"") != std::string::npos);
    CHECK(cpu.find("S3cret") == std::string::npos);
    CHECK(cpu.find("allocationState") == std::string::npos);
    CHECK(cpu.rfind("# Compute/cpu, exported from ", 0) == 0);
    CHECK(file_text(result, "applicationinsights-appi-onboard.yaml").find("note: $${not a ref}") != std::string::npos);
    CHECK(file_text(result, "model-churn-2.yaml").find("version: \"2\"") != std::string::npos);
    for (const auto& f : result.files) {
        CHECK_MESSAGE(f.text.find("converge-stack") == std::string::npos, f.name);
        CHECK_MESSAGE(f.text.find("managed-by") == std::string::npos, f.name);
    }

    const auto dir = write_files(result, "roundtrip");
    ::setenv("CPU_ADMIN_USER_PASSWORD", "S3cret-Pa55!", 1);
    LoadResult loaded = load_dir(e2e, dir);
    INFO(loaded.diagnostics.to_string());
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    CHECK(loaded.desired.stack == "onboard");
    CHECK(loaded.desired.resources.size() == 10);

    // Without --adopt: every resource is an error naming the flag; with it, only adopts.
    CHECK_FALSE(e2e.plan(loaded.desired).ok());
    PlanOptions adopt;
    adopt.adopt = true;
    const auto planned = e2e.plan(loaded.desired, adopt);
    INFO(planned.diagnostics.to_string());
    REQUIRE(planned.ok());
    std::string changes = changes_of(planned.plan);
    INFO(changes);
    std::size_t adopts = 0;
    for (const auto& c : planned.plan.changes) {
        if (c.action == Action::adopt) {
            ++adopts;
        } else {
            CHECK_MESSAGE(c.action == Action::noop, resource_label(c.kind, c.id));
        }
    }
    CHECK(adopts == 10);
    require_ok(e2e.apply(loaded.desired, adopt));
    require_converged(e2e, loaded.desired);
    const Json tags = (*e2e.api().get(estate.ws, k_ml))["tags"];
    CHECK(tags["converge-stack"] == "onboard");
    CHECK(tags["env"] == "dev");

    // Changed in Azure: drift.
    REQUIRE(e2e.client().patch(estate.ws, k_ml, Json::parse(R"({"properties":{"description":"changed"}})")));
    const auto drifted = e2e.plan(loaded.desired);
    REQUIRE(drifted.ok());
    CHECK(changes_of(drifted.plan) == "update Workspace/mlw-onboard\n");
    require_ok(e2e.apply(loaded.desired));
    require_converged(e2e, loaded.desired);
    std::filesystem::remove_all(dir);
    ::unsetenv("CPU_ADMIN_USER_PASSWORD");
}

TEST_CASE("export: --workspace and --single-file") {
    E2e e2e;
    make_estate(e2e);
    // Another workspace in the group, and a storage account nothing references: left out.
    const std::string p = "/subscriptions/" + e2e.subscription() + "/resourceGroups/rg-onboard/providers/";
    REQUIRE(e2e.client().put(p + "Microsoft.Storage/storageAccounts/stother", "2023-01-01",
                             Json::parse(R"({"location":"northeurope","kind":"StorageV2","sku":{"name":"Standard_LRS"}})")));
    const ExportResult all = export_of(e2e);
    CHECK(all.resources == 11);
    CHECK(file_text(all, "converge.yaml").find("tags:") == std::string::npos);  // stother has none: no common tags

    const ExportResult one = export_of(e2e, "mlw-onboard", true);
    CHECK(one.resources == 10);
    REQUIRE(one.files.size() == 2);
    CHECK(one.files[1].name == "resources.yaml");
    const std::string text = one.files[1].text;
    CHECK(text.find("stother") == std::string::npos);
    CHECK(text.rfind("# Values Azure never returns", 0) == 0);
    const auto dir = write_files(one, "single");
    ::setenv("CPU_ADMIN_USER_PASSWORD", "x-password-1", 1);
    const LoadResult loaded = load_dir(e2e, dir);
    INFO(loaded.diagnostics.to_string());
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    PlanOptions adopt;
    adopt.adopt = true;
    require_ok(e2e.apply(loaded.desired, adopt));
    require_converged(e2e, loaded.desired);
    std::filesystem::remove_all(dir);
    ::unsetenv("CPU_ADMIN_USER_PASSWORD");

    DiscoverScope missing{e2e.subscription(), "rg-onboard", "nope", 4};
    CHECK_FALSE(discover(e2e.api(), missing));
    DiscoverScope no_group{e2e.subscription(), "rg-nope", "", 4};
    auto none = discover(e2e.api(), no_group);
    REQUIRE_FALSE(none);
    CHECK(none.error().is_not_found());
}

TEST_CASE("converge binary: apply the examples, export them, plan is empty; apply, plan empty") {
    CliStack s("export-cli");
    for (const auto& entry : std::filesystem::directory_iterator(std::string(CONVERGE_SOURCE_DIR) + "/manifests/examples")) {
        s.write(entry.path().filename().string(), slurp(entry.path()));
    }
    const Run applied = s.converge("apply --auto-approve");
    INFO(applied.out << applied.err);
    REQUIRE(applied.code == 0);
    const auto out = s.root() / "exported";
    const Run exported = s.run("export --resource-group rg-mlops-demo --stack mlops-demo -o " + out.string());
    INFO(exported.out << exported.err);
    REQUIRE(exported.code == 0);
    CHECK(exported.out.find("Exported 10 resources of rg-mlops-demo") != std::string::npos);
    CHECK(exported.out.find("(stack \"mlops-demo\" owns everything exported)") != std::string::npos);
    // Under another stack's name: every resource is that other stack's (a takeover, never an adopt).
    const Run other = s.run("export --resource-group rg-mlops-demo --stack someone-else -o " + (s.root() / "other").string());
    CHECK(other.code == 0);
    CHECK(other.out.find("Owned by another stack: Workspace/mlw-mlops-demo (stack mlops-demo)") != std::string::npos);
    CHECK(other.out.find("--adopt") == std::string::npos);
    CHECK(std::filesystem::exists(out / "compute-cpu-cluster.yaml"));
    // Owned by the stack already (same name): nothing to adopt, nothing to change.
    const Run planned = s.run("plan --detailed-exitcode " + out.string());
    INFO(planned.out << planned.err);
    CHECK(planned.code == 0);
    const Run again = s.run("apply --auto-approve " + out.string());
    CHECK(again.code == 0);
    const Run last = s.run("plan --detailed-exitcode " + out.string());
    CHECK(last.code == 0);
    // get: tables fitted to COLUMNS, JSON bodies as Azure returned them, kinds by any name.
    const Run computes = s.run("get computes -g rg-mlops-demo");
    INFO(computes.out << computes.err);
    REQUIRE(computes.code == 0);
    CHECK(computes.out.find("NAME") == 0);
    CHECK(computes.out.find("cpu-cluster") != std::string::npos);
    CHECK(computes.out.find("AmlCompute") != std::string::npos);
    CHECK(computes.out.find("Succeeded") != std::string::npos);
    ::setenv("COLUMNS", "40", 1);
    const Run narrow = s.run("get Compute -g rg-mlops-demo --workspace mlw-mlops-demo");
    ::unsetenv("COLUMNS");
    REQUIRE(narrow.code == 0);
    for (std::size_t at = 0, next = 0; at < narrow.out.size(); at = next + 1) {
        next = narrow.out.find('\n', at);
        const std::string line = narrow.out.substr(at, next - at);
        std::size_t points = 0;
        for (const char c : line) {
            points += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
        }
        CHECK_MESSAGE(points <= 40, line);
    }
    CHECK(narrow.out.find("\u2026") != std::string::npos);
    const Run model = s.run("get model churn-classifier@2 -o json");
    INFO(model.out << model.err);
    REQUIRE(model.code == 0);
    const Json body = Json::parse(model.out);
    CHECK(body["properties"]["description"] == "Retrained on Q4 data");
    CHECK(body.contains("systemData"));  // as Azure returned it
    const Run groups = s.run("get rg -o yaml");
    CHECK(groups.code == 0);
    CHECK(groups.out.find("name: rg-mlops-demo") != std::string::npos);
    const Run typo = s.run("get workspce");
    CHECK(typo.code == 1);
    CHECK(typo.err.find("did you mean \"Workspace\"") != std::string::npos);
    const Run absent = s.run("get compute nope -g rg-mlops-demo");
    CHECK(absent.code == 1);
    CHECK(absent.err.find("Compute \"nope\" not found") != std::string::npos);

    // show: every declared resource, present, Succeeded, no drift, this stack's; then drift.
    const Run shown = s.converge("show");
    INFO(shown.out << shown.err);
    REQUIRE(shown.code == 0);
    CHECK(shown.out.find("RESOURCE") == 0);
    CHECK(shown.out.find("Compute/cpu-cluster") != std::string::npos);
    CHECK(shown.out.find("missing") == std::string::npos);
    CHECK(shown.out.find("~") == std::string::npos);
    CHECK(shown.out.find("this stack") != std::string::npos);
    std::string compute = slurp(s.stack_dir() / "30-computes.yaml");
    compute.replace(compute.find("minNodeCount: 0"), 15, "minNodeCount: 1");
    s.write("30-computes.yaml", compute);
    const Run drift = s.converge("show -o json");
    INFO(drift.out << drift.err);
    REQUIRE(drift.code == 0);
    const Json state = Json::parse(drift.out);
    CHECK(state["stack"] == "mlops-demo");
    bool seen = false;
    for (const auto& r : state["resources"]) {
        if (r["name"] == "Compute/cpu-cluster") {
            seen = true;
            CHECK(r["drift"] == "update");
            CHECK(r["driftFields"][0] == "properties.properties.scaleSettings.minNodeCount");
            CHECK(r["status"] == "present");
            CHECK(r["owner"] == "this stack");
        }
    }
    CHECK(seen);
    REQUIRE(s.converge("apply --auto-approve").code == 0);
    CHECK(s.converge("plan --detailed-exitcode").code == 0);

    // Into a directory that already holds manifests: refused.
    const Run refused = s.run("export --resource-group rg-mlops-demo -o " + out.string());
    CHECK(refused.code == 1);
    CHECK(refused.err.find("already holds manifests") != std::string::npos);
    const Run missing = s.run("export --resource-group rg-nope -o " + (s.root() / "x").string());
    CHECK(missing.code == 1);
    CHECK(missing.err.find("resource group rg-nope not found") != std::string::npos);
}

}  // TEST_SUITE

TEST_SUITE("e2e") {

// Golden files: the export of manifests/examples as applied (tests/data/export/examples; the
// emulator's subscription id written as SUBSCRIPTION). CONVERGE_UPDATE_GOLDENS=1 rewrites them.
TEST_CASE("export: golden files of the examples' estate; they load and plan empty") {
    E2e e2e;
    LoadOptions options;
    options.paths = {std::string(CONVERGE_SOURCE_DIR) + "/manifests/examples"};
    options.default_subscription = e2e.subscription();
    options.require_subscription = true;
    const auto loaded = load_manifests(options);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    require_ok(e2e.apply(loaded.desired));
    auto found = discover(e2e.api(), DiscoverScope{e2e.subscription(), "rg-mlops-demo", "", 4});
    REQUIRE(found);
    const ExportResult result =
        export_manifests(*found, ExportOptions{"mlops-demo", e2e.subscription(), "rg-mlops-demo", false,
                                               "converge export --resource-group rg-mlops-demo -o examples"});
    CHECK(result.notes.empty());
    const std::filesystem::path goldens = std::string(CONVERGE_TEST_DATA) + "/export/examples";
    const bool update = std::getenv("CONVERGE_UPDATE_GOLDENS") != nullptr;
    std::set<std::string> names;
    for (const auto& f : result.files) {
        std::string text = f.text;
        for (auto at = text.find(e2e.subscription()); at != std::string::npos; at = text.find(e2e.subscription(), at)) {
            text.replace(at, e2e.subscription().size(), "SUBSCRIPTION");
        }
        names.insert(f.name);
        if (update) {
            std::filesystem::create_directories(goldens);
            std::ofstream(goldens / f.name) << text;
        }
        CHECK_MESSAGE(slurp(goldens / f.name) == text, f.name << ":\n" << text);
    }
    for (const auto& entry : std::filesystem::directory_iterator(goldens)) {
        CHECK_MESSAGE(names.count(entry.path().filename().string()) == 1, "stale golden " << entry.path());
    }
    // Written out, the export is the same estate: this stack's already, nothing to change.
    const auto dir = write_files(result, "golden");
    LoadResult exported = load_dir(e2e, dir);
    REQUIRE_MESSAGE(!exported.diagnostics.has_errors(), exported.diagnostics.to_string());
    const auto planned = e2e.plan(exported.desired);
    REQUIRE(planned.ok());
    CHECK_MESSAGE(!planned.plan.has_changes(), changes_of(planned.plan));
    require_ok(e2e.apply(exported.desired));
    require_converged(e2e, exported.desired);
    std::filesystem::remove_all(dir);
}

}  // TEST_SUITE
