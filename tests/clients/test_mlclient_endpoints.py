"""azure-ai-ml's MLClient reads the online endpoint and deployments `converge apply` created from
manifests/mlops-endpoint against `converge emulator` (traffic split, auth mode, deployments,
keys, invoke); then `converge plan` is empty.

Run: /usr/bin/python3 test_mlclient_endpoints.py <path-to-converge>   (exit 77 = skipped)
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, install_pydash_stub, skip_unless  # noqa: E402

STUBS = tempfile.mkdtemp(prefix="converge-stubs-")
install_pydash_stub(STUBS)
skip_unless("azure.identity", "azure.ai.ml", "requests")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ESTATE = os.path.join(ROOT, "manifests", "mlops-endpoint")
RG, WS, EP = "rg-mlops-endpoint", "mlw-mlops-endpoint", "churn-endpoint"


def converge(binary, emu, *args):
    env = dict(os.environ, CONVERGE_ARM_ENDPOINT=emu.base_url, AZURE_AUTHORITY_HOST=emu.base_url,
               SSL_CERT_FILE=emu.ca_path, AZURE_TENANT_ID=emu.tenant, AZURE_CLIENT_ID=emu.client_id,
               AZURE_CLIENT_SECRET=emu.client_secret, AZURE_SUBSCRIPTION_ID=emu.subscription)
    return subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=600)


def main():
    binary = sys.argv[1]
    with Emulator(binary) as emu:
        applied = converge(binary, emu, "apply", ESTATE, "--auto-approve")
        check(applied.returncode == 0, f"converge apply failed:\n{applied.stdout}\n{applied.stderr}")

        os.environ["AZUREML_DEV_URL_MFE"] = emu.base_url
        from azure.ai.ml import MLClient

        client = MLClient(emu.credential(), emu.subscription, RG, WS)
        endpoint = client.online_endpoints.get(EP)
        check(endpoint.traffic == {"blue": 90, "green": 10}, f"traffic {endpoint.traffic}")
        check(endpoint.auth_mode.lower() == "key", f"auth mode {endpoint.auth_mode}")
        check(endpoint.provisioning_state == "Succeeded", f"endpoint {endpoint.provisioning_state}")
        check(EP in [e.name for e in client.online_endpoints.list()], "endpoint list")
        names = sorted(d.name for d in client.online_deployments.list(EP))
        check(names == ["blue", "green"], f"deployments {names}")
        blue = client.online_deployments.get("blue", EP)
        check(blue.instance_type.lower() == "standard_ds3_v2", f"instance type {blue.instance_type}")
        check(blue.instance_count == 1, f"instance count {blue.instance_count}")
        check(str(blue.model).endswith("/models/churn/versions/1"), f"model {blue.model}")
        keys = client.online_endpoints.get_keys(EP)
        check(bool(keys.primary_key), "no primary key")

        request = os.path.join(emu.tmp, "request.json")
        with open(request, "w") as f:
            json.dump({"data": [[1, 2], [3, 4]]}, f)
        answer = client.online_endpoints.invoke(EP, request_file=request, deployment_name="green")
        check(json.loads(answer) == [3, 7], f"invoke answered {answer}")

        plan = converge(binary, emu, "plan", ESTATE, "--detailed-exitcode")
        check(plan.returncode == 0, f"plan after apply (want 0: empty):\n{plan.stdout}\n{plan.stderr}")
        scored = converge(binary, emu, "score", EP, ESTATE, "--data", request)
        check(scored.returncode == 0 and json.loads(scored.stdout) == [3, 7], f"score: {scored.stdout} {scored.stderr}")
        check(keys.primary_key not in applied.stdout + applied.stderr + scored.stdout + scored.stderr,
              "the endpoint key was printed")
    print("ok: MLClient reads converge's endpoint (traffic 90/10, key auth), deployments, keys; invoke; plan empty")


if __name__ == "__main__":
    main()
