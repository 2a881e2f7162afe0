// ARM ids and types: the casing Azure answers with, and which realism rules a type gets.
#include "realism/realism.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

namespace emulator::realism {

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Namespaces as ARM writes them in ids. Application Insights is the exception Azure keeps
// lower-case ("microsoft.insights/components"), as in the workspace examples of the ML spec.
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> k_namespaces = {{
    {"microsoft.resources", "Microsoft.Resources"},
    {"microsoft.storage", "Microsoft.Storage"},
    {"microsoft.keyvault", "Microsoft.KeyVault"},
    {"microsoft.insights", "microsoft.insights"},
    {"microsoft.containerregistry", "Microsoft.ContainerRegistry"},
    {"microsoft.machinelearningservices", "Microsoft.MachineLearningServices"},
    {"microsoft.network", "Microsoft.Network"},
    {"microsoft.managedidentity", "Microsoft.ManagedIdentity"},
    {"microsoft.compute", "Microsoft.Compute"},
    {"microsoft.operationalinsights", "Microsoft.OperationalInsights"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 19> k_types = {{
    {"storageaccounts", "storageAccounts"},
    {"vaults", "vaults"},
    {"components", "components"},
    {"registries", "registries"},
    {"workspaces", "workspaces"},
    {"computes", "computes"},
    {"models", "models"},
    {"environments", "environments"},
    {"datastores", "datastores"},
    {"versions", "versions"},
    {"onlineendpoints", "onlineEndpoints"},
    {"deployments", "deployments"},
    {"virtualnetworks", "virtualNetworks"},
    {"subnets", "subnets"},
    {"userassignedidentities", "userAssignedIdentities"},
    {"privateendpoints", "privateEndpoints"},
    {"galleries", "galleries"},
    {"images", "images"},
    {"keys", "keys"},
}};

template <std::size_t N>
std::string lookup(const std::array<std::pair<std::string_view, std::string_view>, N>& table,
                   std::string_view segment) {
    const std::string key = lower(segment);
    for (const auto& [from, to] : table) {
        if (from == key) {
            return std::string(to);
        }
    }
    return std::string(segment);
}

std::vector<std::string> split(std::string_view id) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= id.size()) {
        const auto slash = id.find('/', start);
        const auto end = slash == std::string_view::npos ? id.size() : slash;
        out.emplace_back(id.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

}  // namespace

std::string lower_id(std::string_view id) { return lower(id); }

std::string canonical_id(std::string_view id) {
    auto segments = split(id);
    // segments[0] is "" for a leading slash: walk keyword / value pairs after it.
    for (std::size_t i = 1; i + 1 < segments.size(); i += 2) {
        const std::string key = lower(segments[i]);
        if (key == "subscriptions") {
            segments[i] = "subscriptions";
        } else if (key == "resourcegroups") {
            segments[i] = "resourceGroups";
        } else if (key == "providers") {
            segments[i] = "providers";
            segments[i + 1] = lookup(k_namespaces, segments[i + 1]);
        } else {
            segments[i] = lookup(k_types, segments[i]);
        }
    }
    std::string out;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        out += (i == 0 ? "" : "/") + segments[i];
    }
    return out;
}

Kind kind_of(std::string_view arm_type) {
    static const std::array<std::pair<std::string_view, Kind>, 14> table = {{
        {"microsoft.resources/resourcegroups", Kind::resource_group},
        {"microsoft.storage/storageaccounts", Kind::storage_account},
        {"microsoft.keyvault/vaults", Kind::key_vault},
        {"microsoft.insights/components", Kind::app_insights},
        {"microsoft.containerregistry/registries", Kind::container_registry},
        {"microsoft.machinelearningservices/workspaces", Kind::workspace},
        {"microsoft.machinelearningservices/workspaces/computes", Kind::compute},
        {"microsoft.machinelearningservices/workspaces/models", Kind::model_container},
        {"microsoft.machinelearningservices/workspaces/models/versions", Kind::model_version},
        {"microsoft.machinelearningservices/workspaces/environments", Kind::model_container},
        {"microsoft.machinelearningservices/workspaces/environments/versions", Kind::environment_version},
        {"microsoft.machinelearningservices/workspaces/datastores", Kind::datastore},
        {"microsoft.machinelearningservices/workspaces/onlineendpoints", Kind::online_endpoint},
        {"microsoft.machinelearningservices/workspaces/onlineendpoints/deployments",
         Kind::online_deployment},
    }};
    const std::string key = lower(arm_type);
    for (const auto& [type, kind] : table) {
        if (type == key) {
            return kind;
        }
    }
    return Kind::other;
}

}  // namespace emulator::realism
