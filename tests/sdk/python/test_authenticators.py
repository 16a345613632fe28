"""The Authenticators API through Okta's Python SDK (okta 3.4.6): list, get, deactivate,
activate. The SDK picks each authenticator's model by `key` and checks its fields against
the spec's enums, so a type, status or setting off the spec fails inside the client.
"""

from helpers import api_error, ok


async def by_key(client, key):
    authenticators, _ = ok(await client.list_authenticators())
    found = [a for a in authenticators if a.key == key]
    assert found, f"no {key} in {[a.key for a in authenticators]}"
    return found[0]


async def test_list_and_get_the_org_authenticators(client):
    authenticators, _ = ok(await client.list_authenticators())
    assert sorted(a.key for a in authenticators) == [
        "google_otp", "okta_email", "okta_password", "okta_verify", "phone_number",
        "security_question", "webauthn",
    ]
    email = await by_key(client, "okta_email")
    fetched, _ = ok(await client.get_authenticator(email.id))
    assert fetched.id == email.id
    assert fetched.name == "Email"
    assert fetched.status == "ACTIVE"
    assert fetched.to_dict()["settings"]["tokenLifetimeInMinutes"] == 5
    api_error(await client.get_authenticator("autNoSuchAuthentic0"), 404, "E0000007")


async def test_deactivate_and_activate_an_authenticator(client):
    webauthn = await by_key(client, "webauthn")
    off, _ = ok(await client.deactivate_authenticator(webauthn.id))
    assert off.status == "INACTIVE"
    on, _ = ok(await client.activate_authenticator(webauthn.id))
    assert on.status == "ACTIVE"
    password = await by_key(client, "okta_password")
    api_error(await client.deactivate_authenticator(password.id), 400, "E0000001")
