"""Starts `converge emulator` for a real-client test and points the Azure clients at it.

Not a test itself (ctest only registers test_*.py). Usage:

    from harness import Emulator, skip_unless
    skip_unless("azure.identity", "azure.mgmt.resource")
    with Emulator(sys.argv[1]) as emu:
        cred = emu.credential()
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77


def skip_unless(*modules):
    """Exits 77 (ctest: skipped), loudly, when a module cannot be imported."""
    for name in modules:
        try:
            __import__(name)
        except Exception as error:  # ImportError, or a broken dependency inside the package
            print(f"SKIPPED: cannot import {name} with {sys.executable}: {error}", flush=True)
            sys.exit(SKIP)


def fail(message):
    print(f"FAILED: {message}", flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


PYDASH_STUB = '''
def get(obj, path, default=None):
    cur = obj
    for part in str(path).split('.'):
        try:
            cur = cur[part] if isinstance(cur, dict) else getattr(cur, part)
        except (KeyError, AttributeError, TypeError):
            return default
    return cur
def omit(obj, *keys):
    flat = [x for k in keys for x in (k if isinstance(k, (list, tuple)) else [k])]
    return {k: v for k, v in obj.items() if k not in flat}
def set_(obj, path, value):
    parts = str(path).split('.'); cur = obj
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = value
    return obj
import types as _t, sys as _s
objects = _t.ModuleType('pydash.objects'); objects.get = get; objects.set_ = set_; objects.omit = omit
_s.modules['pydash.objects'] = objects
'''


def install_pydash_stub(directory):
    """azure-ai-ml imports pydash, which Debian does not package (real-clients.md)."""
    package = os.path.join(directory, "stubs", "pydash")
    os.makedirs(package, exist_ok=True)
    with open(os.path.join(package, "__init__.py"), "w") as f:
        f.write(PYDASH_STUB)
    sys.path.insert(0, os.path.join(directory, "stubs"))


class Emulator:
    """A `converge emulator` process on an ephemeral port with its own state directory."""

    def __init__(self, binary, extra_args=(), credentials=None):
        """credentials: a credentials.json to start from (the emulator reuses one it finds),
        e.g. to pin a client secret that begins with '-' as real Entra ID secrets may."""
        self.binary = binary
        self.extra_args = list(extra_args)
        self.seed_credentials = credentials
        self.tmp = tempfile.mkdtemp(prefix="converge-client-")
        self.state = os.path.join(self.tmp, "state")
        self.proc = None
        self.base_url = None
        self.ca_path = None
        self.creds = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        cmd = [self.binary, "emulator", "--listen", "127.0.0.1:0", "--state", self.state] + self.extra_args
        if self.seed_credentials is not None:
            os.makedirs(self.state, mode=0o700, exist_ok=True)
            path = os.path.join(self.state, "credentials.json")
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
                json.dump(self.seed_credentials, f)
        self.log = open(os.path.join(self.tmp, "emulator.log"), "w+")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.time() + 30
        lines = []
        while time.time() < deadline and self.base_url is None:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    break
                continue
            lines.append(line)
            self._read_line(line)
        if self.base_url is None:
            self.log.seek(0)
            fail("emulator did not report its URL:\n" + "".join(lines) + self.log.read())
        self._load_state()
        os.environ["REQUESTS_CA_BUNDLE"] = self.ca_path
        os.environ["SSL_CERT_FILE"] = self.ca_path

    def _read_line(self, line):
        # A JSON ready line {"url": ..., "ca": ...} or text mentioning the URL and CA path.
        try:
            ready = json.loads(line)
            if isinstance(ready, dict):
                self.base_url = ready.get("url") or ready.get("base_url") or self.base_url
                self.ca_path = ready.get("ca") or ready.get("ca_path") or self.ca_path
                return
        except ValueError:
            pass
        url = re.search(r"https://127\.0\.0\.1:\d+", line)
        if url and self.base_url is None:
            self.base_url = url.group(0)
        pem = re.search(r"(/\S+\.pem)", line)
        if pem and "ca" in os.path.basename(pem.group(1)).lower():
            self.ca_path = pem.group(1)

    def _load_state(self):
        with open(os.path.join(self.state, "credentials.json")) as f:
            self.creds = json.load(f)
        if self.ca_path is None:
            candidates = sorted(glob.glob(os.path.join(self.state, "**", "*ca*.pem"), recursive=True))
            check(candidates, f"no CA certificate under {self.state}")
            self.ca_path = candidates[0]

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @property
    def tenant(self):
        return self.creds["tenantId"]

    @property
    def subscription(self):
        return self.creds["subscriptionId"]

    @property
    def client_id(self):
        return self.creds["clientId"]

    @property
    def client_secret(self):
        return self.creds["clientSecret"]

    def credential(self):
        """azure-identity against the emulator's AAD, without MSAL instance discovery."""
        from azure.identity import ClientSecretCredential
        return ClientSecretCredential(self.tenant, self.client_id, self.client_secret,
                                      authority=self.base_url, instance_discovery=False)

    def token(self):
        """A raw bearer token from the v2 endpoint (for data-plane calls with requests)."""
        import requests
        r = requests.post(f"{self.base_url}/{self.tenant}/oauth2/v2.0/token",
                          data={"grant_type": "client_credentials", "client_id": self.client_id,
                                "client_secret": self.client_secret,
                                "scope": "https://management.azure.com/.default"},
                          verify=self.ca_path, timeout=10)
        check(r.status_code == 200, f"token endpoint answered {r.status_code}: {r.text}")
        return r.json()["access_token"]
