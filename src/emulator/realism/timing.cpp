// How long provisioning takes, per type: short for tests, or Azure's real durations scaled.
#include "realism/realism.hpp"

#include <utility>

namespace emulator::realism {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Durations {
    seconds create;
    seconds update;
    seconds remove;
};

// Real-world figures and their sources: docs/emulator-realism.md, "Timings".
Durations real_world(Kind kind, std::string_view compute_type) {
    switch (kind) {
        case Kind::resource_group: return {seconds(2), seconds(2), seconds(60)};
        case Kind::storage_account: return {seconds(25), seconds(5), seconds(10)};
        case Kind::key_vault: return {seconds(20), seconds(5), seconds(10)};
        case Kind::app_insights: return {seconds(17), seconds(5), seconds(10)};
        case Kind::container_registry: return {seconds(30), seconds(10), seconds(30)};
        case Kind::workspace: return {seconds(600), seconds(30), seconds(120)};
        case Kind::compute:
            if (compute_type == "ComputeInstance") {
                return {seconds(420), seconds(60), seconds(180)};
            }
            return {seconds(480), seconds(60), seconds(120)};
        case Kind::online_endpoint: return {seconds(90), seconds(60), seconds(120)};
        case Kind::online_deployment: return {seconds(720), seconds(480), seconds(240)};
        case Kind::model_container:
        case Kind::model_version:
        case Kind::environment_version:
        case Kind::datastore:
        case Kind::other: return {seconds(0), seconds(0), seconds(0)};
    }
    return {seconds(0), seconds(0), seconds(0)};
}

}  // namespace

milliseconds real_world_duration(Kind kind, Phase phase, std::string_view compute_type) {
    const Durations d = real_world(kind, compute_type);
    switch (phase) {
        case Phase::create: return d.create;
        case Phase::update: return d.update;
        case Phase::remove: return d.remove;
    }
    return milliseconds(0);
}

std::map<std::string, milliseconds> real_world_durations() {
    const std::pair<Kind, const char*> types[] = {
        {Kind::storage_account, "Microsoft.Storage/storageAccounts"},
        {Kind::key_vault, "Microsoft.KeyVault/vaults"},
        {Kind::app_insights, "Microsoft.Insights/components"},
        {Kind::container_registry, "Microsoft.ContainerRegistry/registries"},
        {Kind::workspace, "Microsoft.MachineLearningServices/workspaces"},
        {Kind::compute, "Microsoft.MachineLearningServices/workspaces/computes"},
        {Kind::online_endpoint, "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"},
        {Kind::online_deployment, "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"},
    };
    std::map<std::string, milliseconds> out;
    out["Microsoft.Resources/resourceGroups#delete"] = real_world_duration(Kind::resource_group, Phase::remove);
    for (const auto& [kind, type] : types) {
        out[type] = real_world_duration(kind, Phase::create);
        out[std::string(type) + "#update"] = real_world_duration(kind, Phase::update);
        out[std::string(type) + "#delete"] = real_world_duration(kind, Phase::remove);
    }
    return out;
}

}  // namespace emulator::realism
