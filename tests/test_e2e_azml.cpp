// az ml CLI v2 YAML end to end (issue 17 item 3): files of ../shared/corpus/azureml-cli-v2 (a
// workspace whose dependencies are converge documents, clusters, compute instances, a model)
// applied against the emulator, then planned: empty. Then `export --format azml` of what was
// applied, loaded again: the plan is empty too.
#include "e2e_fixture.hpp"
#include "openapi_checker.hpp"

#include "converge/discover.hpp"
#include "converge/export.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace converge;
using namespace converge::testing;

namespace {

namespace fs = std::filesystem;

const std::string k_config = R"(apiVersion: converge/v1
stack: azml
defaults:
  resourceGroup: rg-azml
  location: eastus
  workspace: mlw-basic-prod
)";

const std::string k_converge_side = R"(apiVersion: converge/v1
kind: ResourceGroup
metadata:
  name: rg-azml
spec:
  tags:
    owner: ml-team
---
apiVersion: converge/v1
kind: StorageAccount
metadata:
  name: stazml
spec:
  kind: StorageV2
  sku:
    name: Standard_LRS
---
apiVersion: converge/v1
kind: KeyVault
metadata:
  name: kv-azml
spec:
  properties:
    tenantId: ${var:tenant}
    sku:
      family: A
      name: standard
---
apiVersion: converge/v1
kind: ApplicationInsights
metadata:
  name: appi-azml
spec:
  kind: web
  properties:
    Application_Type: web
)";

fs::path corpus_dir() { return fs::path(converge::test::shared_dir()) / "corpus" / "azureml-cli-v2" / "cli"; }

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    return text.replace(at, from.size(), to);
}

/// The corpus files applied, as they are, but for the two edits named here.
std::map<std::string, std::string> corpus_stack() {
    const fs::path c = corpus_dir();
    std::map<std::string, std::string> files = {{"converge-side.yaml", k_converge_side}};
    // The workspace's dependencies, which the az ml CLI would create, are converge documents.
    files["workspace/basic.yml"] =
        read_text(c / "resources/workspace/basic.yml") +
        "\nstorage_account: ${ref:StorageAccount/stazml}\nkey_vault: ${ref:KeyVault/kv-azml}\n"
        "application_insights: ${ref:ApplicationInsights/appi-azml}\n";
    for (const char* f : {"cluster-basic.yml", "cluster-low-priority.yml", "cluster-ssh-password.yml",
                          "instance-basic.yml", "instance-schedule.yml", "instance-system-mi.yml"}) {
        files[std::string("compute/") + f] = read_text(c / "resources/compute" / f);
    }
    // Every model in the corpus has a local path (not supported yet): this one is uploaded already.
    files["model/model.yml"] = replaced(read_text(c / "endpoints/online/managed/inference-schema/model.yml"),
                                        "path: models",
                                        "path: azureml://datastores/workspaceblobstore/paths/models/azureml-infschema/1");
    return files;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("az ml corpus files apply against the emulator, then plan empty; export --format azml round-trips") {
    if (!fs::is_directory(corpus_dir())) {
        MESSAGE("SKIPPED: no az ml corpus at " << corpus_dir().string() << " (set CONVERGE_SHARED)");
        return;
    }
    E2e e2e;
    const LoadResult loaded = e2e.load(corpus_stack(), k_config);
    INFO(loaded.diagnostics.to_string());
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    REQUIRE(loaded.desired.resources.size() == 12);
    CHECK(loaded.diagnostics.to_string().find("example-password") == std::string::npos);
    require_ok(e2e.apply(loaded.desired));
    require_converged(e2e, loaded.desired);

    const std::string ws = "/subscriptions/" + e2e.subscription() +
                           "/resourceGroups/rg-azml/providers/Microsoft.MachineLearningServices/workspaces/mlw-basic-prod";
    const auto cluster = e2e.api().get(ws + "/computes/low-pri-example", "2025-12-01");
    REQUIRE(cluster);
    CHECK((*cluster)["properties"]["properties"]["vmPriority"] == "LowPriority");
    CHECK((*cluster)["properties"]["properties"]["scaleSettings"]["nodeIdleTimeBeforeScaleDown"] == "PT2M");

    // export --format azml of what was applied, loaded again: nothing to do.
    DiscoverScope scope{e2e.subscription(), "rg-azml", "", 4};
    auto found = discover(e2e.api(), scope);
    REQUIRE(found);
    ExportOptions options;
    options.format = ExportFormat::azml;
    options.stack = "azml";
    options.subscription = e2e.subscription();
    options.resource_group = "rg-azml";
    const ExportResult exported = export_manifests(*found, options);
    for (const auto& n : exported.notes) {  // server-set fields with no az ml form: osType, computeLocation, ...
        CHECK_MESSAGE(n.find("left out") != std::string::npos, n);
    }
    const fs::path dir = fs::temp_directory_path() / ("converge-azml-export-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::string cluster_text;
    for (const auto& f : exported.files) {
        std::ofstream(dir / f.name) << f.text;
        if (f.name == "compute-low-pri-example.yaml") {
            cluster_text = f.text;
        }
    }
    CHECK(cluster_text.find("$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json\n"
                            "name: low-pri-example\ntype: amlcompute\n") != std::string::npos);
    CHECK(cluster_text.find("tier: low_priority\n") != std::string::npos);
    CHECK(cluster_text.find("idle_time_before_scale_down: 120\n") != std::string::npos);
    CHECK(read_text(dir / "workspace-mlw-basic-prod.yaml").find("storage_account: ${ref:StorageAccount/stazml}") !=
          std::string::npos);
    CHECK(read_text(dir / "model-azureml-infschema-1.yaml").find("model.schema.json") != std::string::npos);
    ::setenv("SSH_EXAMPLE_ADMIN_USER_PASSWORD", "example-password", 1);
    LoadOptions load;
    load.paths = {dir.string()};
    load.default_subscription = e2e.subscription();
    load.require_subscription = true;
    const LoadResult again = load_manifests(load);
    INFO(again.diagnostics.to_string());
    REQUIRE_FALSE(again.diagnostics.has_errors());
    CHECK(again.desired.resources.size() == loaded.desired.resources.size());
    require_converged(e2e, again.desired);
    fs::remove_all(dir);
}

}  // TEST_SUITE("e2e")
