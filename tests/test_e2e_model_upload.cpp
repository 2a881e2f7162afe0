// End-to-end: a Model whose `path:` is a local directory (docs/model-upload.md) against the
// emulator: apply uploads it to the workspace's default datastore under a content-addressed
// prefix and registers the version with that modelUri; a second apply uploads nothing; a
// recreated version finds its files there; changed content is a new prefix and a new version.
#include "e2e_fixture.hpp"

#include "converge/render.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace converge;
using converge::testing::changes_of;
using converge::testing::E2e;
using converge::testing::workspace_manifests;
using converge::testing::require_converged;
using converge::testing::require_ok;

namespace fs = std::filesystem;

namespace {

const std::string k_config = "apiVersion: converge/v1\nstack: upload\ndefaults:\n  resourceGroup: rg-up\n"
                             "  location: westeurope\n  workspace: ws-up\n";
const std::string k_blob_puts = "PUT /{account}/{container}/{blob*}";

const std::string k_base = workspace_manifests("up") + R"(---
apiVersion: converge/v1
kind: Environment
metadata: {name: infer, version: 1}
spec:
  properties:
    image: mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest
---
apiVersion: converge/v1
kind: Datastore
metadata: {name: features}
spec:
  properties:
    datastoreType: AzureBlob
    accountName: stup
    containerName: features
    credentials: {credentialsType: None}
)";

/// A temporary directory holding model/ (three files, one above the 4 MiB block size).
struct ModelDir {
    fs::path root;

    ModelDir() {
        std::string templ = (fs::temp_directory_path() / "converge-model-XXXXXX").string();
        REQUIRE(::mkdtemp(templ.data()) != nullptr);
        root = templ;
        fs::create_directories(root / "model" / "sub");
        write("model/model.pkl", "pickled-model-v1");
        write("model/sub/config.json", R"({"threshold": 0.5})");
        write("model/weights.bin", std::string(4 * 1024 * 1024 + 100, 'w'));
    }
    ~ModelDir() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    void write(const std::string& name, const std::string& content) const {
        std::ofstream(root / name, std::ios::binary) << content;
    }
};

std::string model_yaml(const ModelDir& dir, const std::string& version) {
    return "apiVersion: converge/v1\nkind: Model\nmetadata:\n  name: churn\n  version: \"" + version +
           "\"\nspec:\n  path: " + (dir.root / "model").string() +
           "\n  properties:\n    modelType: custom_model\n    description: churn classifier\n";
}

DesiredSet load(E2e& e2e, const ModelDir& dir, const std::string& version = "1") {
    auto loaded = e2e.load({{"base.yaml", k_base}, {"model.yaml", model_yaml(dir, version)}}, k_config);
    REQUIRE_MESSAGE(!loaded.diagnostics.has_errors(), loaded.diagnostics.to_string());
    return std::move(loaded.desired);
}

std::uint64_t blob_puts(E2e& e2e) {
    const auto stats = e2e.emu().stats();
    const auto it = stats.by_route.find(k_blob_puts);
    return it == stats.by_route.end() ? 0 : it->second;
}

std::string workspace_id(E2e& e2e) {
    return "/subscriptions/" + e2e.subscription() +
           "/resourceGroups/rg-up/providers/Microsoft.MachineLearningServices/workspaces/ws-up";
}

Json model_version(E2e& e2e, const std::string& version) {
    auto got = e2e.api().get(workspace_id(e2e) + "/models/churn/versions/" + version, "2025-12-01");
    REQUIRE(got.has_value());
    return *got;
}

/// The blob's content, read with the storage token the way apply wrote it.
std::string blob(E2e& e2e, const std::string& name) {
    auto store = e2e.api().get(workspace_id(e2e) + "/datastores/workspaceblobstore", "2025-12-01");
    REQUIRE(store.has_value());
    const Json& p = store->at("properties");
    CallOptions options;
    options.audience = "https://storage.azure.com";
    options.headers.set("x-ms-version", "2023-11-03");
    auto r = e2e.client().send("GET",
                               e2e.client().options().arm_endpoint + "/" + p.at("accountName").get<std::string>() +
                                   "/" + p.at("containerName").get<std::string>() + "/" + name,
                               "", "", options);
    REQUIRE(r.has_value());
    REQUIRE(r->status == 200);
    return r->body;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("a model's local directory is uploaded once, content-addressed, and registered with its modelUri") {
    ModelDir dir;
    E2e e2e;
    const DesiredSet desired = load(e2e, dir);
    const auto planned = e2e.plan(desired);
    const std::string text = render_text(planned.plan);
    CHECK(changes_of(planned.plan).find("create Model/churn@1\n") != std::string::npos);
    CHECK_MESSAGE(text.find("\"files\":3") != std::string::npos, text);  // the plan says what is uploaded
    CHECK_MESSAGE(text.find(std::to_string(4 * 1024 * 1024 + 100 + 16 + 18)) != std::string::npos, text);
    require_ok(e2e.apply(desired));
    require_converged(e2e, desired);
    // Put Blob x2, then Put Block x2 + Put Block List for the 4 MiB + 100 bytes file.
    CHECK(blob_puts(e2e) == 5);

    const std::string uri = model_version(e2e, "1").at("properties").at("modelUri").get<std::string>();
    const std::string prefix = "azureml://subscriptions/" + e2e.subscription() +
                               "/resourcegroups/rg-up/workspaces/ws-up/datastores/workspaceblobstore/paths/LocalUpload/";
    REQUIRE(uri.starts_with(prefix));
    CHECK(uri.ends_with("/model"));
    const std::string path = uri.substr(uri.find("/paths/") + 7);
    CHECK(blob(e2e, path + "/model.pkl") == "pickled-model-v1");
    CHECK(blob(e2e, path + "/sub/config.json") == R"({"threshold": 0.5})");
    CHECK(blob(e2e, path + "/weights.bin") == std::string(4 * 1024 * 1024 + 100, 'w'));

    // Nothing changed: no step, no upload.
    e2e.reset_counts();
    const auto second = e2e.apply(desired);
    CHECK(second.steps.empty());
    CHECK(e2e.writes() == 0);

    // The version deleted behind converge's back: created again, its files are already there.
    WriteRequest drop;
    drop.verb = Verb::remove;
    drop.path = workspace_id(e2e) + "/models/churn/versions/1";
    drop.api_version = "2025-12-01";
    auto dropped = e2e.api().begin(drop);
    REQUIRE(dropped.has_value());
    const std::uint64_t before = blob_puts(e2e);
    require_ok(e2e.apply(desired));
    CHECK(blob_puts(e2e) == before);
    require_converged(e2e, desired);
}

TEST_CASE("changed model files are a new prefix: a new version, or a replace of the same version") {
    ModelDir dir;
    E2e e2e;
    require_ok(e2e.apply(load(e2e, dir)));
    const std::string first = model_version(e2e, "1").at("properties").at("modelUri").get<std::string>();

    dir.write("model/model.pkl", "pickled-model-v2");
    const DesiredSet same_version = load(e2e, dir, "1");
    const auto replace = e2e.plan(same_version);
    CHECK(changes_of(replace.plan) == "replace Model/churn@1\n");
    CHECK(render_text(replace.plan).find("forces replacement") != std::string::npos);

    const DesiredSet next = load(e2e, dir, "2");
    CHECK(changes_of(e2e.plan(next).plan) == "create Model/churn@2\n");
    const std::uint64_t before = blob_puts(e2e);
    require_ok(e2e.apply(next));
    CHECK(blob_puts(e2e) - before == 5);  // the whole tree under its new prefix
    const std::string second = model_version(e2e, "2").at("properties").at("modelUri").get<std::string>();
    CHECK(second != first);
    CHECK(model_version(e2e, "1").at("properties").at("modelUri") == first);  // versions are immutable
    require_converged(e2e, next);
}

TEST_CASE("a model path that does not exist, or next to a modelUri, is a located error") {
    E2e e2e;
    auto missing = e2e.load({{"model.yaml", "apiVersion: converge/v1\nkind: Model\nmetadata: {name: m, version: 1}\n"
                                            "spec:\n  path: /nonexistent/converge/model\n  properties: {}\n"}},
                            k_config);
    const std::string text = missing.diagnostics.to_string();
    CHECK_MESSAGE(text.find("model.yaml:5:9: error: path") !=
                      std::string::npos,
                  text);
    CHECK(text.find("error: path \"/nonexistent/converge/model\" does not exist") != std::string::npos);
    auto both = e2e.load({{"model.yaml", "apiVersion: converge/v1\nkind: Model\nmetadata: {name: m, version: 1}\n"
                                         "spec:\n  path: azureml://x\n  properties: {modelUri: azureml://y}\n"}},
                         k_config);
    CHECK(both.diagnostics.to_string().find("path and properties.modelUri are exclusive") != std::string::npos);
    auto remote = e2e.load({{"model.yaml", "apiVersion: converge/v1\nkind: Model\nmetadata: {name: m, version: 1}\n"
                                           "spec:\n  path: azureml://datastores/workspaceblobstore/paths/m/\n"
                                           "  properties: {}\n"}},
                           k_config);
    REQUIRE_MESSAGE(!remote.diagnostics.has_errors(), remote.diagnostics.to_string());
    CHECK(remote.desired.resources.at(0).body.at("properties").at("modelUri") ==
          "azureml://datastores/workspaceblobstore/paths/m/");
    CHECK_FALSE(remote.desired.resources.at(0).body.contains("path"));
}

}  // TEST_SUITE
