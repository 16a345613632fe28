"""Linked objects through Okta's Python SDK (okta 3.4.6): a definition, a link between two
users read from both sides, and the definition's removal."""

from okta.models import LinkedObject

from helpers import api_error, create_user, ok, split, suffix


async def test_linked_object_definition_and_values(client):
    tag = suffix()
    primary, associated = f"mentor_{tag}", f"mentee_{tag}"
    made, _ = ok(await client.create_linked_object_definition(LinkedObject.from_dict({
        "primary": {"name": primary, "title": "Mentor", "type": "USER"},
        "associated": {"name": associated, "title": "Mentee", "type": "USER"},
    })))
    assert made.primary.name == primary
    got, _ = ok(await client.get_linked_object_definition(associated))
    assert got.associated.name == associated

    mentor = await create_user(client)
    mentee = await create_user(client)
    _, _, error = split(
        await client.assign_linked_object_value_for_primary(mentee.id, primary, mentor.id))
    assert error is None, error
    up, _ = ok(await client.list_linked_objects_for_user(mentee.id, primary))
    hrefs = [link.to_dict()["_links"]["self"]["href"] for link in up]
    assert len(hrefs) == 1 and hrefs[0].endswith(f"/api/v1/users/{mentor.id}"), hrefs
    down, _ = ok(await client.list_linked_objects_for_user(mentor.id, associated))
    assert len(down) == 1

    _, _, error = split(await client.delete_linked_object_definition(primary))
    assert error is None, error
    api_error(await client.get_linked_object_definition(primary), 404, "E0000007")
