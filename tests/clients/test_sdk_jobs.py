"""azure-mgmt-machinelearningservices against `converge emulator`: code versions (the code asset
a job runs, codeUri immutable) and command jobs (Jobs_CreateOrUpdate answering 201, the status
going Queued -> Preparing -> Running -> Finalizing -> Completed as the SDK reads it, a command
that exits non-zero ending Failed with the service's message, Jobs_List, the cancel LRO, the
fields of a submitted job that cannot change).

Run: /usr/bin/python3 test_sdk_jobs.py <path-to-converge>   (exit 77 = skipped)
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, skip_unless  # noqa: E402

skip_unless("azure.identity", "azure.mgmt.machinelearningservices", "requests")

from azure.core.exceptions import HttpResponseError  # noqa: E402
from azure.mgmt.machinelearningservices import MachineLearningServicesMgmtClient  # noqa: E402
from azure.mgmt.machinelearningservices import models as ml  # noqa: E402
from common_setup import make_workspace  # noqa: E402

RG, WS = "rg-jobs", "ws-jobs"
JOB_TYPE = "Microsoft.MachineLearningServices/workspaces/jobs"


def follow(client, name, timeout=20.0):
    """The statuses a job goes through (each once, in order), read until it is terminal."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.jobs.get(RG, WS, name).properties.status
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in ("Completed", "Failed", "Canceled"):
            return seen
        time.sleep(0.01)
    check(False, f"job {name} never ended: {seen}")


def command_job(env_id, code_id, compute_id, command):
    return ml.JobBase(properties=ml.CommandJob(
        command=command, environment_id=env_id, code_id=code_id, compute_id=compute_id,
        display_name="train", experiment_name="churn",
        inputs={"epochs": ml.LiteralJobInput(value="10"),
                "data": ml.UriFolderJobInput(uri="azureml://datastores/workspaceblobstore/paths/data/")},
        outputs={"model": ml.UriFolderJobOutput(mode="ReadWriteMount")},
        tags={"team": "ml"}))


def main():
    # Jobs take 2 s here, so the status is seen in each phase; cancel's LRO is short.
    with Emulator(sys.argv[1], extra_args=["--duration", f"{JOB_TYPE}=2000"]) as emu:
        make_workspace(emu, RG, WS)
        client = MachineLearningServicesMgmtClient(emu.credential(), emu.subscription, base_url=emu.base_url)
        ws_id = (f"/subscriptions/{emu.subscription}/resourceGroups/{RG}/providers/"
                 f"Microsoft.MachineLearningServices/workspaces/{WS}")
        env = client.environment_versions.create_or_update(RG, WS, "train", "1", ml.EnvironmentVersion(
            properties=ml.EnvironmentVersionProperties(image="mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04")))
        code = client.code_versions.create_or_update(RG, WS, "c0de", "1", ml.CodeVersion(
            properties=ml.CodeVersionProperties(code_uri="https://st/azureml/LocalUpload/c0de/src")))
        check(code.properties.code_uri.endswith("/src"), f"codeUri {code.properties.code_uri}")
        check(client.code_containers.get(RG, WS, "c0de").properties.latest_version == "1", "code container")
        try:
            client.code_versions.create_or_update(RG, WS, "c0de", "1", ml.CodeVersion(
                properties=ml.CodeVersionProperties(code_uri="https://elsewhere/src")))
            check(False, "the codeUri of a code version changed")
        except HttpResponseError as error:
            check(error.status_code == 400, f"codeUri change: {error.status_code}")

        # A job that completes: created (201), then every phase in order.
        raw = client.jobs.create_or_update(RG, WS, "train-ok", command_job(
            env.id, code.id, None, "python train.py --epochs ${{inputs.epochs}}"),
            cls=lambda response, deserialized, headers: (response.http_response.status_code, deserialized))
        check(raw[0] == 201, f"create status {raw[0]}")
        job = raw[1]
        check(job.properties.status in ("Queued", "NotStarted"), f"first status {job.properties.status}")
        check(job.properties.experiment_name == "churn", "experimentName")
        check(job.properties.inputs["epochs"].value == "10", "literal input")
        check(set(job.properties.services) == {"Tracking", "Studio"}, f"services {job.properties.services}")
        seen = follow(client, "train-ok")
        check(seen[-1] == "Completed", f"statuses {seen}")
        order = ["Queued", "Preparing", "Running", "Finalizing", "Completed"]
        check([s for s in order if s in seen] == seen, f"statuses out of order: {seen}")
        check("Running" in seen, f"never seen Running: {seen}")

        # The tags of a submitted job change in place; its command does not.
        job = client.jobs.get(RG, WS, "train-ok")
        job.properties.tags = {"team": "ml", "reviewed": "yes"}
        updated = client.jobs.create_or_update(RG, WS, "train-ok", job)
        check(updated.properties.tags.get("reviewed") == "yes", "tags update")
        job.properties.command = "python other.py"
        try:
            client.jobs.create_or_update(RG, WS, "train-ok", job)
            check(False, "the command of a submitted job changed")
        except HttpResponseError as error:
            check(error.status_code == 400, f"command change: {error.status_code}")

        # A command that exits non-zero: Failed, with the service's message.
        client.jobs.create_or_update(RG, WS, "train-bad", command_job(env.id, None, None, "python train.py; exit 2"))
        check(follow(client, "train-bad")[-1] == "Failed", "exit 2 -> Failed")
        failed = client.jobs.get(RG, WS, "train-bad")
        message = failed.properties.services["Studio"].error_message or ""
        check("exited with status code 2" in message, f"error message {message!r}")

        # A compute that does not exist is refused at submission.
        try:
            client.jobs.create_or_update(RG, WS, "train-nowhere", command_job(
                env.id, None, ws_id + "/computes/missing", "python train.py"))
            check(False, "a job on a missing compute was accepted")
        except HttpResponseError as error:
            check(error.status_code == 400, f"missing compute: {error.status_code}")

        # Cancel: an LRO the SDK follows; the job ends Canceled.
        client.jobs.create_or_update(RG, WS, "train-cancel", command_job(env.id, None, None, "sleep 600"))
        client.jobs.begin_cancel(RG, WS, "train-cancel").result()
        check(follow(client, "train-cancel")[-1] == "Canceled", "cancel -> Canceled")
        try:
            client.jobs.begin_cancel(RG, WS, "train-ok").result()
            check(False, "a completed job was canceled")
        except HttpResponseError as error:
            check(error.status_code == 400, f"cancel of a completed job: {error.status_code}")

        names = sorted(j.name for j in client.jobs.list(RG, WS))
        check(names == ["train-bad", "train-cancel", "train-ok"], f"jobs {names}")
    print("OK")


if __name__ == "__main__":
    main()
