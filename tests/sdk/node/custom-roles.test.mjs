// Custom roles and resource sets through @okta/okta-sdk-nodejs 8.x: client.customRoleApi and
// client.resourceSetApi (a role, a set of one group, a binding for a user, its members and
// resources), and the custom assignment in the user's roles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, createUser, newClient, orgUrl, suffix, PASSWORD } from './helpers.mjs';

const client = newClient();

test('a custom role over a resource set, bound to a user', async () => {
  const tag = suffix();
  const role = await client.customRoleApi.createRole({
    instance: {
      label: `node-desk-${tag}`, description: 'Reads one group',
      permissions: ['okta.users.read', 'okta.groups.read'],
    },
  });
  assert.ok(role.id.startsWith('cr0'), role.id);
  const group = await client.groupApi.createGroup({ group: { profile: { name: `node-queue-${tag}` } } });
  const set = await client.resourceSetApi.createResourceSet({
    instance: {
      label: `node-queue-${tag}`, description: 'One group',
      resources: [`${orgUrl()}/api/v1/groups/${group.id}`],
    },
  });
  assert.ok(set.id.startsWith('iam'), set.id);
  const more = await client.resourceSetApi.addResourceSetResources({
    resourceSetId: set.id,
    instance: { additions: [`${orgUrl()}/api/v1/groups/${group.id}/users`] },
  });
  assert.equal(more.id, set.id);
  const resources = await client.resourceSetApi.listResourceSetResources({ resourceSetId: set.id });
  assert.equal(resources.resources.length, 2);

  const user = await createUser(client, { password: PASSWORD, activate: true });
  await client.resourceSetApi.createResourceSetBinding({
    resourceSetId: set.id,
    instance: { role: role.id, members: [`${orgUrl()}/api/v1/users/${user.id}`] },
  });
  const members = await client.resourceSetApi.listMembersOfBinding({
    resourceSetId: set.id, roleIdOrLabel: role.id,
  });
  assert.equal(members.members.length, 1);
  const roles = await collect(await client.roleAssignmentApi.listAssignedRolesForUser({ userId: user.id }));
  assert.deepEqual(roles.map((r) => [r.type, r.label]), [['CUSTOM', `node-desk-${tag}`]]);

  await client.resourceSetApi.deleteResourceSet({ resourceSetId: set.id });
  await client.customRoleApi.deleteRole({ roleIdOrLabel: role.id });
  const left = await collect(await client.roleAssignmentApi.listAssignedRolesForUser({ userId: user.id }));
  assert.deepEqual(left, []);
});
