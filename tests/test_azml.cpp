// az ml CLI v2 YAML in manifest directories (issue 17 item 3, docs/azml-yaml.md): each file is
// read as the converge document the az ml CLI's REST body makes, field by field as
// ../shared/reference/az-ml-yaml-mapping.md documents it; problems point into the az ml file.
#include "manifest_helpers.hpp"
#include "openapi_checker.hpp"

#include "converge/azml.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace converge;
using converge::test::load_inline;

namespace {

const char* k_config = R"(stack: demo
defaults:
  subscription: 11111111-2222-3333-4444-555555555555
  resourceGroup: rg-ml
  location: westeurope
  workspace: mlw
)";

/// The body of the only resource `text` loads to, without converge's ownership tags; the
/// diagnostics must be empty.
Json body_of(const std::string& text, const std::string& file = "az.yml") {
    const auto result = load_inline({{file, text}}, k_config);
    INFO(result.diagnostics.to_string());
    REQUIRE_FALSE(result.diagnostics.has_errors());
    REQUIRE(result.desired.resources.size() == 1);
    Json body = result.desired.resources[0].body;
    if (body.contains("tags")) {
        body["tags"].erase("managed-by");
        body["tags"].erase("converge-stack");
        if (body["tags"].empty()) {
            body.erase("tags");
        }
    }
    return body;
}

std::string diagnostics_of(const std::string& text, const std::string& file = "az.yml") {
    return load_inline({{file, text}}, k_config).diagnostics.to_string();
}

}  // namespace

TEST_SUITE("azml") {

TEST_CASE("durations are written as the SDK's isodate does") {
    CHECK(azml::iso_duration(120) == "PT2M");
    CHECK(azml::iso_duration(100) == "PT1M40S");
    CHECK(azml::iso_duration(1800) == "PT30M");
    CHECK(azml::iso_duration(3600) == "PT1H");
    CHECK(azml::iso_duration(86400) == "P1D");
    CHECK(azml::iso_duration(90061) == "P1DT1H1M1S");
    CHECK(azml::duration_seconds("PT2M") == 120);
    CHECK(azml::duration_seconds("PT120S") == 120);
    CHECK(azml::duration_seconds("P1DT1H") == 90000);
    CHECK_FALSE(azml::duration_seconds("P1M").has_value());  // a month has no fixed length
}

TEST_CASE("an amlCompute file maps field by field to the CLI's ComputeResource body") {
    const Json body = body_of(R"($schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: cpu-cluster
type: amlcompute
description: training
location: westus
tags: {team: ml, cost: 0123}
size: STANDARD_DS3_v2
tier: low_priority
min_instances: 0
max_instances: 2
idle_time_before_scale_down: 100
ssh_public_access_enabled: false
ssh_settings:
  admin_username: azureuser
  admin_password: example-password
identity:
  type: user_assigned
  user_assigned_identities:
    - resource_id: /subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai
network_settings:
  vnet_name: vnet-ml
  subnet: default
enable_node_public_ip: false
)");
    // Mapping doc 2.1: tags/location/identity at the top, description and computeType in
    // properties, the rest in properties.properties; seconds become an ISO duration.
    CHECK(body == Json::parse(R"({
      "location": "westus",
      "tags": {"team": "ml", "cost": "0123"},
      "identity": {"type": "UserAssigned", "userAssignedIdentities": {
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai": {}}},
      "properties": {"computeType": "AmlCompute", "description": "training", "properties": {
        "vmSize": "STANDARD_DS3_v2", "vmPriority": "LowPriority",
        "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 2, "nodeIdleTimeBeforeScaleDown": "PT1M40S"},
        "remoteLoginPortPublicAccess": "Disabled",
        "userAccountCredentials": {"adminUserName": "azureuser", "adminUserPassword": "example-password"},
        "subnet": {"id": "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-ml/providers/Microsoft.Network/virtualNetworks/vnet-ml/subnets/default"},
        "enableNodePublicIp": false}}})"));
}

TEST_CASE("a minimal amlCompute file gets the defaults the CLI always sends") {
    // Mapping doc 7: size STANDARD_DS3_V2, min 0, max 1, NotSpecified, public IP; the workspace's location.
    const Json body = body_of(R"($schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: minimal-example
type: AmlCompute
max_instances: 0
)");
    CHECK(body == Json::parse(R"({"location": "westeurope", "properties": {"computeType": "AmlCompute", "properties": {
        "vmSize": "STANDARD_DS3_V2", "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 1},
        "remoteLoginPortPublicAccess": "NotSpecified", "enableNodePublicIp": true}}})"));
}

TEST_CASE("a computeInstance file maps schedules, idle minutes, ssh and the always-sent flags") {
    const Json body = body_of(R"($schema: https://azuremlschemas.azureedge.net/latest/computeInstance.schema.json
name: ci-dev
type: computeinstance
size: STANDARD_DS3_v2
idle_time_before_shutdown_minutes: 30
ssh_settings:
  ssh_key_value: ssh-rsa AAAA
create_on_behalf_of:
  user_object_id: 00000000-0000-0000-0000-00000000000a
  user_tenant_id: 00000000-0000-0000-0000-00000000000b
identity:
  type: system_assigned
schedules:
  compute_start_stop:
    - action: stop
      trigger:
        type: cron
        start_time: "2021-03-10T21:21:07"
        time_zone: Pacific Standard Time
        expression: 0 18 * * *
)");
    CHECK(body == Json::parse(R"({"location": "westeurope", "identity": {"type": "SystemAssigned"},
      "properties": {"computeType": "ComputeInstance", "properties": {
        "vmSize": "STANDARD_DS3_v2", "idleTimeBeforeShutdown": "PT30M",
        "sshSettings": {"adminPublicKey": "ssh-rsa AAAA", "sshPublicAccess": "Disabled"},
        "personalComputeInstanceSettings": {"assignedUser": {"objectId": "00000000-0000-0000-0000-00000000000a",
                                                              "tenantId": "00000000-0000-0000-0000-00000000000b"}},
        "schedules": {"computeStartStop": [{"action": "Stop", "status": "Enabled", "triggerType": "Cron",
          "cron": {"expression": "0 18 * * *", "startTime": "2021-03-10T21:21:07", "timeZone": "Pacific Standard Time"}}]},
        "enableNodePublicIp": true, "enableSSO": true, "enableRootAccess": true,
        "releaseQuotaOnStop": false, "enableOSPatching": false}}})"));
}

TEST_CASE("a workspace file maps names, dependencies, network and the template's defaults") {
    const Json body = body_of(R"($schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json
name: mlw-basic
location: eastus
display_name: Basic workspace
hbi_workspace: true
storage_account: /subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st
key_vault: /subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv
application_insights: /subscriptions/s/resourceGroups/rg/providers/Microsoft.insights/components/appi
public_network_access: disabled
customer_managed_key:
  key_vault: /subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv
  key_uri: https://kv.vault.azure.net/keys/k/1
managed_network:
  isolation_mode: allow_only_approved_outbound
  outbound_rules:
  - name: pypi
    type: fqdn
    destination: pypi.org
  - name: adf
    type: service_tag
    destination:
      port_ranges: 80, 8080
      protocol: TCP
      service_tag: DataFactory
  - name: blob
    type: private_endpoint
    destination:
      service_resource_id: /subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st2
      spark_enabled: true
      subresource_target: blob
tags:
  purpose: demonstration
)");
    // Mapping doc 3: description defaults to the name, identity to SystemAssigned; rules become a map.
    CHECK(body == Json::parse(R"({"location": "eastus", "tags": {"purpose": "demonstration"},
      "identity": {"type": "SystemAssigned"},
      "properties": {"friendlyName": "Basic workspace", "description": "mlw-basic", "hbiWorkspace": true,
        "storageAccount": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
        "keyVault": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
        "applicationInsights": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.insights/components/appi",
        "publicNetworkAccess": "Disabled",
        "encryption": {"status": "Enabled", "keyVaultProperties": {
          "keyVaultArmId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
          "keyIdentifier": "https://kv.vault.azure.net/keys/k/1"}},
        "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "outboundRules": {
          "pypi": {"type": "FQDN", "category": "UserDefined", "destination": "pypi.org"},
          "adf": {"type": "ServiceTag", "category": "UserDefined",
                  "destination": {"portRanges": "80, 8080", "protocol": "TCP", "serviceTag": "DataFactory"}},
          "blob": {"type": "PrivateEndpoint", "category": "UserDefined",
                   "destination": {"serviceResourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st2",
                                   "sparkEnabled": true, "subresourceTarget": "blob"}}}}}})"));
}

TEST_CASE("a model file with a URI path maps to a model version") {
    const auto result = load_inline({{"model.yml", R"($schema: https://azuremlschemas.azureedge.net/latest/model.schema.json
name: churn
version: 2
path: azureml://datastores/workspaceblobstore/paths/models/churn/2/
type: mlflow_model
description: churn classifier
tags: {auc: 0.91}
properties: {data: q3}
flavors:
  python_function:
    loader_module: mlflow.sklearn
stage: Production
)"}},
                                    k_config);
    INFO(result.diagnostics.to_string());
    REQUIRE(result.diagnostics.empty());
    REQUIRE(result.desired.resources.size() == 1);
    const Resource& r = result.desired.resources[0];
    CHECK(r.id.str() == "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-ml/providers/"
                        "Microsoft.MachineLearningServices/workspaces/mlw/models/churn/versions/2");
    Json body = r.body;
    body["properties"]["tags"].erase("managed-by");
    body["properties"]["tags"].erase("converge-stack");
    // Mapping doc 4: tags inside properties, flavors get a data level, isAnonymous false.
    CHECK(body == Json::parse(R"({"properties": {
      "modelUri": "azureml://datastores/workspaceblobstore/paths/models/churn/2/", "modelType": "mlflow_model",
      "description": "churn classifier", "tags": {"auc": "0.91"}, "properties": {"data": "q3"},
      "flavors": {"python_function": {"data": {"loader_module": "mlflow.sklearn"}}}, "stage": "Production",
      "isAnonymous": false}})"));
}

TEST_CASE("the admin password is a secret: sensitive, scrubbed, and never in a message") {
    const auto result = load_inline({{"c.yml", R"($schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: ssh-example
type: amlcompute
size: ""
ssh_settings:
  admin_username: example-user
  admin_password: example-password
)"}},
                                    k_config);
    const std::string text = result.diagnostics.to_string();
    CHECK(text.find("example-password") == std::string::npos);
    CHECK(text.find("c.yml:4:7: error:") != std::string::npos);
    CHECK(text.find("(az ml field \"size\")") != std::string::npos);
    const auto ok = load_inline({{"c.yml", R"($schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: ssh-example
type: amlcompute
ssh_settings:
  admin_username: example-user
  admin_password: ${env:CONVERGE_TEST_AZML_PASSWORD}
)"}},
                                k_config);
    REQUIRE(ok.desired.resources.size() == 1);
    CHECK(ok.desired.resources[0].sensitive.count("/properties/properties/userAccountCredentials/adminUserPassword") == 1);
}

TEST_CASE("problems point at the az ml field and name it") {
    CHECK(diagnostics_of(R"($schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: cpu
type: amlcompute
siz: Standard_DS3_v2
tier: spot
idle_time_before_scale_down: 2m
network_settings:
  vnet_name: vnet
)") == "az.yml:4:1: error: unknown field \"siz\" in an az ml compute cluster file (did you mean \"size\"?)\n"
       "az.yml:5:7: error: az ml field \"tier\": expected one of dedicated, low_priority\n"
       "az.yml:6:30: error: az ml field \"idle_time_before_scale_down\": expected a whole number of seconds\n"
       "az.yml:8:3: error: az ml field \"network_settings.vnet_name\" needs network_settings.subnet\n");
    CHECK(diagnostics_of(R"($schema: https://azuremlschemas.azureedge.net/latest/computeInstance.schema.json
name: ci
type: computeinstance
location: westus
custom_applications: []
ssh_settings:
  admin_username: azureuser
identity:
  type: system_assigned
  principal_id: abc
)") == "az.yml:4:1: warning: az ml field \"location\" is not sent: a compute instance is created in its "
       "workspace's region (the az ml CLI ignores it too)\n"
       "az.yml:5:1: error: az ml field \"custom_applications\" is not supported yet: write "
       "properties.properties.customServices in a converge Compute document\n"
       "az.yml:7:3: error: az ml field \"ssh_settings.admin_username\" is set by Azure (output only) and cannot be "
       "written\n"
       "az.yml:8:1: warning: az ml field \"identity\": principal_id is set by Azure; not sent\n");
    // A converge-side rule (the name pattern) names the az ml field too.
    CHECK(diagnostics_of(R"($schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: 9-not-a-compute-name
type: amlcompute
)").find("az.yml:2:7: error:") != std::string::npos);
}

TEST_CASE("a model without a version is reported where it is written; a local path is the Model's upload") {
    CHECK(diagnostics_of(R"($schema: https://azuremlschemas.azureedge.net/latest/model.schema.json
name: local-file-example
path: azureml://datastores/workspaceblobstore/paths/m/model.pkl
)") == "az.yml:2:7: error: az ml model without version: the az ml CLI picks the next version, converge declares "
       "one model version per document; set version:\n");
    // Mapping doc 4: a local path is uploaded to workspaceblobstore under LocalUpload/<hash>/<name>
    // (docs/model-upload.md); a missing one is an error at path:.
    converge::test::TempDir dir("azml-model-path");
    dir.write("mlflow-model/model.pkl", "weights");
    const std::string file = dir.path() + "/model.yml";
    const auto result = load_inline({{file, "$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\n"
                                            "name: local-file-example\nversion: 1\npath: mlflow-model/model.pkl\n"}},
                                    k_config);
    INFO(result.diagnostics.to_string());
    REQUIRE_FALSE(result.diagnostics.has_errors());
    REQUIRE(result.desired.resources.size() == 1);
    const Json& body = result.desired.resources[0].body;
    CHECK(body["properties"]["modelUri"].get<std::string>().starts_with(
        "azureml://subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg-ml/workspaces/mlw/datastores/"
        "workspaceblobstore/paths/LocalUpload/"));
    CHECK(body["properties"]["modelUri"].get<std::string>().ends_with("/model.pkl"));
    CHECK(body["path"]["files"] == 1);
    const auto missing = load_inline({{file, "$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\n"
                                             "name: m\nversion: 1\npath: nowhere\n"}},
                                     k_config);
    CHECK(missing.diagnostics.to_string().find(file + ":4:7: error:") != std::string::npos);
}

TEST_CASE("types converge does not read yet give one located message naming the type") {
    CHECK(diagnostics_of(R"($schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json
name: my-endpoint
auth_mode: key
)") == "az.yml:1:10: error: az ml Kubernetes online endpoint files (kubernetesOnlineEndpoint.schema.json) are not "
       "supported yet (they will be read as OnlineEndpoint documents); converge reads az ml amlCompute, "
       "computeInstance, workspace, model, managedOnlineEndpoint, managedOnlineDeployment, environment, azureBlob "
       "files\n");
    CHECK(diagnostics_of("name: files\ntype: azure_file\naccount_name: st\nfile_share_name: c\n") ==
          "az.yml:2:7: error: az ml Azure Files datastore files (azureFile.schema.json) are not supported yet (they "
          "will be read as Datastore documents); converge reads az ml amlCompute, computeInstance, workspace, model, "
          "managedOnlineEndpoint, managedOnlineDeployment, environment, azureBlob files\n");
    CHECK(diagnostics_of("$schema: https://azuremlschemas.azureedge.net/latest/newThing.schema.json\nname: x\n") ==
          "az.yml:1:10: error: az ml schema \"newThing\" is not supported yet (converge reads az ml amlCompute, "
          "computeInstance, workspace, model, managedOnlineEndpoint, managedOnlineDeployment, environment, azureBlob "
          "files)\n");
}

TEST_CASE("a managedOnlineEndpoint file maps to the CLI's OnlineEndpoint body") {
    // Mapping doc 5: auth_mode key/aml_token/aad_token -> Key/AMLToken/AADToken, identity, traffic
    // and tags as they are; the workspace's region.
    const Json body = body_of(R"($schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
name: my-endpoint
description: churn scoring
auth_mode: aml_token
public_network_access: disabled
tags: {team: ml, tier: 1}
identity:
  type: user_assigned
  user_assigned_identities:
    - resource_id: /subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai
traffic:
  blue: 90
  green: 10
)");
    CHECK(body == Json::parse(R"({
      "location": "westeurope",
      "tags": {"team": "ml", "tier": "1"},
      "identity": {"type": "UserAssigned", "userAssignedIdentities": {
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai": {}}},
      "properties": {"description": "churn scoring", "authMode": "AMLToken", "publicNetworkAccess": "Disabled",
                     "traffic": {"blue": 90, "green": 10}}})"));
    // The defaults the CLI always sends: key auth, a system-assigned identity.
    CHECK(body_of("$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\n"
                  "name: my-endpoint\n") ==
          Json::parse(R"({"location": "westeurope", "identity": {"type": "SystemAssigned"},
                          "properties": {"authMode": "Key"}})"));
}

TEST_CASE("a managedOnlineDeployment file maps to the CLI's OnlineDeployment body, durations as the SDK writes them") {
    const auto result = load_inline({{"blue.yml", R"($schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: my-endpoint
description: first
model: azureml:my-model:1
environment: azureml:my-env:3
code_configuration:
  code: azureml:my-code:2
  scoring_script: score.py
instance_type: Standard_DS3_v2
instance_count: 2
app_insights_enabled: true
egress_public_network_access: disabled
environment_variables: {WORKERS: 4, MODE: fast}
scale_settings:
  type: default
request_settings:
  request_timeout_ms: 1500
  max_queue_wait_ms: 60000
  max_concurrent_requests_per_instance: 2
liveness_probe:
  initial_delay: 120
  period: 10
  timeout: 2
  failure_threshold: 30
  success_threshold: 1
readiness_probe:
  period: 100
)"}},
                                    k_config);
    INFO(result.diagnostics.to_string());
    REQUIRE(result.diagnostics.empty());
    REQUIRE(result.desired.resources.size() == 1);
    const Resource& r = result.desired.resources[0];
    const std::string ws = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-ml/providers/"
                           "Microsoft.MachineLearningServices/workspaces/mlw";
    CHECK(r.id.str() == ws + "/onlineEndpoints/my-endpoint/deployments/blue");
    Json body = r.body;
    body["tags"].erase("managed-by");
    body["tags"].erase("converge-stack");
    // Mapping doc 5: instance_count -> sku.capacity with sku.name Default, endpointComputeType
    // Managed, assets by ARM id, ms and seconds -> ISO-8601 (isodate: 1500 ms -> PT1.5S).
    CHECK(body == Json::parse(R"({
      "location": "westeurope", "tags": {},
      "sku": {"name": "Default", "capacity": 2},
      "properties": {"endpointComputeType": "Managed", "description": "first",
        "model": ")" + ws + R"(/models/my-model/versions/1",
        "environmentId": ")" + ws + R"(/environments/my-env/versions/3",
        "codeConfiguration": {"codeId": ")" + ws + R"(/codes/my-code/versions/2", "scoringScript": "score.py"},
        "instanceType": "Standard_DS3_v2", "appInsightsEnabled": true, "egressPublicNetworkAccess": "Disabled",
        "environmentVariables": {"WORKERS": "4", "MODE": "fast"},
        "scaleSettings": {"scaleType": "Default"},
        "requestSettings": {"requestTimeout": "PT1.5S", "maxQueueWait": "PT1M", "maxConcurrentRequestsPerInstance": 2},
        "livenessProbe": {"initialDelay": "PT2M", "period": "PT10S", "timeout": "PT2S", "failureThreshold": 30,
                          "successThreshold": 1},
        "readinessProbe": {"period": "PT1M40S"}}})"));
}

TEST_CASE("deployment assets the az ml CLI registers itself are located errors that say what to write") {
    CHECK(diagnostics_of(R"($schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
name: blue
endpoint_name: my-endpoint
model:
  path: ../../model-1/model/
code_configuration:
  code: ../../model-1/onlinescoring/
  scoring_script: score.py
environment: azureml:my-env@latest
instance_type: Standard_DS3_v2
instance_count: 1
data_collector: {}
)") == "az.yml:5:3: error: az ml field \"model\": an inline model (registered by the az ml CLI as an anonymous "
       "asset) is not supported yet: declare it in its own az ml model file (with a version) and write model: "
       "azureml:NAME:VERSION\n"
       "az.yml:7:9: error: az ml field \"code_configuration.code\": a local code (\"../../model-1/onlinescoring/\", "
       "uploaded by the az ml CLI) is not supported yet: register the code and write code: azureml:NAME:VERSION\n"
       "az.yml:9:14: error: az ml field \"environment\": \"azureml:my-env@latest\" names a label, which the az ml CLI "
       "resolves when it runs; write the version: azureml:NAME:VERSION\n"
       "az.yml:12:1: error: az ml field \"data_collector\" is not supported yet: write properties.dataCollector in a "
       "converge OnlineDeployment document\n");
}

TEST_CASE("an environment file maps image, conda file text, routes; a local build context is an error") {
    converge::test::TempDir dir("azml-environment");
    const std::string conda = "name: pydata\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.10\n";
    dir.write("conda-yamls/pydata.yml", conda);
    const std::string file = dir.path() + "/env.yml";
    const auto result = load_inline({{file, R"($schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
name: docker-image-plus-conda-example
version: 2
image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04
conda_file: conda-yamls/pydata.yml
description: Environment created from a Docker image plus Conda environment.
tags: {stage: 1}
os_type: linux
inference_config:
  liveness_route: {port: 5001, path: /}
  readiness_route: {port: 5001, path: /}
  scoring_route: {port: 5001, path: /score}
)"}},
                                    k_config);
    INFO(result.diagnostics.to_string());
    REQUIRE(result.diagnostics.empty());
    REQUIRE(result.desired.resources.size() == 1);
    const Resource& r = result.desired.resources[0];
    CHECK(r.id.str().ends_with("/workspaces/mlw/environments/docker-image-plus-conda-example/versions/2"));
    Json body = r.body;
    body["properties"]["tags"].erase("managed-by");
    body["properties"]["tags"].erase("converge-stack");
    // Mapping doc 5: the conda file's text in condaFile; tags inside properties.
    CHECK(body == Json::parse(R"({"properties": {"image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04",
      "condaFile": )" + Json(conda).dump() + R"(,
      "description": "Environment created from a Docker image plus Conda environment.", "tags": {"stage": "1"},
      "osType": "Linux", "isAnonymous": false,
      "inferenceConfig": {"livenessRoute": {"port": 5001, "path": "/"}, "readinessRoute": {"port": 5001, "path": "/"},
                          "scoringRoute": {"port": 5001, "path": "/score"}}}})"));
    const std::string errors = diagnostics_of(R"($schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
name: docker-context-example
build:
  path: docker-contexts/python-and-pip
conda_file: missing.yml
)");
    CHECK(errors == "az.yml:2:7: error: az ml environment without version: the az ml CLI picks the next version, "
                    "converge declares one environment version per document; set version:\n"
                    "az.yml:4:9: error: az ml field \"build.path\": a local build context (\"docker-contexts/python-and-pip\", "
                    "uploaded by the az ml CLI) is not supported yet: upload it and write its azureml:// or https:// "
                    "URI, or use image: (and conda_file:)\n"
                    "az.yml:5:13: error: az ml field \"conda_file\": cannot read \"missing.yml\" (a conda file, relative "
                    "to this file)\n");
}

TEST_CASE("an azureBlob file maps to a Datastore; its account key is a secret and never printed") {
    const std::string key = "example-account-key-0123456789";
    const auto result = load_inline({{"blob.yml", R"($schema: https://azuremlschemas.azureedge.net/latest/azureBlob.schema.json
name: blob_example
type: azure_blob
description: Datastore pointing to a blob container.
account_name: mytestblobstore
container_name: data-container
credentials:
  account_key: )" + key + "\n"}},
                                    k_config);
    INFO(result.diagnostics.to_string());
    REQUIRE_FALSE(result.diagnostics.has_errors());
    REQUIRE(result.desired.resources.size() == 1);
    const Resource& r = result.desired.resources[0];
    Json body = r.body;
    body["properties"]["tags"].erase("managed-by");
    body["properties"]["tags"].erase("converge-stack");
    // Mapping doc 5: datastoreType AzureBlob, camelCase names, the cloud's endpoint and https by default.
    CHECK(body == Json::parse(R"({"properties": {"datastoreType": "AzureBlob",
      "description": "Datastore pointing to a blob container.", "tags": {},
      "accountName": "mytestblobstore", "containerName": "data-container", "endpoint": "core.windows.net",
      "protocol": "https",
      "credentials": {"credentialsType": "AccountKey", "secrets": {"secretsType": "AccountKey", "key": ")" + key +
                              R"("}}}})"));
    CHECK(r.sensitive.count("/properties/credentials/secrets/key") == 1);
    CHECK(result.diagnostics.to_string().find(key) == std::string::npos);
    // Credential-less: None; a SAS token; service principal credentials are not read yet.
    CHECK(body_of("name: b\ntype: azure_blob\naccount_name: st1\ncontainer_name: c-1\n")["properties"]["credentials"] ==
          Json::parse(R"({"credentialsType": "None"})"));
    CHECK(body_of("name: b\ntype: azure_blob\naccount_name: st1\ncontainer_name: c-1\ncredentials:\n  sas_token: "
                  "${env:CONVERGE_TEST_SAS}\n")["properties"]["credentials"]["credentialsType"] == "Sas");
    const std::string sp = diagnostics_of("name: b\ntype: azure_blob\naccount_name: st1\ncontainer_name: c-1\n"
                                          "credentials:\n  client_secret: example-sp-secret\n");
    CHECK(sp.find("az.yml:6:18: error: az ml field \"credentials.client_secret\": service principal credentials are not "
                  "supported for an Azure Blob datastore yet") != std::string::npos);
    CHECK(sp.find("example-sp-secret") == std::string::npos);
}

TEST_CASE("az ml and converge documents mix in one directory and refer to each other") {
    const auto result = load_inline(
        {{"st.yaml", "apiVersion: converge/v1\nkind: StorageAccount\nmetadata:\n  name: stml\nspec:\n  kind: StorageV2\n"
                     "  sku: {name: Standard_LRS}\n"},
         {"ws.yml", "$schema: https://azuremlschemas.azureedge.net/latest/workspace.schema.json\nname: mlw\n"
                    "storage_account: ${ref:StorageAccount/stml}\nkey_vault: /k\napplication_insights: /a\n"}},
        k_config);
    INFO(result.diagnostics.to_string());
    CHECK_FALSE(result.diagnostics.has_errors());
    REQUIRE(result.desired.resources.size() == 2);
    const Resource& ws = result.desired.resources[1];
    CHECK(ws.body["properties"]["storageAccount"] == result.desired.resources[0].id.str());
    REQUIRE(ws.depends_on.size() == 1);
    CHECK(ws.depends_on[0].location.to_string() == "ws.yml:3:18");
}

}  // TEST_SUITE("azml")

namespace {

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_SUITE("azml") {

// Every file of ../shared/corpus/azureml-cli-v2, loaded alone as an az ml file of a stack:
// its errors and warnings must be exactly the golden list tests/data/azml/corpus.txt (a
// supported type with none loads; each unsupported one has its located message).
TEST_CASE("the azureml-cli-v2 corpus: every file gives exactly its golden diagnostics") {
    namespace fs = std::filesystem;
    const fs::path corpus = fs::path(converge::test::shared_dir()) / "corpus" / "azureml-cli-v2";
    if (!fs::is_directory(corpus)) {
        MESSAGE("SKIPPED: no az ml corpus at " << corpus.string() << " (set CONVERGE_SHARED)");
        return;
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(corpus)) {
        const auto ext = e.path().extension();
        if (e.is_regular_file() && (ext == ".yml" || ext == ".yaml")) {
            files.push_back(e.path());
        }
    }
    std::sort(files.begin(), files.end());
    CHECK(files.size() >= 50);
    std::string actual;
    std::size_t loaded = 0;
    // Files an az ml file names (a conda file, a model's local path) resolve against its
    // directory, as for the az ml CLI: the files load from the corpus directory.
    const fs::path before = fs::current_path();
    fs::current_path(corpus);
    for (const auto& f : files) {
        const std::string rel = f.lexically_relative(corpus).generic_string();
        const auto result = load_inline({{rel, read_text(f)}}, k_config);
        loaded += result.desired.resources.size();
        std::string text = result.diagnostics.to_string();
        const std::string root = corpus.generic_string() + "/";  // resolved paths: machine-independent
        for (auto at = text.find(root); at != std::string::npos; at = text.find(root, at)) {
            text.replace(at, root.size(), "CORPUS/");
        }
        actual += "# " + rel + (text.empty() ? " (loads)\n" : "\n") + text;
    }
    fs::current_path(before);
    const std::string golden_path = std::string(CONVERGE_TEST_DATA) + "/azml/corpus.txt";
    if (std::getenv("CONVERGE_UPDATE_GOLDENS") != nullptr) {
        std::ofstream(golden_path) << actual;
    }
    CHECK(actual == read_text(golden_path));
    // Resources built from the corpus: computes, workspaces, endpoints, datastores (and those
    // whose only errors are in a field, as the deployments' local code).
    CHECK(loaded == 34);
    CHECK(actual.find("example-password") == std::string::npos);
    // The datastores' account key and SAS token (secrets) are in no message.
    CHECK(actual.find("XXXxxxXXX") == std::string::npos);
    CHECK(actual.find("xx=XXXX") == std::string::npos);
}

}  // TEST_SUITE("azml")
