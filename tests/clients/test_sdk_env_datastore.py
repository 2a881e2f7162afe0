"""azure-mgmt-machinelearningservices against `converge emulator`: environment containers and
versions (defaults, immutable fields), datastores (AzureBlob with an account key that GET never
returns and listSecrets does, credential-less ones) and the workspace's default datastore
workspaceblobstore, whose container the blob client can write to.

Run: /usr/bin/python3 test_sdk_env_datastore.py <path-to-converge>   (exit 77 = skipped)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, skip_unless  # noqa: E402

skip_unless("azure.identity", "azure.mgmt.machinelearningservices", "azure.storage.blob", "requests")

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError  # noqa: E402
from azure.mgmt.machinelearningservices import MachineLearningServicesMgmtClient  # noqa: E402
from azure.mgmt.machinelearningservices import models as ml  # noqa: E402
from azure.storage.blob import ContainerClient  # noqa: E402
from common_setup import make_workspace  # noqa: E402

RG, WS = "rg-envds", "ws-envds"
KEY = "c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cw=="


def environments(client):
    env = client.environment_versions.create_or_update(RG, WS, "sklearn", "1", ml.EnvironmentVersion(
        properties=ml.EnvironmentVersionProperties(
            image="mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest",
            conda_file="name: sklearn\ndependencies:\n  - scikit-learn\n", description="first")))
    check(env.properties.os_type == "Linux", f"osType default {env.properties.os_type}")
    check(env.properties.environment_type == "UserCreated", f"environmentType {env.properties.environment_type}")
    check(env.properties.auto_rebuild == "Disabled", f"autoRebuild {env.properties.auto_rebuild}")
    # Description changes in place; the image of an existing version does not.
    env.properties.description = "second"
    client.environment_versions.create_or_update(RG, WS, "sklearn", "1", env)
    check(client.environment_versions.get(RG, WS, "sklearn", "1").properties.description == "second", "description")
    env.properties.image = "docker.io/library/python:3.12"
    try:
        client.environment_versions.create_or_update(RG, WS, "sklearn", "1", env)
        check(False, "the image of an existing environment version changed")
    except HttpResponseError as error:
        check(error.status_code == 400, f"image change: {error.status_code}")
    container = client.environment_containers.get(RG, WS, "sklearn")
    check(container.properties.latest_version == "1", f"latestVersion {container.properties.latest_version}")
    check([v.name for v in client.environment_versions.list(RG, WS, "sklearn")] == ["1"], "versions")


def datastores(emu, client):
    default = client.datastores.get(RG, WS, "workspaceblobstore")
    check(default.properties.is_default is True, "workspaceblobstore is the default")
    check(default.properties.datastore_type == "AzureBlob", f"type {default.properties.datastore_type}")
    account, container = default.properties.account_name, default.properties.container_name
    ContainerClient(f"{emu.base_url}/{account}", container, credential=emu.credential()).upload_blob("x.txt", b"x")

    created = client.datastores.create_or_update(RG, WS, "training_data", ml.Datastore(
        properties=ml.AzureBlobDatastore(
            account_name=account, container_name="training", description="raw data",
            credentials=ml.AccountKeyDatastoreCredentials(secrets=ml.AccountKeyDatastoreSecrets(key=KEY)))))
    check(created.properties.endpoint == "core.windows.net", f"endpoint {created.properties.endpoint}")
    check(created.properties.protocol == "https", f"protocol {created.properties.protocol}")
    got = client.datastores.get(RG, WS, "training_data")
    check(got.properties.credentials.credentials_type == "AccountKey", "credentialsType")
    check(getattr(got.properties.credentials, "secrets", None) is None, "GET returned the account key")
    check(KEY not in str(got.as_dict()), "the key in a GET")
    secrets = client.datastores.list_secrets(RG, WS, "training_data")
    check(secrets.key == KEY, "listSecrets")
    try:
        got.properties.container_name = "elsewhere"
        got.properties.credentials = ml.NoneDatastoreCredentials()
        client.datastores.create_or_update(RG, WS, "training_data", got)
        check(False, "a datastore's container changed")
    except HttpResponseError as error:
        check(error.status_code == 400, f"container change: {error.status_code}")
    client.datastores.create_or_update(RG, WS, "curated", ml.Datastore(properties=ml.AzureBlobDatastore(
        account_name=account, container_name="curated", credentials=ml.NoneDatastoreCredentials())))
    names = sorted(d.name for d in client.datastores.list(RG, WS))
    check(names == ["curated", "training_data", "workspaceblobstore"], f"datastores {names}")
    client.datastores.delete(RG, WS, "curated")
    try:
        client.datastores.get(RG, WS, "curated")
        check(False, "deleted datastore still there")
    except ResourceNotFoundError:
        pass


def main():
    with Emulator(sys.argv[1]) as emu:
        make_workspace(emu, RG, WS)
        client = MachineLearningServicesMgmtClient(emu.credential(), emu.subscription, base_url=emu.base_url)
        environments(client)
        datastores(emu, client)
    print("OK")


if __name__ == "__main__":
    main()
