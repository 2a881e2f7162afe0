#include "converge/kinds.hpp"

#include "converge/resource_id.hpp"

#include <vector>

namespace converge {

namespace {

// Sources: ../shared/reference/azure-ml-rest/CONTRACT.md sections 2.1-2.3 and the OpenAPI
// files under spec/ (readOnly, x-ms-mutability, x-ms-secret, PATCH schemas).
const std::vector<std::string_view> k_envelope_read_only = {
    "/id", "/name", "/type", "/systemData", "/etag", "/identity/principalId", "/identity/tenantId",
    "/properties/provisioningState"};

std::vector<std::string_view> with_envelope(std::vector<std::string_view> extra) {
    std::vector<std::string_view> out = k_envelope_read_only;
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

const std::vector<KindInfo>& registry() {
    static const std::vector<KindInfo> kinds = {
        {"ResourceGroup", "Microsoft.Resources/resourceGroups", "2021-04-01", Parent::subscription,
         true, UpdateVerb::put, with_envelope({"/managedBy"}), {"/location"}, {}, {}, {"/location"}},
        {"StorageAccount", "Microsoft.Storage/storageAccounts", "2023-01-01", Parent::resource_group,
         true, UpdateVerb::put,
         with_envelope({"/properties/primaryEndpoints", "/properties/secondaryEndpoints",
                        "/properties/primaryLocation", "/properties/secondaryLocation",
                        "/properties/statusOfPrimary", "/properties/statusOfSecondary",
                        "/properties/creationTime", "/properties/keyCreationTime"}),
         {"/location"}, {}, {}, {"/location", "/kind", "/sku/name"}},
        {"KeyVault", "Microsoft.KeyVault/vaults", "2023-07-01", Parent::resource_group, true,
         UpdateVerb::put, with_envelope({"/properties/vaultUri", "/properties/hsmPoolResourceId"}),
         {"/location"}, {}, {}, {"/location", "/properties/sku/name", "/properties/sku/family"}},
        {"ApplicationInsights", "Microsoft.Insights/components", "2020-02-02", Parent::resource_group,
         true, UpdateVerb::put,
         with_envelope({"/properties/AppId", "/properties/ApplicationId", "/properties/InstrumentationKey",
                        "/properties/ConnectionString", "/properties/CreationDate", "/properties/TenantId",
                        "/properties/Name", "/properties/HockeyAppId", "/properties/HockeyAppToken",
                        "/properties/LaMigrationDate", "/properties/PrivateLinkScopedResources"}),
         {"/location", "/kind"}, {}, {}, {"/location", "/kind"}},
        {"ContainerRegistry", "Microsoft.ContainerRegistry/registries", "2023-07-01",
         Parent::resource_group, true, UpdateVerb::put,
         with_envelope({"/properties/loginServer", "/properties/creationDate", "/properties/status",
                        "/properties/dataEndpointHostNames", "/properties/privateEndpointConnections"}),
         {"/location"}, {}, {}, {"/location", "/sku/name"}},
        {"ArmResource", "", "", Parent::resource_group, true, UpdateVerb::put, k_envelope_read_only,
         {"/location", "/kind"}, {}, {}, {"/location"}},
        {"Workspace", "Microsoft.MachineLearningServices/workspaces", "2025-12-01",
         Parent::resource_group, true, UpdateVerb::patch,
         with_envelope({"/properties/workspaceId", "/properties/serviceProvisionedResourceGroup",
                        "/properties/privateLinkCount", "/properties/privateEndpointConnections",
                        "/properties/notebookInfo", "/properties/tenantId", "/properties/storageHnsEnabled",
                        "/properties/mlFlowTrackingUri", "/properties/managedNetwork/networkId",
                        "/properties/discoveryUrl", "/properties/creationTime"}),
         {"/location", "/kind", "/properties/storageAccount", "/properties/keyVault",
          "/properties/hbiWorkspace", "/properties/allowPublicAccessWhenBehindVnet",
          "/properties/encryption/status", "/properties/encryption/keyVaultProperties/keyVaultArmId",
          "/properties/enableServiceSideCMKEncryption", "/properties/hubResourceId"},
         {}, {},
         {"/location", "/kind", "/sku/name", "/sku/tier", "/identity/type", "/properties/storageAccount",
          "/properties/keyVault", "/properties/applicationInsights", "/properties/containerRegistry",
          "/properties/publicNetworkAccess", "/properties/systemDatastoresAuthMode",
          "/properties/encryption/status", "/properties/managedNetwork/isolationMode"},
         {"/properties/provisionNetworkNow"}},
        {"Compute", "Microsoft.MachineLearningServices/workspaces/computes", "2025-12-01",
         Parent::workspace, true, UpdateVerb::patch,
         with_envelope({"/properties/createdOn", "/properties/modifiedOn", "/properties/provisioningErrors",
                        "/properties/isAttachedCompute", "/properties/properties/allocationState",
                        "/properties/properties/allocationStateTransitionTime", "/properties/properties/errors",
                        "/properties/properties/currentNodeCount", "/properties/properties/targetNodeCount",
                        "/properties/properties/nodeStateCounts", "/properties/properties/osImageMetadata",
                        "/properties/properties/connectivityEndpoints", "/properties/properties/applications",
                        "/properties/properties/createdBy", "/properties/properties/state",
                        "/properties/properties/lastOperation", "/properties/properties/containers",
                        "/properties/properties/dataDisks", "/properties/properties/dataMounts",
                        "/properties/properties/versions", "/properties/properties/sshSettings/adminUserName",
                        "/properties/properties/sshSettings/sshPort",
                        "/properties/properties/schedules/computeStartStop/*/id",
                        "/properties/properties/schedules/computeStartStop/*/provisioningStatus",
                        "/properties/properties/systemServices"}),
         {"/location", "/properties/computeType", "/properties/computeLocation",
          "/properties/disableLocalAuth", "/properties/resourceId", "/properties/properties/vmSize",
          "/properties/properties/vmPriority", "/properties/properties/subnet",
          "/properties/properties/osType", "/properties/properties/userAccountCredentials",
          "/properties/properties/remoteLoginPortPublicAccess",
          "/properties/properties/enableNodePublicIp", "/properties/properties/virtualMachineImage",
          "/properties/properties/isolatedNetwork", "/properties/description", "/identity"},
         {"/properties/properties/userAccountCredentials/adminUserPassword",
          "/properties/properties/userAccountCredentials/adminUserSshPublicKey"},
         {"/properties/properties/scaleSettings/nodeIdleTimeBeforeScaleDown",
          "/properties/properties/idleTimeBeforeShutdown"},
         {"/location", "/properties/computeType", "/properties/properties/vmSize",
          "/properties/properties/vmPriority", "/properties/properties/osType",
          "/properties/properties/remoteLoginPortPublicAccess", "/properties/properties/subnet/id",
          "/identity/type"},
         {},
         {{"/properties/properties/remoteLoginPortPublicAccess", "NotSpecified"}}},
        {"Model", "Microsoft.MachineLearningServices/workspaces/models/versions", "2025-12-01",
         Parent::model, false, UpdateVerb::put,
         with_envelope({"/properties/provisioningState"}),
         {"/properties/modelUri", "/properties/modelType", "/properties/flavors", "/properties/jobName",
          "/properties/isAnonymous"},
         {}, {}, {"/properties/modelType"}},
    };
    return kinds;
}

}  // namespace

std::span<const KindInfo> all_kinds() { return registry(); }

const KindInfo* find_kind(std::string_view name) {
    for (const auto& k : registry()) {
        if (k.name == name) {
            return &k;
        }
    }
    return nullptr;
}

const KindInfo* find_kind_by_type(std::string_view arm_type) {
    for (const auto& k : registry()) {
        if (!k.arm_type.empty() && iequals(k.arm_type, arm_type)) {
            return &k;
        }
    }
    return nullptr;
}

std::vector<std::string> kind_names() {
    std::vector<std::string> out;
    for (const auto& k : registry()) {
        out.emplace_back(k.name);
    }
    return out;
}

bool path_matches(std::string_view pattern, std::string_view path) {
    // Compare segment by segment; the pattern may be a prefix of the path.
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < pattern.size()) {
        if (j >= path.size()) {
            return false;
        }
        const std::size_t pi = pattern.find('/', i + 1);
        const std::size_t pj = path.find('/', j + 1);
        const auto ps = pattern.substr(i, (pi == std::string_view::npos ? pattern.size() : pi) - i);
        const auto qs = path.substr(j, (pj == std::string_view::npos ? path.size() : pj) - j);
        if (ps != "/*" && !iequals(ps, qs)) {
            return false;
        }
        i = pi == std::string_view::npos ? pattern.size() : pi;
        j = pj == std::string_view::npos ? path.size() : pj;
    }
    return true;
}

}  // namespace converge
