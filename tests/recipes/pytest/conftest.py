"""A test org for a pytest suite: one ephemeral Latchkey for the whole run, put back to its
org file before every test. Copy this file next to your tests and point ORG_FILE at your
own org file.

Okta's Python SDK (okta 3.4.6) trusts only the CAs in SSL_CERT_FILE, which it reads when it
is imported. So the server starts in pytest_configure, before pytest imports any test
module, and SSL_CERT_FILE names the org's CA from then on. Do not import okta at the top of
this file: conftest.py is imported before pytest_configure runs.
"""

import asyncio
import inspect
import json
import os
import pathlib
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

import pytest

ORG_FILE = pathlib.Path(__file__).resolve().parent / ".." / ".." / "test-org" / "org.yaml"
# A fixed token, so a failing test can be replayed by hand with curl.
ADMIN_TOKEN = "pytest-recipe-token-0123456789"
START_TIMEOUT_S = 30


class Org:
    """A running test org: its URL, admin token and CA, and JSON calls to its API."""

    def __init__(self, ready: dict):
        self.org_url = ready["orgUrl"]
        self.token = ready["token"]
        self.ca = ready["caCertificate"]
        self._tls = ssl.create_default_context(cafile=self.ca)

    def call(self, method: str, path: str, body=None, *, admin: bool = True):
        """Sends one JSON request and returns the decoded answer; an HTTP error fails the
        test with the answer's body. admin=False sends no token (the Authn API is public)."""
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if admin:
            headers["Authorization"] = f"SSWS {self.token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.org_url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, context=self._tls, timeout=30) as answer:
                text = answer.read()
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read().decode()}") from None
        return json.loads(text) if text else None

    def reset(self) -> dict:
        return self.call("POST", "/_latchkey/reset")

    def advance_clock(self, duration: str) -> dict:
        return self.call("POST", "/_latchkey/clock", {"advance": duration})

    def now(self) -> datetime:
        """The org's time, which differs from the wall clock once a test moves it."""
        return datetime.fromisoformat(self.call("GET", "/_latchkey/clock")["now"].replace("Z", "+00:00"))

    def outbox(self, to: str) -> list:
        """Emails and SMS the org sent to one address or phone number, newest first."""
        return self.call("GET", "/_latchkey/outbox?" + urllib.parse.urlencode({"to": to}))


SERVER = pytest.StashKey[subprocess.Popen]()
WORKDIR = pytest.StashKey[str]()
ORG = pytest.StashKey[Org]()


def pytest_configure(config):
    workdir = tempfile.mkdtemp(prefix="latchkey-pytest-")
    ready_file = os.path.join(workdir, "org.json")
    log_file = os.path.join(workdir, "server.log")
    with open(log_file, "wb") as log:
        server = subprocess.Popen(
            [os.environ.get("LATCHKEY_BIN", "latchkey"), "serve", "--ephemeral",
             "--listen", "127.0.0.1:0", "--seed", str(ORG_FILE),
             "--admin-token", ADMIN_TOKEN, "--ready-file", ready_file],
            stdout=log, stderr=subprocess.STDOUT)

    # The server writes the ready file in one piece once the seed is applied.
    deadline = time.monotonic() + START_TIMEOUT_S
    while not os.path.exists(ready_file):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            server.wait()
            output = pathlib.Path(log_file).read_text()
            shutil.rmtree(workdir, ignore_errors=True)
            raise pytest.UsageError(f"latchkey did not become ready:\n{output}")
        time.sleep(0.05)
    with open(ready_file) as f:
        org = Org(json.load(f))

    os.environ["SSL_CERT_FILE"] = org.ca
    config.stash[SERVER] = server
    config.stash[WORKDIR] = workdir
    config.stash[ORG] = org


def pytest_unconfigure(config):
    server = config.stash.get(SERVER, None)
    if server is None:
        return
    server.terminate()  # on SIGTERM the server deletes its data and the ready file
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    shutil.rmtree(config.stash[WORKDIR], ignore_errors=True)


def pytest_pyfunc_call(pyfuncitem):
    """Runs `async def` tests on a fresh event loop each: the SDK is asyncio-only, and this
    needs no pytest plugin."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**arguments))
        return True
    return None


@pytest.fixture(scope="session")
def org(pytestconfig) -> Org:
    return pytestconfig.stash[ORG]


@pytest.fixture(autouse=True)
def fresh_org(org):
    """Every test starts from the org file, whatever the test before it changed."""
    assert org.reset()["reset"] is True


@pytest.fixture
def okta_client(org):
    from okta.client import Client  # here, not at the top: SSL_CERT_FILE is set by now

    return Client({"orgUrl": org.org_url, "token": org.token})
