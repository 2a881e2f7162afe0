"""Issue 17's round trip, with the Azure SDK for Python (azure-mgmt-resource,
azure-mgmt-machinelearningservices) against `converge emulator`: an estate built without converge
(a resource group, the workspace's dependencies, a workspace, a cluster with an admin password, a
model version, an online endpoint), then `converge export` of the group, `plan` (only adopts),
`apply --adopt`, `plan` (empty), a field changed with the SDK seen as drift; then the same with
`export --format azml` (az ml CLI v2 files) planning empty.

Run: /usr/bin/python3 test_sdk_export.py <path-to-converge>   (exit 77 = skipped)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, skip_unless  # noqa: E402

skip_unless("azure.identity", "azure.mgmt.resource", "azure.mgmt.machinelearningservices")

from azure.mgmt.machinelearningservices import MachineLearningServicesMgmtClient  # noqa: E402
from azure.mgmt.machinelearningservices import models as ml  # noqa: E402
from azure.mgmt.resource import ResourceManagementClient  # noqa: E402
from azure.mgmt.resource.resources.models import GenericResource  # noqa: E402

RG, WS = "rg-sdk-export", "mlw-sdk-export"
PASSWORD = "Sdk-Export-Pa55!"


def converge(binary, emu, *args, env=None):
    full = dict(os.environ, CONVERGE_ARM_ENDPOINT=emu.base_url, AZURE_AUTHORITY_HOST=emu.base_url,
                SSL_CERT_FILE=emu.ca_path, AZURE_TENANT_ID=emu.tenant, AZURE_CLIENT_ID=emu.client_id,
                AZURE_CLIENT_SECRET=emu.client_secret, AZURE_SUBSCRIPTION_ID=emu.subscription)
    full.update(env or {})
    return subprocess.run([binary, *args], env=full, capture_output=True, text=True, timeout=600)


def build_estate(emu, rm, mlc):
    sub = emu.subscription
    rm.resource_groups.create_or_update(RG, {"location": "westeurope", "tags": {"owner": "sdk"}})
    ids = {}
    for arm_type, name, api, body in [
            ("Microsoft.Storage/storageAccounts", "stsdkexport", "2023-01-01",
             GenericResource(location="westeurope", kind="StorageV2", sku={"name": "Standard_LRS"}, properties={})),
            ("Microsoft.KeyVault/vaults", "kv-sdk-export", "2023-07-01",
             GenericResource(location="westeurope",
                             properties={"tenantId": emu.tenant, "sku": {"family": "A", "name": "standard"}})),
            ("Microsoft.Insights/components", "appi-sdk-export", "2020-02-02",
             GenericResource(location="westeurope", kind="web", properties={"Application_Type": "web"}))]:
        rid = f"/subscriptions/{sub}/resourceGroups/{RG}/providers/{arm_type}/{name}"
        rm.resources.begin_create_or_update_by_id(rid, api, body).result()
        ids[arm_type] = rid
    mlc.workspaces.begin_create_or_update(RG, WS, ml.Workspace(
        location="westeurope", identity=ml.ManagedServiceIdentity(type="SystemAssigned"),
        storage_account=ids["Microsoft.Storage/storageAccounts"], key_vault=ids["Microsoft.KeyVault/vaults"],
        application_insights=ids["Microsoft.Insights/components"], description="made with the SDK")).result()
    mlc.compute.begin_create_or_update(RG, WS, "cpu-sdk", ml.ComputeResource(
        location="westeurope", properties=ml.AmlCompute(properties=ml.AmlComputeProperties(
            vm_size="STANDARD_DS3_V2", vm_priority="LowPriority",
            scale_settings=ml.ScaleSettings(min_node_count=0, max_node_count=2,
                                            node_idle_time_before_scale_down="PT2M"),
            user_account_credentials=ml.UserAccountCredentials(admin_user_name="azureuser",
                                                               admin_user_password=PASSWORD))))).result()
    mlc.model_containers.create_or_update(RG, WS, "churn", ml.ModelContainer(
        properties=ml.ModelContainerProperties(description="churn")))
    mlc.model_versions.create_or_update(RG, WS, "churn", "1", ml.ModelVersion(properties=ml.ModelVersionProperties(
        model_uri="azureml://datastores/workspaceblobstore/paths/models/churn/1", model_type="custom_model")))
    mlc.online_endpoints.begin_create_or_update(RG, WS, "ep-sdk", ml.OnlineEndpoint(
        location="westeurope", identity=ml.ManagedServiceIdentity(type="SystemAssigned"),
        properties=ml.OnlineEndpointProperties(auth_mode="Key", description="scoring"))).result()


def round_trip(binary, emu, mlc, fmt):
    out = tempfile.mkdtemp(prefix=f"converge-sdk-export-{fmt}-")
    estate = os.path.join(out, "estate")
    args = ["export", "--resource-group", RG, "--stack", "sdk-" + fmt, "-o", estate]
    if fmt == "azml":
        args += ["--format", "azml"]
    exported = converge(binary, emu, *args)
    check(exported.returncode == 0, f"export ({fmt}) failed:\n{exported.stdout}\n{exported.stderr}")
    files = sorted(os.listdir(estate))
    check("converge.yaml" in files and "compute-cpu-sdk.yaml" in files, f"exported files ({fmt}): {files}")
    with open(os.path.join(estate, "compute-cpu-sdk.yaml")) as f:
        cluster = f.read()
    check(PASSWORD not in cluster and PASSWORD not in exported.stdout + exported.stderr,
          "the admin password was written")
    if fmt == "azml":
        check("amlCompute.schema.json" in cluster and "tier: low_priority" in cluster, f"az ml cluster:\n{cluster}")
        with open(os.path.join(estate, "onlineendpoint-ep-sdk.yaml")) as f:
            check("managedOnlineEndpoint.schema.json" in f.read(), "the endpoint is not an az ml file")
    placeholders = sorted(set(re.findall(r"\$\{env:([A-Z0-9_]+)\}", cluster)))
    check(placeholders, f"no ${{env:}} placeholder for the password ({fmt}):\n{cluster}")
    env = {name: PASSWORD for name in placeholders}

    plan = converge(binary, emu, "plan", estate, "--adopt", "--detailed-exitcode", env=env)
    check(plan.returncode == 2, f"first plan ({fmt}) wants changes (adopts), got {plan.returncode}:\n{plan.stdout}"
                                f"\n{plan.stderr}")
    others = re.findall(r"will be (created|updated in-place|replaced|destroyed|deleted)", plan.stdout)
    check("will be adopted" in plan.stdout and not others, f"first plan ({fmt}) is not only adopts:\n{plan.stdout}")
    applied = converge(binary, emu, "apply", estate, "--adopt", "--auto-approve", env=env)
    check(applied.returncode == 0, f"apply --adopt ({fmt}):\n{applied.stdout}\n{applied.stderr}")
    empty = converge(binary, emu, "plan", estate, "--detailed-exitcode", env=env)
    check(empty.returncode == 0, f"plan after adopt ({fmt}) not empty:\n{empty.stdout}\n{empty.stderr}")

    # A change made in Azure (the SDK), not in the manifests: drift.
    mlc.workspaces.begin_update(RG, WS, ml.WorkspaceUpdateParameters(description=f"changed in Azure {fmt}")).result()
    drift = converge(binary, emu, "plan", estate, "--detailed-exitcode", env=env)
    check(drift.returncode == 2 and "Workspace/" + WS in drift.stdout and f"changed in Azure {fmt}" in drift.stdout,
          f"drift not shown ({fmt}):\n{drift.stdout}\n{drift.stderr}")
    back = converge(binary, emu, "apply", estate, "--auto-approve", env=env)
    check(back.returncode == 0, f"apply after drift ({fmt}):\n{back.stdout}\n{back.stderr}")
    final = converge(binary, emu, "plan", estate, "--detailed-exitcode", env=env)
    check(final.returncode == 0, f"plan after the drift's apply ({fmt}) not empty:\n{final.stdout}\n{final.stderr}")
    every = "".join(r.stdout + r.stderr for r in (exported, plan, applied, empty, drift, back, final))
    check(PASSWORD not in every, f"the admin password was printed ({fmt})")
    shutil.rmtree(out, ignore_errors=True)


def main():
    binary = sys.argv[1]
    with Emulator(binary) as emu:
        cred = emu.credential()
        rm = ResourceManagementClient(cred, emu.subscription, base_url=emu.base_url)
        mlc = MachineLearningServicesMgmtClient(cred, emu.subscription, base_url=emu.base_url)
        build_estate(emu, rm, mlc)
        round_trip(binary, emu, mlc, "converge")
    # A fresh estate for the az ml form (the first round trip made the estate the stack's).
    with Emulator(binary) as emu:
        cred = emu.credential()
        rm = ResourceManagementClient(cred, emu.subscription, base_url=emu.base_url)
        mlc = MachineLearningServicesMgmtClient(cred, emu.subscription, base_url=emu.base_url)
        build_estate(emu, rm, mlc)
        round_trip(binary, emu, mlc, "azml")
    print("ok: an SDK-built estate exports (converge and az ml forms), plans only adopts, adopts, plans empty, "
          "shows drift made with the SDK")


if __name__ == "__main__":
    main()
