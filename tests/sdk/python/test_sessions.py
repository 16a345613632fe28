"""The Sessions API through Okta's Python SDK (okta 3.4.6): `get_session`,
`refresh_session`, `revoke_session` and `revoke_user_sessions`.

The SDK reads a session into its strict `Session` model: `status` must be a SessionStatus
(ACTIVE, MFA_ENROLL, MFA_REQUIRED), every `amr` value one of the spec's
SessionAuthenticationMethod values (fpt geo hwk kba mca mfa otp pwd sc sms swk tel),
`idp.type` a SessionIdentityProviderType, the timestamps ISO 8601, and `_links.self` one
link object whose `hints.allow` holds HTTP methods; anything else fails inside the client.

CLIENTS.md 12: 3.4.6 has no Authn API and no create-session call (its
CreateSessionRequest model is sent by no operation). So the session token comes from raw
HTTP POST /api/v1/authn and the session from raw HTTP POST /api/v1/sessions, both
anonymous as a browser or app calls them (sessions.md: "This operation can be performed
anonymously"); the created session is still read through the SDK's Session model. Every
later call is the SDK's own. Each test makes its own users.
"""

import re
from datetime import datetime, timezone

from okta.client import Client
from okta.models import (
    AddGroupRequest, Policy, PolicyRule, Session, UserFactorEmail, UserFactorEmailProfile,
)

from helpers import (
    PASSWORD, Inbox, anonymous_post, api_error, assert_error_body, assert_timestamp,
    create_user, ok, split, suffix,
)

SESSION_ID = re.compile(r"^102[0-9A-Za-z]{17,}$")


# ---------------------------------------------------------------- raw calls (CLIENTS.md 12)


async def session_token(org_url: str, user, password: str = PASSWORD) -> str:
    """Primary authentication, raw HTTP (the SDK has no Authn API): the sessionToken."""
    status, _, body = await anonymous_post(
        org_url, "/api/v1/authn", {"username": user.profile.login, "password": password})
    assert status == 200, f"POST /api/v1/authn answered {status} {body}"
    assert body.get("status") == "SUCCESS", body
    token = body.get("sessionToken")
    assert isinstance(token, str) and len(token) >= 20, body
    return token


async def create_session(org_url: str, token: str) -> tuple[int, dict]:
    """Create Session, raw HTTP (the SDK has no call for it): (status, JSON body)."""
    status, _, body = await anonymous_post(org_url, "/api/v1/sessions", {"sessionToken": token})
    return status, body


async def new_session(org_url: str, user) -> Session:
    status, body = await create_session(org_url, await session_token(org_url, user))
    assert status == 200, f"POST /api/v1/sessions answered {status} {body}"
    return Session.from_dict(body)


# ---------------------------------------------------------------- checks


def assert_session(session, org_url: str, user, amr=("pwd",)):
    assert isinstance(session, Session), type(session).__name__
    assert SESSION_ID.match(session.id or ""), session.id
    assert session.user_id == user.id
    assert session.login == user.profile.login
    assert session.status.value == "ACTIVE"
    methods = [m.value for m in session.amr or []]
    for method in amr:
        assert method in methods, f"amr {methods} lacks {method}"
    expires = assert_timestamp(session.expires_at, "expiresAt")
    assert expires > datetime.now(timezone.utc), f"expiresAt {expires} is not in the future"
    assert_timestamp(session.last_password_verification, "lastPasswordVerification")
    assert session.idp is not None and session.idp.type.value == "OKTA"
    assert session.idp.id, "idp.id is empty"
    assert session.links is not None and session.links.var_self is not None, "no _links.self"
    assert session.links.var_self.href == f"{org_url}/api/v1/sessions/{session.id}"
    assert [m.value for m in session.links.var_self.hints.allow] == ["GET", "DELETE"]
    return session


# ---------------------------------------------------------------- tests


async def test_session_from_a_session_token_get_refresh_revoke(client: Client, org_url):
    user = await create_user(client, password=PASSWORD)
    token = await session_token(org_url, user)

    status, body = await create_session(org_url, token)
    assert status == 200, f"POST /api/v1/sessions answered {status} {body}"
    created = assert_session(Session.from_dict(body), org_url, user)
    assert body.get("lastFactorVerification") is None, "no factor was verified"
    assert body.get("mfaActive") is False, body
    assert body["_links"]["refresh"]["href"] == (
        f"{org_url}/api/v1/sessions/{created.id}/lifecycle/refresh"), body["_links"]
    assert body["_links"]["refresh"]["hints"]["allow"] == ["POST"]
    assert body["_links"]["user"]["href"] == f"{org_url}/api/v1/users/{user.id}", body["_links"]

    # A session token is good once.
    status, body = await create_session(org_url, token)
    assert_error_body(status, body, 401, "E0000004")

    fetched, _ = ok(await client.get_session(created.id))
    assert_session(fetched, org_url, user)
    assert fetched.id == created.id
    assert fetched.expires_at >= created.expires_at

    refreshed, _ = ok(await client.refresh_session(created.id))
    assert_session(refreshed, org_url, user)
    assert refreshed.id == created.id
    assert refreshed.expires_at >= created.expires_at, (
        f"refresh moved expiresAt back: {refreshed.expires_at} < {created.expires_at}")

    _, response = ok(await client.revoke_session(created.id))
    assert response.status_code == 204
    api_error(await client.get_session(created.id), 404, "E0000007")
    api_error(await client.refresh_session(created.id), 404, "E0000007")
    api_error(await client.revoke_session(created.id), 404, "E0000007")


async def test_an_unknown_session_token_is_refused(org_url):
    status, body = await create_session(org_url, "20111" + "x" * 50)
    assert_error_body(status, body, 401, "E0000004")


async def test_revoke_user_sessions_ends_every_session_of_that_user_only(client: Client, org_url):
    user = await create_user(client, password=PASSWORD)
    other = await create_user(client, password=PASSWORD)
    first = await new_session(org_url, user)
    second = await new_session(org_url, user)
    others = await new_session(org_url, other)
    assert first.id != second.id

    _, response = ok(await client.revoke_user_sessions(user.id))
    assert response.status_code == 204
    for gone in (first, second):
        api_error(await client.get_session(gone.id), 404, "E0000007")
    fetched, _ = ok(await client.get_session(others.id))
    assert_session(fetched, org_url, other)
    ok(await client.revoke_session(others.id))


async def test_a_session_after_email_mfa_reads_into_the_sdk_model(client: Client, org_url):
    """Sign-in with an email factor (raw Authn API), then the session through the SDK:
    every amr value the server records must be one the SDK's enum knows."""
    user = await create_user(client, password=PASSWORD)
    factor, _ = ok(await client.enroll_factor(
        user.id, UserFactorEmail(factor_type="email", provider="OKTA",
                                 profile=UserFactorEmailProfile(email=user.profile.email)),
        activate=True))
    assert factor.status == "ACTIVE", factor.status
    inbox = Inbox(user.profile.email)  # the mail from here on: the challenge's

    # MFA for this user only: a priority-1 sign-on policy scoped to a group of its own.
    group, _ = ok(await client.add_group(AddGroupRequest.from_dict(
        {"profile": {"name": f"sdk-py-mfa-{suffix()}"}})))
    _, _, error = split(await client.assign_user_to_group(group.id, user.id))
    assert error is None, error
    policy, _ = ok(await client.create_policy(Policy.from_dict({
        "type": "OKTA_SIGN_ON", "name": f"sdk-py-mfa-{suffix()}", "priority": 1,
        "conditions": {"people": {"groups": {"include": [group.id]}}},
    })))
    try:
        ok(await client.create_policy_rule(policy.id, PolicyRule.from_dict({
            "type": "SIGN_ON", "name": "Require a factor",
            "conditions": {"network": {"connection": "ANYWHERE"}},
            "actions": {"signon": {"access": "ALLOW", "requireFactor": True,
                                   "factorPromptMode": "ALWAYS", "factorLifetime": 15,
                                   "rememberDeviceByDefault": False,
                                   "session": {"usePersistentCookie": False,
                                               "maxSessionIdleMinutes": 120,
                                               "maxSessionLifetimeMinutes": 0}}},
        })))

        # Raw Authn API (CLIENTS.md 12), following the links the server answers with.
        status, _, body = await anonymous_post(
            org_url, "/api/v1/authn", {"username": user.profile.login, "password": PASSWORD})
        assert (status, body.get("status")) == (200, "MFA_REQUIRED"), f"{status} {body}"
        state = body["stateToken"]
        offered = body["_embedded"]["factors"]
        verify = next(f for f in offered if f["id"] == factor.id)["_links"]["verify"]["href"]
        path = verify.removeprefix(org_url)
        status, _, body = await anonymous_post(org_url, path, {"stateToken": state})
        assert (status, body.get("status")) == (200, "MFA_CHALLENGE"), f"{status} {body}"
        code = await inbox.next_code()
        status, _, body = await anonymous_post(org_url, path, {"stateToken": state, "passCode": code})
        assert (status, body.get("status")) == (200, "SUCCESS"), f"{status} {body}"

        status, raw_session = await create_session(org_url, body["sessionToken"])
        assert status == 200, f"POST /api/v1/sessions answered {status} {raw_session}"
        assert "mfa" in raw_session["amr"] and "pwd" in raw_session["amr"], raw_session["amr"]
        assert raw_session.get("mfaActive") is True, raw_session
        assert raw_session.get("lastFactorVerification"), raw_session

        # Through the SDK: an amr value off the spec's enum fails here (the SDK raises
        # pydantic's ValidationError, a ValueError, from inside get_session).
        try:
            result = await client.get_session(raw_session["id"])
        except ValueError as error:
            raise AssertionError(f"the SDK cannot read a session with amr {raw_session['amr']}: "
                                 f"{error}") from error
        data, _response, error = split(result)
        assert error is None, f"get_session failed on amr {raw_session['amr']}: {error!r}"
        session = assert_session(data, org_url, user, amr=("pwd", "mfa"))
        assert_timestamp(session.last_factor_verification, "lastFactorVerification")
        ok(await client.revoke_session(session.id))
    finally:
        ok(await client.delete_policy(policy.id))
        ok(await client.delete_group(group.id))
