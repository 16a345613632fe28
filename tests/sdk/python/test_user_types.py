"""The User Types API through Okta's Python SDK (okta 3.4.6): the default type, create,
get, update and delete, and the 403 for a type users still have."""

from okta.models import CreateUserRequest, UserType, UserTypePostRequest

from helpers import api_error, ok, profile, suffix


async def test_user_types_and_their_users(client):
    types, _ = ok(await client.list_user_types())
    default = [t for t in types if t.default]
    assert len(default) == 1 and default[0].id.startswith("oty")
    name = f"sdk_py_{suffix()}"
    made, _ = ok(await client.create_user_type(
        UserType.from_dict({"name": name, "displayName": "Vendor", "description": "from Python"})))
    assert made.id.startswith("oty")
    assert made.default is False
    got, _ = ok(await client.get_user_type(made.id))
    assert got.name == name
    updated, _ = ok(await client.update_user_type(
        made.id, UserTypePostRequest.from_dict({"description": "updated"})))
    assert updated.description == "updated"

    body = {"profile": profile(), "type": {"id": made.id}}
    user, _ = ok(await client.create_user(CreateUserRequest.from_dict(body)))
    assert user.type.id == made.id
    api_error(await client.delete_user_type(made.id), 403, "E0000142")
