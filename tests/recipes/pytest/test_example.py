"""Example tests against a test org: Okta's Python SDK for the Management API, plain HTTP
(`org.call`) for the Authn API and the control endpoints. The users, passwords and factors
are the ones tests/test-org/org.yaml declares."""

import base64
import hashlib
import hmac
import struct

from okta.models import CreateUserRequest  # safe here: conftest.py set SSL_CERT_FILE first

BOB_SIGN_IN = {"username": "bob@example.com", "password": "CanWeFixIt-2026!"}
BOB_PHONE = "+15555550123"
ALICE_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TEMP_LOGIN = "temp@example.com"


async def test_the_seeded_users_are_there(okta_client):
    users, _, err = await okta_client.list_users()
    assert err is None, err
    assert {"alice@example.com", "bob@example.com"} <= {user.profile.login for user in users}


async def test_a_test_can_create_a_user(okta_client):
    profile = {"login": TEMP_LOGIN, "email": TEMP_LOGIN, "firstName": "Temp", "lastName": "User"}
    user, _, err = await okta_client.create_user(CreateUserRequest.from_dict({"profile": profile}),
                                                 activate=False)
    assert err is None, err
    assert user.status == "STAGED"
    *_, err = await okta_client.get_user(TEMP_LOGIN)
    assert err is None, err


async def test_the_next_test_no_longer_sees_it(okta_client):
    # pytest runs the tests of a file in order: the reset before this test removed the user
    # the test above created.
    *_, err = await okta_client.get_user(TEMP_LOGIN)  # the error is always last
    assert err is not None, f"{TEMP_LOGIN} outlived the reset"
    assert err.error_code == "E0000007", err  # Not found


def test_passwords_expire_when_the_clock_moves(org):
    assert org.call("POST", "/api/v1/authn", BOB_SIGN_IN, admin=False)["status"] == "SUCCESS"
    org.advance_clock("31d")  # the Support password policy: maxAgeDays 30
    assert org.call("POST", "/api/v1/authn", BOB_SIGN_IN, admin=False)["status"] == "PASSWORD_EXPIRED"


def test_sms_codes_are_read_from_the_outbox(org):
    started = org.call("POST", "/api/v1/authn/recovery/password",
                       {"username": "bob@example.com", "factorType": "SMS"}, admin=False)
    assert started["status"] == "RECOVERY_CHALLENGE"
    sms = org.outbox(to=BOB_PHONE)
    assert len(sms) == 1, sms  # the reset emptied the outbox
    verified = org.call("POST", "/api/v1/authn/recovery/factors/sms/verify",
                        {"stateToken": started["stateToken"], "passCode": sms[0]["code"]}, admin=False)
    assert verified["status"] == "RECOVERY"


def totp(secret: str, at: float) -> str:
    """RFC 6238 as Okta uses it: HMAC-SHA1, 30-second steps, 6 digits."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def test_totp_codes_follow_the_org_clock(org):
    # Two hours ahead, a code computed from the wall clock would be refused: the org checks
    # codes at its own time.
    org.advance_clock("2h")
    alice = org.call("GET", "/api/v1/users/alice@example.com")
    factors = org.call("GET", f"/api/v1/users/{alice['id']}/factors")
    factor = next(f for f in factors if f["factorType"] == "token:software:totp")
    code = totp(ALICE_TOTP_SECRET, org.now().timestamp())
    verified = org.call("POST", f"/api/v1/users/{alice['id']}/factors/{factor['id']}/verify",
                        {"passCode": code})
    assert verified["factorResult"] == "SUCCESS"
