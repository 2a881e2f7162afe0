#include "observed.hpp"

#include "converge/observe.hpp"
#include "converge/ownership.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace bench {

namespace {

using converge::Json;

// "West Europe" -> "westeurope", as ARM answers.
std::string canonical_location(std::string text) {
    text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
    return converge::to_lower(text);
}

Json system_data() {
    return {{"createdAt", "2026-11-26T07:00:00.0000000Z"}, {"createdBy", "bench"},
            {"createdByType", "Application"}, {"lastModifiedAt", "2026-11-26T07:00:00.0000000Z"},
            {"lastModifiedBy", "bench"}, {"lastModifiedByType", "Application"}};
}

void add_server_fields(const converge::Resource& r, Json& body, std::size_t serial) {
    Json& props = body["properties"];
    props["provisioningState"] = "Succeeded";
    const std::string_view kind = r.kind->name;
    if (kind == "Workspace") {
        props["workspaceId"] = fmt::format("00000000-0000-0000-0000-{:012}", serial);
        props["discoveryUrl"] = "https://westeurope.api.azureml.ms/discovery";
        props["hbiWorkspace"] = false;
        props["v1LegacyMode"] = false;
        props["publicNetworkAccess"] = "Enabled";
        body["identity"]["principalId"] = fmt::format("11111111-0000-0000-0000-{:012}", serial);
        body["identity"]["tenantId"] = "00000000-0000-0000-0000-0000000000aa";
        // Azure returns the linked ids lower-cased (azure-rest-api-specs issue 8323).
        for (const char* link : {"storageAccount", "keyVault", "applicationInsights", "containerRegistry"}) {
            if (props.contains(link) && props[link].is_string()) {
                props[link] = converge::to_lower(props[link].get<std::string>());
            }
        }
    } else if (kind == "Compute") {
        props["createdOn"] = "2026-11-26T07:00:00.0000000+00:00";
        props["modifiedOn"] = "2026-11-26T07:00:00.0000000+00:00";
        props["isAttachedCompute"] = false;
        Json& inner = props["properties"];
        inner["osType"] = "Linux";
        inner["enableNodePublicIp"] = true;
        inner["remoteLoginPortPublicAccess"] = "Enabled";
        inner["allocationState"] = "Steady";
        inner["currentNodeCount"] = 0;
        inner["targetNodeCount"] = 0;
        inner["nodeStateCounts"] = {{"idleNodeCount", 0}, {"runningNodeCount", 0}, {"preparingNodeCount", 0}};
        if (inner.contains("vmSize") && inner["vmSize"].is_string()) {
            inner["vmSize"] = converge::to_lower(inner["vmSize"].get<std::string>());
        }
        Json& scale = inner["scaleSettings"];
        if (scale.value("nodeIdleTimeBeforeScaleDown", "") == "PT1800S") {
            scale["nodeIdleTimeBeforeScaleDown"] = "PT30M";
        }
    } else if (kind == "Model") {
        props["isAnonymous"] = false;
        props["isArchived"] = false;
    } else if (kind == "StorageAccount") {
        props["primaryEndpoints"] = {{"blob", fmt::format("https://{}.blob.core.windows.net/", r.id.name())}};
        props["creationTime"] = "2026-11-26T07:00:00.0000000Z";
    } else if (kind == "KeyVault") {
        props["vaultUri"] = fmt::format("https://{}.vault.azure.net/", r.id.name());
        props["enableSoftDelete"] = true;
    } else if (kind == "ApplicationInsights") {
        props["InstrumentationKey"] = fmt::format("22222222-0000-0000-0000-{:012}", serial);
        props["ConnectionString"] = "InstrumentationKey=...";
    } else if (kind == "ContainerRegistry") {
        props["loginServer"] = fmt::format("{}.azurecr.io", r.id.name());
    }
}

}  // namespace

converge::ObservedState converged_state(const converge::DesiredSet& desired, std::size_t drift_every,
                                        std::size_t& drifted) {
    const converge::ObservedNeeds needs(desired);
    converge::ObservedState out;
    out.resources.reserve(desired.resources.size());
    drifted = 0;
    std::size_t computes = 0;
    std::size_t serial = 0;
    // Kept alive for the loop: items() of a temporary would dangle inside a range-for.
    const Json owner_tags = converge::ownership::tags(desired.stack);
    for (const auto& r : desired.resources) {
        Json body = r.body;
        body["id"] = r.id.str();
        body["name"] = r.id.name();
        body["type"] = r.arm_type;
        body["systemData"] = system_data();
        if (body.contains("location") && body["location"].is_string()) {
            body["location"] = canonical_location(body["location"].get<std::string>());
        }
        add_server_fields(r, body, ++serial);
        // The ownership tags apply adds (on the envelope, or in properties for ML assets).
        Json& tags = r.kind->tags == converge::TagsAt::properties ? body["properties"]["tags"] : body["tags"];
        for (const auto& [key, value] : owner_tags.items()) {
            tags[key] = value;
        }
        if (r.kind->name == "Compute" && drift_every > 0 && computes++ % drift_every == 0) {
            body["properties"]["properties"]["scaleSettings"]["maxNodeCount"] = 99;
            ++drifted;
        }
        // What observe keeps of the item as it arrives: the bench measures what converge holds.
        // Keyed by the id parsed from the item, as observe does (not a copy sharing r.id's text).
        out.resources.emplace(*converge::ResourceId::parse(r.id.str()), needs.project(r.id, std::move(body)));
    }
    return out;
}

}  // namespace bench
