"""The Azure ML regional API of the 2020 REST how-to, reached through the workspace's
discoveryUrl: discovery, execution/v1.0 startrun (multipart zip + run definition), the run's
Queued -> Running -> Completed (or Failed) life in history/v1.0, modelmanagement/v1.0 models.

Run: /usr/bin/python3 test_regional_api.py <path-to-converge>   (exit 77 = skipped)
"""
import io
import json
import os
import re
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, skip_unless  # noqa: E402

skip_unless("requests")

from common_setup import make_workspace  # noqa: E402

RG, WS = "rg-regional", "ws-regional"
RUN_DEFINITION = {"Configuration": {"Script": "train.py", "Arguments": [], "Framework": "Python",
                                    "Communicator": "None", "Target": "cpu-cluster", "MaxRunDurationSeconds": 60,
                                    "NodeCount": 1, "Environment": {"Python": {"UserManagedDependencies": False}},
                                    "History": {"OutputCollection": True}}}


def project_zip(files):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return data.getvalue()


def start_run(session, api, prefix, experiment, files):
    r = session.post(f"{api}/execution/v1.0{prefix}/experiments/{experiment}/startrun?api-version=2019-11-01",
                     files={"projectZipFile": ("project.zip", project_zip(files), "application/zip"),
                            "runDefinitionFile": ("runDefinition.json", json.dumps(RUN_DEFINITION), "application/json")},
                     timeout=10)
    check(r.status_code == 200, f"startrun -> {r.status_code}: {r.text}")
    run_id = r.json()["runId"]
    check(re.fullmatch(rf"{experiment}_\d{{13}}", run_id), f"runId {run_id!r}")
    return run_id


def wait_run(session, api, prefix, experiment, run_id):
    seen = []
    for _ in range(400):
        r = session.get(f"{api}/history/v1.0{prefix}/experiments/{experiment}/runs/{run_id}?api-version=2019-11-01", timeout=10)
        check(r.status_code == 200, f"get run -> {r.status_code}: {r.text}")
        status = r.json()["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in ("Completed", "Failed", "Canceled"):
            return seen, r.json()
        time.sleep(0.02)
    check(False, f"run {run_id} never finished: {seen}")


def main():
    with Emulator(sys.argv[1]) as emu:
        session, ws = make_workspace(emu, RG, WS)
        discovery_url = ws["properties"]["discoveryUrl"]
        services = session.get(discovery_url, timeout=10).json()
        for key in ("api", "catalog", "experimentation", "history", "modelmanagement", "pipelines"):
            check(services.get(key, "").startswith(emu.base_url), f"discovery {key}: {services.get(key)}")
        api = services["api"]
        prefix = (f"/subscriptions/{emu.subscription}/resourceGroups/{RG}/providers/"
                  f"Microsoft.MachineLearningServices/workspaces/{WS}")

        ok_id = start_run(session, api, prefix, "exp-1", {"train.py": "print('hello')\n"})
        statuses, run = wait_run(session, api, prefix, "exp-1", ok_id)
        check(statuses[-1] == "Completed", f"statuses {statuses}")
        check(all(s in ("NotStarted", "Queued", "Running", "Completed") for s in statuses), f"statuses {statuses}")
        bad_id = start_run(session, api, prefix, "exp-1", {"src/other.py": "x = 1\n"})
        statuses, run = wait_run(session, api, prefix, "exp-1", bad_id)
        check(statuses[-1] == "Failed" and "train.py" in json.dumps(run.get("error", {})), f"failed run: {run}")

        experiments = session.get(f"{api}/history/v1.0{prefix}/experiments?api-version=2019-11-01", timeout=10).json()
        check([e["name"] for e in experiments["value"]] == ["exp-1"], f"experiments {experiments}")
        runs = session.get(f"{api}/history/v1.0{prefix}/experiments/exp-1/runs?api-version=2019-11-01", timeout=10).json()
        check(sorted(r["runId"] for r in runs["value"]) == sorted([ok_id, bad_id]), f"runs {runs}")

        missing = session.post(f"{api}/execution/v1.0{prefix}/experiments/exp-1/startrun?api-version=2019-11-01",
                               files={"runDefinitionFile": ("r.json", json.dumps(RUN_DEFINITION))}, timeout=10)
        check(missing.status_code == 400, f"startrun without a zip -> {missing.status_code}")

        models = f"{api}/modelmanagement/v1.0{prefix}/models"
        created = session.post(models, json={"name": "mnist", "url": "aml://artifacts/mnist.pkl", "mimeType": "application/octet-stream",
                                             "description": "d", "kvTags": {"a": "b"}}, timeout=10)
        check(created.status_code in (200, 201) and created.json()["version"] == 1, f"register: {created.text}")
        again = session.post(models, json={"name": "mnist", "url": "aml://artifacts/mnist2.pkl"}, timeout=10).json()
        check(again["version"] == 2 and again["id"] == "mnist:2", f"second version {again}")
        listed = session.get(models, timeout=10).json()
        check(sorted(m["id"] for m in listed["value"]) == ["mnist:1", "mnist:2"], f"model list {listed}")
        check(session.get(f"{models}/mnist:1", timeout=10).json()["url"] == "aml://artifacts/mnist.pkl", "model get")
        check(session.delete(f"{models}/mnist:1", timeout=10).status_code in (200, 204), "model delete")
        check(session.get(f"{models}/mnist:1", timeout=10).status_code == 404, "deleted model still there")

        import requests
        anonymous = requests.get(f"{api}/history/v1.0{prefix}/experiments?api-version=2019-11-01",
                                 verify=emu.ca_path, timeout=10)
        check(anonymous.status_code == 401, f"history without a token -> {anonymous.status_code}")
    print("OK")


if __name__ == "__main__":
    main()
