"""azure-mgmt-machinelearningservices against `converge emulator`: model containers and
versions, online endpoints and deployments (LROs), listKeys / regenerateKeys, and scoring
with the endpoint key.

Run: /usr/bin/python3 test_sdk_assets.py <path-to-converge>   (exit 77 = skipped)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, skip_unless  # noqa: E402

skip_unless("azure.identity", "azure.mgmt.machinelearningservices", "requests")

import requests  # noqa: E402
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError  # noqa: E402
from azure.mgmt.machinelearningservices import MachineLearningServicesMgmtClient  # noqa: E402
from azure.mgmt.machinelearningservices import models as ml  # noqa: E402
from common_setup import make_workspace  # noqa: E402

RG, WS = "rg-assets", "ws-assets"


def models(client):
    client.model_containers.create_or_update(RG, WS, "Model1", ml.ModelContainer(
        properties=ml.ModelContainerProperties(description="a model", tags={"a": "b"})))
    for version in ("1", "2"):
        v = client.model_versions.create_or_update(RG, WS, "Model1", version, ml.ModelVersion(
            properties=ml.ModelVersionProperties(model_uri="azureml://datastores/workspaceblobstore/paths/m/",
                                                 model_type="custom_model")))
        check(v.properties.flavors == {}, f"flavors {v.properties.flavors!r}")
        check(v.properties.is_archived is False, "isArchived default")
    got = client.model_versions.get(RG, WS, "Model1", "2")
    check(got.properties.model_uri.startswith("azureml://"), "model version GET")
    versions = sorted(v.name for v in client.model_versions.list(RG, WS, "Model1"))
    check(versions == ["1", "2"], f"versions {versions}")
    container = client.model_containers.get(RG, WS, "Model1")
    check(container.properties.latest_version == "2", f"latestVersion {container.properties.latest_version}")
    containers = [c.name for c in client.model_containers.list(RG, WS)]
    check(containers == ["Model1"], f"containers {containers}")
    client.model_versions.delete(RG, WS, "Model1", "1")
    try:
        client.model_versions.get(RG, WS, "Model1", "1")
        check(False, "deleted version still there")
    except ResourceNotFoundError:
        pass
    try:
        client.model_containers.get(RG, WS, "model1")
        check(False, "model names must be case-sensitive")
    except ResourceNotFoundError:
        pass


def endpoints(emu, client):
    endpoint = client.online_endpoints.begin_create_or_update(RG, WS, "ep-1", ml.OnlineEndpoint(
        location="eastus", properties=ml.OnlineEndpointProperties(auth_mode="Key"))).result()
    check(endpoint.properties.provisioning_state == "Succeeded", f"endpoint {endpoint.properties.provisioning_state}")
    scoring_uri = endpoint.properties.scoring_uri
    check(scoring_uri.startswith(emu.base_url), f"scoringUri {scoring_uri}")
    deployment = client.online_deployments.begin_create_or_update(RG, WS, "ep-1", "blue", ml.OnlineDeployment(
        location="eastus", sku=ml.Sku(name="Default", capacity=1),
        properties=ml.ManagedOnlineDeployment(instance_type="Standard_DS3_v2",
                                              model=f"/subscriptions/{emu.subscription}/resourceGroups/{RG}/providers/"
                                                    f"Microsoft.MachineLearningServices/workspaces/{WS}/models/Model1/versions/2"))).result()
    check(deployment.properties.provisioning_state == "Succeeded", "deployment did not succeed")
    updated = client.online_endpoints.begin_update(RG, WS, "ep-1", ml.PartialMinimalTrackedResourceWithIdentity(
        tags={"traffic": "set"})).result()
    check(updated.tags == {"traffic": "set"}, f"endpoint PATCH: {updated.tags}")
    keys = client.online_endpoints.list_keys(RG, WS, "ep-1")
    auth = {"Authorization": f"Bearer {keys.primary_key}"}
    unrouted = requests.post(scoring_uri, json={"data": [[1]]}, verify=emu.ca_path, headers=auth, timeout=10)
    check(unrouted.status_code == 424, f"no traffic yet, answered {unrouted.status_code}")
    by_header = requests.post(scoring_uri, json={"data": [[1, 1]]}, verify=emu.ca_path,
                              headers=dict(auth, **{"azureml-model-deployment": "blue"}), timeout=10)
    check(by_header.status_code == 200 and by_header.json() == [2], f"header routing: {by_header.text}")
    client.online_endpoints.begin_create_or_update(RG, WS, "ep-1", ml.OnlineEndpoint(
        location="eastus", properties=ml.OnlineEndpointProperties(auth_mode="Key", traffic={"blue": 100}))).result()
    check(keys.primary_key and keys.secondary_key and keys.primary_key != keys.secondary_key, "listKeys")
    raw = client.online_endpoints.get(RG, WS, "ep-1").serialize(keep_readonly=True)
    check(keys.primary_key not in str(raw), "a key leaked into GET")
    score = requests.post(scoring_uri, json={"data": [[1, 2, 3], [10, 20]]}, verify=emu.ca_path,
                          headers={"Authorization": f"Bearer {keys.primary_key}"}, timeout=10)
    check(score.status_code == 200 and score.json() == [6, 30], f"scoring: {score.status_code} {score.text}")
    wrong = requests.post(scoring_uri, json={"data": [[1]]}, verify=emu.ca_path,
                          headers={"Authorization": "Bearer not-the-key"}, timeout=10)
    check(wrong.status_code == 401, f"wrong key answered {wrong.status_code}")
    client.online_endpoints.begin_regenerate_keys(RG, WS, "ep-1", ml.RegenerateEndpointKeysRequest(key_type="Primary")).result()
    rotated = client.online_endpoints.list_keys(RG, WS, "ep-1")
    check(rotated.primary_key != keys.primary_key and rotated.secondary_key == keys.secondary_key, "regenerateKeys")
    old = requests.post(scoring_uri, json={"data": [[1]]}, verify=emu.ca_path,
                        headers={"Authorization": f"Bearer {keys.primary_key}"}, timeout=10)
    check(old.status_code == 401, "the old primary key still scores")
    try:
        client.online_deployments.begin_delete(RG, WS, "ep-1", "blue").result()
        check(False, "a deployment with 100% of the traffic was deleted")
    except HttpResponseError as error:
        check(error.status_code == 400, f"deleting a live deployment: {error}")
    client.online_endpoints.begin_delete(RG, WS, "ep-1").result()
    check([e.name for e in client.online_endpoints.list(RG, WS)] == [], "endpoint still listed")


def main():
    with Emulator(sys.argv[1]) as emu:
        make_workspace(emu, RG, WS)
        client = MachineLearningServicesMgmtClient(emu.credential(), emu.subscription, base_url=emu.base_url)
        models(client)
        endpoints(emu, client)
    print("OK")


if __name__ == "__main__":
    main()
