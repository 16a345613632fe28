"""Helpers for the SDK contract tests: unique names, the SDK's result shapes, raw calls
through the SDK's own request executor or anonymous ones (Authn API, Create Session), a
private Latchkey instance for tests that destroy their credentials (API token
revocation), and the mail the server sent to the SMTP sink (tests/sdk/smtp_sink.py)."""

import asyncio
import email
import email.message
import email.policy
import email.utils
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime

from okta.client import Client
from okta.errors.okta_api_error import OktaAPIError
from okta.models import CreateUserRequest

# Meets Okta's default password policy (8+ chars, lower, upper, digit) and shares no part
# with the logins, names and emails the tests generate.
PASSWORD = "Tr0ub4dor&3Zebra"
NEW_PASSWORD = "Corr3ct-H0rse-Staple"
THIRD_PASSWORD = "Qu1et-Lantern-Ember"

FIRST_NAME = "Grace"


def suffix() -> str:
    return uuid.uuid4().hex[:12]


def new_login(kind: str = "py") -> str:
    return f"sdk-{kind}-{suffix()}@example.com"


def profile(login: str | None = None, **extra) -> dict:
    login = login or new_login()
    body = {
        "firstName": FIRST_NAME,
        "lastName": "Hopper",
        "email": login,
        "login": login,
    }
    body.update(extra)
    return body


def split(result):
    """The 3.4.6 SDK returns (data, response, error) on success and for calls typed with a
    model, but (response, error) when a Success- or None-typed call fails."""
    if len(result) == 3:
        return result
    response, error = result
    return None, response, error


def ok(result):
    data, response, error = split(result)
    assert error is None, f"SDK call failed: {error!r}"
    return data, response


def api_error(result, status: int, code: str) -> OktaAPIError:
    """Asserts the call failed with Okta's error object for `code` and HTTP `status`."""
    data, _response, error = split(result)
    assert error is not None, f"expected {status} {code}, the call succeeded with {data!r}"
    assert isinstance(error, OktaAPIError), (
        f"expected an OktaAPIError (an Okta error object), got {type(error).__name__}: {error}"
    )
    assert (error.status, error.error_code) == (status, code), (
        f"expected {status} {code}, got {error.status} {error.error_code}: {error.error_summary}"
    )
    assert error.error_summary, "errorSummary is empty"
    assert error.error_link == code, f"errorLink {error.error_link!r} != errorCode {code}"
    assert error.error_id, "errorId is empty"
    assert isinstance(error.error_causes, list), "errorCauses is not a list"
    return error


def assert_timestamp(value, name: str) -> datetime:
    assert isinstance(value, datetime), f"{name} is {value!r}, expected a timestamp"
    assert value.tzinfo is not None, f"{name} has no time zone"
    return value


async def create_user(client: Client, *, password: str | None = None,
                      question: tuple[str, str] | None = None, activate: bool | None = None,
                      **profile_fields):
    credentials = {}
    if password is not None:
        credentials["password"] = {"value": password}
    if question is not None:
        credentials["recovery_question"] = {"question": question[0], "answer": question[1]}
    body = {"profile": profile(**profile_fields)}
    if credentials:
        body["credentials"] = credentials
    user, _ = ok(await client.create_user(CreateUserRequest.from_dict(body), activate=activate))
    assert user is not None and user.id, "create_user returned no user"
    return user


async def raw(client: Client, method: str, path: str, body: dict | None = None):
    """A request through the SDK's own request executor (same auth header, TLS and
    headers as every SDK call) for what the SDK hides: the raw status, headers and body.
    Returns (aiohttp response, body text)."""
    executor = client.get_request_executor()
    request, error = await executor.create_request(method, path, body or {}, {})
    assert error is None, error
    _, response, text, error = await executor.fire_request(request)
    assert error is None, f"{method} {path} failed: {error!r}"
    return response, text


async def anonymous_post(org_url: str, path: str, body: dict) -> tuple[int, dict, dict]:
    """POST `body` as JSON to `org_url + path` without an API token, as a browser or app
    calls the Authn API and Create Session (raw HTTP: the 3.4.6 SDK has neither, CLIENTS.md
    12). SSL_CERT_FILE names the server's CA. Returns (status, headers, parsed JSON body)."""
    import aiohttp
    context = ssl.create_default_context()
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{org_url}{path}", json=body, ssl=context,
                                headers={"Accept": "application/json"}) as response:
            text = await response.text()
            assert "application/json" in response.headers.get("Content-Type", ""), (
                f"POST {path}: {response.status} {response.headers.get('Content-Type')!r} {text!r}")
            return response.status, dict(response.headers), json.loads(text)


def assert_error_body(status: int, body: dict, want_status: int, code: str):
    """Asserts a raw answer is Okta's error object for `code` and HTTP `want_status`."""
    assert (status, body.get("errorCode")) == (want_status, code), (
        f"expected {want_status} {code}, got {status} {body}")
    assert body.get("errorSummary"), body
    assert body.get("errorLink") == code, body
    assert body.get("errorId"), body
    assert isinstance(body.get("errorCauses"), list), body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateServer:
    """A fresh Latchkey of its own (own data folder, own CA, own admin token, and on the
    PostgreSQL run its own database) for tests that revoke the token they run with."""

    def __init__(self):
        self.binary = os.environ["LATCHKEY_BIN"]
        self.port = free_port()
        self.url = f"https://localhost:{self.port}"
        self.data_dir = tempfile.mkdtemp(prefix="latchkey-sdk-private-")
        self.database = None
        self.process = None
        self.log = None

    def __enter__(self):
        args = [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}",
                "--data-dir", self.data_dir, "--public-url", self.url]
        if os.environ.get("LATCHKEY_SDK_BACKEND") == "postgres":
            self.database = f"latchkey_sdk_{suffix()}"
            _psql(f"create database {self.database}")
            args += ["--database-url", f"{os.environ['LATCHKEY_SDK_PG_BASE']}/{self.database}"]
        self.log = open(os.path.join(self.data_dir, "server.log"), "wb")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        with open(os.path.join(self.data_dir, "admin-token")) as f:
            self.token = f.read().strip()
        self.ca = os.path.join(self.data_dir, "ca.pem")
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + 30
        ca = os.path.join(self.data_dir, "ca.pem")
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"private latchkey exited with {self.process.returncode}: "
                                   f"{self._log_text()}")
            if os.path.exists(ca) and os.path.exists(os.path.join(self.data_dir, "admin-token")):
                try:
                    context = ssl.create_default_context(cafile=ca)
                    with urllib.request.urlopen(f"{self.url}/health", context=context,
                                                timeout=2) as response:
                        if response.status == 200:
                            return
                except (urllib.error.URLError, ssl.SSLError, ConnectionError, OSError):
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"private latchkey not healthy within 30s: {self._log_text()}")

    def _log_text(self) -> str:
        self.log.flush()
        with open(os.path.join(self.data_dir, "server.log"), "rb") as f:
            return f.read().decode(errors="replace")[-2000:]

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log is not None:
            self.log.close()
        if self.database is not None:
            _psql(f"drop database if exists {self.database} with (force)")
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return False

    def client(self, token: str | None = None) -> Client:
        return Client({"orgUrl": self.url, "token": token or self.token})

    def session(self):
        """An aiohttp session that trusts this server's CA: SSL_CERT_FILE names the shared
        server's CA and is read once at import, so a second CA needs its own session."""
        import aiohttp
        context = ssl.create_default_context(cafile=self.ca)
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))


def _psql(sql: str):
    admin = os.environ.get("LATCHKEY_SDK_PG_ADMIN", f"{os.environ['LATCHKEY_SDK_PG_BASE']}/test")
    subprocess.run(["psql", admin, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def run(coro):
    return asyncio.run(coro)


# ---------------------------------------------------------------- mail from the SMTP sink

CODE = re.compile(r"\b\d{6}\b")


def maildir() -> str:
    directory = os.environ.get("LATCHKEY_SDK_MAILDIR")
    if not directory:
        raise RuntimeError("LATCHKEY_SDK_MAILDIR is not set (run tests/sdk/run.sh)")
    return directory


def messages_to(address: str) -> list[email.message.EmailMessage]:
    """Every message the sink holds for `address` (envelope recipient or To:), oldest
    first. The sink names files `<n>.eml` in arrival order and renames them into place
    whole, so a listed file is complete."""
    directory = maildir()
    names = sorted((n for n in os.listdir(directory) if re.fullmatch(r"\d+\.eml", n)),
                   key=lambda n: int(n.split(".")[0]))
    found = []
    for name in names:
        with open(os.path.join(directory, name), "rb") as f:
            message = email.message_from_bytes(f.read(), policy=email.policy.default)
        headers = [str(v) for h in ("Delivered-To", "To") for v in message.get_all(h, [])]
        recipients = {addr.lower() for _name, addr in email.utils.getaddresses(headers)}
        if address.lower() in recipients:
            found.append(message)
    return found


def code_in(message: email.message.EmailMessage) -> str:
    """The first 6-digit number in the text body, after undoing quoted-printable/base64."""
    part = message.get_body(preferencelist=("plain", "html"))
    assert part is not None, f"the message has no text body:\n{message}"
    text = part.get_content()
    match = CODE.search(text)
    assert match, f"no 6-digit code in the message body:\n{text}"
    return match.group(0)


class Inbox:
    """The mail to one address from now on: `await inbox.next_code()` waits (polling, up
    to `timeout` seconds) for the next message to the address that this inbox has not
    returned yet, and gives the code in it. Create it before the call that sends mail."""

    def __init__(self, address: str):
        self.address = address
        self.seen = len(messages_to(address))
        self.last = None

    async def next_code(self, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            messages = messages_to(self.address)
            if len(messages) > self.seen:
                self.last = messages[self.seen]
                self.seen += 1
                return code_in(self.last)
            if time.monotonic() >= deadline:
                raise AssertionError(f"no new mail to {self.address} within {timeout} s "
                                     f"({self.seen} earlier in {maildir()})")
            await asyncio.sleep(0.1)

    def count(self) -> int:
        """How many messages to the address the sink holds now (earlier ones included)."""
        return len(messages_to(self.address))


async def declare_group_properties(client, **properties):
    """Adds string custom properties to the group schema through the SDK (get, edit,
    update), as Okta needs before a group profile holds them."""
    from okta.models import GroupSchemaAttribute

    schema, _ = ok(await client.get_group_schema())
    for name, title in properties.items():
        schema.definitions.custom.properties[name] = GroupSchemaAttribute.from_dict(
            {"title": title, "type": "string"})
    updated, _ = ok(await client.update_group_schema(schema))
    return updated
