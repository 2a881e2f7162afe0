#include "estate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace bench {

namespace {

constexpr std::size_t k_per_workspace = 100;
constexpr std::size_t k_workspaces_per_group = 5;
constexpr std::size_t k_dependencies = 4;  // storage, key vault, app insights, registry

// Spreads `total` over `parts` as evenly as possible: {10, 3} -> {4, 3, 3}.
std::vector<std::size_t> spread(std::size_t total, std::size_t parts) {
    std::vector<std::size_t> out(parts, total / parts);
    for (std::size_t i = 0; i < total % parts; ++i) {
        ++out[i];
    }
    return out;
}

std::string dependency_name(const char* prefix, std::size_t w) {
    return fmt::format("{}bench{:04}", prefix, w);
}

void write_file(const std::filesystem::path& path, const std::string& text, std::size_t& bytes) {
    std::ofstream out(path, std::ios::binary);
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
    out << text;
    bytes += text.size();
}

std::string config_yaml(const std::string& subscription) {
    return fmt::format(
        "apiVersion: converge/v1\n"
        "stack: {}\n"
        "defaults:\n"
        "  subscription: {}\n"
        "  location: {}\n"
        "  tags:\n"
        "    owner: bench\n"
        "variables:\n"
        "  vmSize: STANDARD_DS3_V2\n",
        k_stack, subscription, k_location_display);
}

std::string group_yaml(std::size_t g) {
    return fmt::format(
        "apiVersion: converge/v1\n"
        "kind: ResourceGroup\n"
        "metadata:\n"
        "  name: {}\n"
        "spec: {{}}\n",
        group_name(g));
}

std::string dependencies_yaml(const std::string& rg, std::size_t w) {
    const std::string sa = dependency_name("sa", w);
    const std::string kv = dependency_name("kv", w);
    const std::string ai = dependency_name("ai", w);
    const std::string acr = dependency_name("acr", w);
    return fmt::format(
        "apiVersion: converge/v1\nkind: StorageAccount\nmetadata:\n  name: {sa}\n  resourceGroup: {rg}\n"
        "spec:\n  kind: StorageV2\n  sku:\n    name: Standard_LRS\n"
        "  properties:\n    minimumTlsVersion: TLS1_2\n    allowBlobPublicAccess: false\n---\n"
        "apiVersion: converge/v1\nkind: KeyVault\nmetadata:\n  name: {kv}\n  resourceGroup: {rg}\n"
        "spec:\n  properties:\n    tenantId: 00000000-0000-0000-0000-0000000000aa\n"
        "    sku:\n      family: A\n      name: standard\n    accessPolicies: []\n---\n"
        "apiVersion: converge/v1\nkind: ApplicationInsights\nmetadata:\n  name: {ai}\n  resourceGroup: {rg}\n"
        "spec:\n  kind: web\n  properties:\n    Application_Type: web\n---\n"
        "apiVersion: converge/v1\nkind: ContainerRegistry\nmetadata:\n  name: {acr}\n  resourceGroup: {rg}\n"
        "spec:\n  sku:\n    name: Basic\n  properties:\n    adminUserEnabled: false\n---\n",
        fmt::arg("sa", sa), fmt::arg("kv", kv), fmt::arg("ai", ai), fmt::arg("acr", acr),
        fmt::arg("rg", rg));
}

std::string workspace_yaml(const std::string& rg, std::size_t w) {
    return fmt::format(
        "apiVersion: converge/v1\nkind: Workspace\nmetadata:\n  name: {ws}\n  resourceGroup: {rg}\n"
        "spec:\n  identity:\n    type: SystemAssigned\n  sku:\n    name: Basic\n    tier: Basic\n"
        "  properties:\n    friendlyName: Bench workspace {w}\n"
        "    storageAccount: ${{ref:StorageAccount/{sa}}}\n"
        "    keyVault: ${{ref:KeyVault/{kv}}}\n"
        "    applicationInsights: ${{ref:ApplicationInsights/{ai}}}\n"
        "    containerRegistry: ${{ref:ContainerRegistry/{acr}}}\n",
        fmt::arg("ws", workspace_name(w)), fmt::arg("rg", rg), fmt::arg("w", w),
        fmt::arg("sa", dependency_name("sa", w)), fmt::arg("kv", dependency_name("kv", w)),
        fmt::arg("ai", dependency_name("ai", w)), fmt::arg("acr", dependency_name("acr", w)));
}

std::string compute_yaml(const std::string& rg, const std::string& ws, std::size_t c) {
    // Non-canonical duration (PT1800S) and mixed-case enum: the differ must not report them.
    return fmt::format(
        "apiVersion: converge/v1\nkind: Compute\nmetadata:\n  name: {c}\n  resourceGroup: {rg}\n"
        "  workspace: {ws}\n"
        "spec:\n  properties:\n    computeType: AmlCompute\n    description: bench cluster {i}\n"
        "    properties:\n      vmSize: ${{var:vmSize}}\n      vmPriority: {prio}\n"
        "      scaleSettings:\n        minNodeCount: 0\n        maxNodeCount: {max}\n"
        "        nodeIdleTimeBeforeScaleDown: PT1800S\n---\n",
        fmt::arg("c", compute_name(c)), fmt::arg("rg", rg), fmt::arg("ws", ws), fmt::arg("i", c),
        fmt::arg("prio", c % 3 == 0 ? "LowPriority" : "Dedicated"), fmt::arg("max", 2 + c % 7));
}

std::string model_yaml(const std::string& rg, const std::string& ws, std::size_t m, std::size_t v) {
    return fmt::format(
        "apiVersion: converge/v1\nkind: Model\nmetadata:\n  name: {m}\n  version: \"{v}\"\n"
        "  resourceGroup: {rg}\n  workspace: {ws}\n"
        "spec:\n  properties:\n    description: bench model {m} version {v}\n    modelType: custom_model\n"
        "    modelUri: azureml://datastores/workspaceblobstore/paths/models/{m}/{v}/\n"
        "    tags:\n      stage: bench\n---\n",
        fmt::arg("m", model_name(m)), fmt::arg("v", v), fmt::arg("rg", rg), fmt::arg("ws", ws));
}

}  // namespace

std::string group_name(std::size_t g) { return fmt::format("rg-bench-{:03}", g); }
std::string workspace_name(std::size_t w) { return fmt::format("ws-bench-{:04}", w); }
std::string compute_name(std::size_t c) { return fmt::format("cpu-{:04}", c); }
std::string model_name(std::size_t m) { return fmt::format("model-{:02}", m); }

EstateShape EstateShape::for_size(std::size_t n, bool models) {
    n = std::max<std::size_t>(n, 7);
    EstateShape s;
    s.workspaces = std::max<std::size_t>(1, (n + k_per_workspace / 2) / k_per_workspace);
    s.groups = (s.workspaces + k_workspaces_per_group - 1) / k_workspaces_per_group;
    // Shrink until every workspace has at least one child.
    while (s.groups + s.workspaces * (k_dependencies + 2) > n && s.workspaces > 1) {
        --s.workspaces;
        s.groups = (s.workspaces + k_workspaces_per_group - 1) / k_workspaces_per_group;
    }
    const std::size_t children = n - s.groups - s.workspaces * (k_dependencies + 1);
    const std::size_t computes = models ? children / 2 : children;
    s.computes = spread(computes, s.workspaces);
    s.versions = spread(children - computes, s.workspaces);
    s.models_per_workspace = models ? std::clamp<std::size_t>(children / s.workspaces / 12, 1, 4) : 0;
    return s;
}

std::size_t EstateShape::total_computes() const {
    std::size_t t = 0;
    for (auto c : computes) {
        t += c;
    }
    return t;
}

std::size_t EstateShape::total_versions() const {
    std::size_t t = 0;
    for (auto v : versions) {
        t += v;
    }
    return t;
}

std::size_t EstateShape::resources() const {
    return groups + workspaces * (k_dependencies + 1) + total_computes() + total_versions();
}

std::size_t EstateShape::versions_of(std::size_t w, std::size_t m) const {
    if (models_per_workspace == 0) {
        return 0;
    }
    return spread(versions[w], models_per_workspace)[m];
}

std::string EstateShape::describe() const {
    return fmt::format("{} groups, {} workspaces x ({} deps + ~{} computes + ~{} model versions in {} models)",
                       groups, workspaces, k_dependencies, total_computes() / workspaces,
                       total_versions() / workspaces, models_per_workspace);
}

std::size_t write_manifests(const EstateShape& shape, const std::filesystem::path& dir,
                            const std::string& subscription) {
    std::filesystem::create_directories(dir);
    std::size_t bytes = 0;
    write_file(dir / "converge.yaml", config_yaml(subscription), bytes);
    for (std::size_t g = 0; g < shape.groups; ++g) {
        write_file(dir / fmt::format("{}.yaml", group_name(g)), group_yaml(g), bytes);
    }
    for (std::size_t w = 0; w < shape.workspaces; ++w) {
        const std::string rg = group_name(shape.group_of(w));
        const std::string ws = workspace_name(w);
        write_file(dir / fmt::format("{}.yaml", ws), dependencies_yaml(rg, w) + workspace_yaml(rg, w), bytes);
        std::string computes;
        for (std::size_t c = 0; c < shape.computes[w]; ++c) {
            computes += compute_yaml(rg, ws, c);
        }
        if (!computes.empty()) {
            write_file(dir / fmt::format("{}-computes.yaml", ws), computes, bytes);
        }
        std::string models;
        for (std::size_t m = 0; m < shape.models_per_workspace; ++m) {
            for (std::size_t v = 1; v <= shape.versions_of(w, m); ++v) {
                models += model_yaml(rg, ws, m, v);
            }
        }
        if (!models.empty()) {
            write_file(dir / fmt::format("{}-models.yaml", ws), models, bytes);
        }
    }
    return bytes;
}

}  // namespace bench
