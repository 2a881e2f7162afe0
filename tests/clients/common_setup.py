"""Creates a resource group, the workspace dependencies and a workspace through raw ARM calls
(requests), for client tests that need a workspace to exist before they start."""
from harness import check

API = {"Microsoft.Storage/storageAccounts": "2023-01-01", "Microsoft.KeyVault/vaults": "2023-07-01",
       "Microsoft.Insights/components": "2020-02-02", "Microsoft.ContainerRegistry/registries": "2023-07-01"}


def arm(session, emu, method, path, api, body=None, ok=(200, 201, 202, 204)):
    url = f"{emu.base_url}{path}?api-version={api}"
    r = session.request(method, url, json=body, timeout=30)
    check(r.status_code in ok, f"{method} {path} -> {r.status_code}: {r.text}")
    return r


def wait_for(session, emu, path, api, tries=200):
    """GETs until the resource answers 200 with a terminal provisioningState."""
    import time
    for _ in range(tries):
        r = session.get(f"{emu.base_url}{path}?api-version={api}", timeout=30)
        if r.status_code == 200:
            state = r.json().get("properties", {}).get("provisioningState", "Succeeded")
            if state in ("Succeeded", "Failed", "Canceled"):
                return r.json()
        time.sleep(0.05)
    check(False, f"{path} never finished provisioning")


def make_workspace(emu, rg, ws, location="eastus"):
    import requests
    session = requests.Session()
    session.verify = emu.ca_path
    session.headers["Authorization"] = f"Bearer {emu.token()}"
    sub = f"/subscriptions/{emu.subscription}"
    arm(session, emu, "PUT", f"{sub}/resourcegroups/{rg}", "2021-04-01", {"location": location})
    names = {"Microsoft.Storage/storageAccounts": ("st" + ws.replace("-", ""))[:24].lower(),
             "Microsoft.KeyVault/vaults": "kv-" + ws, "Microsoft.Insights/components": "ai-" + ws,
             "Microsoft.ContainerRegistry/registries": ("cr" + ws.replace("-", ""))[:50]}
    bodies = {"Microsoft.Storage/storageAccounts": {"location": location, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}},
              "Microsoft.KeyVault/vaults": {"location": location, "properties": {"tenantId": emu.tenant, "sku": {"family": "A", "name": "standard"}}},
              "Microsoft.Insights/components": {"location": location, "kind": "web", "properties": {"Application_Type": "web"}},
              "Microsoft.ContainerRegistry/registries": {"location": location, "sku": {"name": "Basic"}}}
    ids = {}
    for arm_type, name in names.items():
        path = f"{sub}/resourceGroups/{rg}/providers/{arm_type}/{name}"
        arm(session, emu, "PUT", path, API[arm_type], bodies[arm_type])
        wait_for(session, emu, path, API[arm_type])
        ids[arm_type] = path
    ws_path = f"{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}"
    arm(session, emu, "PUT", ws_path, "2022-10-01", {
        "location": location, "identity": {"type": "SystemAssigned"},
        "properties": {"storageAccount": ids["Microsoft.Storage/storageAccounts"],
                       "keyVault": ids["Microsoft.KeyVault/vaults"],
                       "applicationInsights": ids["Microsoft.Insights/components"],
                       "containerRegistry": ids["Microsoft.ContainerRegistry/registries"]}})
    return session, wait_for(session, emu, ws_path, "2022-10-01")
