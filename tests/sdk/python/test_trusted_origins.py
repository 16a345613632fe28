"""The Trusted Origins API through Okta's Python SDK (okta 3.4.6): create_trusted_origin,
get_trusted_origin, list_trusted_origins (q, filter, pages), replace_trusted_origin,
deactivate_trusted_origin, activate_trusted_origin and delete_trusted_origin.

The SDK reads answers into strict pydantic models (`status` is the LifecycleStatus enum, a
scope's `type` the TrustedOriginScopeType enum), so a value off the spec fails inside the
client. Every test makes its own origins, on host names no other test uses.
"""

import json

from okta.models import TrustedOrigin, TrustedOriginWrite
from okta.pagination import PaginationHelper

from helpers import api_error, assert_timestamp, ok, raw, suffix


def write(name, origin, *types):
    return TrustedOriginWrite.from_dict(
        {"name": name, "origin": origin, "scopes": [{"type": t} for t in types]}
    )


async def create(client, *types, name=None, origin=None):
    tag = suffix()
    body = write(name or f"sdk-py {tag}", origin or f"https://sdk-py-{tag}.example.com",
                 *(types or ("CORS",)))
    created, _ = ok(await client.create_trusted_origin(body))
    assert created is not None and created.id, "create_trusted_origin returned nothing"
    return created


def scope_types(origin):
    return [s.type.value if hasattr(s.type, "value") else s.type for s in origin.scopes]


def status(origin):
    return origin.status.value if hasattr(origin.status, "value") else origin.status


async def admin_id(client):
    me, _ = ok(await client.get_user("me"))
    return me.id


async def test_create_and_get_answer_the_trusted_origin_object(client, org_url):
    tag = suffix()
    origin = f"https://sdk-py-{tag}.example.com"
    created, _ = ok(await client.create_trusted_origin(
        write(f"New trusted origin {tag}", origin, "CORS", "REDIRECT")))

    assert created.id.startswith("tos") and len(created.id) == 20, created.id
    assert created.name == f"New trusted origin {tag}"
    assert created.origin == origin
    assert scope_types(created) == ["CORS", "REDIRECT"]
    assert status(created) == "ACTIVE"
    stamp = assert_timestamp(created.created, "created")
    assert assert_timestamp(created.last_updated, "lastUpdated") == stamp
    admin = await admin_id(client)
    assert created.created_by == admin and created.last_updated_by == admin
    href = f"{org_url}/api/v1/trustedOrigins/{created.id}"
    assert created.links.var_self.href == href
    assert created.links.deactivate.href == f"{href}/lifecycle/deactivate"
    assert created.links.activate is None

    fetched, _ = ok(await client.get_trusted_origin(created.id))
    assert fetched.to_dict() == created.to_dict()


async def test_iframe_embed_scope_keeps_its_allowed_apps(client):
    tag = suffix()
    body = TrustedOriginWrite.from_dict({
        "name": f"sdk-py embed {tag}",
        "origin": f"https://sdk-py-embed-{tag}.example.com",
        "scopes": [{"type": "IFRAME_EMBED", "allowedOktaApps": ["OKTA_ENDUSER"]}],
    })
    created, _ = ok(await client.create_trusted_origin(body))
    (scope,) = created.scopes
    assert [a.value if hasattr(a, "value") else a for a in scope.allowed_okta_apps] == \
        ["OKTA_ENDUSER"]
    # The raw answer, as Okta shapes it.
    _, text = await raw(client, "GET", f"/api/v1/trustedOrigins/{created.id}")
    assert json.loads(text)["scopes"] == \
        [{"type": "IFRAME_EMBED", "allowedOktaApps": ["OKTA_ENDUSER"]}]


async def test_list_finds_by_q_and_filter_and_pages(client):
    tag = suffix()
    made = [await create(client, "CORS", name=f"sdk-py-list-{tag}-{i}",
                         origin=f"https://sdk-py-list-{tag}-{i}.example.com")
            for i in range(3)]
    ids = sorted(o.id for o in made)

    found, _ = ok(await client.list_trusted_origins(q=f"sdk-py-list-{tag}"))
    assert sorted(o.id for o in found) == ids
    found, _ = ok(await client.list_trusted_origins(q=f"HTTPS://SDK-PY-LIST-{tag}-1"))
    assert [o.id for o in found] == [made[1].id]

    found, _ = ok(await client.list_trusted_origins(filter=f'name eq "sdk-py-list-{tag}-2"'))
    assert [o.id for o in found] == [made[2].id]
    found, _ = ok(await client.list_trusted_origins(
        filter=f'origin eq "https://sdk-py-list-{tag}-0.example.com" and type eq "CORS"'))
    assert [o.id for o in found] == [made[0].id]

    # Pages of two, following the next cursor from the Link header.
    seen, after = [], None
    for _ in range(10):
        page, response = ok(await client.list_trusted_origins(
            q=f"sdk-py-list-{tag}", limit=2, after=after))
        assert len(page) <= 2
        seen.extend(o.id for o in page)
        after = PaginationHelper.extract_next_cursor(response.headers)
        if after is None:
            break
    assert sorted(seen) == ids

    api_error(await client.list_trusted_origins(filter='id eq "tos1"'), 400, "E0000031")


async def test_replace_changes_name_origin_and_scopes(client):
    created = await create(client, "CORS", "REDIRECT")
    tag = suffix()
    body = TrustedOrigin.from_dict({
        "name": f"sdk-py updated {tag}",
        "origin": f"https://sdk-py-updated-{tag}.example.com",
        "scopes": [{"type": "REDIRECT"}],
    })
    updated, _ = ok(await client.replace_trusted_origin(created.id, body))
    assert updated.id == created.id
    assert updated.name == f"sdk-py updated {tag}"
    assert updated.origin == f"https://sdk-py-updated-{tag}.example.com"
    assert scope_types(updated) == ["REDIRECT"]
    assert status(updated) == "ACTIVE"
    assert updated.created == created.created
    assert updated.last_updated >= created.last_updated

    fetched, _ = ok(await client.get_trusted_origin(created.id))
    assert fetched.name == updated.name and fetched.origin == updated.origin


async def test_deactivate_and_activate(client, org_url):
    created = await create(client)
    href = f"{org_url}/api/v1/trustedOrigins/{created.id}"

    inactive, _ = ok(await client.deactivate_trusted_origin(created.id))
    assert status(inactive) == "INACTIVE"
    assert inactive.links.activate.href == f"{href}/lifecycle/activate"
    assert inactive.links.deactivate is None
    fetched, _ = ok(await client.get_trusted_origin(created.id))
    assert status(fetched) == "INACTIVE"
    found, _ = ok(await client.list_trusted_origins(
        filter=f'name eq "{created.name}" and status eq "INACTIVE"'))
    assert [o.id for o in found] == [created.id]

    active, _ = ok(await client.activate_trusted_origin(created.id))
    assert status(active) == "ACTIVE"
    assert active.links.deactivate.href == f"{href}/lifecycle/deactivate"


async def test_delete_then_get_is_404(client):
    created = await create(client)
    _, response = ok(await client.delete_trusted_origin(created.id))
    assert response.status_code == 204
    api_error(await client.get_trusted_origin(created.id), 404, "E0000007")
    api_error(await client.delete_trusted_origin(created.id), 404, "E0000007")


async def test_invalid_and_taken_origins_are_e0000001(client):
    tag = suffix()
    error = api_error(
        await client.create_trusted_origin(write(f"sdk-py bad {tag}", "example.com", "CORS")),
        400, "E0000001")
    assert error.error_summary == "Api validation failed: origin"
    assert [c["errorSummary"] for c in error.error_causes] == \
        ["origin: Origin value is not valid"]

    created = await create(client)
    error = api_error(
        await client.create_trusted_origin(
            write(f"sdk-py taken {tag}", created.origin.upper(), "REDIRECT")),
        400, "E0000001")
    assert error.error_summary == "Api validation failed: origin"
