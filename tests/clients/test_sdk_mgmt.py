"""The Azure SDK for Python (azure-identity, azure-mgmt-resource, azure-mgmt-machinelearningservices)
against `converge emulator`: a resource group, the workspace dependencies, a workspace and an
AmlCompute with LRO polling; list, update, delete. Also checks Azure's normalisations (issue 8).

Run: /usr/bin/python3 test_sdk_mgmt.py <path-to-converge>   (exit 77 = skipped)
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, skip_unless  # noqa: E402

skip_unless("azure.identity", "azure.mgmt.resource", "azure.mgmt.machinelearningservices")

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError  # noqa: E402
from azure.mgmt.machinelearningservices import MachineLearningServicesMgmtClient  # noqa: E402
from azure.mgmt.machinelearningservices import models as ml  # noqa: E402
from azure.mgmt.resource import ResourceManagementClient  # noqa: E402
from azure.mgmt.resource.resources.models import GenericResource  # noqa: E402

RG = "rg-Sdk"
DEPENDENCIES = [
    ("Microsoft.Storage/storageAccounts", "stsdk01", "2023-01-01",
     GenericResource(location="West Europe", kind="StorageV2", sku={"name": "Standard_LRS"}, properties={})),
    ("Microsoft.KeyVault/vaults", "kv-sdk-01", "2023-07-01",
     GenericResource(location="westeurope", properties={"tenantId": None, "sku": {"family": "A", "name": "standard"}})),
    ("Microsoft.Insights/components", "ai-sdk-01", "2020-02-02",
     GenericResource(location="westeurope", kind="web", properties={"Application_Type": "web"})),
    ("Microsoft.ContainerRegistry/registries", "crsdk01", "2023-07-01",
     GenericResource(location="westeurope", sku={"name": "Basic"}, properties={})),
]


def dependency_id(sub, arm_type, name):
    return f"/subscriptions/{sub}/resourceGroups/{RG}/providers/{arm_type}/{name}"


def create_dependencies(emu, rm):
    ids = {}
    for arm_type, name, api, body in DEPENDENCIES:
        if arm_type == "Microsoft.KeyVault/vaults":
            body.properties["tenantId"] = emu.tenant
        rid = dependency_id(emu.subscription, arm_type, name)
        created = rm.resources.begin_create_or_update_by_id(rid, api, body).result()
        check(created.location == "westeurope", f"{arm_type}: location {created.location!r} not canonical")
        ids[arm_type] = rid
    storage = rm.resources.get_by_id(ids["Microsoft.Storage/storageAccounts"], "2023-01-01")
    check(storage.properties["primaryEndpoints"]["blob"] == "https://stsdk01.blob.core.windows.net/",
          f"storage endpoints: {storage.properties.get('primaryEndpoints')}")
    vault = rm.resources.get_by_id(ids["Microsoft.KeyVault/vaults"], "2023-07-01")
    check(vault.properties["enableSoftDelete"] is True and vault.properties["softDeleteRetentionInDays"] == 90,
          f"key vault soft delete defaults: {vault.properties}")
    insights = rm.resources.get_by_id(ids["Microsoft.Insights/components"], "2020-02-02")
    check(insights.properties.get("InstrumentationKey") and insights.properties.get("ConnectionString"),
          f"app insights keys missing: {insights.properties}")
    return ids


def workspace_round_trip(emu, ml_client, ids):
    params = ml.Workspace(
        location="West Europe", identity=ml.ManagedServiceIdentity(type="SystemAssigned"),
        storage_account=ids["Microsoft.Storage/storageAccounts"], key_vault=ids["Microsoft.KeyVault/vaults"],
        application_insights=ids["Microsoft.Insights/components"],
        container_registry=ids["Microsoft.ContainerRegistry/registries"], description="sdk test")
    ws = ml_client.workspaces.begin_create_or_update(RG, "ws-sdk", params).result()
    check(ws.location == "westeurope", f"workspace location {ws.location!r}")
    check(ws.storage_account == ids["Microsoft.Storage/storageAccounts"].lower(),
          f"storageAccount not lower-cased: {ws.storage_account}")
    check(ws.workspace_id and ws.discovery_url and ws.discovery_url.startswith(emu.base_url),
          f"server fields: workspaceId={ws.workspace_id} discoveryUrl={ws.discovery_url}")
    check(ws.identity.principal_id and ws.identity.tenant_id == emu.tenant, "identity principal/tenant missing")
    check(ws.hbi_workspace is False and ws.sku.name == "Basic", f"workspace defaults: hbi={ws.hbi_workspace}")
    names = [w.name for w in ml_client.workspaces.list_by_resource_group(RG)]
    check(names == ["ws-sdk"], f"list_by_resource_group: {names}")
    updated = ml_client.workspaces.begin_update(
        RG, "ws-sdk", ml.WorkspaceUpdateParameters(description="updated", tags={"team": "ml"})).result()
    check(updated.description == "updated" and updated.tags == {"team": "ml"}, "workspace update not applied")


def compute_round_trip(ml_client):
    body = ml.ComputeResource(location="westeurope", properties=ml.AmlCompute(properties=ml.AmlComputeProperties(
        vm_size="STANDARD_DS3_V2", scale_settings=ml.ScaleSettings(max_node_count=2, node_idle_time_before_scale_down="PT1800S"),
        user_account_credentials=ml.UserAccountCredentials(admin_user_name="azureuser", admin_user_password="Sup3r-Secret!"),
        remote_login_port_public_access="NotSpecified")))
    started = time.time()
    compute = ml_client.compute.begin_create_or_update(RG, "ws-sdk", "cpu-Sdk", body).result()
    check(time.time() - started < 20, f"compute LRO took {time.time() - started:.1f} s (Retry-After too large?)")
    props = compute.properties.properties
    check(compute.properties.provisioning_state == "Succeeded", f"state {compute.properties.provisioning_state}")
    check(props.scale_settings.node_idle_time_before_scale_down in ("PT30M", "0:30:00")
          or str(props.scale_settings.node_idle_time_before_scale_down) == "0:30:00",
          f"idle time not normalised: {props.scale_settings.node_idle_time_before_scale_down!r}")
    check(props.vm_priority == "Dedicated" and props.os_type == "Linux", "AmlCompute defaults missing")
    check(props.remote_login_port_public_access == "Enabled", f"remote login {props.remote_login_port_public_access}")
    got = ml_client.compute.get(RG, "ws-sdk", "cpu-sdk")
    check(got.name == "cpu-Sdk", f"name casing not kept: {got.name}")
    creds = got.properties.properties.user_account_credentials
    check(creds is None or creds.admin_user_password is None, "adminUserPassword returned by GET")
    listed = [c.name for c in ml_client.compute.list(RG, "ws-sdk")]
    check(listed == ["cpu-Sdk"], f"compute list: {listed}")
    # (2.0.0b1 deserialises the PATCH result as the base Compute class: read it back instead.)
    ml_client.compute.begin_update(RG, "ws-sdk", "cpu-Sdk", ml.ClusterUpdateParameters(
        properties=ml.ScaleSettingsInformation(scale_settings=ml.ScaleSettings(max_node_count=4, min_node_count=1)))).result()
    scale = ml_client.compute.get(RG, "ws-sdk", "cpu-Sdk").properties.properties.scale_settings
    check(scale.max_node_count == 4 and scale.min_node_count == 1, "scale settings PATCH not applied")
    ml_client.compute.begin_delete(RG, "ws-sdk", "cpu-Sdk", underlying_resource_action="Delete").result()
    try:
        ml_client.compute.get(RG, "ws-sdk", "cpu-Sdk")
        check(False, "compute still there after delete")
    except ResourceNotFoundError:
        pass


def main():
    with Emulator(sys.argv[1]) as emu:
        cred = emu.credential()
        rm = ResourceManagementClient(cred, emu.subscription, base_url=emu.base_url)
        ml_client = MachineLearningServicesMgmtClient(cred, emu.subscription, base_url=emu.base_url)
        group = rm.resource_groups.create_or_update(RG, {"location": "West Europe", "tags": {"owner": "sdk"}})
        check(group.location == "westeurope", f"resource group location {group.location!r}")
        check(rm.resource_groups.check_existence(RG), "HEAD resource group")
        try:
            rm.resource_groups.create_or_update("rg-bad", {"location": "Atlantis"})
            check(False, "unknown location accepted")
        except HttpResponseError as error:
            check(error.status_code == 400 and "Location" in error.error.code, f"bad location: {error}")
        ids = create_dependencies(emu, rm)
        workspace_round_trip(emu, ml_client, ids)
        compute_round_trip(ml_client)
        ml_client.workspaces.begin_delete(RG, "ws-sdk").result()
        rm.resource_groups.begin_delete(RG).result()
        check(not rm.resource_groups.check_existence(RG), "resource group still there")
    print("OK")


if __name__ == "__main__":
    main()
