"""Fixtures for driving Latchkey through Okta's Python SDK (okta 3.4.6).

The org comes from OKTA_ORG_URL / OKTA_API_TOKEN. The server's CA must already be in
SSL_CERT_FILE when the SDK is imported (the SDK's own `sslContext` option is broken in
3.4.6), which is why tests/sdk/run.sh sets it before starting pytest.
"""

import asyncio
import inspect
import os

import pytest

if not os.environ.get("SSL_CERT_FILE"):
    raise pytest.UsageError("SSL_CERT_FILE must name the server's ca.pem before okta is imported")

from okta.client import Client  # noqa: E402  (must come after the check above)


def pytest_pyfunc_call(pyfuncitem):
    """Runs `async def` tests on a fresh event loop each: the SDK is asyncio-only, and
    this keeps the suite free of a pytest plugin."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        arguments = {name: pyfuncitem.funcargs[name]
                     for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**arguments))
        return True
    return None


@pytest.fixture(scope="session")
def org_url() -> str:
    url = os.environ.get("OKTA_ORG_URL")
    if not url:
        raise pytest.UsageError("OKTA_ORG_URL is not set (run tests/sdk/run.sh)")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def api_token() -> str:
    token = os.environ.get("OKTA_API_TOKEN")
    if not token:
        raise pytest.UsageError("OKTA_API_TOKEN is not set (run tests/sdk/run.sh)")
    return token


@pytest.fixture
def client(org_url, api_token) -> Client:
    return Client({"orgUrl": org_url, "token": api_token})
