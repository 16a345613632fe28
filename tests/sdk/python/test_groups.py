"""The Groups API through Okta's Python SDK (okta 3.4.6): groups, members, owners.

The SDK deserialises every answer into strict pydantic models (a group's `profile` is an
anyOf wrapper, `type` an enum), so a field off the spec fails inside the client. Each test
makes its own groups and users with unique names; none depends on another.
"""

import asyncio
from datetime import timezone

from okta.models import AddGroupRequest, AssignGroupOwnerRequestBody
from okta.pagination import PaginationHelper

from helpers import (api_error, assert_timestamp, create_user, declare_group_properties, ok, raw,
                     split, suffix)


def group_profile(group):
    """The profile model behind the SDK's anyOf wrapper."""
    return getattr(group.profile, "actual_instance", None) or group.profile


async def add_group(client, name=None, **extra):
    body = {"profile": {"name": name or f"sdk-py-{suffix()}", **extra}}
    group, _ = ok(await client.add_group(AddGroupRequest.from_dict(body)))
    assert group is not None and group.id, "add_group returned no group"
    return group


async def everyone(client):
    groups, _ = ok(await client.list_groups(q="Everyone"))
    found = [g for g in groups if g.type == "BUILT_IN"]
    assert len(found) == 1, [g.to_dict() for g in groups]
    return found[0]


def stamp(value):
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


async def pages_of(call, **params):
    """Follows the `next` cursor from the Link header, as the 3.4.6 SDK offers it."""
    pages = []
    after = None
    while True:
        items, response = ok(await call(after=after, **params))
        assert items is not None
        pages.append(items)
        after = PaginationHelper.extract_next_cursor(response.headers)
        if after is None:
            return pages
        assert len(pages) < 50, "pagination does not end"


# ---------------------------------------------------------------- groups


async def test_add_group_answers_the_group_object(client, org_url):
    name = f"West Coast {suffix()}"
    await declare_group_properties(client, costCenter="Cost center")
    group = await add_group(client, name, description="All Users West of The Rockies",
                            costCenter="CC-1")

    assert group.id.startswith("00g") and len(group.id) == 20, group.id
    assert group.type == "OKTA_GROUP"
    assert group.object_class == ["okta:user_group"]
    created = assert_timestamp(group.created, "created")
    assert group.last_updated == created
    assert group.last_membership_updated == created
    profile = group_profile(group)
    assert profile.name == name
    assert profile.description == "All Users West of The Rockies"
    assert profile.additional_properties == {"costCenter": "CC-1"}
    assert group.links.users.href == f"{org_url}/api/v1/groups/{group.id}/users"
    assert group.links.apps.href == f"{org_url}/api/v1/groups/{group.id}/apps"
    assert [logo.href for logo in group.links.logo] == [
        f"{org_url}/img/logos/groups/okta-medium.png",
        f"{org_url}/img/logos/groups/okta-large.png",
    ]

    fetched, _ = ok(await client.get_group(group.id))
    assert fetched.to_dict() == group.to_dict()
    assert fetched.created == group.created


async def test_group_names_are_unique_ignoring_case(client):
    group = await add_group(client)
    name = group_profile(group).name
    error = api_error(await client.add_group(AddGroupRequest.from_dict(
        {"profile": {"name": name.upper()}})), 400, "E0000001")
    causes = [c["errorSummary"] if isinstance(c, dict) else c.error_summary
              for c in error.error_causes]
    assert causes == [
        "name: An object with this field already exists in the current organization"]


async def test_add_group_without_a_name_is_rejected(client):
    error = api_error(await client.add_group(AddGroupRequest.from_dict(
        {"profile": {"description": "nameless"}})), 400, "E0000001")
    assert error.error_summary == "Api validation failed: name"


async def test_replace_group_replaces_the_whole_profile(client):
    await declare_group_properties(client, room="Room")
    group = await add_group(client, description="before", room="A")
    name = f"sdk-py-renamed-{suffix()}"
    replaced, _ = ok(await client.replace_group(group.id, AddGroupRequest.from_dict(
        {"profile": {"name": name}})))
    profile = group_profile(replaced)
    assert profile.name == name
    assert profile.description is None, "PUT removes what it does not send"
    assert profile.additional_properties == {}
    assert replaced.created == group.created
    assert replaced.last_updated >= group.last_updated
    assert replaced.last_membership_updated == group.last_membership_updated
    fetched, _ = ok(await client.get_group(group.id))
    assert group_profile(fetched).name == name


async def test_delete_group(client):
    group = await add_group(client)
    _, response = ok(await client.delete_group(group.id))
    assert response.status_code == 204
    api_error(await client.get_group(group.id), 404, "E0000007")
    api_error(await client.delete_group(group.id), 404, "E0000007")


async def test_unknown_group_is_404(client):
    missing = "00g" + "w" * 17
    user = await create_user(client, activate=False)
    error = api_error(await client.get_group(missing), 404, "E0000007")
    assert error.error_summary == f"Not found: Resource not found: {missing} (UserGroup)"
    api_error(await client.replace_group(missing, AddGroupRequest.from_dict(
        {"profile": {"name": "x"}})), 404, "E0000007")
    api_error(await client.list_group_users(missing), 404, "E0000007")
    api_error(await client.assign_user_to_group(missing, user.id), 404, "E0000007")
    api_error(await client.list_group_owners(missing), 404, "E0000007")


async def test_everyone_refuses_changes(client):
    user = await create_user(client, activate=False)
    group = await everyone(client)
    assert group_profile(group).name == "Everyone"
    assert group.object_class == ["okta:user_group"]
    api_error(await client.assign_user_to_group(group.id, user.id), 501, "E0000060")
    api_error(await client.unassign_user_from_group(group.id, user.id), 501, "E0000060")
    api_error(await client.replace_group(group.id, AddGroupRequest.from_dict(
        {"profile": {"name": "All"}})), 501, "E0000060")
    api_error(await client.delete_group(group.id), 501, "E0000060")


# ---------------------------------------------------------------- list


async def test_list_groups_with_q_filter_search_sort_and_stats(client):
    tag = f"sdk-py-list-{suffix()}"
    groups = [await add_group(client, f"{tag} {n}") for n in ("c", "a", "b")]
    ids = {g.id for g in groups}

    found, response = ok(await client.list_groups(q=tag))
    assert {g.id for g in found} == ids
    assert [group_profile(g).name for g in found] == [f"{tag} a", f"{tag} b", f"{tag} c"]
    limited, response = ok(await client.list_groups(q=tag, limit=2))
    assert len(limited) == 2
    assert PaginationHelper.extract_next_cursor(response.headers) is None, "q has no next page"

    since = stamp(min(g.last_updated for g in groups))
    filtered, _ = ok(await client.list_groups(
        filter=f'type eq "OKTA_GROUP" and lastUpdated ge "{since}"'))
    assert ids <= {g.id for g in filtered}
    assert all(g.type == "OKTA_GROUP" for g in filtered)

    searched, _ = ok(await client.list_groups(
        search=f'profile.name sw "{tag}"', sort_by="profile.name", sort_order="desc",
        expand="stats"))
    assert [group_profile(g).name for g in searched] == [f"{tag} c", f"{tag} b", f"{tag} a"]
    for group in searched:
        assert group.embedded.stats.users_count == 0
        assert group.embedded.stats.apps_count == 0
        assert group.embedded.stats.group_push_mappings_count == 0

    pages = await pages_of(client.list_groups, search=f'profile.name sw "{tag}"', limit=2)
    assert [len(p) for p in pages] == [2, 1]
    assert {g.id for p in pages for g in p} == ids

    error = api_error(await client.list_groups(filter='profile.name eq "x"'), 400, "E0000031")
    assert error.error_causes, "the cause says why"


async def test_link_headers_self_first_next_last(client, org_url):
    tag = f"sdk-py-links-{suffix()}"
    for n in range(3):
        await add_group(client, f"{tag} {n}")
    response, _ = await raw(client, "GET",
                            f"/api/v1/groups?limit=2&search=profile.name%20sw%20%22{tag}%22")
    assert response.status == 200
    links = [part.strip() for header in response.headers.getall("Link", [])
             for part in header.split(",")]
    assert links[0].endswith('rel="self"'), links
    assert links[-1].endswith('rel="next"'), links
    for link in links:
        assert link.startswith(f"<{org_url}/api/v1/groups?"), link


# ---------------------------------------------------------------- members


async def test_members_are_added_listed_and_removed(client):
    group = await add_group(client)
    users = await asyncio.gather(*(create_user(client, activate=False) for _ in range(3)))
    for user in users:
        _, response = ok(await client.assign_user_to_group(group.id, user.id))
        assert response.status_code == 204
    # Adding a member again is fine.
    ok(await client.assign_user_to_group(group.id, users[0].id))

    members, _ = ok(await client.list_group_users(group.id))
    assert sorted(m.id for m in members) == sorted(u.id for u in users)
    by_id = {m.id: m for m in members}
    assert by_id[users[0].id].profile.login == users[0].profile.login
    assert by_id[users[0].id].status == "STAGED"

    groups, _ = ok(await client.list_user_groups(users[1].id))
    assert group.id in {g.id for g in groups}
    fetched, _ = ok(await client.get_group(group.id))
    assert fetched.last_membership_updated >= group.last_membership_updated

    _, response = ok(await client.unassign_user_from_group(group.id, users[1].id))
    assert response.status_code == 204
    ok(await client.unassign_user_from_group(group.id, users[1].id))
    members, _ = ok(await client.list_group_users(group.id))
    assert users[1].id not in {m.id for m in members}
    groups, _ = ok(await client.list_user_groups(users[1].id))
    assert group.id not in {g.id for g in groups}

    stats, _ = ok(await client.list_groups(q=group_profile(group).name, expand="stats"))
    assert stats[0].embedded.stats.users_count == 2

    missing = "00u" + "w" * 17
    api_error(await client.assign_user_to_group(group.id, missing), 404, "E0000007")


async def test_member_pages(client):
    group = await add_group(client)
    users = await asyncio.gather(*(create_user(client, activate=False) for _ in range(5)))
    for user in users:
        ok(await client.assign_user_to_group(group.id, user.id))
    pages = await pages_of(lambda **p: client.list_group_users(group.id, **p), limit=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    ids = [m.id for p in pages for m in p]
    assert ids == sorted(u.id for u in users), "members in id order, each once"


async def test_group_apps_are_empty(client):
    group = await add_group(client)
    apps, response = ok(await client.list_assigned_applications_for_group(group.id))
    assert response.status_code == 200
    assert apps == []


# ---------------------------------------------------------------- owners


async def test_owners_are_assigned_listed_and_removed(client):
    group = await add_group(client)
    owning = await add_group(client)
    user = await create_user(client, activate=False, firstName="Mabel", lastName="Mora")

    owners, _ = ok(await client.list_group_owners(group.id))
    assert owners == []

    owner, response = ok(await client.assign_group_owner(
        group.id, AssignGroupOwnerRequestBody(id=user.id, type="USER")))
    assert response.status_code == 201
    assert owner.id == user.id
    assert owner.type == "USER"
    assert owner.resolved is True
    assert owner.origin_type == "OKTA_DIRECTORY"
    assert owner.origin_id is None
    assert owner.display_name == "Mabel Mora"
    assert_timestamp(owner.last_updated, "lastUpdated")
    ok(await client.assign_group_owner(
        group.id, AssignGroupOwnerRequestBody(id=owning.id, type="GROUP")))

    owners, _ = ok(await client.list_group_owners(group.id))
    assert sorted(o.id for o in owners) == sorted([user.id, owning.id])
    users_only, _ = ok(await client.list_group_owners(group.id, search='type eq "USER"'))
    assert [o.id for o in users_only] == [user.id]

    api_error(await client.assign_group_owner(
        group.id, AssignGroupOwnerRequestBody(id="00u" + "w" * 17, type="USER")), 404, "E0000007")

    result = await client.delete_group_owner(group.id, user.id)
    _, response, error = split(result)
    assert error is None and response.status_code == 204, error
    api_error(await client.delete_group_owner(group.id, user.id), 404, "E0000007")
    owners, _ = ok(await client.list_group_owners(group.id))
    assert [o.id for o in owners] == [owning.id]
