"""azure-cli against `converge emulator`: `az cloud register` (ADFS-style authority, see
real-clients.md), `az login --service-principal`, `az group`, `az resource`, `az rest`.

Run: /usr/bin/python3 test_az_cli.py <path-to-converge>   (exit 77 = skipped)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SKIP, Emulator, check, fail  # noqa: E402

AZ = shutil.which("az")
if AZ is None:
    print("SKIPPED: az (azure-cli) is not installed", flush=True)
    sys.exit(SKIP)


class Az:
    def __init__(self, emu):
        self.emu = emu
        self.config = tempfile.mkdtemp(prefix="converge-az-")
        self.env = dict(os.environ, AZURE_CONFIG_DIR=self.config, AZURE_CORE_COLLECT_TELEMETRY="false",
                        AZURE_CORE_NO_COLOR="true", AZURE_CORE_ONLY_SHOW_ERRORS="true",
                        REQUESTS_CA_BUNDLE=emu.ca_path)

    def __call__(self, *args, ok=True):
        result = subprocess.run([AZ, *args], env=self.env, capture_output=True, text=True, timeout=120)
        if ok and result.returncode != 0:
            shown = [a.replace(self.emu.client_secret, "***") for a in args]
            fail(f"az {' '.join(shown)} -> {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    def json(self, *args):
        out = self(*args, "-o", "json").stdout
        return json.loads(out) if out.strip() else None

    def close(self):
        shutil.rmtree(self.config, ignore_errors=True)


def seeded_credentials():
    """Credentials whose client secret begins with '-', as generated ones do about one run in 64
    (base64url) and real Entra ID secrets may: `-p SECRET` would read it as an option."""
    import secrets
    import uuid
    return {"tenantId": str(uuid.uuid4()), "subscriptionId": str(uuid.uuid4()),
            "subscriptionName": "converge-emulator", "clientId": str(uuid.uuid4()),
            "objectId": str(uuid.uuid4()), "clientSecret": "-" + secrets.token_urlsafe(30)}


def main():
    with Emulator(sys.argv[1], credentials=seeded_credentials()) as emu:
        az = Az(emu)
        try:
            run(emu, az)
        finally:
            az.close()
    print("OK")


def run(emu, az):
    az("cloud", "register", "-n", "ConvergeEmulator",
       "--endpoint-resource-manager", emu.base_url + "/",
       "--endpoint-active-directory", emu.base_url + "/adfs",
       "--endpoint-active-directory-resource-id", "https://management.core.windows.net/",
       "--endpoint-active-directory-graph-resource-id", "https://graph.windows.net/")
    az("cloud", "set", "-n", "ConvergeEmulator")
    login = az("login", "--service-principal", "-u", emu.client_id, f"--password={emu.client_secret}",
               "--tenant", emu.tenant, "-o", "json")
    check(emu.subscription in login.stdout, f"login did not list the subscription: {login.stdout}")
    check(emu.client_secret not in login.stdout + login.stderr, "the secret was printed")

    group = az.json("group", "create", "-n", "rg-Cli", "-l", "West Europe", "--tags", "a=b")
    check(group["location"] == "westeurope", f"group location {group['location']}")
    check(az("group", "exists", "-n", "rg-cli").stdout.strip() == "true", "group exists")
    names = [g["name"] for g in az.json("group", "list")]
    check("rg-Cli" in names, f"group list {names}")

    sub = f"/subscriptions/{emu.subscription}/resourceGroups/rg-Cli"
    storage_id = f"{sub}/providers/Microsoft.Storage/storageAccounts/stcli01"
    full = {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}, "properties": {}}
    created = az.json("resource", "create", "--id", storage_id, "--api-version", "2023-01-01",
                      "--is-full-object", "--properties", json.dumps(full))
    check(created["name"] == "stcli01", f"resource create: {created}")
    shown = az.json("resource", "show", "--ids", storage_id, "--api-version", "2023-01-01")
    check(shown["properties"]["primaryEndpoints"]["blob"].startswith("https://stcli01."), "resource show")
    listed = [r["name"] for r in az.json("resource", "list", "-g", "rg-Cli")]
    check(listed == ["stcli01"], f"resource list {listed}")

    rest = az.json("rest", "--method", "get", "--url",
                   f"{emu.base_url}/subscriptions/{emu.subscription}/resourcegroups?api-version=2021-04-01")
    check(any(g["name"] == "rg-Cli" for g in rest["value"]), "az rest GET")
    put = az.json("rest", "--method", "put", "--url",
                  f"{emu.base_url}{sub}/providers/Microsoft.KeyVault/vaults/kv-cli-01?api-version=2023-07-01",
                  "--body", json.dumps({"location": "West Europe",
                                        "properties": {"tenantId": emu.tenant, "sku": {"family": "A", "name": "Standard"}}}))
    check(put["location"] == "westeurope" and put["properties"]["softDeleteRetentionInDays"] == 90, f"az rest PUT {put}")

    az("resource", "delete", "--ids", storage_id, "--api-version", "2023-01-01")
    az("group", "delete", "-n", "rg-Cli", "--yes")
    check(az("group", "exists", "-n", "rg-Cli").stdout.strip() == "false", "group still exists")


if __name__ == "__main__":
    main()
