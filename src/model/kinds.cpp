#include "converge/kinds.hpp"

#include "converge/resource_id.hpp"

#include <algorithm>
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
        {
            .name = "ResourceGroup",
            .arm_type = "Microsoft.Resources/resourceGroups",
            .api_version = "2021-04-01",
            .parent = Parent::subscription,
            .collection = {.path = {"resourceGroups"}},
            .read_only = with_envelope({"/managedBy"}),
            .create_only = {"/location"},
            .case_insensitive = {"/location"},
        },
        {
            .name = "StorageAccount",
            .arm_type = "Microsoft.Storage/storageAccounts",
            .api_version = "2023-01-01",
            .parent = Parent::resource_group,
            .collection = {.path = {"providers/Microsoft.Storage/storageAccounts"}, .subscription_wide = true},
            .read_only = with_envelope({"/properties/primaryEndpoints", "/properties/secondaryEndpoints",
                                        "/properties/primaryLocation", "/properties/secondaryLocation",
                                        "/properties/statusOfPrimary", "/properties/statusOfSecondary",
                                        "/properties/creationTime", "/properties/keyCreationTime"}),
            .create_only = {"/location"},
            .case_insensitive = {"/location", "/kind", "/sku/name"},
        },
        {
            .name = "KeyVault",
            .arm_type = "Microsoft.KeyVault/vaults",
            .api_version = "2023-07-01",
            .parent = Parent::resource_group,
            .collection = {.path = {"providers/Microsoft.KeyVault/vaults"}, .subscription_wide = true},
            .read_only = with_envelope({"/properties/vaultUri", "/properties/hsmPoolResourceId"}),
            .create_only = {"/location"},
            .case_insensitive = {"/location", "/properties/sku/name", "/properties/sku/family"},
        },
        {
            .name = "ApplicationInsights",
            .arm_type = "Microsoft.Insights/components",
            .api_version = "2020-02-02",
            .parent = Parent::resource_group,
            .collection = {.path = {"providers/Microsoft.Insights/components"}, .subscription_wide = true},
            .read_only = with_envelope({"/properties/AppId", "/properties/ApplicationId",
                                        "/properties/InstrumentationKey", "/properties/ConnectionString",
                                        "/properties/CreationDate", "/properties/TenantId", "/properties/Name",
                                        "/properties/HockeyAppId", "/properties/HockeyAppToken",
                                        "/properties/LaMigrationDate", "/properties/PrivateLinkScopedResources"}),
            .create_only = {"/location", "/kind"},
            .case_insensitive = {"/location", "/kind"},
        },
        {
            .name = "ContainerRegistry",
            .arm_type = "Microsoft.ContainerRegistry/registries",
            .api_version = "2023-07-01",
            .parent = Parent::resource_group,
            .collection = {.path = {"providers/Microsoft.ContainerRegistry/registries"}, .subscription_wide = true},
            .read_only = with_envelope({"/sku/tier", "/properties/loginServer", "/properties/creationDate", "/properties/status",
                                        "/properties/dataEndpointHostNames",
                                        "/properties/privateEndpointConnections"}),
            .create_only = {"/location"},
            .case_insensitive = {"/location", "/sku/name"},
        },
        {
            // Any other ARM type: the document names it, so it has no collection of its own.
            .name = "ArmResource",
            .arm_type = "",
            .api_version = "",
            .parent = Parent::resource_group,
            .tags = TagsAt::top_if_located,
            .read_only = k_envelope_read_only,
            .create_only = {"/location", "/kind"},
            .case_insensitive = {"/location"},
        },
        {
            .name = "Workspace",
            .arm_type = "Microsoft.MachineLearningServices/workspaces",
            .api_version = "2025-12-01",
            .parent = Parent::resource_group,
            .collection = {.path = {"providers/Microsoft.MachineLearningServices/workspaces"},
                           .subscription_wide = true},
            .update_verb = UpdateVerb::patch,
            // 2025-12-01 WorkspaceUpdateParameters (+ WorkspacePropertiesUpdateParameters).
            .patchable = {"/tags", "/sku", "/identity", "/properties/description", "/properties/friendlyName",
                          "/properties/imageBuildCompute", "/properties/serviceManagedResourcesSettings",
                          "/properties/primaryUserAssignedIdentity", "/properties/serverlessComputeSettings",
                          "/properties/publicNetworkAccess", "/properties/applicationInsights",
                          "/properties/containerRegistry", "/properties/featureStoreSettings",
                          "/properties/managedNetwork", "/properties/enableDataIsolation",
                          "/properties/systemDatastoresAuthMode", "/properties/v1LegacyMode",
                          "/properties/encryption/keyVaultProperties/keyIdentifier"},
            .read_only = with_envelope({"/properties/workspaceId", "/properties/serviceProvisionedResourceGroup",
                                        "/properties/privateLinkCount", "/properties/privateEndpointConnections",
                                        "/properties/notebookInfo", "/properties/tenantId",
                                        "/properties/storageHnsEnabled", "/properties/mlFlowTrackingUri",
                                        "/properties/managedNetwork/networkId", "/properties/discoveryUrl",
                                        "/properties/creationTime"}),
            .create_only = {"/location", "/kind", "/properties/storageAccount", "/properties/keyVault",
                            "/properties/hbiWorkspace", "/properties/allowPublicAccessWhenBehindVnet",
                            "/properties/encryption/status",
                            "/properties/encryption/keyVaultProperties/keyVaultArmId",
                            "/properties/enableServiceSideCMKEncryption", "/properties/hubResourceId"},
            .case_insensitive = {"/location", "/kind", "/sku/name", "/sku/tier", "/identity/type",
                                 "/properties/storageAccount", "/properties/keyVault",
                                 "/properties/applicationInsights", "/properties/containerRegistry",
                                 "/properties/publicNetworkAccess", "/properties/systemDatastoresAuthMode",
                                 "/properties/encryption/status", "/properties/managedNetwork/isolationMode"},
            .write_only = {"/properties/provisionNetworkNow"},
            .dependencies = {"/properties/storageAccount", "/properties/keyVault", "/properties/applicationInsights",
                             "/properties/containerRegistry"},
        },
        {
            .name = "Compute",
            .arm_type = "Microsoft.MachineLearningServices/workspaces/computes",
            .api_version = "2025-12-01",
            .parent = Parent::workspace,
            .collection = {.path = {"computes"}},
            .update_verb = UpdateVerb::patch,
            // 2025-12-01 ClusterUpdateParameters: only the AmlCompute scale settings (no tags).
            .patchable = {"/properties/properties/scaleSettings"},
            .read_only = with_envelope(
                {"/properties/createdOn", "/properties/modifiedOn", "/properties/provisioningErrors",
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
            .create_only = {"/location", "/properties/computeType", "/properties/computeLocation",
                            "/properties/disableLocalAuth", "/properties/resourceId",
                            "/properties/properties/vmSize", "/properties/properties/vmPriority",
                            "/properties/properties/subnet", "/properties/properties/osType",
                            "/properties/properties/userAccountCredentials",
                            "/properties/properties/remoteLoginPortPublicAccess",
                            "/properties/properties/enableNodePublicIp",
                            "/properties/properties/virtualMachineImage", "/properties/properties/isolatedNetwork",
                            "/properties/description", "/identity"},
            .secret = {"/properties/properties/userAccountCredentials/adminUserPassword",
                       "/properties/properties/userAccountCredentials/adminUserSshPublicKey"},
            .durations = {"/properties/properties/scaleSettings/nodeIdleTimeBeforeScaleDown",
                          "/properties/properties/idleTimeBeforeShutdown"},
            .case_insensitive = {"/location", "/properties/computeType", "/properties/properties/vmSize",
                                 "/properties/properties/vmPriority", "/properties/properties/osType",
                                 "/properties/properties/remoteLoginPortPublicAccess",
                                 "/properties/properties/subnet/id", "/identity/type"},
            .resolved_at_create = {{"/properties/properties/remoteLoginPortPublicAccess", "NotSpecified"}},
            // 2025-12-01 Compute_Delete: underlyingResourceAction (Delete|Detach) is required.
            .delete_query = {{"underlyingResourceAction", "Delete"}},
            // A cluster or instance that failed to provision is deleted and created again.
            .replace_when_failed = true,
        },
        {
            .name = "Model",
            .arm_type = "Microsoft.MachineLearningServices/workspaces/models/versions",
            .api_version = "2025-12-01",
            .parent = Parent::versioned_asset,
            .tracked = false,
            .collection = {.path = {"models", "versions"}},
            .tags = TagsAt::properties,
            .read_only = with_envelope({"/properties/provisioningState"}),
            .create_only = {"/properties/modelUri", "/properties/modelType", "/properties/flavors",
                            "/properties/jobName", "/properties/isAnonymous"},
            .case_insensitive = {"/properties/modelType"},
            // `path` (docs/model-upload.md): uploaded by apply, never sent, never returned.
            .write_only = {"/path"},
        },
        {
            // mfe.json 2025-12-01 EnvironmentVersion: every field but description, tags,
            // properties, isArchived and stage is x-ms-mutability create+read (a version is
            // immutable: a change there replaces the version).
            .name = "Environment",
            .arm_type = "Microsoft.MachineLearningServices/workspaces/environments/versions",
            .api_version = "2025-12-01",
            .parent = Parent::versioned_asset,
            .tracked = false,
            .collection = {.path = {"environments", "versions"}},
            .tags = TagsAt::properties,
            .read_only = with_envelope({"/properties/environmentType"}),
            .create_only = {"/properties/image", "/properties/condaFile", "/properties/build",
                            "/properties/inferenceConfig", "/properties/osType", "/properties/autoRebuild",
                            "/properties/isAnonymous"},
            .case_insensitive = {"/properties/osType", "/properties/autoRebuild"},
        },
        {
            // mfe.json 2025-12-01 AzureBlobDatastore; credentials.secrets is x-ms-secret and
            // mutability create+update: accepted on PUT, never returned by GET.
            .name = "Datastore",
            .arm_type = "Microsoft.MachineLearningServices/workspaces/datastores",
            .api_version = "2025-12-01",
            .parent = Parent::workspace,
            .tracked = false,
            .collection = {.path = {"datastores"}},
            .tags = TagsAt::properties,
            .read_only = with_envelope({"/properties/isDefault"}),
            .create_only = {"/properties/datastoreType", "/properties/accountName", "/properties/containerName",
                            "/properties/endpoint", "/properties/protocol",
                            "/properties/serviceDataAccessAuthIdentity"},
            .secret = {"/properties/credentials/secrets/key", "/properties/credentials/secrets/sasToken"},
            .case_insensitive = {"/properties/datastoreType", "/properties/credentials/credentialsType",
                                 "/properties/credentials/secrets/secretsType",
                                 "/properties/serviceDataAccessAuthIdentity", "/properties/protocol"},
            .write_only = {"/properties/credentials/secrets/secretsType"},
            // Made by Azure with every workspace (workspaceblobstore is its default datastore).
            .created_with_parent = {"workspaceblobstore", "workspacefilestore", "workspaceartifactstore",
                                    "workspaceworkingdirectory"},
        },
        {
            .name = "OnlineEndpoint",
            .arm_type = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
            .api_version = "2025-12-01",
            .parent = Parent::workspace,
            .collection = {.path = {"onlineEndpoints"}},
            .update_verb = UpdateVerb::patch,
            // 2025-12-01 OnlineEndpoints_Update: PartialMinimalTrackedResourceWithIdentity. A
            // traffic change is a PUT of the whole body (apply: after the deployments it names).
            .patchable = {"/tags", "/identity"},
            .read_only = with_envelope({"/properties/scoringUri", "/properties/swaggerUri"}),
            .create_only = {"/location", "/kind"},
            // EndpointAuthKeys: x-ms-secret, x-ms-mutability create; always returned as null.
            .secret = {"/properties/keys/primaryKey", "/properties/keys/secondaryKey"},
            .case_insensitive = {"/location", "/properties/authMode", "/properties/publicNetworkAccess",
                                 "/identity/type", "/properties/compute"},
        },
        {
            .name = "OnlineDeployment",
            .arm_type = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
            .api_version = "2025-12-01",
            .parent = Parent::online_endpoint,
            .collection = {.path = {"onlineEndpoints", "deployments"}},
            .update_verb = UpdateVerb::patch,
            // 2025-12-01 OnlineDeployments_Update: PartialMinimalTrackedResourceWithSku.
            .patchable = {"/tags", "/sku"},
            .read_only = with_envelope({}),
            // x-ms-mutability create,read (OnlineDeployment, CodeConfiguration).
            .create_only = {"/location", "/kind", "/properties/endpointComputeType", "/properties/instanceType",
                            "/properties/codeConfiguration/codeId", "/properties/codeConfiguration/scoringScript"},
            .durations = {"/properties/livenessProbe/initialDelay", "/properties/livenessProbe/period",
                          "/properties/livenessProbe/timeout", "/properties/readinessProbe/initialDelay",
                          "/properties/readinessProbe/period", "/properties/readinessProbe/timeout",
                          "/properties/startupProbe/initialDelay", "/properties/startupProbe/period",
                          "/properties/startupProbe/timeout", "/properties/requestSettings/maxQueueWait",
                          "/properties/requestSettings/requestTimeout", "/properties/scaleSettings/pollingInterval"},
            .case_insensitive = {"/location", "/properties/endpointComputeType", "/properties/instanceType",
                                 "/properties/scaleSettings/scaleType", "/properties/egressPublicNetworkAccess",
                                 "/properties/model", "/properties/environmentId", "/sku/name", "/sku/tier"},
            .dependencies = {"/properties/model", "/properties/environmentId"},
        },
        {
            // mfe.json 2025-12-01 JobBase + CommandJob (Jobs_CreateOrUpdate/Get/List/Cancel/Delete).
            // Every CommandJob field is x-ms-mutability create+read, and the job's name is a hash
            // of its code and spec (src/manifest/job.cpp): a Job that exists is never written
            // again, and Azure keeps its history (run_once; docs/kinds.md "Jobs").
            .name = "Job",
            .arm_type = "Microsoft.MachineLearningServices/workspaces/jobs",
            .api_version = "2025-12-01",
            .parent = Parent::workspace,
            .tracked = false,
            .collection = {.path = {"jobs"}},
            .tags = TagsAt::properties,
            .read_only = with_envelope({"/properties/status", "/properties/services", "/properties/parameters"}),
            .create_only = {"/properties/jobType", "/properties/command", "/properties/codeId",
                            "/properties/environmentId", "/properties/computeId", "/properties/inputs",
                            "/properties/outputs", "/properties/displayName", "/properties/experimentName",
                            "/properties/environmentVariables", "/properties/resources", "/properties/limits",
                            "/properties/distribution", "/properties/identity"},
            .case_insensitive = {"/properties/jobType", "/properties/computeId", "/properties/environmentId",
                                 "/properties/codeId"},
            // `code` (a local directory): uploaded by apply as a code asset, never sent, never returned.
            .write_only = {"/code"},
            .dependencies = {"/properties/computeId", "/properties/environmentId"},
            .run_once = true,
        },
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

bool created_with_parent(const KindInfo& kind, std::string_view name) {
    // A run (Job) is history kept with its workspace, deleted with it, never on its own.
    return kind.run_once || std::any_of(kind.created_with_parent.begin(), kind.created_with_parent.end(),
                       [&](std::string_view n) { return iequals(n, name); });
}

std::string_view scope_type(Parent parent) {
    switch (parent) {
    case Parent::subscription: return {};
    case Parent::resource_group: return find_kind("ResourceGroup")->arm_type;
    case Parent::workspace:
    case Parent::versioned_asset:
    case Parent::online_endpoint: return find_kind("Workspace")->arm_type;
    }
    return {};
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
