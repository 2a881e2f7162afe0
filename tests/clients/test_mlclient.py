"""azure-ai-ml's MLClient against `converge emulator` (AZUREML_DEV_URL_MFE, pydash stub from
real-clients.md): workspaces, an AmlCompute with LRO polling, and models.

Run: /usr/bin/python3 test_mlclient.py <path-to-converge>   (exit 77 = skipped)
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, install_pydash_stub, skip_unless  # noqa: E402

STUBS = tempfile.mkdtemp(prefix="converge-stubs-")
install_pydash_stub(STUBS)
skip_unless("azure.identity", "azure.ai.ml", "requests")

from common_setup import make_workspace  # noqa: E402

RG, WS = "rg-mlclient", "ws-mlclient"


def main():
    with Emulator(sys.argv[1]) as emu:
        make_workspace(emu, RG, WS)
        os.environ["AZUREML_DEV_URL_MFE"] = emu.base_url
        from azure.ai.ml import MLClient
        from azure.ai.ml.entities import AmlCompute, Model

        client = MLClient(emu.credential(), emu.subscription, RG, WS)
        ws = client.workspaces.get(WS)
        check(ws.name == WS and ws.location == "eastus", f"workspace {ws.name} {ws.location}")
        check(WS in [w.name for w in client.workspaces.list()], "workspace list")

        cluster = client.compute.begin_create_or_update(
            AmlCompute(name="cpu-ml", size="STANDARD_DS3_V2", min_instances=0, max_instances=2,
                       idle_time_before_scale_down=1800)).result()
        check(cluster.provisioning_state == "Succeeded", f"compute {cluster.provisioning_state}")
        got = client.compute.get("cpu-ml")
        check(got.idle_time_before_scale_down == 1800, f"idle time {got.idle_time_before_scale_down}")
        check(got.tier in ("dedicated", "Dedicated"), f"tier {got.tier}")
        check("cpu-ml" in [c.name for c in client.compute.list()], "compute list")
        client.compute.begin_delete("cpu-ml").result()

        model = client.models.create_or_update(Model(
            name="m1", version="3", type="custom_model",
            path="azureml://datastores/workspaceblobstore/paths/models/m1/"))
        check(model.version == "3", f"model version {model.version}")
        check(client.models.get("m1", version="3").name == "m1", "model get")
        versions = [m.version for m in client.models.list("m1")]
        check(versions == ["3"], f"model list {versions}")
    print("OK")


if __name__ == "__main__":
    main()
