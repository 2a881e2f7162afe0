// az ml CLI v2 YAML end to end (issue 17 item 3): files of ../shared/corpus/azureml-cli-v2 (a
// workspace whose dependencies are converge documents, clusters, compute instances, a model;
// then an online endpoint, its deployment, environments and datastores) applied against the
// emulator, then planned: empty. Then `export --format azml` of what was applied, loaded
// again: the plan is empty too (the endpoint estate's export against golden files).
#include "e2e_fixture.hpp"
#include "openapi_checker.hpp"

#include "converge/discover.hpp"
#include "converge/export.hpp"
#include "converge/resource_id.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
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

/// `text` without the line that starts with `line` (and its newline).
std::string without_line(std::string text, const std::string& line) {
    const auto at = text.find(line);
    REQUIRE_MESSAGE(at != std::string::npos, line);
    const auto end = text.find('\n', at);
    return text.erase(at, end == std::string::npos ? std::string::npos : end - at + 1);
}

const std::string k_online_config = R"(apiVersion: converge/v1
stack: azml-online
defaults:
  resourceGroup: rg-azml-online
  location: eastus
  workspace: mlw-basic-prod
)";

/// An endpoint estate from the corpus, as it is but for the edits named here.
std::map<std::string, std::string> online_stack() {
    const fs::path c = corpus_dir();
    std::map<std::string, std::string> files = {
        {"converge-side.yaml", replaced(k_converge_side, "name: rg-azml\n", "name: rg-azml-online\n")}};
    files["workspace/basic.yml"] =
        read_text(c / "resources/workspace/basic.yml") +
        "\nstorage_account: ${ref:StorageAccount/stazml}\nkey_vault: ${ref:KeyVault/kv-azml}\n"
        "application_insights: ${ref:ApplicationInsights/appi-azml}\n";
    files["model/model.yml"] = replaced(read_text(c / "endpoints/online/managed/inference-schema/model.yml"),
                                        "path: models",
                                        "path: azureml://datastores/workspaceblobstore/paths/models/azureml-infschema/1");
    // The az ml CLI picks an environment's next version; a converge document declares one. The
    // conda file is read from the corpus, next to the environment file (so its real path).
    for (const char* f : {"docker-image.yml", "docker-image-plus-conda.yaml"}) {
        const fs::path p = c / "assets/environment" / f;
        files[p.string()] = read_text(p) + "version: \"1\"\n";
    }
    files["endpoints/endpoint.yml"] =
        read_text(c / "endpoints/online/managed/sample/endpoint.yml") + "traffic:\n  blue: 100\n";
    // The registered-assets deployment, naming the corpus's model and environment; its local
    // code (registered by the az ml CLI as a code asset) is left out.
    std::string blue = read_text(c / "endpoints/online/managed/sample/blue-deployment-with-registered-assets.yml");
    blue = replaced(blue, "azureml:my-model:1", "azureml:azureml-infschema:1");
    blue = replaced(blue, "azureml:my-env:1", "azureml:docker-image-plus-conda-example:1");
    for (const char* line : {"code_configuration:", "  code:", "  scoring_script:"}) {
        blue = without_line(blue, line);
    }
    files["endpoints/blue.yml"] = blue;
    for (const char* f : {"blob-credless.yml", "blob.yml"}) {
        files[std::string("datastore/") + f] = read_text(c / "resources/datastore" / f);
    }
    return files;
}

// An exported directory, loaded again: as many resources as were exported, and nothing to do.
void require_export_converged(E2e& e2e, const fs::path& dir, std::size_t resources) {
    LoadOptions load;
    load.paths = {dir.string()};
    load.default_subscription = e2e.subscription();
    load.require_subscription = true;
    const LoadResult again = load_manifests(load);
    INFO(again.diagnostics.to_string());
    REQUIRE_FALSE(again.diagnostics.has_errors());
    CHECK(again.desired.resources.size() == resources);
    require_converged(e2e, again.desired);
    fs::remove_all(dir);
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("az ml endpoint, deployment, environment and datastore files apply, plan empty; export --format azml "
          "matches its golden files and round-trips") {
    if (!fs::is_directory(corpus_dir())) {
        MESSAGE("SKIPPED: no az ml corpus at " << corpus_dir().string() << " (set CONVERGE_SHARED)");
        return;
    }
    E2e e2e;
    const LoadResult loaded = e2e.load(online_stack(), k_online_config);
    INFO(loaded.diagnostics.to_string());
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    REQUIRE(loaded.desired.resources.size() == 12);
    require_ok(e2e.apply(loaded.desired));
    require_converged(e2e, loaded.desired);

    const std::string ws = "/subscriptions/" + e2e.subscription() +
                           "/resourceGroups/rg-azml-online/providers/Microsoft.MachineLearningServices/workspaces/"
                           "mlw-basic-prod";
    const auto endpoint = e2e.api().get(ws + "/onlineEndpoints/my-endpoint", "2025-12-01");
    REQUIRE(endpoint);
    CHECK((*endpoint)["properties"]["authMode"] == "Key");
    CHECK((*endpoint)["properties"]["traffic"] == Json{{"blue", 100}});
    const auto blue = e2e.api().get(ws + "/onlineEndpoints/my-endpoint/deployments/blue", "2025-12-01");
    REQUIRE(blue);
    CHECK((*blue)["sku"]["capacity"] == 1);
    CHECK(iequals((*blue)["properties"]["environmentId"].get<std::string>(),
                  ws + "/environments/docker-image-plus-conda-example/versions/1"));
    const auto env = e2e.api().get(ws + "/environments/docker-image-plus-conda-example/versions/1", "2025-12-01");
    REQUIRE(env);
    CHECK((*env)["properties"]["condaFile"] ==
          read_text(corpus_dir() / "assets/environment/conda-yamls/pydata.yml"));

    // export --format azml of the group: golden files (the subscription as SUBSCRIPTION).
    DiscoverScope scope{e2e.subscription(), "rg-azml-online", "", 4};
    auto found = discover(e2e.api(), scope);
    REQUIRE(found);
    ExportOptions options;
    options.format = ExportFormat::azml;
    options.stack = "azml-online";
    options.subscription = e2e.subscription();
    options.resource_group = "rg-azml-online";
    options.command_line = "converge export --resource-group rg-azml-online --format azml -o online";
    const ExportResult exported = export_manifests(*found, options);
    const fs::path goldens = std::string(CONVERGE_TEST_DATA) + "/azml/export-online";
    const bool update = std::getenv("CONVERGE_UPDATE_GOLDENS") != nullptr;
    const fs::path dir = fs::temp_directory_path() / ("converge-azml-online-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::set<std::string> names;
    for (const auto& f : exported.files) {
        std::ofstream(dir / f.name) << f.text;
        std::string text = f.text;
        // The emulator's subscription and tenant differ from run to run.
        for (const auto& [from, to] : {std::pair<std::string, std::string>{e2e.subscription(), "SUBSCRIPTION"},
                                       {e2e.emu().credentials().tenant_id, "TENANT"}}) {
            for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
                text.replace(at, from.size(), to);
            }
        }
        names.insert(f.name);
        if (update) {
            fs::create_directories(goldens);
            std::ofstream(goldens / f.name) << text;
        }
        CHECK_MESSAGE(read_text(goldens / f.name) == text, f.name << ":\n" << text);
    }
    for (const auto& entry : fs::directory_iterator(goldens)) {
        CHECK_MESSAGE(names.count(entry.path().filename().string()) == 1, "stale golden " << entry.path());
    }
    std::string notes;
    for (const auto& n : exported.notes) {
        notes += n + "\n";
    }
    if (update) {
        std::ofstream(goldens.parent_path() / "export-online-notes.txt") << notes;
    }
    CHECK(notes == read_text(goldens.parent_path() / "export-online-notes.txt"));
    // The export, loaded again: nothing to do.
    ::setenv("BLOB_EXAMPLE_KEY", "XXXxxxXXXxXXXXxxXXXXXxXXXXXxXxxXxXXXxXXXxXXxxxXXxxXXXxXxXXXxxXxxXXXXxxxxxXXxxxxxxXXXxXXX", 1);
    require_export_converged(e2e, dir, loaded.desired.resources.size());
}

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
    require_export_converged(e2e, dir, loaded.desired.resources.size());
}

}  // TEST_SUITE("e2e")
