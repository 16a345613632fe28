"""Custom roles and resource sets through Okta's Python SDK (okta 3.4.6): a role with
permissions, a resource set of one group, a binding that gives the role over the set to a
user, read back through the SDK's models, then removed."""

from okta.models import (AddGroupRequest, CreateIamRoleRequest, CreateResourceSetRequest,
                         ResourceSetBindingCreateRequest)

from helpers import PASSWORD, create_user, ok, split, suffix


async def test_custom_role_over_a_resource_set(client, org_url):
    tag = suffix()
    role, _ = ok(await client.create_role(CreateIamRoleRequest.from_dict({
        "label": f"py-desk-{tag}", "description": "Unlocks one group",
        "permissions": ["okta.users.read", "okta.users.lifecycle.unlock"],
    })))
    assert role.id.startswith("cr0"), role.id
    assert role.label == f"py-desk-{tag}"
    permissions, _ = ok(await client.list_role_permissions(role.id))
    assert sorted(p.label for p in permissions.permissions) == [
        "okta.users.lifecycle.unlock", "okta.users.read"]

    group, _ = ok(await client.add_group(AddGroupRequest.from_dict(
        {"profile": {"name": f"py-queue-{tag}"}})))
    resource_set, _ = ok(await client.create_resource_set(CreateResourceSetRequest.from_dict({
        "label": f"py-queue-{tag}", "description": "The queue's members",
        "resources": [f"{org_url}/api/v1/groups/{group.id}/users"],
    })))
    assert resource_set.id.startswith("iam"), resource_set.id

    user = await create_user(client, password=PASSWORD, activate=True)
    _, _, error = split(await client.create_resource_set_binding(
        resource_set.id, ResourceSetBindingCreateRequest.from_dict({
            "role": role.id, "members": [f"{org_url}/api/v1/users/{user.id}"]})))
    assert error is None, error
    members, _ = ok(await client.list_members_of_binding(resource_set.id, role.id))
    assert len(members.members) == 1
    assert members.members[0].id.startswith("irb")

    roles, _ = ok(await client.list_assigned_roles_for_user(user.id))
    custom = [getattr(r, "actual_instance", None) or r for r in roles]
    assert [(r.type, r.label) for r in custom] == [("CUSTOM", f"py-desk-{tag}")]

    _, _, error = split(await client.delete_resource_set(resource_set.id))
    assert error is None, error
    _, _, error = split(await client.delete_role(role.id))
    assert error is None, error
    roles, _ = ok(await client.list_assigned_roles_for_user(user.id))
    assert roles == []
