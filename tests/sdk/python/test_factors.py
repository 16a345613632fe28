"""The Factors API through Okta's Python SDK (okta 3.4.6): question, TOTP and email factors.

The SDK's calls (`list_supported_factors`, `list_supported_security_questions`,
`enroll_factor`, `get_factor`, `list_factors`, `verify_factor` without a body,
`unenroll_factor`, `reset_factors`) deserialise into strict models: `factorType` picks the
class (`question` -> UserFactorSecurityQuestion, `token:software:totp` ->
UserFactorTokenSoftwareTOTP, `email` -> UserFactorEmail), the question key must be one of
Okta's 20, `provider` and `status` must be Okta's enum values, every `_links` entry must be
one link object and every `_embedded` entry an object.

CLIENTS.md 12: in 3.4.6 UserFactorActivateRequest and UserFactorVerifyRequest model only
`useNumberMatchingChallenge`, so the SDK drops `passCode` and `answer`. Activating with a
code and verifying with a code or answer therefore go as raw HTTP through the SDK's own
request executor (helpers.raw, same auth header and TLS); their answers are still read
through the SDK's models for those calls (UserFactorActivateResponse,
UserFactorVerifyResponse), so a shape the SDK cannot read still fails here.

TOTP codes are computed here (RFC 6238: HMAC-SHA1, 6 digits, 30 s) from the returned
`sharedSecret`; email codes are read from the SMTP sink. Each test makes its own user.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import ssl
import struct
import time

import aiohttp
from okta.client import Client
from okta.models import (
    UserFactorActivateResponse, UserFactorEmail, UserFactorEmailProfile,
    UserFactorSecurityQuestion, UserFactorSecurityQuestionProfile,
    UserFactorTokenSoftwareTOTP, UserFactorVerifyResponse,
)

from helpers import PASSWORD, Inbox, api_error, assert_timestamp, create_user, ok, raw, split

QUESTION = "disliked_food"
QUESTION_TEXT = "What is the food you least liked as a child?"
ANSWER = "mayonnaise"
TIME_STEP = 30
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- TOTP (RFC 6238)


def totp(secret: str, step: int) -> str:
    """The 6-digit code of time step `step` for a base32 secret (HMAC-SHA1, RFC 4226
    dynamic truncation)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def current_step() -> int:
    return int(time.time()) // TIME_STEP


def test_totp_matches_rfc_6238_test_vectors():
    # RFC 6238 appendix B, SHA-1 seed "12345678901234567890": the 8-digit codes end in
    # these 6 digits.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(secret, 59 // 30) == "287082"
    assert totp(secret, 1111111109 // 30) == "081804"
    assert totp(secret, 2000000000 // 30) == "279037"


# ---------------------------------------------------------------- raw calls (CLIENTS.md 12)


async def post_code(client: Client, path: str, body: dict) -> tuple[int, dict]:
    """POST `body` as raw HTTP through the SDK's executor; (status, parsed JSON)."""
    response, text = await raw(client, "POST", path, body)
    assert "application/json" in response.headers.get("Content-Type", ""), (
        f"POST {path}: {response.status} {response.headers.get('Content-Type')!r} {text!r}")
    return response.status, json.loads(text)


async def activate(client: Client, user_id: str, factor_id: str, pass_code: str):
    """POST .../lifecycle/activate {passCode}; the SDK would drop the passCode."""
    path = f"/api/v1/users/{user_id}/factors/{factor_id}/lifecycle/activate"
    return await post_code(client, path, {"passCode": pass_code})


async def verify(client: Client, user_id: str, factor_id: str, body: dict):
    """POST .../verify {passCode | answer}; the SDK would drop both fields."""
    return await post_code(client, f"/api/v1/users/{user_id}/factors/{factor_id}/verify", body)


def assert_error_body(status: int, body: dict, want_status: int, code: str):
    assert (status, body.get("errorCode")) == (want_status, code), (
        f"expected {want_status} {code}, got {status} {body}")
    assert body.get("errorSummary"), body
    assert body.get("errorLink") == code, body
    assert body.get("errorId"), body
    assert isinstance(body.get("errorCauses"), list), body


def assert_success(status: int, body: dict):
    assert status == 200, f"verify answered {status} {body}"
    # The SDK's own model for a verify answer keeps factorResult.
    result = UserFactorVerifyResponse.from_dict(body)
    assert result.factor_result == "SUCCESS", body


def assert_activated(status: int, body: dict, factor_type: str):
    assert status == 200, f"activate answered {status} {body}"
    assert body.get("status") == "ACTIVE", body
    assert body.get("factorType") == factor_type, body
    # What the SDK's activate_factor would deserialise into.
    model = UserFactorActivateResponse.from_dict(body)
    assert model.factor_type == factor_type
    assert model.links is not None and model.links.verify is not None, "no _links.verify"
    assert model.links.verify.href.endswith("/verify")


# ---------------------------------------------------------------- shared steps


async def new_user(client: Client):
    user = await create_user(client, password=PASSWORD)
    assert user.status == "ACTIVE"
    return user


def assert_factor_links(factor, org_url: str, user_id: str):
    self_href = f"{org_url}/api/v1/users/{user_id}/factors/{factor.id}"
    assert factor.links is not None, "factor without _links"
    assert factor.links.var_self.href == self_href
    assert factor.links.user.href == f"{org_url}/api/v1/users/{user_id}"
    if factor.status == "ACTIVE":
        assert factor.links.verify is not None, "an ACTIVE factor needs _links.verify"
        assert factor.links.verify.href == f"{self_href}/verify"
        assert "POST" in [m.value for m in factor.links.verify.hints.allow]
    else:
        assert factor.links.activate is not None, "a pending factor needs _links.activate"
        assert factor.links.activate.href == f"{self_href}/lifecycle/activate"


async def enroll_question(client: Client, user_id: str):
    body = UserFactorSecurityQuestion(
        factor_type="question", provider="OKTA",
        profile=UserFactorSecurityQuestionProfile(question=QUESTION, answer=ANSWER))
    factor, _ = ok(await client.enroll_factor(user_id, body))
    return factor


async def enroll_totp(client: Client, user_id: str):
    body = UserFactorTokenSoftwareTOTP(factor_type="token:software:totp", provider="OKTA")
    factor, _ = ok(await client.enroll_factor(user_id, body))
    return factor


async def enroll_email(client: Client, user, **params):
    body = UserFactorEmail(factor_type="email", provider="OKTA",
                           profile=UserFactorEmailProfile(email=user.profile.email))
    factor, _ = ok(await client.enroll_factor(user.id, body, **params))
    return factor


async def activate_totp(client: Client, user_id: str, factor) -> int:
    """Activates a pending TOTP factor with the current step's code; returns that step."""
    secret = factor.embedded["activation"]["sharedSecret"]
    step = current_step()
    status, body = await activate(client, user_id, factor.id, totp(secret, step))
    assert_activated(status, body, "token:software:totp")
    return step


async def challenge(org_url: str, api_token: str, user_id: str, factor_id: str):
    """verify_factor without a body sends a new email code (factorResult CHALLENGE).

    Latchkey, like Okta, sends at most one email per factor every 5 seconds (429
    E0000118). This client does not retry 429s itself (maxRetries 0), so the test sees
    that error and polls past it, up to 15 s."""
    impatient = Client({"orgUrl": org_url, "token": api_token, "rateLimit": {"maxRetries": 0}})
    deadline = time.monotonic() + 15
    while True:
        result = await impatient.verify_factor(user_id, factor_id)
        data, _response, error = split(result)
        if error is None:
            return data
        api_error(result, 429, "E0000118")
        assert time.monotonic() < deadline, "still E0000118 after 15 s"
        await asyncio.sleep(0.25)


# ---------------------------------------------------------------- catalog and questions


async def test_catalog_of_a_new_user_offers_question_totp_sms_and_email(client, org_url):
    user = await new_user(client)
    catalog, _ = ok(await client.list_supported_factors(user.id))

    offered = {(entry.factor_type.value, entry.provider.value) for entry in catalog}
    for wanted in (("question", "OKTA"), ("token:software:totp", "OKTA"), ("sms", "OKTA"),
                   ("email", "OKTA")):
        assert wanted in offered, f"{wanted} missing from the catalog: {sorted(offered)}"
    for entry in catalog:
        assert entry.links is not None and entry.links.enroll is not None, (
            f"{entry.factor_type} has no _links.enroll")
        assert entry.links.enroll.href == f"{org_url}/api/v1/users/{user.id}/factors"
        assert [m.value for m in entry.links.enroll.hints.allow] == ["POST"]


async def test_security_questions_are_oktas_twenty(client):
    user = await new_user(client)
    questions, _ = ok(await client.list_supported_security_questions(user.id))

    assert len(questions) == 20, [q.question for q in questions]
    by_key = {q.question: q.question_text for q in questions}
    assert len(by_key) == 20, "question keys repeat"
    assert by_key["disliked_food"] == QUESTION_TEXT
    assert all(text for text in by_key.values()), "a question without questionText"


# ---------------------------------------------------------------- question


async def test_question_factor_is_active_at_once_and_verifies_the_answer(client, org_url):
    user = await new_user(client)
    factor = await enroll_question(client, user.id)

    assert isinstance(factor, UserFactorSecurityQuestion), type(factor).__name__
    assert factor.status == "ACTIVE"
    assert factor.factor_type == "question"
    assert factor.provider == "OKTA"
    assert factor.profile.question == QUESTION
    assert factor.profile.question_text == QUESTION_TEXT
    assert factor.profile.answer is None, "the answer was echoed back"
    assert_timestamp(factor.created, "created")
    assert_timestamp(factor.last_updated, "lastUpdated")
    assert_factor_links(factor, org_url, user.id)

    fetched, _ = ok(await client.get_factor(user.id, factor.id))
    assert isinstance(fetched, UserFactorSecurityQuestion)
    assert (fetched.id, fetched.status) == (factor.id, "ACTIVE")
    assert fetched.profile.question_text == QUESTION_TEXT
    assert fetched.profile.answer is None

    # Raw HTTP: the SDK's verify model has no `answer` (CLIENTS.md 12).
    assert_success(*await verify(client, user.id, factor.id, {"answer": ANSWER}))
    status, body = await verify(client, user.id, factor.id, {"answer": "brussels sprouts"})
    assert_error_body(status, body, 403, "E0000068")


# ---------------------------------------------------------------- TOTP


async def test_totp_factor_enrolls_activates_and_verifies_with_computed_codes(client, org_url):
    user = await new_user(client)
    factor = await enroll_totp(client, user.id)

    assert isinstance(factor, UserFactorTokenSoftwareTOTP), type(factor).__name__
    assert factor.status == "PENDING_ACTIVATION"
    assert factor.factor_type == "token:software:totp"
    assert factor.provider == "OKTA"
    assert_factor_links(factor, org_url, user.id)
    activation = (factor.embedded or {}).get("activation")
    assert activation, f"no _embedded.activation: {factor.embedded}"
    assert activation["encoding"] == "base32"
    assert activation["keyLength"] == 6
    assert activation["timeStep"] == TIME_STEP
    secret = activation["sharedSecret"]
    assert isinstance(secret, str) and len(base64.b32decode(
        secret.upper() + "=" * (-len(secret) % 8))) >= 10, secret

    # The QR code is a PNG anyone holding the link may fetch: no SSWS header.
    qrcode = activation.get("_links", {}).get("qrcode")
    assert qrcode and qrcode.get("href"), f"no _embedded.activation._links.qrcode: {activation}"
    assert qrcode["href"].startswith(f"{org_url}/")
    context = ssl.create_default_context()  # SSL_CERT_FILE names the server's CA
    async with aiohttp.ClientSession() as session:
        async with session.get(qrcode["href"], ssl=context) as response:
            image = await response.read()
            assert response.status == 200, f"qrcode: {response.status} {image[:200]!r}"
            assert response.headers["Content-Type"] == "image/png"
    assert image.startswith(PNG_SIGNATURE), image[:16]

    # A wrong code leaves the factor pending.
    step = current_step()
    window = {totp(secret, s) for s in range(step - 1, step + 3)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in window)
    status, body = await activate(client, user.id, factor.id, wrong)
    assert_error_body(status, body, 403, "E0000068")
    pending, _ = ok(await client.get_factor(user.id, factor.id))
    assert pending.status == "PENDING_ACTIVATION"

    used_step = await activate_totp(client, user.id, factor)
    active, _ = ok(await client.get_factor(user.id, factor.id))
    assert isinstance(active, UserFactorTokenSoftwareTOTP)
    assert active.status == "ACTIVE"
    assert_factor_links(active, org_url, user.id)
    assert "activation" not in (active.embedded or {}), "the seed is still shown once ACTIVE"

    # The activation code is spent: the same code again is a replay.
    status, body = await verify(client, user.id, factor.id, {"passCode": totp(secret, used_step)})
    assert_error_body(status, body, 403, "E0000082")
    # The next step's code is good once.
    next_code = totp(secret, used_step + 1)
    assert_success(*await verify(client, user.id, factor.id, {"passCode": next_code}))
    status, body = await verify(client, user.id, factor.id, {"passCode": next_code})
    assert_error_body(status, body, 403, "E0000082")


# ---------------------------------------------------------------- email


async def test_email_factor_codes_arrive_by_smtp(client, org_url, api_token):
    user = await new_user(client)
    inbox = Inbox(user.profile.email)
    factor = await enroll_email(client, user, token_lifetime_seconds=600)

    assert isinstance(factor, UserFactorEmail), type(factor).__name__
    assert factor.status == "PENDING_ACTIVATION"
    assert factor.factor_type == "email"
    assert factor.profile.email == user.profile.email
    assert_factor_links(factor, org_url, user.id)

    code = await inbox.next_code()
    assert_activated(*await activate(client, user.id, factor.id, code), "email")
    active, _ = ok(await client.get_factor(user.id, factor.id))
    assert isinstance(active, UserFactorEmail)
    assert active.status == "ACTIVE"
    assert_factor_links(active, org_url, user.id)

    # No passCode: a new code goes out (through the SDK, which can send an empty verify).
    result = await challenge(org_url, api_token, user.id, factor.id)
    assert isinstance(result, UserFactorVerifyResponse), type(result).__name__
    assert result.factor_result == "CHALLENGE"
    second = await inbox.next_code()

    wrong = f"{(int(second) + 1) % 1_000_000:06d}"
    status, body = await verify(client, user.id, factor.id, {"passCode": wrong})
    assert_error_body(status, body, 403, "E0000068")
    assert_success(*await verify(client, user.id, factor.id, {"passCode": second}))


# ---------------------------------------------------------------- list, unenroll, reset


async def test_list_unenroll_and_reset_factors(client, org_url):
    user = await new_user(client)
    inbox = Inbox(user.profile.email)

    question = await enroll_question(client, user.id)
    totp_factor = await enroll_totp(client, user.id)
    await activate_totp(client, user.id, totp_factor)
    email_factor = await enroll_email(client, user)
    assert_activated(*await activate(client, user.id, email_factor.id, await inbox.next_code()),
                     "email")

    factors, _ = ok(await client.list_factors(user.id))
    assert sorted((f.factor_type.value, f.status.value) for f in factors) == [
        ("email", "ACTIVE"), ("question", "ACTIVE"), ("token:software:totp", "ACTIVE")]
    assert {f.id for f in factors} == {question.id, totp_factor.id, email_factor.id}
    for f in factors:
        assert_factor_links(f, org_url, user.id)
    kinds = {f.factor_type.value: type(f).__name__ for f in factors}
    assert kinds == {"question": "UserFactorSecurityQuestion", "email": "UserFactorEmail",
                     "token:software:totp": "UserFactorTokenSoftwareTOTP"}, kinds

    _, response = ok(await client.unenroll_factor(user.id, totp_factor.id))
    assert response.status_code == 204
    api_error(await client.get_factor(user.id, totp_factor.id), 404, "E0000007")
    factors, _ = ok(await client.list_factors(user.id))
    assert {f.id for f in factors} == {question.id, email_factor.id}

    ok(await client.reset_factors(user.id))
    factors, _ = ok(await client.list_factors(user.id))
    assert factors == [], [f.id for f in factors]
    api_error(await client.get_factor(user.id, question.id), 404, "E0000007")
    user_after, _ = ok(await client.get_user(user.id))
    assert user_after.status == "ACTIVE"
