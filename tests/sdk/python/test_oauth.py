"""Tokens of Latchkey's authorization servers checked by Okta's Python verifier,
okta-jwt-verifier 0.5.0, as a Python API would check the bearer tokens it receives: the
code flow with PKCE is run over raw HTTP (a session token from the Authn API, /authorize,
/token), then AccessTokenVerifier and IDTokenVerifier check the tokens against the keys the
server publishes, and refuse a token for another audience or with a broken signature.
Then the okta SDK in `PrivateKey` authorization mode: a service app granted okta.* scopes
and an admin role gets its own token from the org authorization server and manages users
with it; without a role its token is refused."""

import base64
import hashlib
import json
import secrets
import ssl
import urllib.parse

import aiohttp
import pytest
from jwcrypto import jwk
from okta.client import Client
from okta.models import CreateUserRequest
from okta_jwt_verifier import AccessTokenVerifier, IDTokenVerifier
from okta_jwt_verifier.exceptions import JWTValidationException

from helpers import PASSWORD, anonymous_post, api_error, create_user, profile, raw

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


async def service_app(client, org_url, scopes, role="USER_ADMIN"):
    """A service app holding the public half of a new RSA key, granted `scopes` and holding
    the admin role `role` (none when None): (client id, private key PEM)."""
    key = jwk.JWK.generate(kty="RSA", size=2048)
    public = json.loads(key.export_public())
    response, text = await raw(client, "POST", "/api/v1/apps", {
        "name": "oidc_client",
        "label": "Python service app",
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {"token_endpoint_auth_method": "private_key_jwt"}},
        "settings": {"oauthClient": {
            "application_type": "service",
            "grant_types": ["client_credentials"],
            "jwks": {"keys": [{"kty": "RSA", "kid": public["kid"] if "kid" in public
                               else key.thumbprint(), "e": public["e"], "n": public["n"]}]},
        }},
    })
    assert response.status == 200, text
    app = json.loads(text)
    for scope in scopes:
        response, text = await raw(client, "POST", f"/api/v1/apps/{app['id']}/grants",
                                   {"issuer": org_url, "scopeId": scope})
        assert response.status == 201, text
    pem = key.export_to_pem(private_key=True, password=None).decode()
    client_id = app["credentials"]["oauthClient"]["client_id"]
    if role is not None:
        response, text = await raw(client, "POST", f"/oauth2/v1/clients/{client_id}/roles",
                                   {"type": role})
        assert response.status == 200, text
    return client_id, pem


async def test_the_sdk_in_private_key_mode_uses_the_scopes_granted_to_its_app(client, org_url):
    client_id, pem = await service_app(client, org_url, ["okta.users.read", "okta.users.manage"])
    manager = Client({"orgUrl": org_url, "authorizationMode": "PrivateKey",
                      "clientId": client_id, "privateKey": pem,
                      "scopes": ["okta.users.read", "okta.users.manage"]})
    user = await create_user(manager, activate=False)
    fetched, _, err = await manager.get_user(user.id)
    assert err is None, err
    assert fetched.profile.login == user.profile.login

    reader = Client({"orgUrl": org_url, "authorizationMode": "PrivateKey",
                     "clientId": client_id, "privateKey": pem, "scopes": ["okta.users.read"]})
    fetched, _, err = await reader.get_user(user.id)
    assert err is None and fetched.id == user.id, err
    result = await reader.create_user(CreateUserRequest.from_dict({"profile": profile()}))
    api_error(result, 403, "E0000006")

    # Scopes without an admin role: the app's token is refused.
    roleless_id, roleless_pem = await service_app(client, org_url, ["okta.users.read"], role=None)
    powerless = Client({"orgUrl": org_url, "authorizationMode": "PrivateKey",
                        "clientId": roleless_id, "privateKey": roleless_pem,
                        "scopes": ["okta.users.read"]})
    api_error(await powerless.get_user(user.id), 403, "E0000006")
