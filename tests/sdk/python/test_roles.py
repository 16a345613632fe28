"""Administrator roles through Okta's Python SDK (okta 3.4.6): assign, list, read and
unassign a user's and a group's roles, group targets, the 409 of a second assignment, and
a least-privilege token (`latchkey token create --as`) that acts with its owner's roles.
The token test runs on a private Latchkey, whose data folder the command-line tool opens."""

import os
import subprocess

from okta.models import (AddGroupRequest, AssignRoleToGroupRequest, AssignRoleToUserRequest,
                         CreateUserRequest)

from helpers import (PASSWORD, PrivateServer, api_error, create_user, new_login, ok, profile,
                     split, suffix)


def role_of(result):
    """The role object of an assignment response (a oneOf wrapper in 3.4.6)."""
    return getattr(result, "actual_instance", None) or result


async def test_user_roles_assign_list_get_unassign(client, org_url):
    user = await create_user(client, password=PASSWORD, activate=True)
    made, _ = ok(await client.assign_role_to_user(
        user.id, AssignRoleToUserRequest.from_dict({"type": "USER_ADMIN"})))
    role = role_of(made)
    assert role.id and role.id.startswith("ra1"), role
    assert role.type == "USER_ADMIN"
    assert role.label == "Group Administrator"
    assert role.status == "ACTIVE"
    assert role.assignment_type == "USER"

    listed, _ = ok(await client.list_assigned_roles_for_user(user.id))
    assert [role_of(r).id for r in listed] == [role.id]
    got, _ = ok(await client.get_user_assigned_role(user.id, role.id))
    assert role_of(got).type == "USER_ADMIN"

    api_error(await client.assign_role_to_user(
        user.id, AssignRoleToUserRequest.from_dict({"type": "USER_ADMIN"})), 409, "E0000090")

    # Group targets.
    group, _ = ok(await client.add_group(AddGroupRequest.from_dict({"profile": {"name": f"py-target-{suffix()}"}})))
    _, _, error = split(await client.assign_group_target_to_user_role(user.id, role.id, group.id))
    assert error is None, error
    targets, _ = ok(await client.list_group_targets_for_role(user.id, role.id))
    assert [t.id for t in targets] == [group.id]
    api_error(await client.unassign_group_target_from_user_admin_role(user.id, role.id, group.id),
              400, "E0000001")

    _, _, error = split(await client.unassign_role_from_user(user.id, role.id))
    assert error is None, error
    api_error(await client.get_user_assigned_role(user.id, role.id), 404, "E0000007")


async def test_group_roles_are_inherited_by_members(client):
    group, _ = ok(await client.add_group(AddGroupRequest.from_dict({"profile": {"name": f"py-admins-{suffix()}"}})))
    made, _ = ok(await client.assign_role_to_group(
        group.id, AssignRoleToGroupRequest.from_dict({"type": "READ_ONLY_ADMIN"})))
    role = role_of(made)
    assert role.assignment_type == "GROUP"
    listed, _ = ok(await client.list_group_assigned_roles(group.id))
    assert [role_of(r).id for r in listed] == [role.id]

    user = await create_user(client, password=PASSWORD, activate=True)
    _, _, error = split(await client.assign_user_to_group(group.id, user.id))
    assert error is None, error
    inherited, _ = ok(await client.list_assigned_roles_for_user(user.id))
    assert [(role_of(r).id, role_of(r).assignment_type) for r in inherited] == [(role.id, "GROUP")]

    _, _, error = split(await client.unassign_role_from_group(group.id, role.id))
    assert error is None, error


def token_as(server: PrivateServer, login: str) -> str:
    args = [server.binary, "token", "create", "--name", f"py-{suffix()}", "--as", login,
            "--data-dir", server.data_dir]
    if server.database is not None:
        args += ["--database-url",
                 f"{os.environ['LATCHKEY_SDK_PG_BASE']}/{server.database}"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


async def test_a_help_desk_token_sees_its_group_and_changes_nothing_else():
    with PrivateServer() as server:
        async with server.session() as session:
            admin = server.client()
            admin.get_request_executor().set_session(session)
            login = new_login("desk")
            desk_user, _ = ok(await admin.create_user(CreateUserRequest.from_dict({
                "profile": profile(login),
                "credentials": {"password": {"value": PASSWORD}},
            }), activate=True))
            made, _ = ok(await admin.assign_role_to_user(
                desk_user.id, AssignRoleToUserRequest.from_dict({"type": "HELP_DESK_ADMIN"})))
            role = role_of(made)
            queue, _ = ok(await admin.add_group(AddGroupRequest.from_dict({"profile": {"name": "Support queue"}})))
            member, _ = ok(await admin.create_user(CreateUserRequest.from_dict({
                "profile": profile(new_login("member"))}), activate=False))
            outsider, _ = ok(await admin.create_user(CreateUserRequest.from_dict({
                "profile": profile(new_login("outsider"))}), activate=False))
            _, _, error = split(await admin.assign_user_to_group(queue.id, member.id))
            assert error is None, error
            _, _, error = split(
                await admin.assign_group_target_to_user_role(desk_user.id, role.id, queue.id))
            assert error is None, error

            desk = server.client(token_as(server, login))
            desk.get_request_executor().set_session(session)
            users, _ = ok(await desk.list_users())
            assert [u.id for u in users] == [member.id]
            got, _ = ok(await desk.get_user(member.id))
            assert got.id == member.id
            api_error(await desk.get_user(outsider.id), 403, "E0000006")
            api_error(await desk.delete_group(queue.id), 403, "E0000006")
            api_error(await desk.list_assigned_roles_for_user(desk_user.id), 403, "E0000006")
            api_error(await desk.assign_role_to_user(
                desk_user.id, AssignRoleToUserRequest.from_dict({"type": "SUPER_ADMIN"})),
                403, "E0000006")
