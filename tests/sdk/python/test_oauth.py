"""Tokens of Latchkey's authorization servers checked by Okta's Python verifier,
okta-jwt-verifier 0.5.0, as a Python API would check the bearer tokens it receives: the
code flow with PKCE is run over raw HTTP (a session token from the Authn API, /authorize,
/token), then AccessTokenVerifier and IDTokenVerifier check the tokens against the keys the
server publishes, and refuse a token for another audience or with a broken signature."""

import base64
import hashlib
import json
import secrets
import ssl
import urllib.parse

import aiohttp
import pytest
from okta_jwt_verifier import AccessTokenVerifier, IDTokenVerifier
from okta_jwt_verifier.exceptions import JWTValidationException

from helpers import PASSWORD, anonymous_post, create_user, raw

REDIRECT = "https://app.example.com/callback"


async def spa_with_user(client):
    response, text = await raw(client, "POST", "/api/v1/apps", {
        "name": "oidc_client",
        "label": "Python single-page app",
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {"token_endpoint_auth_method": "none"}},
        "settings": {"oauthClient": {
            "application_type": "browser",
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "redirect_uris": [REDIRECT],
        }},
    })
    assert response.status == 200, text
    app = json.loads(text)
    user = await create_user(client, password=PASSWORD, activate=True)
    response, text = await raw(client, "POST", f"/api/v1/apps/{app['id']}/users",
                               {"id": user.id})
    assert response.status == 200, text
    return app["credentials"]["oauthClient"]["client_id"], user


async def code_flow(org_url, issuer, client_id, login):
    status, _, body = await anonymous_post(org_url, "/api/v1/authn",
                                           {"username": login, "password": PASSWORD})
    assert status == 200 and body["status"] == "SUCCESS", body
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    nonce = secrets.token_hex(8)
    query = urllib.parse.urlencode({
        "client_id": client_id, "response_type": "code", "scope": "openid profile email",
        "redirect_uri": REDIRECT, "state": "py-state", "nonce": nonce,
        "code_challenge": challenge, "code_challenge_method": "S256",
        "sessionToken": body["sessionToken"],
    })
    context = ssl.create_default_context()
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{issuer}/v1/authorize?{query}", ssl=context,
                               allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            location = urllib.parse.urlparse(response.headers["Location"])
        params = urllib.parse.parse_qs(location.query)
        assert params["state"] == ["py-state"]
        async with session.post(f"{issuer}/v1/token", ssl=context, data={
            "grant_type": "authorization_code", "client_id": client_id,
            "redirect_uri": REDIRECT, "code": params["code"][0], "code_verifier": verifier,
        }) as response:
            tokens = await response.json()
            assert response.status == 200, tokens
    return tokens, nonce


async def test_okta_jwt_verifier_accepts_the_tokens_and_refuses_forgeries(client, org_url):
    issuer = f"{org_url}/oauth2/default"
    client_id, user = await spa_with_user(client)
    tokens, nonce = await code_flow(org_url, issuer, client_id, user.profile.login)

    access = AccessTokenVerifier(issuer=issuer, audience="api://default")
    await access.verify(tokens["access_token"])
    id_verifier = IDTokenVerifier(issuer=issuer, client_id=client_id)
    await id_verifier.verify(tokens["id_token"], nonce=nonce)

    with pytest.raises(JWTValidationException):
        await AccessTokenVerifier(issuer=issuer, audience="api://other").verify(
            tokens["access_token"])
    with pytest.raises(JWTValidationException):
        await id_verifier.verify(tokens["id_token"], nonce="another-nonce")
    header, payload, signature = tokens["access_token"].split(".")
    forged_payload = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged_payload["uid"] = "00uSomeoneElse"
    forged = ".".join([header, base64.urlsafe_b64encode(
        json.dumps(forged_payload).encode()).rstrip(b"=").decode(), signature])
    with pytest.raises(Exception):
        await access.verify(forged)
