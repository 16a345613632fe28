// Administrator roles through @okta/okta-sdk-nodejs 8.x: client.roleAssignmentApi (assign,
// list, get, unassign for users and groups) and client.roleTargetApi (group and app targets),
// with Okta's errors for a second assignment and for the last target.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, createUser, expectOktaError, newClient, suffix, PASSWORD } from './helpers.mjs';

const client = newClient();

test('assign, list, read and unassign a user role, with group targets', async () => {
  const user = await createUser(client, { password: PASSWORD, activate: true });
  const role = await client.roleAssignmentApi.assignRoleToUser({
    userId: user.id, assignRoleRequest: { type: 'HELP_DESK_ADMIN' },
  });
  assert.ok(role.id.startsWith('ra1'), role.id);
  assert.equal(role.type, 'HELP_DESK_ADMIN');
  assert.equal(role.label, 'Help Desk Administrator');
  assert.equal(role.assignmentType, 'USER');
  assert.equal(role.status, 'ACTIVE');
  assert.ok(role._links.assignee.href.endsWith(`/api/v1/users/${user.id}`));

  const listed = await collect(await client.roleAssignmentApi.listAssignedRolesForUser({ userId: user.id }));
  assert.deepEqual(listed.map((r) => r.id), [role.id]);
  const got = await client.roleAssignmentApi.getUserAssignedRole({ userId: user.id, roleId: role.id });
  assert.equal(got.type, 'HELP_DESK_ADMIN');
  await expectOktaError(client.roleAssignmentApi.assignRoleToUser({
    userId: user.id, assignRoleRequest: { type: 'HELP_DESK_ADMIN' },
  }), 409, 'E0000090');

  const group = await client.groupApi.createGroup({ group: { profile: { name: `node-target-${suffix()}` } } });
  await client.roleTargetApi.assignGroupTargetToUserRole({ userId: user.id, roleId: role.id, groupId: group.id });
  const targets = await collect(await client.roleTargetApi.listGroupTargetsForRole({ userId: user.id, roleId: role.id }));
  assert.deepEqual(targets.map((g) => g.id), [group.id]);
  await expectOktaError(client.roleTargetApi.unassignGroupTargetFromUserAdminRole({
    userId: user.id, roleId: role.id, groupId: group.id,
  }), 400, 'E0000001');

  await client.roleAssignmentApi.unassignRoleFromUser({ userId: user.id, roleId: role.id });
  await expectOktaError(client.roleAssignmentApi.getUserAssignedRole({ userId: user.id, roleId: role.id }), 404, 'E0000007');
});

test('an app admin limited to one app instance, and a group role its members inherit', async () => {
  const user = await createUser(client, { password: PASSWORD, activate: true });
  const role = await client.roleAssignmentApi.assignRoleToUser({
    userId: user.id, assignRoleRequest: { type: 'APP_ADMIN' },
  });
  const app = await client.applicationApi.createApplication({
    application: {
      name: 'bookmark', label: `Node ${suffix()}`, signOnMode: 'BOOKMARK',
      settings: { app: { requestIntegration: false, url: 'https://example.com/node' } },
    },
  });
  await client.roleTargetApi.assignAppInstanceTargetToAppAdminRoleForUser({
    userId: user.id, roleId: role.id, appName: app.name, applicationId: app.id,
  });
  const apps = await collect(await client.roleTargetApi.listApplicationTargetsForApplicationAdministratorRoleForUser({
    userId: user.id, roleId: role.id,
  }));
  assert.deepEqual(apps.map((a) => [a.name, a.id]), [[app.name, app.id]]);
  await expectOktaError(client.roleTargetApi.assignGroupTargetToUserRole({
    userId: user.id, roleId: role.id, groupId: (await client.groupApi.createGroup({
      group: { profile: { name: `node-wrong-${suffix()}` } },
    })).id,
  }), 400, 'E0000091');

  const group = await client.groupApi.createGroup({ group: { profile: { name: `node-admins-${suffix()}` } } });
  const groupRole = await client.roleAssignmentApi.assignRoleToGroup({
    groupId: group.id, assignRoleRequest: { type: 'REPORT_ADMIN' },
  });
  assert.equal(groupRole.assignmentType, 'GROUP');
  await client.groupApi.assignUserToGroup({ groupId: group.id, userId: user.id });
  const inherited = await collect(await client.roleAssignmentApi.listAssignedRolesForUser({ userId: user.id }));
  assert.deepEqual(inherited.map((r) => [r.type, r.assignmentType]).sort(), [['APP_ADMIN', 'USER'], ['REPORT_ADMIN', 'GROUP']]);
  await client.roleAssignmentApi.unassignRoleFromGroup({ groupId: group.id, roleId: groupRole.id });
  const left = await collect(await client.roleAssignmentApi.listGroupAssignedRoles({ groupId: group.id }));
  assert.deepEqual(left, []);
});
