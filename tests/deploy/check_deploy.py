"""deploy/ recipes are well-formed: every Kubernetes file parses as YAML and holds what
docs/deploy.md promises (CronJob concurrencyPolicy Forbid, credentials from the Secret, the
Deployment's metrics port behind the Service), the Containerfile starts from Debian 12 slim and
installs the built .deb, and the example stack in the ConfigMap passes `converge validate`.

Run: /usr/bin/python3 check_deploy.py <repo-root> [<path-to-converge>]   (exit 77 = skipped)
"""
import os
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("SKIP: PyYAML is not importable by this python")
    sys.exit(77)


def check(cond, message):
    if not cond:
        print("FAIL:", message)
        sys.exit(1)


def load_all(path):
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    check(docs, f"{path}: no YAML document")
    for d in docs:
        check(isinstance(d, dict) and d.get("apiVersion") and d.get("kind"), f"{path}: not a Kubernetes object")
        check(d.get("metadata", {}).get("name"), f"{path}: {d['kind']} without metadata.name")
    return docs


def pod_spec(obj):
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def workload_identity(obj):
    labels = pod_template(obj)["metadata"].get("labels", {})
    return labels.get("azure.workload.identity/use") == "true"


def pod_template(obj):
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]
    return obj["spec"]["template"]


def check_workload_identity_pod(path, obj, objects):
    """AKS workload identity: the webhook injects AZURE_CLIENT_ID, AZURE_TENANT_ID and
    AZURE_FEDERATED_TOKEN_FILE for a labelled pod whose ServiceAccount names the client id;
    no secret is mounted or referenced."""
    spec = pod_spec(obj)
    c = spec["containers"][0]
    check(c["args"][0] == "sync" and c["args"][1] == "/stack", f"{path}: args {c['args']}")
    env = {e["name"]: e for e in c.get("env", [])}
    for name in ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_SECRET_FILE", "AZURE_CLIENT_ID", "AZURE_TENANT_ID",
                 "AZURE_FEDERATED_TOKEN_FILE"):
        check(name not in env, f"{path}: {name} is the webhook's to set, or a secret")
    check("AZURE_SUBSCRIPTION_ID" in env, f"{path}: AZURE_SUBSCRIPTION_ID")
    check(not any("secret" in v for v in spec.get("volumes", [])), f"{path}: a secret volume")
    account = objects.get(("ServiceAccount", spec.get("serviceAccountName", "")))
    check(account, f"{path}: no ServiceAccount {spec.get('serviceAccountName')}")
    check((account[1]["metadata"].get("annotations") or {}).get("azure.workload.identity/client-id"),
          f"{path}: the ServiceAccount has no azure.workload.identity/client-id annotation")
    check(spec.get("automountServiceAccountToken", True) is not False,
          f"{path}: the projected token needs the service account")
    check(spec["securityContext"]["runAsNonRoot"] is True, f"{path}: runs as root")
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    check(mounts["stack"] == "/stack", f"{path}: stack mount")
    return c, {v["name"]: v for v in spec["volumes"]}


def check_pod(path, obj, secret_name):
    spec = pod_spec(obj)
    containers = spec["containers"]
    check(len(containers) == 1, f"{path}: one container expected")
    c = containers[0]
    check(c["args"][0] == "sync" and c["args"][1] == "/stack", f"{path}: args {c['args']}")
    env = {e["name"]: e for e in c.get("env", [])}
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_SUBSCRIPTION_ID"):
        check(env.get(name, {}).get("valueFrom", {}).get("secretKeyRef", {}).get("name") == secret_name,
              f"{path}: {name} not from Secret {secret_name}")
    check("AZURE_CLIENT_SECRET" not in env, f"{path}: the client secret must come as a file")
    secret_file = env["AZURE_CLIENT_SECRET_FILE"]["value"]
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    check(secret_file.startswith(mounts["azure"] + "/"), f"{path}: secret file outside its mount")
    check(volumes["azure"]["secret"]["secretName"] == secret_name, f"{path}: secret volume")
    check(mounts["stack"] == "/stack", f"{path}: stack mount")
    check(spec["securityContext"]["runAsNonRoot"] is True, f"{path}: runs as root")
    return c, volumes


def main():
    root = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else None
    kdir = os.path.join(root, "deploy", "kubernetes")
    files = sorted(f for f in os.listdir(kdir) if f.endswith(".yaml"))
    check(files, "no Kubernetes files")
    objects = {}
    for f in files:
        for d in load_all(os.path.join(kdir, f)):
            objects[(d["kind"], d["metadata"]["name"])] = (f, d)
    kinds = {k for k, _ in objects}
    check({"CronJob", "Deployment", "Service", "Secret", "ConfigMap", "ServiceAccount"} <= kinds,
          f"kinds present: {kinds}")
    check(any(workload_identity(d) for (k, _), (_, d) in objects.items() if k == "CronJob"),
          "no CronJob with workload identity")
    secret = next(d for (k, _), (_, d) in objects.items() if k == "Secret")
    check({"tenant-id", "client-id", "subscription-id", "client-secret"} <= set(secret["stringData"]),
          "Secret keys")
    stack = next(d for (k, _), (_, d) in objects.items() if k == "ConfigMap")

    for (kind, name), (f, obj) in objects.items():
        if kind == "CronJob":
            check(obj["spec"]["concurrencyPolicy"] == "Forbid", f"{f}: concurrencyPolicy")
            if workload_identity(obj):
                c, volumes = check_workload_identity_pod(f, obj, objects)
            else:
                c, volumes = check_pod(f, obj, secret["metadata"]["name"])
            check("--once" in c["args"], f"{f}: a CronJob tick runs once")
            check(volumes["stack"]["configMap"]["name"] == stack["metadata"]["name"], f"{f}: stack ConfigMap")
        if kind == "Deployment":
            check(obj["spec"]["replicas"] == 1 and obj["spec"]["strategy"]["type"] == "Recreate",
                  f"{f}: one replica, Recreate")
            c, volumes = check_pod(f, obj, secret["metadata"]["name"])
            listen = c["args"][c["args"].index("--metrics-listen") + 1]
            port = int(listen.rsplit(":", 1)[1])
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            check(ports.get("metrics") == port, f"{f}: containerPort {ports} vs --metrics-listen {listen}")
            labels = obj["spec"]["template"]["metadata"]["labels"]
            check(obj["spec"]["selector"]["matchLabels"].items() <= labels.items(), f"{f}: selector")
            services = [d for (k, _), (_, d) in objects.items() if k == "Service"
                        and d["spec"]["selector"].items() <= labels.items()]
            check(services, f"{f}: no Service selects the pods")
            check(any(p["targetPort"] in ("metrics", port) for s in services for p in s["spec"]["ports"]),
                  f"{f}: the Service does not reach the metrics port")

    with open(os.path.join(root, "deploy", "Containerfile")) as f:
        lines = [l.strip() for l in f if l.strip() and not l.strip().startswith("#")]
    check(lines[0] == "FROM debian:12-slim", f"Containerfile base: {lines[0]}")
    text = "\n".join(lines)
    check("build/converge_*.deb" in text and "apt-get install" in text, "Containerfile installs the .deb")
    check(any(l.startswith("USER ") and "root" not in l for l in lines), "Containerfile runs as a user")
    check('ENTRYPOINT ["converge"]' in text, "Containerfile entrypoint")

    if binary:
        with tempfile.TemporaryDirectory() as tmp:
            for name, content in stack["data"].items():
                with open(os.path.join(tmp, name), "w") as out:
                    out.write(content)
            run = subprocess.run([binary, "validate", tmp], capture_output=True, text=True, timeout=60)
            check(run.returncode == 0, f"converge validate of the example stack: {run.stdout}{run.stderr}")
    print("OK")


if __name__ == "__main__":
    main()
