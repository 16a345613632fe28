"""Profile schemas through Okta's Python SDK (okta 3.4.6): a custom user property added with
the SDK's get-edit-update of the whole schema, written on a user and searched; undeclared
properties refused; a unique property enforced; a property removed with its values."""

import json

from okta.models import CreateUserRequest, UserSchemaAttribute

from helpers import api_error, create_user, ok, profile, suffix


async def add_properties(client, **definitions):
    schema, _ = ok(await client.get_user_schema("default"))
    for name, definition in definitions.items():
        schema.definitions.custom.properties[name] = UserSchemaAttribute.from_dict(definition)
    updated, _ = ok(await client.update_user_profile("default", schema))
    return updated


def causes(error):
    return [c["errorSummary"] if isinstance(c, dict) else c.error_summary
            for c in error.error_causes]


async def test_a_custom_property_is_declared_written_and_searched(client):
    name = f"sdkPy{suffix()}"
    schema = await add_properties(client, **{name: {
        "title": "Favourite colour", "type": "string", "maxLength": 12,
        "enum": ["red", "green"],
        "permissions": [{"principal": "SELF", "action": "READ_WRITE"}]}})
    added = schema.definitions.custom.properties[name]
    assert added.title == "Favourite colour"
    assert added.max_length == 12
    assert schema.definitions.base.properties.login.min_length == 5

    user = await create_user(client, **{name: "green"})
    assert user.profile.to_dict()[name] == "green"
    found, _ = ok(await client.list_users(search=f'profile.{name} eq "green"'))
    assert [u.id for u in found] == [user.id]

    error = api_error(await client.create_user(CreateUserRequest.from_dict(
        {"profile": profile(**{name: "blue"})})), 400, "E0000001")
    assert causes(error) == [f"{name}: Does not match any of the allowed values"]
    error = api_error(await client.create_user(CreateUserRequest.from_dict(
        {"profile": profile(**{f"{name}Typo": "x"})})), 400, "E0000001")
    assert causes(error) == [f"Property name '{name}Typo' is not defined in profile"]

    # Okta removes a property given as null, and its values with it. The SDK's typed call
    # drops nulls, so this goes through its request executor told to keep them.
    executor = client.get_request_executor()
    request, error = await executor.create_request(
        "POST", "/api/v1/meta/schemas/user/default",
        {"definitions": {"custom": {"properties": {name: None}}}}, {},
        keep_empty_params=True)
    assert error is None, error
    _, response, text, error = await executor.fire_request(request)
    assert error is None and response.status == 200, text
    assert name not in json.loads(text)["definitions"]["custom"]["properties"]
    got, _ = ok(await client.get_user(user.id))
    assert name not in got.profile.to_dict()


async def test_a_unique_property_refuses_a_second_holder(client):
    name = f"sdkPyBadge{suffix()}"
    schema = await add_properties(client, **{name: {
        "title": "Badge", "type": "string", "unique": True}})
    assert schema.definitions.custom.properties[name].unique is True
    await create_user(client, **{name: "B-7"})
    error = api_error(await client.create_user(CreateUserRequest.from_dict(
        {"profile": profile(**{name: "b-7"})})), 400, "E0000001")
    assert causes(error) == [
        f"{name}: An object with this field already exists in the current organization"]


async def test_group_and_app_user_schemas_are_read(client):
    group_schema, _ = ok(await client.get_group_schema())
    assert group_schema.definitions.base.properties.name.max_length == 255
    assert "name" in group_schema.definitions.base.required
