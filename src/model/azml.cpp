// The az ml type table (include/converge/azml.hpp). One entry per az ml type; a type converge
// does not read yet has no kind and no fields, so supporting it later is one entry.
// Fields, REST paths and defaults: ../shared/reference/az-ml-yaml-mapping.md sections 2-4, 7.
#include "converge/azml.hpp"

#include "converge/resource_id.hpp"

#include <vector>

namespace converge::azml {

namespace {

const std::vector<Type>& registry() {
    static const std::vector<Type> table = {
        {
            .schema = "amlCompute",
            .types = {"amlcompute"},
            .what = "compute cluster",
            .kind = "Compute",
            .fixed = {{"/properties/computeType", "\"AmlCompute\""}},
            .fields = {
                {.yaml = "name", .rest = "@name"},
                {.yaml = "description", .rest = "/properties/description"},
                {.yaml = "location", .rest = "/location"},
                {.yaml = "tags", .rest = "/tags", .convert = Convert::string_map},
                {.yaml = "identity", .rest = "/identity", .convert = Convert::identity},
                {.yaml = "size", .rest = "/properties/properties/vmSize", .fallback = "\"STANDARD_DS3_V2\""},
                {.yaml = "tier", .rest = "/properties/properties/vmPriority", .convert = Convert::choice,
                 .values = {"dedicated:Dedicated", "low_priority:LowPriority"}},
                {.yaml = "min_instances", .rest = "/properties/properties/scaleSettings/minNodeCount",
                 .convert = Convert::integer, .fallback = "0"},
                {.yaml = "max_instances", .rest = "/properties/properties/scaleSettings/maxNodeCount",
                 .convert = Convert::max_nodes, .fallback = "1"},
                {.yaml = "idle_time_before_scale_down",
                 .rest = "/properties/properties/scaleSettings/nodeIdleTimeBeforeScaleDown",
                 .convert = Convert::seconds},
                {.yaml = "ssh_public_access_enabled", .rest = "/properties/properties/remoteLoginPortPublicAccess",
                 .convert = Convert::enabled, .fallback = "\"NotSpecified\""},
                {.yaml = "ssh_settings.admin_username",
                 .rest = "/properties/properties/userAccountCredentials/adminUserName"},
                {.yaml = "ssh_settings.admin_password",
                 .rest = "/properties/properties/userAccountCredentials/adminUserPassword"},
                {.yaml = "ssh_settings.ssh_key_value",
                 .rest = "/properties/properties/userAccountCredentials/adminUserSshPublicKey"},
                {.yaml = "network_settings.subnet", .rest = "/properties/properties/subnet",
                 .convert = Convert::subnet},
                {.yaml = "network_settings.vnet_name", .rest = "", .convert = Convert::consumed},
                {.yaml = "enable_node_public_ip", .rest = "/properties/properties/enableNodePublicIp",
                 .convert = Convert::boolean, .fallback = "true"},
                {.yaml = "resource_id", .rest = "", .convert = Convert::unsupported,
                 .note = "attaching an existing resource is not supported yet"},
                {.yaml = "enable_batch_private_link", .rest = "", .convert = Convert::unsupported,
                 .note = "its REST mapping is not documented; set it in a converge Compute document"},
            },
        },
        {
            .schema = "computeInstance",
            .types = {"computeinstance"},
            .what = "compute instance",
            .kind = "Compute",
            .fixed = {{"/properties/computeType", "\"ComputeInstance\""}},
            .fields = {
                {.yaml = "name", .rest = "@name"},
                {.yaml = "description", .rest = "/properties/description"},
                {.yaml = "location", .rest = "", .convert = Convert::ignored,
                 .note = "a compute instance is created in its workspace's region (the az ml CLI ignores it too)"},
                {.yaml = "tags", .rest = "/tags", .convert = Convert::string_map},
                {.yaml = "identity", .rest = "/identity", .convert = Convert::identity},
                {.yaml = "size", .rest = "/properties/properties/vmSize", .fallback = "\"STANDARD_DS3_V2\""},
                {.yaml = "ssh_public_access_enabled", .rest = "/properties/properties/sshSettings/sshPublicAccess",
                 .convert = Convert::enabled},
                {.yaml = "ssh_settings.ssh_key_value", .rest = "/properties/properties/sshSettings/adminPublicKey"},
                {.yaml = "ssh_settings.admin_username", .rest = "", .convert = Convert::output_only},
                {.yaml = "ssh_settings.ssh_port", .rest = "", .convert = Convert::output_only},
                {.yaml = "create_on_behalf_of.user_object_id",
                 .rest = "/properties/properties/personalComputeInstanceSettings/assignedUser/objectId"},
                {.yaml = "create_on_behalf_of.user_tenant_id",
                 .rest = "/properties/properties/personalComputeInstanceSettings/assignedUser/tenantId"},
                {.yaml = "network_settings.subnet", .rest = "/properties/properties/subnet",
                 .convert = Convert::subnet},
                {.yaml = "network_settings.vnet_name", .rest = "", .convert = Convert::consumed},
                {.yaml = "idle_time_before_shutdown", .rest = "/properties/properties/idleTimeBeforeShutdown"},
                // After idle_time_before_shutdown: the minutes win when both are written (as in the SDK).
                {.yaml = "idle_time_before_shutdown_minutes", .rest = "/properties/properties/idleTimeBeforeShutdown",
                 .convert = Convert::minutes},
                {.yaml = "schedules.compute_start_stop", .rest = "/properties/properties/schedules/computeStartStop",
                 .convert = Convert::schedules},
                {.yaml = "setup_scripts.creation_script",
                 .rest = "/properties/properties/setupScripts/scripts/creationScript",
                 .convert = Convert::setup_script},
                {.yaml = "setup_scripts.startup_script",
                 .rest = "/properties/properties/setupScripts/scripts/startupScript",
                 .convert = Convert::setup_script},
                {.yaml = "enable_node_public_ip", .rest = "/properties/properties/enableNodePublicIp",
                 .convert = Convert::boolean, .fallback = "true"},
                {.yaml = "enable_sso", .rest = "/properties/properties/enableSSO", .convert = Convert::boolean,
                 .fallback = "true"},
                {.yaml = "enable_root_access", .rest = "/properties/properties/enableRootAccess",
                 .convert = Convert::boolean, .fallback = "true"},
                {.yaml = "release_quota_on_stop", .rest = "/properties/properties/releaseQuotaOnStop",
                 .convert = Convert::boolean, .fallback = "false"},
                {.yaml = "enable_os_patching", .rest = "/properties/properties/enableOSPatching",
                 .convert = Convert::boolean, .fallback = "false"},
                {.yaml = "custom_applications", .rest = "", .convert = Convert::unsupported,
                 .note = "write properties.properties.customServices in a converge Compute document"},
            },
        },
        {
            .schema = "workspace",
            .types = {},
            .what = "workspace",
            .kind = "Workspace",
            .fields = {
                {.yaml = "name", .rest = "@name"},
                {.yaml = "resource_group", .rest = "@resourceGroup"},
                {.yaml = "location", .rest = "/location"},
                {.yaml = "kind", .rest = "/kind", .convert = Convert::choice,
                 .values = {"default:Default", "hub:Hub", "project:Project", "featurestore:FeatureStore"}},
                {.yaml = "display_name", .rest = "/properties/friendlyName", .fallback = "@name"},
                {.yaml = "description", .rest = "/properties/description", .fallback = "@name"},
                {.yaml = "tags", .rest = "/tags", .convert = Convert::string_map},
                {.yaml = "hbi_workspace", .rest = "/properties/hbiWorkspace", .convert = Convert::boolean,
                 .fallback = "false"},
                {.yaml = "storage_account", .rest = "/properties/storageAccount"},
                {.yaml = "key_vault", .rest = "/properties/keyVault"},
                {.yaml = "application_insights", .rest = "/properties/applicationInsights"},
                {.yaml = "container_registry", .rest = "/properties/containerRegistry"},
                {.yaml = "customer_managed_key.key_vault",
                 .rest = "/properties/encryption/keyVaultProperties/keyVaultArmId"},
                {.yaml = "customer_managed_key.key_uri",
                 .rest = "/properties/encryption/keyVaultProperties/keyIdentifier"},
                {.yaml = "customer_managed_key.cosmosdb_id", .rest = "/properties/encryption/cosmosDbArmId"},
                {.yaml = "customer_managed_key.storage_id", .rest = "/properties/encryption/storageAccountArmId"},
                {.yaml = "customer_managed_key.search_id", .rest = "/properties/encryption/searchAccountArmId"},
                {.yaml = "image_build_compute", .rest = "/properties/imageBuildCompute"},
                {.yaml = "public_network_access", .rest = "/properties/publicNetworkAccess",
                 .convert = Convert::choice, .fallback = "\"Enabled\"",
                 .values = {"enabled:Enabled", "disabled:Disabled"}},
                {.yaml = "identity", .rest = "/identity", .convert = Convert::identity,
                 .fallback = "{\"type\":\"SystemAssigned\"}"},
                {.yaml = "primary_user_assigned_identity", .rest = "/properties/primaryUserAssignedIdentity"},
                {.yaml = "managed_network.isolation_mode", .rest = "/properties/managedNetwork/isolationMode",
                 .convert = Convert::choice, .fallback = "\"Disabled\"",
                 .values = {"disabled:Disabled", "allow_internet_outbound:AllowInternetOutbound",
                            "allow_only_approved_outbound:AllowOnlyApprovedOutbound"}},
                {.yaml = "managed_network.outbound_rules", .rest = "/properties/managedNetwork/outboundRules",
                 .convert = Convert::outbound_rules},
                {.yaml = "managed_network.firewall_sku", .rest = "/properties/managedNetwork/firewallSku",
                 .convert = Convert::choice, .values = {"standard:Standard", "basic:Basic"}},
                {.yaml = "serverless_compute.custom_subnet",
                 .rest = "/properties/serverlessComputeSettings/serverlessComputeCustomSubnet"},
                {.yaml = "serverless_compute.no_public_ip",
                 .rest = "/properties/serverlessComputeSettings/serverlessComputeNoPublicIP",
                 .convert = Convert::boolean},
                {.yaml = "enable_data_isolation", .rest = "/properties/enableDataIsolation",
                 .convert = Convert::boolean},
                {.yaml = "system_datastores_auth_mode", .rest = "/properties/systemDatastoresAuthMode"},
            },
        },
        {
            .schema = "model",
            .types = {"custom_model", "mlflow_model", "triton_model"},
            .what = "model",
            .kind = "Model",
            .fixed = {{"/properties/isAnonymous", "false"}},
            .fields = {
                {.yaml = "name", .rest = "@name"},
                {.yaml = "version", .rest = "@version"},
                {.yaml = "path", .rest = "/properties/modelUri", .convert = Convert::model_path},
                {.yaml = "type", .rest = "/properties/modelType", .convert = Convert::choice,
                 .fallback = "\"custom_model\"",
                 .values = {"custom_model:custom_model", "mlflow_model:mlflow_model", "triton_model:triton_model"}},
                {.yaml = "description", .rest = "/properties/description"},
                {.yaml = "tags", .rest = "/properties/tags", .convert = Convert::string_map},
                {.yaml = "properties", .rest = "/properties/properties", .convert = Convert::string_map},
                {.yaml = "flavors", .rest = "/properties/flavors", .convert = Convert::flavors},
                {.yaml = "stage", .rest = "/properties/stage"},
                {.yaml = "utc_time_created", .rest = "", .convert = Convert::ignored,
                 .note = "the az ml CLI accepts it and does not send it either"},
                {.yaml = "datastore", .rest = "", .convert = Convert::ignored,
                 .note = "it only chooses where a local path is uploaded"},
                {.yaml = "job_name", .rest = "", .convert = Convert::output_only},
            },
        },
        {
            // Mapping doc 5: the endpoint takes its workspace's region; auth_mode and identity
            // are always sent (key, SystemAssigned).
            .schema = "managedOnlineEndpoint",
            .types = {},
            .what = "managed online endpoint",
            .kind = "OnlineEndpoint",
            .fields = {
                {.yaml = "name", .rest = "@name"},
                {.yaml = "description", .rest = "/properties/description"},
                {.yaml = "tags", .rest = "/tags", .convert = Convert::string_map},
                {.yaml = "location", .rest = "", .convert = Convert::ignored,
                 .note = "an endpoint is created in its workspace's region (the az ml CLI sends the workspace's)"},
                {.yaml = "auth_mode", .rest = "/properties/authMode", .convert = Convert::choice,
                 .fallback = "\"Key\"", .values = {"key:Key", "aml_token:AMLToken", "aad_token:AADToken"}},
                {.yaml = "identity", .rest = "/identity", .convert = Convert::identity,
                 .fallback = "{\"type\":\"SystemAssigned\"}"},
                {.yaml = "traffic", .rest = "/properties/traffic", .convert = Convert::weights},
                {.yaml = "mirror_traffic", .rest = "/properties/mirrorTraffic", .convert = Convert::weights},
                {.yaml = "public_network_access", .rest = "/properties/publicNetworkAccess",
                 .convert = Convert::choice, .values = {"enabled:Enabled", "disabled:Disabled"}},
                {.yaml = "properties", .rest = "/properties/properties", .convert = Convert::string_map},
                {.yaml = "kind", .rest = "", .convert = Convert::ignored,
                 .note = "the az ml CLI sets it from the file's type (managed)"},
                {.yaml = "scoring_uri", .rest = "", .convert = Convert::output_only},
                {.yaml = "openapi_uri", .rest = "", .convert = Convert::output_only},
                {.yaml = "provisioning_state", .rest = "", .convert = Convert::output_only},
            },
        },
        {
            // Mapping doc 5: instance_count is sku.capacity with sku.name "Default"; the model,
            // environment and code are registered assets named by ARM id.
            .schema = "managedOnlineDeployment",
            .types = {},
            .what = "managed online deployment",
            .kind = "OnlineDeployment",
            .fixed = {{"/properties/endpointComputeType", "\"Managed\""}, {"/sku/name", "\"Default\""}},
            .fields = {
                {.yaml = "name", .rest = "@name"},
                {.yaml = "endpoint_name", .rest = "@endpoint"},
                {.yaml = "description", .rest = "/properties/description"},
                {.yaml = "tags", .rest = "/tags", .convert = Convert::string_map},
                {.yaml = "properties", .rest = "/properties/properties", .convert = Convert::string_map},
                {.yaml = "model", .rest = "/properties/model", .convert = Convert::asset_ref, .values = {"models"}},
                {.yaml = "model_mount_path", .rest = "/properties/modelMountPath"},
                {.yaml = "environment", .rest = "/properties/environmentId", .convert = Convert::asset_ref,
                 .values = {"environments"}},
                {.yaml = "code_configuration.code", .rest = "/properties/codeConfiguration/codeId",
                 .convert = Convert::asset_ref, .values = {"codes"}},
                {.yaml = "code_configuration.scoring_script",
                 .rest = "/properties/codeConfiguration/scoringScript"},
                {.yaml = "instance_type", .rest = "/properties/instanceType"},
                {.yaml = "instance_count", .rest = "/sku/capacity", .convert = Convert::integer},
                {.yaml = "environment_variables", .rest = "/properties/environmentVariables",
                 .convert = Convert::string_map},
                {.yaml = "app_insights_enabled", .rest = "/properties/appInsightsEnabled", .convert = Convert::boolean},
                {.yaml = "egress_public_network_access", .rest = "/properties/egressPublicNetworkAccess",
                 .convert = Convert::choice, .values = {"enabled:Enabled", "disabled:Disabled"}},
                {.yaml = "scale_settings.type", .rest = "/properties/scaleSettings/scaleType",
                 .convert = Convert::choice,
                 .values = {"default:Default", "target_utilization:TargetUtilization"}},
                {.yaml = "scale_settings.min_instances", .rest = "/properties/scaleSettings/minInstances",
                 .convert = Convert::integer},
                {.yaml = "scale_settings.max_instances", .rest = "/properties/scaleSettings/maxInstances",
                 .convert = Convert::integer},
                {.yaml = "scale_settings.polling_interval", .rest = "/properties/scaleSettings/pollingInterval",
                 .convert = Convert::seconds},
                {.yaml = "scale_settings.target_utilization_percentage",
                 .rest = "/properties/scaleSettings/targetUtilizationPercentage", .convert = Convert::integer},
                {.yaml = "request_settings.request_timeout_ms", .rest = "/properties/requestSettings/requestTimeout",
                 .convert = Convert::milliseconds},
                {.yaml = "request_settings.max_queue_wait_ms", .rest = "/properties/requestSettings/maxQueueWait",
                 .convert = Convert::milliseconds},
                {.yaml = "request_settings.max_concurrent_requests_per_instance",
                 .rest = "/properties/requestSettings/maxConcurrentRequestsPerInstance", .convert = Convert::integer},
                {.yaml = "liveness_probe", .rest = "/properties/livenessProbe", .convert = Convert::probe},
                {.yaml = "readiness_probe", .rest = "/properties/readinessProbe", .convert = Convert::probe},
                {.yaml = "location", .rest = "", .convert = Convert::ignored,
                 .note = "a deployment is created in its endpoint's region"},
                {.yaml = "type", .rest = "", .convert = Convert::ignored,
                 .note = "the $schema says it is a managed deployment"},
                {.yaml = "data_collector", .rest = "", .convert = Convert::unsupported,
                 .note = "write properties.dataCollector in a converge OnlineDeployment document"},
                {.yaml = "private_network_connection", .rest = "", .convert = Convert::unsupported,
                 .note = "it is the legacy network isolation; use egress_public_network_access"},
                {.yaml = "provisioning_state", .rest = "", .convert = Convert::output_only},
            },
        },
        {
            // Mapping doc 5: conda_file (a path) is read and sent as its text; build.path is
            // uploaded by the az ml CLI (a remote context URI is sent as it is).
            .schema = "environment",
            .types = {},
            .what = "environment",
            .kind = "Environment",
            .fixed = {{"/properties/isAnonymous", "false"}},
            .fields = {
                {.yaml = "name", .rest = "@name"},
                {.yaml = "version", .rest = "@version"},
                {.yaml = "description", .rest = "/properties/description"},
                {.yaml = "tags", .rest = "/properties/tags", .convert = Convert::string_map},
                {.yaml = "properties", .rest = "/properties/properties", .convert = Convert::string_map},
                {.yaml = "image", .rest = "/properties/image"},
                {.yaml = "conda_file", .rest = "/properties/condaFile", .convert = Convert::conda_file},
                {.yaml = "build.path", .rest = "/properties/build/contextUri", .convert = Convert::build_context},
                {.yaml = "build.dockerfile_path", .rest = "/properties/build/dockerfilePath"},
                {.yaml = "os_type", .rest = "/properties/osType", .convert = Convert::choice,
                 .values = {"linux:Linux", "windows:Windows"}},
                {.yaml = "inference_config.liveness_route", .rest = "/properties/inferenceConfig/livenessRoute",
                 .convert = Convert::route},
                {.yaml = "inference_config.readiness_route", .rest = "/properties/inferenceConfig/readinessRoute",
                 .convert = Convert::route},
                {.yaml = "inference_config.scoring_route", .rest = "/properties/inferenceConfig/scoringRoute",
                 .convert = Convert::route},
                {.yaml = "stage", .rest = "/properties/stage"},
                {.yaml = "datastore", .rest = "", .convert = Convert::ignored,
                 .note = "it only chooses where a local build context is uploaded"},
            },
        },
        {
            // Mapping doc 5: credentials become {credentialsType, secrets}; none is credential-less.
            .schema = "azureBlob",
            .types = {"azure_blob"},
            .what = "Azure Blob datastore",
            .kind = "Datastore",
            .fixed = {{"/properties/datastoreType", "\"AzureBlob\""}},
            .fields = {
                {.yaml = "name", .rest = "@name"},
                {.yaml = "description", .rest = "/properties/description"},
                {.yaml = "tags", .rest = "/properties/tags", .convert = Convert::string_map},
                {.yaml = "properties", .rest = "/properties/properties", .convert = Convert::string_map},
                {.yaml = "account_name", .rest = "/properties/accountName"},
                {.yaml = "container_name", .rest = "/properties/containerName"},
                {.yaml = "endpoint", .rest = "/properties/endpoint", .fallback = "\"core.windows.net\""},
                {.yaml = "protocol", .rest = "/properties/protocol", .convert = Convert::choice,
                 .fallback = "\"https\"", .values = {"https:https", "http:http", "wasbs:wasbs", "wasb:wasb"}},
                {.yaml = "credentials", .rest = "/properties/credentials", .convert = Convert::credentials,
                 .fallback = "{\"credentialsType\":\"None\"}"},
                {.yaml = "service_data_access_auth_identity", .rest = "/properties/serviceDataAccessAuthIdentity",
                 .convert = Convert::choice,
                 .values = {"none:None", "workspace_system_assigned_identity:WorkspaceSystemAssignedIdentity",
                            "workspace_user_assigned_identity:WorkspaceUserAssignedIdentity"}},
            },
        },
        // Not supported yet: one entry each; a kind and fields make them readable.
        {.schema = "kubernetesOnlineEndpoint", .types = {}, .what = "Kubernetes online endpoint",
         .planned = "OnlineEndpoint"},
        {.schema = "kubernetesOnlineDeployment", .types = {}, .what = "Kubernetes online deployment",
         .planned = "OnlineDeployment"},
        {.schema = "batchEndpoint", .types = {}, .what = "batch endpoint"},
        {.schema = "batchDeployment", .types = {}, .what = "batch deployment"},
        {.schema = "azureFile", .types = {"azure_file"}, .what = "Azure Files datastore", .planned = "Datastore"},
        {.schema = "azureDataLakeGen1", .types = {"azure_data_lake_gen1"}, .what = "Azure Data Lake Gen1 datastore",
         .planned = "Datastore"},
        {.schema = "azureDataLakeGen2", .types = {"azure_data_lake_gen2"}, .what = "Azure Data Lake Gen2 datastore",
         .planned = "Datastore"},
        {.schema = "vmCompute", .types = {"virtualmachine"}, .what = "attached virtual machine compute"},
        {.schema = "kubernetesCompute", .types = {"kubernetes"}, .what = "attached Kubernetes compute"},
        {.schema = "synapseSparkCompute", .types = {"synapsespark"}, .what = "attached Synapse Spark compute"},
        {.schema = "data", .types = {"uri_file", "uri_folder", "mltable"}, .what = "data asset"},
        {.schema = "commandJob", .types = {"command"}, .what = "command job"},
        {.schema = "pipelineJob", .types = {"pipeline"}, .what = "pipeline job"},
        {.schema = "sweepJob", .types = {"sweep"}, .what = "sweep job"},
        {.schema = "sparkJob", .types = {"spark"}, .what = "Spark job"},
        {.schema = "autoMLJob", .types = {"automl"}, .what = "AutoML job"},
        {.schema = "commandComponent", .types = {}, .what = "command component"},
        {.schema = "pipelineComponent", .types = {}, .what = "pipeline component"},
        {.schema = "sparkComponent", .types = {}, .what = "Spark component"},
        {.schema = "schedule", .types = {}, .what = "schedule"},
        {.schema = "registry", .types = {}, .what = "registry"},
        {.schema = "workspaceConnection", .types = {}, .what = "workspace connection"},
        {.schema = "featureStore", .types = {}, .what = "feature store"},
    };
    return table;
}

}  // namespace

std::span<const Type> types() { return registry(); }

std::string_view schema_name(std::string_view url) {
    constexpr std::string_view k_suffix = ".schema.json";
    if (url.size() <= k_suffix.size() || !iequals(url.substr(url.size() - k_suffix.size()), k_suffix)) {
        return {};
    }
    const std::string_view file = url.substr(0, url.size() - k_suffix.size());
    const auto slash = file.rfind('/');
    const std::string_view name = slash == std::string_view::npos ? file : file.substr(slash + 1);
    // The CLI's schemas live on azuremlschemas.azureedge.net (latest/, development/, a version).
    if (url.find("azureml") == std::string_view::npos) {
        return {};
    }
    return name;
}

const Type* find_by_schema(std::string_view url) {
    const std::string_view name = schema_name(url);
    for (const auto& t : registry()) {
        if (!name.empty() && iequals(t.schema, name)) {
            return &t;
        }
    }
    return nullptr;
}

const Type* find_by_type(std::string_view type) {
    for (const auto& t : registry()) {
        for (const auto& v : t.types) {
            if (iequals(v, type)) {
                return &t;
            }
        }
    }
    return nullptr;
}

const Type* find_for_kind(std::string_view kind, const Json& body) {
    for (const auto& t : registry()) {
        if (t.kind != kind) {
            continue;
        }
        // The compute (endpoint compute, datastore) type tells apart az ml types of one kind.
        bool matches = true;
        for (const auto& [pointer, value] : t.fixed) {
            if (pointer != "/properties/computeType" && pointer != "/properties/endpointComputeType" &&
                pointer != "/properties/datastoreType") {
                continue;
            }
            const Json::json_pointer p{std::string(pointer)};
            const Json want = Json::parse(value);
            matches = matches && body.contains(p) &&
                      (body.at(p) == want || (body.at(p).is_string() && want.is_string() &&
                                              iequals(body.at(p).get<std::string>(), want.get<std::string>())));
        }
        if (matches) {
            return &t;
        }
    }
    return nullptr;
}

}  // namespace converge::azml
