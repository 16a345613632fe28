"""Example tests against a test org, with Okta's Python SDK where it has the call and plain
HTTP for the Authn API and the control endpoints."""

import asyncio
import base64
import hashlib
import hmac
import struct

from datetime import datetime


def run(coroutine):
    return asyncio.run(coroutine)


def test_the_seeded_users_are_there(okta_client):
    async def logins():
        users, _, err = await okta_client.list_users()
        assert err is None
        return {u.profile.login for u in users}
    assert {"alice@example.com", "bob@example.com"} <= run(logins())


def test_a_user_made_in_one_test(okta_client):
    from okta.models import CreateUserRequest
    body = {"profile": {"login": "temp@example.com", "email": "temp@example.com",
                        "firstName": "Temp", "lastName": "User"}}

    async def create():
        user, _, err = await okta_client.create_user(CreateUserRequest.from_dict(body),
                                                     activate=False)
        assert err is None, err
        return user
    assert run(create()).status == "STAGED"


def test_is_gone_in_the_next(okta_client):
    async def find():
        result = await okta_client.get_user("temp@example.com")
        return result[-1]  # the SDK answers (..., error); the error is last
    err = run(find())
    assert err is not None and getattr(err, "error_code", None) == "E0000007", err


def test_passwords_expire_when_the_clock_moves(org):
    sign_in = {"username": "bob@example.com", "password": "CanWeFixIt-2026!"}
    assert org.call("POST", "/api/v1/authn", sign_in, token=False)["status"] == "SUCCESS"
    org.advance("31d")  # bob's policy: maxAgeDays 30
    assert org.call("POST", "/api/v1/authn", sign_in, token=False)["status"] == "PASSWORD_EXPIRED"


def test_sms_codes_are_read_from_the_outbox(org):
    start = org.call("POST", "/api/v1/authn/recovery/password",
                     {"username": "bob@example.com", "factorType": "SMS"}, token=False)
    code = org.outbox("+15555550123")[0]["code"]
    answer = org.call("POST", "/api/v1/authn/recovery/factors/sms/verify",
                      {"stateToken": start["stateToken"], "passCode": code}, token=False)
    assert answer["status"] == "RECOVERY"


def totp(secret: str, at: float) -> str:
    """RFC 6238 with Okta's parameters: HMAC-SHA1, 30-second steps, 6 digits."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def test_totp_codes_follow_the_org_clock(org):
    org.advance("2h")
    alice = org.call("GET", "/api/v1/users/alice@example.com")
    factor = next(f for f in org.call("GET", f"/api/v1/users/{alice['id']}/factors")
                  if f["factorType"] == "token:software:totp")
    now = datetime.fromisoformat(org.call("GET", "/_latchkey/clock")["now"].replace("Z", "+00:00"))
    code = totp("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", now.timestamp())
    verified = org.call("POST", f"/api/v1/users/{alice['id']}/factors/{factor['id']}/verify",
                        {"passCode": code})
    assert verified["factorResult"] == "SUCCESS"
