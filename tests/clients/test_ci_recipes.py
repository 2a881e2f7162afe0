"""The CI recipes in deploy/ci run as written: their shell steps, read from the files (not
copied here), run in order against the emulator.

GitHub Actions (deploy/ci/github-actions.yml), a pull request then its merge:
  plan job, twice (a second push to the pull request): the OIDC login step fetches a token from
  a local stand-in for GitHub's token service (a JWT the emulator's Entra ID trusts through a
  federated credential, as Entra ID trusts token.actions.githubusercontent.com), `converge plan`
  saves plan.json and writes markdown, the comment step posts it once and then edits the same
  comment in place (hidden marker);
  apply job: the fetch step finds the reviewed plan through `gh` and `converge apply plan.json`
  applies it; a plan step run again then reports exit code 0 (nothing to do).
Azure Pipelines (deploy/ci/azure-pipelines.yml): its plan and apply script steps, the same way.

Stand-ins, and only for what is GitHub's or Azure DevOps' own: a fake `gh` (comments, runs,
artifacts kept in a JSON file), the `uses:` steps checkout/upload-artifact, and the token
service. The install step is not run: the converge under test is put first on PATH instead.
"""
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Emulator, check, fail, skip_unless  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

skip_unless("yaml", "jwt", "cryptography")
import yaml  # noqa: E402

if shutil.which("jq") is None:
    print("SKIPPED: jq is not installed (scripts/setup installs it)", flush=True)
    sys.exit(77)

FAKE_GH = r'''#!/usr/bin/python3
"""A stand-in for the GitHub CLI: the calls the recipe makes, against a JSON file."""
import json, os, shutil, sys
store_path = os.environ["FAKE_GH_STORE"]
store = json.load(open(store_path))
def save():
    json.dump(store, open(store_path, "w"))
args = sys.argv[1:]
def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default
if args[0] == "api":
    method = opt("-X", "GET")
    path = [a for a in args[1:] if not a.startswith("-") and args[args.index(a) - 1] not in ("-X", "-F", "-f")][0]
    body = None
    for flag in ("-F", "-f"):
        if flag in args:
            key, _, value = opt(flag).partition("=")
            body = open(value[1:]).read() if value.startswith("@") else value
    store["calls"].append([method, path])
    parts = path.split("/")
    if parts[-1] == "comments" and parts[-3] == "issues" and method == "GET":
        print(json.dumps(store["comments"]))
    elif parts[-1] == "comments" and method == "POST":
        store["comments"].append({"id": len(store["comments"]) + 1000, "body": body})
        print(json.dumps(store["comments"][-1]))
    elif parts[-2] == "comments" and method == "PATCH":
        for c in store["comments"]:
            if str(c["id"]) == parts[-1]:
                c["body"] = body
                print(json.dumps(c))
                break
        else:
            sys.exit("gh: HTTP 404: Not Found")
    elif parts[-1] == "pulls" and parts[-3] == "commits":
        print(json.dumps([{"number": 7, "head": {"sha": store["pr_head"]}}]))
    else:
        sys.exit("fake gh: unexpected api call " + method + " " + path)
    save()
elif args[:2] == ["run", "list"]:
    runs = [r for r in store["runs"] if r["commit"] == opt("--commit") and r["conclusion"] == "success"]
    print(json.dumps([{"databaseId": r["id"]} for r in reversed(runs)]))
elif args[:2] == ["run", "download"]:
    run = [r for r in store["runs"] if str(r["id"]) == args[2]][0]
    art = run["artifacts"][opt("--name")]
    for name in os.listdir(art):
        shutil.copy(os.path.join(art, name), os.path.join(opt("--dir", "."), name))
else:
    sys.exit("fake gh: unexpected command " + " ".join(args))
'''


class TokenService:
    """GitHub's OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL), as a local HTTP server
    returning {"value": JWT} signed with a key the emulator was told to trust."""

    def __init__(self, issuer, subject, key):
        self.issuer, self.subject, self.key = issuer, subject, key
        self.requests = []
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                service.requests.append((self.path, self.headers.get("Authorization")))
                if self.headers.get("Authorization") != "bearer request-token":
                    self.send_response(401)
                    self.end_headers()
                    return
                audience = re.search(r"audience=([^&]+)", self.path).group(1)
                body = json.dumps({"value": service.token(audience)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/token?api-version=2.0"

    def token(self, audience):
        import jwt
        now = int(time.time())
        return jwt.encode({"iss": self.issuer, "sub": self.subject, "aud": audience.replace("%3A", ":").replace("%2F", "/"),
                           "iat": now, "nbf": now, "exp": now + 600, "jti": str(now)},
                          self.key, algorithm="RS256", headers={"kid": "test-key"})


def expand(value, context):
    """${{ vars.X }} / ${{ github.x }} / ${{ ... }} in env values, from a dict."""
    def one(m):
        expr = m.group(1).strip()
        if expr not in context:
            fail(f"the recipe uses ${{{{ {expr} }}}}, which this test does not provide")
        return context[expr]
    return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))


class Runner:
    """Runs one job's steps like a GitHub runner: bash -eo pipefail per step, GITHUB_ENV and
    GITHUB_OUTPUT files, env from workflow and job and step."""

    def __init__(self, workspace, base_env, context, artifacts):
        self.workspace, self.base_env, self.context, self.artifacts = workspace, base_env, context, artifacts
        self.log = []

    def run_job(self, workflow, job_name, skip=("install",)):
        job = workflow["jobs"][job_name]
        env = dict(self.base_env)
        for k, v in (workflow.get("env") or {}).items():
            env[k] = expand(v, self.context)
        for k, v in (job.get("env") or {}).items():
            env[k] = expand(v, self.context)
        runner_temp = tempfile.mkdtemp(prefix="runner-temp-")
        env["RUNNER_TEMP"] = runner_temp
        outputs = {}
        for step in job["steps"]:
            if "uses" in step:
                self.uses(step, env)
                continue
            if step.get("id") in skip:
                self.log.append(f"skipped {step.get('id')}")
                continue
            github_env = os.path.join(runner_temp, "github_env")
            github_output = os.path.join(runner_temp, "github_output")
            open(github_env, "w").close()
            open(github_output, "w").close()
            step_env = dict(env, GITHUB_ENV=github_env, GITHUB_OUTPUT=github_output)
            for k, v in (step.get("env") or {}).items():
                step_env[k] = expand(v, self.context)
            script = os.path.join(runner_temp, "step.sh")
            with open(script, "w") as f:
                f.write(step["run"])
            r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=self.workspace,
                               env=step_env, capture_output=True, text=True, timeout=300)
            self.log.append(f"step {step.get('id')}: exit {r.returncode}\n{r.stdout}{r.stderr}")
            if r.returncode != 0:
                fail(f"{job_name}/{step.get('id')} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
            for line in open(github_env).read().splitlines():
                k, _, v = line.partition("=")
                env[k] = v
            outputs[step.get("id")] = dict(l.split("=", 1) for l in open(github_output).read().splitlines() if "=" in l)
        shutil.rmtree(runner_temp, ignore_errors=True)
        return outputs

    def uses(self, step, env):
        action = step["uses"].split("@")[0]
        if action == "actions/checkout":
            return  # the workspace is the checkout
        if action == "actions/upload-artifact":
            name = step["with"]["name"]
            dest = os.path.join(self.artifacts, name)
            os.makedirs(dest, exist_ok=True)
            shutil.copy(os.path.join(self.workspace, step["with"]["path"]), dest)
            return
        fail(f"the recipe uses {action}, which this test does not stand in for")


def main():
    binary = os.path.abspath(sys.argv[1])
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives import serialization
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    issuer = "https://token.actions.githubusercontent.com"
    subject = "repo:contoso/ml-estate:pull_request"

    with Emulator(binary) as emu:
        trust_federated(emu, issuer, subject, public_pem)
        tokens = TokenService(issuer, subject, key_pem)
        tmp = tempfile.mkdtemp(prefix="converge-ci-")
        workspace = os.path.join(tmp, "repo")
        shutil.copytree(os.path.join(ROOT, "manifests", "examples"), os.path.join(workspace, "manifests"))
        bindir = os.path.join(tmp, "bin")
        os.makedirs(bindir)
        with open(os.path.join(bindir, "gh"), "w") as f:
            f.write(FAKE_GH)
        os.chmod(os.path.join(bindir, "gh"), 0o755)
        os.symlink(binary, os.path.join(bindir, "converge"))
        store = os.path.join(tmp, "gh.json")
        event = os.path.join(tmp, "event.json")
        json.dump({"pull_request": {"number": 7}}, open(event, "w"))
        json.dump({"comments": [], "runs": [], "calls": [], "pr_head": "abc123"}, open(store, "w"))
        artifacts_root = os.path.join(tmp, "artifacts")

        base_env = {
            "PATH": bindir + ":" + os.environ["PATH"], "HOME": tmp, "LANG": "C.UTF-8",
            "GITHUB_REPOSITORY": "contoso/ml-estate", "GITHUB_EVENT_PATH": event, "GITHUB_WORKFLOW": "converge",
            "GITHUB_SHA": "def456", "GITHUB_WORKSPACE": workspace,
            "ACTIONS_ID_TOKEN_REQUEST_URL": tokens.url, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
            "FAKE_GH_STORE": store,
            # Where Azure is: the emulator (in Azure these are the defaults).
            "CONVERGE_ARM_ENDPOINT": emu.base_url, "AZURE_AUTHORITY_HOST": emu.base_url,
            "SSL_CERT_FILE": emu.ca_path,
        }
        context = {"vars.AZURE_CLIENT_ID": emu.client_id, "vars.AZURE_TENANT_ID": emu.tenant,
                   "vars.AZURE_SUBSCRIPTION_ID": emu.subscription, "vars.CONVERGE_DEB_URL": "file:///unused.deb",
                   "github.token": "gh-token", "github.ref": "refs/pull/7/merge"}
        workflow = yaml.safe_load(open(os.path.join(ROOT, "deploy", "ci", "github-actions.yml")))

        def pr_run(run_id):
            artifacts = os.path.join(artifacts_root, str(run_id))
            runner = Runner(workspace, base_env, context, artifacts)
            outputs = runner.run_job(workflow, "plan")
            data = json.load(open(store))
            data["runs"].append({"id": run_id, "commit": "abc123", "conclusion": "success",
                                 "artifacts": {"converge-plan": os.path.join(artifacts, "converge-plan")}})
            json.dump(data, open(store, "w"))
            return outputs

        # The pull request: plan (changes: exit code 2), comment posted.
        out = pr_run(1)
        check(out["plan"]["exitcode"] == "2", f"first plan exit code {out['plan']}")
        check(len(tokens.requests) == 1, f"the login step asked the token service {len(tokens.requests)} times")
        data = json.load(open(store))
        check(len(data["comments"]) == 1, f"{len(data['comments'])} comments after the first plan")
        body = data["comments"][0]["body"]
        check(body.startswith("<!-- converge-plan: manifests -->\n"), "the comment does not start with the marker")
        check("converge plan" in body and "create" in body, "the comment does not hold the plan:\n" + body)
        check(len(body) < 65536, f"the comment is {len(body)} characters")
        check(emu.client_secret not in body, "the comment holds the client secret")

        # A second push to the pull request: the same comment is edited, not a second one posted.
        with open(os.path.join(workspace, "manifests", "00-resource-group.yaml")) as f:
            rg = f.read()
        pr_run(2)
        data = json.load(open(store))
        check(len(data["comments"]) == 1, f"{len(data['comments'])} comments after the second plan (want 1, edited)")
        check(["PATCH", "repos/contoso/ml-estate/issues/comments/1000"] in data["calls"], "the comment was not edited")

        # The merge: apply the reviewed plan (the last successful run's), then nothing is left to do.
        apply_runner = Runner(workspace, base_env, dict(context, **{"github.ref": "refs/heads/main"}),
                              os.path.join(artifacts_root, "apply"))
        apply_runner.run_job(workflow, "apply")
        check("Apply complete" in "\n".join(apply_runner.log), "apply did not complete:\n" + "\n".join(apply_runner.log))
        out = Runner(workspace, base_env, context, os.path.join(artifacts_root, "3")).run_job(workflow, "plan")
        check(out["plan"]["exitcode"] == "0", f"plan after apply exit code {out['plan']} (want 0: empty)")
        check(rg == open(os.path.join(workspace, "manifests", "00-resource-group.yaml")).read(), "manifests changed")

        tokens.server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)

    # Azure Pipelines, on a fresh emulator and checkout; its service connection's issuer.
    with Emulator(binary) as emu:
        ado_issuer = "https://vstoken.dev.azure.com/00000000-0000-0000-0000-00000000c0de"
        ado_subject = "sc://contoso/ml-estate/azure-ml-estate"
        trust_federated(emu, ado_issuer, ado_subject, public_pem)
        tokens = TokenService(ado_issuer, ado_subject, key_pem)
        tmp = tempfile.mkdtemp(prefix="converge-ci-")
        workspace = os.path.join(tmp, "repo")
        shutil.copytree(os.path.join(ROOT, "manifests", "examples"), os.path.join(workspace, "manifests"))
        base_env = {"PATH": os.path.dirname(binary) + ":" + os.environ["PATH"], "HOME": tmp, "LANG": "C.UTF-8",
                    "CONVERGE_ARM_ENDPOINT": emu.base_url, "AZURE_AUTHORITY_HOST": emu.base_url,
                    "SSL_CERT_FILE": emu.ca_path}
        run_azure_pipelines(emu, workspace, base_env, tmp, tokens)
        tokens.server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok: github-actions plan -> comment -> edit -> apply -> empty plan; azure-pipelines plan -> apply -> empty")


def trust_federated(emu, issuer, subject, public_pem):
    """Makes the emulator's Entra ID trust `issuer` (its signing key) and gives the emulator's
    app a federated identity credential for `subject` with audience api://AzureADTokenExchange,
    as an app registration's federated credential does (docs/emulator.md)."""
    import requests
    r = requests.put(f"{emu.base_url}/_emulator/issuers",
                     json={"issuer": issuer, "publicKey": public_pem, "kid": "test-key"},
                     verify=emu.ca_path, timeout=10)
    check(r.status_code == 200, f"registering the issuer: {r.status_code} {r.text}")
    name = re.sub(r"[^A-Za-z0-9-]", "-", subject)[:60]
    r = requests.put(f"{emu.base_url}/_emulator/apps/{emu.client_id}/federatedIdentityCredentials/{name}",
                     json={"issuer": issuer, "subject": subject, "audiences": ["api://AzureADTokenExchange"]},
                     verify=emu.ca_path, timeout=10)
    check(r.status_code == 200, f"registering the federated credential: {r.status_code} {r.text}")


def run_azure_pipelines(emu, workspace, base_env, tmp, tokens):
    """deploy/ci/azure-pipelines.yml: its stages in order; script and AzureCLI@2 inline scripts
    run as written, the service connection's federated token (idToken) from the token service,
    pipeline artifacts copied under PIPELINE_WORKSPACE."""
    pipeline = yaml.safe_load(open(os.path.join(ROOT, "deploy", "ci", "azure-pipelines.yml")))
    agent = os.path.join(tmp, "ado")
    staging = os.path.join(agent, "staging")
    pipeline_ws = os.path.join(agent, "pipeline")
    for d in (staging, pipeline_ws):
        os.makedirs(d, exist_ok=True)
    env = dict(base_env, BUILD_ARTIFACTSTAGINGDIRECTORY=staging, PIPELINE_WORKSPACE=pipeline_ws,
               AGENT_TEMPDIRECTORY=agent, servicePrincipalId=emu.client_id, tenantId=emu.tenant,
               AZURE_SUBSCRIPTION_ID=emu.subscription, idToken=tokens.token("api://AzureADTokenExchange"))
    env.update({k: str(v) for k, v in (pipeline.get("variables") or {}).items()})
    ran = []
    for stage in pipeline["stages"]:
        for job in stage["jobs"]:
            steps = job.get("steps") or job["strategy"]["runOnce"]["deploy"]["steps"]
            for step in steps:
                task = step.get("task", "")
                if task.startswith("PublishPipelineArtifact"):
                    shutil.copytree(staging, os.path.join(pipeline_ws, step["inputs"]["artifact"]), dirs_exist_ok=True)
                    continue
                script = step.get("script") or (step.get("inputs") or {}).get("inlineScript")
                if script is None or step.get("name") == "install":
                    continue
                r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                                   cwd=workspace, env=env, capture_output=True, text=True, timeout=300)
                ran.append(f"{stage['stage']}/{step.get('name')}")
                if r.returncode != 0:
                    fail(f"azure-pipelines {stage['stage']}/{step.get('name')} failed:\n{r.stdout}\n{r.stderr}")
                if stage["stage"] == "plan":
                    check("##vso[task.setvariable variable=exitcode;isOutput=true]2" in r.stdout,
                          "the pipeline's plan did not report changes (exit code 2):\n" + r.stdout + r.stderr)
    check(ran == ["plan/plan", "apply/apply"], f"azure-pipelines steps run: {ran}")
    token_file = os.path.join(agent, "check-token")
    with open(token_file, "w") as f:
        f.write(env["idToken"])
    check_env = dict(env, AZURE_CLIENT_ID=emu.client_id, AZURE_TENANT_ID=emu.tenant, AZURE_FEDERATED_TOKEN_FILE=token_file)
    r = subprocess.run(["converge", "plan", "manifests", "--detailed-exitcode"], cwd=workspace, env=check_env,
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"plan after the pipeline's apply: exit {r.returncode}\n{r.stdout}{r.stderr}")


if __name__ == "__main__":
    main()
