"""A test org for a pytest suite: one ephemeral Latchkey for the session, reset before every
test. Copy this file next to your tests and point ORG_FILE at your own org file.

The Python `okta` SDK reads SSL_CERT_FILE when it is imported, so the server starts (and the
variable is set) here, in pytest_configure, before any test module imports okta.
"""

import json
import os
import pathlib
import ssl
import subprocess
import tempfile
import time
import urllib.request

import pytest

ORG_FILE = pathlib.Path(__file__).parent / ".." / ".." / "test-org" / "org.yaml"
ADMIN_TOKEN = "pytest-recipe-token-0123456789"


class TestOrg:
    """A running test org: its URL, admin token and CA, and its control endpoints."""

    def __init__(self, ready: dict):
        self.url = ready["orgUrl"]
        self.token = ready["token"]
        self.ca = ready["caCertificate"]
        self._tls = ssl.create_default_context(cafile=self.ca)

    def call(self, method: str, path: str, body=None, token=True):
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"SSWS {self.token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, context=self._tls) as answer:
                text = answer.read()
        except urllib.error.HTTPError as refused:
            text = refused.read()
        return json.loads(text) if text else None

    def reset(self):
        return self.call("POST", "/_latchkey/reset")

    def advance(self, duration: str):
        return self.call("POST", "/_latchkey/clock", {"advance": duration})

    def outbox(self, to: str):
        return self.call("GET", "/_latchkey/outbox?to=" + urllib.parse.quote(to))


def pytest_configure(config):
    binary = os.environ.get("LATCHKEY_BIN", "latchkey")
    workdir = tempfile.mkdtemp(prefix="pytest-org-")
    ready_file = os.path.join(workdir, "org.json")
    log = open(os.path.join(workdir, "server.log"), "w")
    server = subprocess.Popen(
        [binary, "serve", "--ephemeral", "--listen", "127.0.0.1:0", "--seed", str(ORG_FILE),
         "--admin-token", ADMIN_TOKEN, "--ready-file", ready_file],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not os.path.exists(ready_file):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise pytest.UsageError("latchkey did not start:\n" + open(log.name).read())
        time.sleep(0.05)
    with open(ready_file) as f:
        ready = json.load(f)
    os.environ["SSL_CERT_FILE"] = ready["caCertificate"]
    config._latchkey = (server, TestOrg(ready))


def pytest_unconfigure(config):
    server, _ = getattr(config, "_latchkey", (None, None))
    if server is not None:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="session")
def org(pytestconfig) -> TestOrg:
    return pytestconfig._latchkey[1]


@pytest.fixture(autouse=True)
def fresh_org(org):
    """Every test starts from the org file: whatever the last test did is undone."""
    assert org.reset()["reset"] is True


@pytest.fixture
def okta_client(org):
    from okta.client import Client
    return Client({"orgUrl": org.url, "token": org.token})
