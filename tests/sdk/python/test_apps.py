"""The Apps API through Okta's Python SDK (okta 3.4.6).

The SDK deserialises every app into the strict model of its sign-on mode (BookmarkApplication,
SamlApplication, OpenIdConnectApplication, ...), so any field off the spec (an enum value, a
type) raises inside the client. Each test makes its own apps, users and groups.
"""

import base64
import hashlib
import xml.etree.ElementTree as ET

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from okta.models import (
    AddGroupRequest, AppUserAssignRequest, ApplicationGroupAssignment, BookmarkApplication,
    OpenIdConnectApplication, SamlApplication,
)

from helpers import PASSWORD, api_error, create_user, ok, raw, split, suffix


def bookmark_body(label=None):
    return {
        "name": "bookmark",
        "label": label or f"py bookmark {suffix()}",
        "signOnMode": "BOOKMARK",
        "settings": {"app": {"requestIntegration": False, "url": "https://example.com/bookmark.htm"}},
    }


def saml_body():
    return {
        "label": f"py saml {suffix()}",
        "signOnMode": "SAML_2_0",
        "settings": {"signOn": {
            "ssoAcsUrl": "https://sp.example.com/acs",
            "audience": "https://sp.example.com/entity",
            "recipient": "https://sp.example.com/acs",
            "destination": "https://sp.example.com/acs",
            "subjectNameIdTemplate": "${user.userName}",
            "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "responseSigned": True,
            "assertionSigned": True,
            "signatureAlgorithm": "RSA_SHA256",
            "digestAlgorithm": "SHA256",
            "honorForceAuthn": True,
            "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
            "allowMultipleAcsEndpoints": False,
            "attributeStatements": [{"type": "EXPRESSION", "name": "email",
                                     "namespace": "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
                                     "values": ["user.email"]}],
        }},
    }


async def create_group(client, name=None):
    group, _ = ok(await client.add_group(AddGroupRequest.from_dict({"profile": {"name": name or f"py-apps-{suffix()}"}})))
    return group


async def test_bookmark_lifecycle_through_the_sdk(client, org_url):
    created, _ = ok(await client.create_application(BookmarkApplication.from_dict(bookmark_body())))
    assert isinstance(created, BookmarkApplication)
    assert created.id.startswith("0oa") and len(created.id) == 20
    assert created.status == "ACTIVE"
    assert created.sign_on_mode == "BOOKMARK"
    assert created.settings.app.url == "https://example.com/bookmark.htm"
    assert created.credentials.user_name_template.template == "${source.login}"
    assert created.links.var_self.href == f"{org_url}/api/v1/apps/{created.id}"
    assert created.links.users.href == f"{org_url}/api/v1/apps/{created.id}/users"

    got, _ = ok(await client.get_application(created.id))
    assert isinstance(got, BookmarkApplication) and got.label == created.label

    got.label = "py renamed"
    replaced, _ = ok(await client.replace_application(created.id, got))
    assert replaced.label == "py renamed"
    assert replaced.settings.app.url == "https://example.com/bookmark.htm"

    listed, _ = ok(await client.list_applications(q="py renamed"))
    assert [a.id for a in listed] == [created.id]
    filtered, _ = ok(await client.list_applications(filter='name eq "bookmark"', limit=200))
    assert created.id in [a.id for a in filtered]

    # Deleting an active app is refused with Okta's error.
    api_error(await client.delete_application(created.id), 403, "E0000056")
    _, _, error = split(await client.deactivate_application(created.id))
    assert error is None, error
    got, _ = ok(await client.get_application(created.id))
    assert got.status == "INACTIVE"
    _, _, error = split(await client.activate_application(created.id))
    assert error is None, error
    _, _, error = split(await client.deactivate_application(created.id))
    assert error is None, error
    _, _, error = split(await client.delete_application(created.id))
    assert error is None, error
    api_error(await client.get_application(created.id), 404, "E0000007")


async def test_create_inactive_and_validation_errors(client):
    created, _ = ok(await client.create_application(BookmarkApplication.from_dict(bookmark_body()), activate=False))
    assert created.status == "INACTIVE"
    assert created.links.activate is not None
    body = bookmark_body()
    body["settings"]["app"]["url"] = "not a url"
    error = api_error(await client.create_application(BookmarkApplication.from_dict(body)), 400, "E0000001")
    assert error.error_summary == "Api validation failed: url"


async def test_saml_app_keys_and_metadata(client):
    app, _ = ok(await client.create_application(SamlApplication.from_dict(saml_body())))
    assert isinstance(app, SamlApplication)
    assert app.name.endswith("_1")
    assert app.settings.sign_on.sso_acs_url == "https://sp.example.com/acs"
    kid = app.credentials.signing.kid
    assert kid

    keys, _ = ok(await client.list_application_keys(app.id))
    assert [k.kid for k in keys] == [kid]
    key = keys[0]
    assert key.kty == "RSA" and key.use == "sig" and key.e == "AQAB"
    der = base64.b64decode(key.x5c[0])
    assert key.x5t_s256 == base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    certificate = x509.load_der_x509_certificate(der)
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048
    n = int.from_bytes(base64.urlsafe_b64decode(key.n + "=" * (-len(key.n) % 4)), "big")
    assert public.public_numbers().n == n

    # The metadata through a raw call (its body is XML, not JSON).
    response, text = await raw(client, "GET", f"/api/v1/apps/{app.id}/sso/saml/metadata?kid={kid}")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/xml"
    root = ET.fromstring(text)
    ns = {"md": "urn:oasis:names:tc:SAML:2.0:metadata", "ds": "http://www.w3.org/2000/09/xmldsig#"}
    assert root.tag == "{urn:oasis:names:tc:SAML:2.0:metadata}EntityDescriptor"
    cert_text = "".join(root.find(".//ds:X509Certificate", ns).text.split())
    assert cert_text == key.x5c[0]
    bindings = [e.get("Binding") for e in root.findall(".//md:SingleSignOnService", ns)]
    assert bindings == ["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"]

    # Generate a new key and clone it to another app.
    generated, _ = ok(await client.generate_application_key(app.id, validity_years=3))
    assert generated.kid != kid
    api_error(await client.generate_application_key(app.id, validity_years=1), 400, "E0000001")
    other, _ = ok(await client.create_application(SamlApplication.from_dict(saml_body())))
    cloned, _ = ok(await client.clone_application_key(app.id, generated.kid, target_aid=other.id))
    assert cloned.kid == generated.kid
    api_error(await client.clone_application_key(app.id, generated.kid, target_aid=other.id), 400, "E0000001")
    got, _ = ok(await client.get_application_key(other.id, generated.kid))
    assert got.x5c == generated.x5c


async def test_oidc_client_secret_is_shown_on_create_only(client):
    body = {
        "name": "oidc_client",
        "label": f"py oidc {suffix()}",
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_basic",
                                        "autoKeyRotation": True, "pkce_required": False}},
        "settings": {"oauthClient": {
            "redirect_uris": ["https://example.com/oauth2/callback"],
            "response_types": ["code"],
            "grant_types": ["authorization_code"],
            "application_type": "web",
            "dpop_bound_access_tokens": False,
        }},
    }
    created, _ = ok(await client.create_application(OpenIdConnectApplication.from_dict(body)))
    assert isinstance(created, OpenIdConnectApplication)
    oauth = created.credentials.oauth_client
    assert oauth.client_id == created.id
    assert oauth.client_secret and len(oauth.client_secret) >= 32
    assert created.settings.oauth_client.application_type == "web"
    got, _ = ok(await client.get_application(created.id))
    assert got.credentials.oauth_client.client_secret is None

    bad = dict(body, settings={"oauthClient": dict(body["settings"]["oauthClient"], grant_types=["client_credentials"])})
    api_error(await client.create_application(OpenIdConnectApplication.from_dict(bad)), 400, "E0000001")


async def test_users_and_groups_assignments_and_app_links(client):
    app, _ = ok(await client.create_application(BookmarkApplication.from_dict(bookmark_body())))
    direct_user = await create_user(client, password=PASSWORD)
    member = await create_user(client, password=PASSWORD)
    group = await create_group(client)
    _, _, error = split(await client.assign_user_to_group(group.id, member.id))
    assert error is None, error

    assigned, _ = ok(await client.assign_user_to_application(
        app.id, AppUserAssignRequest.from_dict({"id": direct_user.id, "scope": "USER"})))
    assert assigned.id == direct_user.id and assigned.scope == "USER"
    assert assigned.credentials.user_name == direct_user.profile.login
    assignment, _ = ok(await client.assign_group_to_application(
        app.id, group.id, ApplicationGroupAssignment.from_dict({"priority": 0})))
    assert assignment.id == group.id and assignment.priority == 0

    users, _ = ok(await client.list_application_users(app.id))
    scopes = {u.id: u.scope for u in users}
    assert scopes == {direct_user.id: "USER", member.id: "GROUP"}
    got, _ = ok(await client.get_application_user(app.id, member.id))
    assert got.scope == "GROUP"
    groups, _ = ok(await client.list_application_group_assignments(app.id))
    assert [g.id for g in groups] == [group.id]

    links, _ = ok(await client.list_app_links(member.id))
    assert [(link.app_instance_id, link.label) for link in links] == [(app.id, app.label)]
    group_apps, _ = ok(await client.list_assigned_applications_for_group(group.id))
    assert [a.id for a in group_apps] == [app.id]
    by_user, _ = ok(await client.list_applications(filter=f'user.id eq "{member.id}"'))
    assert [a.id for a in by_user] == [app.id]

    # A group-only user cannot be unassigned directly; the group can be.
    api_error(await client.unassign_user_from_application(app.id, member.id), 403, "E0000046")
    _, _, error = split(await client.unassign_application_from_group(app.id, group.id))
    assert error is None, error
    links, _ = ok(await client.list_app_links(member.id))
    assert links == []
    _, _, error = split(await client.unassign_user_from_application(app.id, direct_user.id))
    assert error is None, error
    users, _ = ok(await client.list_application_users(app.id))
    assert users == []
