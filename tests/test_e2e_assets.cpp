// End-to-end: Environment (versioned asset) and Datastore (credentials as secrets) against the
// emulator: created after their workspace, no false positives on the server's defaults, a
// changed image replaces the immutable version, the account key never reaches any output.
#include "e2e_fixture.hpp"

#include "converge/render.hpp"
#include "converge/saved_plan.hpp"

#include <doctest/doctest.h>

using namespace converge;
using converge::testing::apply_edits;
using converge::testing::changes_of;
using converge::testing::E2e;
using converge::testing::require_converged;
using converge::testing::require_ok;

namespace {

const std::string k_key = R"(S3cr3t/AccountKey+0001==)";
const std::string k_key2 = R"(S3cr3t/AccountKey+0002==)";

std::string config(const std::string& key) {
    return "apiVersion: converge/v1\nstack: assets\ndefaults:\n  resourceGroup: rg-assets\n  location: westeurope\n"
           "  workspace: ws-assets\nvariables:\n  key:\n    sensitive: true\n    value: " +
           Json(key).dump() + "\n";
}

std::map<std::string, std::string> stack(const testing::Edits& edits = {}) {
    std::map<std::string, std::string> files = {
        {"base.yaml", R"(apiVersion: converge/v1
kind: ResourceGroup
metadata: {name: rg-assets}
spec: {}
---
apiVersion: converge/v1
kind: StorageAccount
metadata: {name: stassets}
spec: {kind: StorageV2, sku: {name: Standard_LRS}}
---
apiVersion: converge/v1
kind: KeyVault
metadata: {name: kv-assets}
spec:
  properties:
    tenantId: ${var:tenant}
    sku: {family: A, name: standard}
---
apiVersion: converge/v1
kind: ApplicationInsights
metadata: {name: appi-assets}
spec: {kind: web, properties: {Application_Type: web}}
---
apiVersion: converge/v1
kind: Workspace
metadata: {name: ws-assets}
spec:
  identity: {type: SystemAssigned}
  properties:
    storageAccount: ${ref:StorageAccount/stassets}
    keyVault: ${ref:KeyVault/kv-assets}
    applicationInsights: ${ref:ApplicationInsights/appi-assets}
)"},
        {"env.yaml", R"(apiVersion: converge/v1
kind: Environment
metadata:
  name: sklearn
  version: 1
spec:
  properties:
    description: scikit-learn on Ubuntu
    image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
    condaFile: |
      name: sklearn
      dependencies:
        - python=3.10
        - scikit-learn
    tags: {team: ml}
---
apiVersion: converge/v1
kind: Environment
metadata:
  name: serving
  version: "2"
spec:
  properties:
    image: docker.io/tensorflow/serving:latest
    inferenceConfig:
      scoringRoute: {path: /score, port: 8501}
      livenessRoute: {path: /health, port: 8501}
      readinessRoute: {path: /ready, port: 8501}
)"},
        {"datastore.yaml", R"(apiVersion: converge/v1
kind: Datastore
metadata: {name: training_data}
spec:
  properties:
    datastoreType: AzureBlob
    accountName: stassets
    containerName: training
    description: raw training data
    credentials:
      credentialsType: AccountKey
      secrets:
        secretsType: AccountKey
        key: ${var:key}
---
apiVersion: converge/v1
kind: Datastore
metadata: {name: curated}
spec:
  properties:
    datastoreType: AzureBlob
    accountName: stassets
    containerName: curated
    endpoint: core.windows.net
    protocol: https
    serviceDataAccessAuthIdentity: WorkspaceSystemAssignedIdentity
    credentials: {credentialsType: None}
)"},
    };
    apply_edits(files, edits);
    return files;
}

DesiredSet load(E2e& e2e, const testing::Edits& edits = {}, const std::string& key = k_key) {
    auto loaded = e2e.load(stack(edits), config(key));
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return std::move(loaded.desired);
}

void check_no_key(const std::string& text) {
    for (const std::string& key : {k_key, k_key2}) {
        CHECK_MESSAGE(text.find(key) == std::string::npos, text);
    }
}

std::string workspace_id(E2e& e2e) {
    return "/subscriptions/" + e2e.subscription() +
           "/resourceGroups/rg-assets/providers/Microsoft.MachineLearningServices/workspaces/ws-assets";
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("environments and datastores are created after their workspace; a second apply writes nothing") {
    E2e e2e;
    const DesiredSet desired = load(e2e);
    const auto first = e2e.plan(desired);
    const std::string changes = changes_of(first.plan);
    CHECK(changes.find("create Environment/sklearn@1\n") != std::string::npos);
    CHECK(changes.find("create Environment/serving@2\n") != std::string::npos);
    CHECK(changes.find("create Datastore/training_data\n") != std::string::npos);
    CHECK(changes.find("create Datastore/curated\n") != std::string::npos);
    check_no_key(render_text(first.plan));
    check_no_key(render_json(first.plan));
    check_no_key(render_markdown(first.plan));
    check_no_key(save_plan(first.plan, desired, e2e.observe(desired)));
    check_no_key(first.diagnostics.to_string());
    require_ok(e2e.apply(desired));
    require_converged(e2e, desired);

    // The service never returns the key; the emulator received it (listSecrets).
    const auto ds = e2e.api().get(workspace_id(e2e) + "/datastores/training_data", "2025-12-01");
    REQUIRE(ds.has_value());
    check_no_key(ds->dump());
    CHECK(ds->at("properties").at("credentials").at("credentialsType") == "AccountKey");
    CHECK(ds->at("properties").at("endpoint") == "core.windows.net");  // a server default
    const auto env = e2e.api().get(workspace_id(e2e) + "/environments/sklearn/versions/1", "2025-12-01");
    REQUIRE(env.has_value());
    CHECK(env->at("properties").at("osType") == "Linux");
    CHECK(env->at("properties").at("environmentType") == "UserCreated");
    // Each workspace has its default datastore, on a container of its storage account.
    const auto blobstore = e2e.api().get(workspace_id(e2e) + "/datastores/workspaceblobstore", "2025-12-01");
    REQUIRE(blobstore.has_value());
    CHECK(blobstore->at("properties").at("isDefault") == true);
    CHECK(blobstore->at("properties").at("accountName") == "stassets");

    e2e.reset_counts();
    const auto second = e2e.apply(desired);
    CHECK(second.steps.empty());
    CHECK(e2e.writes() == 0);
}

TEST_CASE("an environment's description is updated in place; its image replaces the version") {
    E2e e2e;
    require_ok(e2e.apply(load(e2e)));
    const DesiredSet described = load(e2e, {{"description: scikit-learn on Ubuntu", "description: sklearn 1.5"}});
    CHECK(changes_of(e2e.plan(described).plan) == "update Environment/sklearn@1\n");
    require_ok(e2e.apply(described));
    require_converged(e2e, described);

    const DesiredSet rebased = load(e2e, {{"description: scikit-learn on Ubuntu", "description: sklearn 1.5"},
                                          {"openmpi4.1.0-ubuntu22.04:latest", "openmpi5.0-ubuntu24.04:latest"}});
    const auto planned = e2e.plan(rebased);
    CHECK(changes_of(planned.plan) == "replace Environment/sklearn@1\n");
    const auto result = e2e.apply(rebased);
    require_ok(result);
    require_converged(e2e, rebased);
}

TEST_CASE("a datastore's rotated key is an update that shows no key; its container replaces it") {
    E2e e2e;
    require_ok(e2e.apply(load(e2e)));
    const DesiredSet rotated = load(e2e, {}, k_key2);
    const ObservedState before = e2e.observe(rotated);
    const auto planned = e2e.plan(rotated);
    CHECK(changes_of(planned.plan) == "update Datastore/training_data\n");
    check_no_key(render_text(planned.plan));
    check_no_key(render_json(planned.plan));
    check_no_key(render_markdown(planned.plan));
    check_no_key(save_plan(planned.plan, rotated, before));
    require_ok(e2e.apply(rotated));
    require_converged(e2e, rotated);

    const DesiredSet moved = load(e2e, {{"containerName: curated", "containerName: curated2"}}, k_key2);
    CHECK(changes_of(e2e.plan(moved).plan) == "replace Datastore/curated\n");
    require_ok(e2e.apply(moved));
    require_converged(e2e, moved);
}

TEST_CASE("an Environment needs a version and an image or a build context") {
    E2e e2e;
    auto no_version = e2e.load({{"env.yaml", "apiVersion: converge/v1\nkind: Environment\nmetadata: {name: e}\n"
                                             "spec: {properties: {image: x}}\n"}},
                               config(k_key));
    CHECK(no_version.diagnostics.to_string().find(
              "missing required field \"version\" in metadata (an Environment is one environment version)") !=
          std::string::npos);
    auto no_image = e2e.load({{"env.yaml", "apiVersion: converge/v1\nkind: Environment\nmetadata: {name: e, version: 1}\n"
                                           "spec: {properties: {condaFile: x}}\n"}},
                             config(k_key));
    CHECK(no_image.diagnostics.has_errors());
    auto no_secret = e2e.load({{"ds.yaml", "apiVersion: converge/v1\nkind: Datastore\nmetadata: {name: d}\n"
                                           "spec: {properties: {datastoreType: AzureBlob, accountName: st1, "
                                           "containerName: c1c, credentials: {credentialsType: AccountKey}}}\n"}},
                              config(k_key));
    CHECK(no_secret.diagnostics.has_errors());
}

}  // TEST_SUITE
