// The Groups API through @okta/okta-sdk-nodejs 8.1.0 (client.groupApi): groups, members,
// owners.
//
// The Node SDK follows `rel="next"` Link URLs exactly as given and caches GET responses
// under `_links.self.href`; groups carry no `self` link (as in Okta's examples), so a group
// read after a write is always fresh. Its GroupProfile model is not extensible: custom
// profile properties are dropped by the client, so these tests check them through the
// Python SDK and the black-box suite instead. Every test makes its own groups and users.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertDate, collect, createUser, expectOktaError, newClient, orgUrl, suffix,
} from './helpers.mjs';

const MISSING_GROUP = '00g' + 'z'.repeat(17);
const MISSING_USER = '00u' + 'z'.repeat(17);

async function createGroup(client, name = `sdk-node-${suffix()}`, extra = {}) {
  const group = await client.groupApi.createGroup({ group: { profile: { name, ...extra } } });
  assert.ok(group?.id, 'createGroup returned no group');
  return group;
}

async function everyone(client) {
  const groups = await collect(await client.groupApi.listGroups({ q: 'Everyone' }));
  const found = groups.filter((group) => group.type === 'BUILT_IN');
  assert.equal(found.length, 1, JSON.stringify(groups));
  return found[0];
}

// ------------------------------------------------------------------ groups

test('createGroup answers the Group object and getGroup reads it back', async () => {
  const client = newClient();
  const name = `West Coast ${suffix()}`;
  const group = await createGroup(client, name, { description: 'All Users West of The Rockies' });

  assert.match(group.id, /^00g[0-9A-Za-z]{17}$/);
  assert.equal(group.type, 'OKTA_GROUP');
  assert.deepEqual(group.objectClass, ['okta:user_group']);
  const created = assertDate(group.created, 'created');
  assert.equal(assertDate(group.lastUpdated, 'lastUpdated').getTime(), created.getTime());
  assert.equal(assertDate(group.lastMembershipUpdated, 'lastMembershipUpdated').getTime(),
    created.getTime());
  assert.equal(group.profile.name, name);
  assert.equal(group.profile.description, 'All Users West of The Rockies');
  assert.equal(group._links.users.href, `${orgUrl()}/api/v1/groups/${group.id}/users`);
  assert.equal(group._links.apps.href, `${orgUrl()}/api/v1/groups/${group.id}/apps`);
  assert.deepEqual(group._links.logo.map((logo) => logo.name), ['medium', 'large']);

  const fetched = await client.groupApi.getGroup({ groupId: group.id });
  assert.equal(fetched.id, group.id);
  assert.equal(fetched.profile.name, name);
  assert.equal(fetched.created.getTime(), created.getTime());
});

test('a taken group name is rejected with E0000001', async () => {
  const client = newClient();
  const group = await createGroup(client);
  const error = await expectOktaError(
    client.groupApi.createGroup({ group: { profile: { name: group.profile.name.toUpperCase() } } }),
    400, 'E0000001');
  assert.deepEqual(error.errorCauses.map((cause) => cause.errorSummary),
    ['name: An object with this field already exists in the current organization']);
});

test('replaceGroup replaces the profile; a read right after sees it', async () => {
  const client = newClient();
  const group = await createGroup(client, undefined, { description: 'before' });
  await client.groupApi.getGroup({ groupId: group.id });
  const name = `sdk-node-renamed-${suffix()}`;
  const replaced = await client.groupApi.replaceGroup({
    groupId: group.id, group: { profile: { name } },
  });
  assert.equal(replaced.profile.name, name);
  assert.equal(replaced.profile.description, undefined, 'PUT removes what it does not send');
  assert.ok(replaced.lastUpdated >= group.lastUpdated);
  const fetched = await client.groupApi.getGroup({ groupId: group.id });
  assert.equal(fetched.profile.name, name, 'no stale cached group');
});

test('deleteGroup, then the group is a 404', async () => {
  const client = newClient();
  const group = await createGroup(client);
  await client.groupApi.deleteGroup({ groupId: group.id });
  await expectOktaError(client.groupApi.getGroup({ groupId: group.id }), 404, 'E0000007');
  await expectOktaError(client.groupApi.deleteGroup({ groupId: group.id }), 404, 'E0000007');
});

test('unknown groups are 404s', async () => {
  const client = newClient();
  const error = await expectOktaError(client.groupApi.getGroup({ groupId: MISSING_GROUP }),
    404, 'E0000007');
  assert.equal(error.errorSummary, `Not found: Resource not found: ${MISSING_GROUP} (UserGroup)`);
  await expectOktaError(client.groupApi.replaceGroup({
    groupId: MISSING_GROUP, group: { profile: { name: 'x' } },
  }), 404, 'E0000007');
  const user = await createUser(client, { activate: false });
  await expectOktaError(client.groupApi.assignUserToGroup({
    groupId: MISSING_GROUP, userId: user.id,
  }), 404, 'E0000007');
});

test('Everyone refuses changes with 501 E0000060', async () => {
  const client = newClient();
  const user = await createUser(client, { activate: false });
  const group = await everyone(client);
  assert.equal(group.profile.name, 'Everyone');
  await expectOktaError(client.groupApi.assignUserToGroup({ groupId: group.id, userId: user.id }),
    501, 'E0000060');
  await expectOktaError(client.groupApi.unassignUserFromGroup({ groupId: group.id, userId: user.id }),
    501, 'E0000060');
  await expectOktaError(client.groupApi.replaceGroup({
    groupId: group.id, group: { profile: { name: 'All' } },
  }), 501, 'E0000060');
  await expectOktaError(client.groupApi.deleteGroup({ groupId: group.id }), 501, 'E0000060');
});

// ------------------------------------------------------------------ list

test('listGroups with q, filter, search, sortBy, expand=stats and pages', async () => {
  const client = newClient();
  const tag = `sdk-node-list-${suffix()}`;
  const groups = [];
  for (const n of ['c', 'a', 'b']) groups.push(await createGroup(client, `${tag} ${n}`));
  const ids = new Set(groups.map((group) => group.id));

  const byQ = await collect(await client.groupApi.listGroups({ q: tag }));
  assert.deepEqual(byQ.map((group) => group.profile.name), [`${tag} a`, `${tag} b`, `${tag} c`]);
  const limited = await collect(await client.groupApi.listGroups({ q: tag, limit: 2 }));
  assert.equal(limited.length, 2, 'q does not paginate: limit caps the result');

  const since = new Date(Math.min(...groups.map((group) => group.lastUpdated.getTime())));
  const filtered = await collect(await client.groupApi.listGroups({
    filter: `type eq "OKTA_GROUP" and lastUpdated ge "${since.toISOString()}"`,
  }));
  for (const id of ids) assert.ok(filtered.some((group) => group.id === id), id);

  const requested = [];
  client.requestExecutor.on('request', (request) => requested.push(request.url));
  const sorted = await collect(await client.groupApi.listGroups({
    search: `profile.name sw "${tag}"`, sortBy: 'profile.name', sortOrder: 'desc',
    expand: 'stats', limit: 2,
  }));
  assert.deepEqual(sorted.map((group) => group.profile.name), [`${tag} c`, `${tag} b`, `${tag} a`]);
  for (const group of sorted) {
    assert.equal(group._embedded.stats.usersCount, 0);
    assert.equal(group._embedded.stats.appsCount, 0);
  }
  const pages = requested.filter((url) => url.includes('/api/v1/groups?'));
  assert.equal(pages.length, 2, pages.join('\n'));
  assert.ok(pages[1].startsWith(`${orgUrl()}/api/v1/groups?`) && pages[1].includes('after='),
    pages[1]);

  await expectOktaError((async () => collect(
    await client.groupApi.listGroups({ filter: 'profile.name eq "x"' })))(), 400, 'E0000031');
});

// ------------------------------------------------------------------ members

test('members are added, listed, paged and removed; listUserGroups agrees', async () => {
  const client = newClient();
  const group = await createGroup(client);
  const users = await Promise.all([0, 1, 2, 3, 4].map(() => createUser(client, { activate: false })));
  for (const user of users) {
    await client.groupApi.assignUserToGroup({ groupId: group.id, userId: user.id });
  }
  await client.groupApi.assignUserToGroup({ groupId: group.id, userId: users[0].id });

  const members = await collect(await client.groupApi.listGroupUsers({ groupId: group.id, limit: 2 }));
  assert.deepEqual(members.map((user) => user.id), users.map((user) => user.id).sort(),
    'every member once, in id order, across pages');
  assert.equal(members[0].status, 'STAGED');
  assert.ok(members[0].profile.login);

  const groups = await collect(await client.userApi.listUserGroups({ userId: users[1].id }));
  assert.ok(groups.some((g) => g.id === group.id));

  await client.groupApi.unassignUserFromGroup({ groupId: group.id, userId: users[1].id });
  await client.groupApi.unassignUserFromGroup({ groupId: group.id, userId: users[1].id });
  const after = await collect(await client.groupApi.listGroupUsers({ groupId: group.id }));
  assert.ok(!after.some((user) => user.id === users[1].id));
  const left = await collect(await client.userApi.listUserGroups({ userId: users[1].id }));
  assert.ok(!left.some((g) => g.id === group.id));

  const fetched = await client.groupApi.getGroup({ groupId: group.id });
  assert.ok(fetched.lastMembershipUpdated >= group.lastMembershipUpdated);
  await expectOktaError(client.groupApi.assignUserToGroup({
    groupId: group.id, userId: MISSING_USER,
  }), 404, 'E0000007');

  const apps = await collect(await client.groupApi.listAssignedApplicationsForGroup({ groupId: group.id }));
  assert.deepEqual(apps, []);
});

// ------------------------------------------------------------------ owners

test('group owners are assigned, listed and removed', async () => {
  const client = newClient();
  const group = await createGroup(client);
  const owning = await createGroup(client);
  const user = await createUser(client, { activate: false, firstName: 'Mabel', lastName: 'Mora' });

  assert.deepEqual(await collect(await client.groupApi.listGroupOwners({ groupId: group.id })), []);
  const owner = await client.groupApi.assignGroupOwner({
    groupId: group.id, GroupOwner: { id: user.id, type: 'USER' },
  });
  assert.equal(owner.id, user.id);
  assert.equal(owner.type, 'USER');
  assert.equal(owner.resolved, true);
  assert.equal(owner.originType, 'OKTA_DIRECTORY');
  assert.equal(owner.displayName, 'Mabel Mora');
  assertDate(owner.lastUpdated, 'lastUpdated');
  await client.groupApi.assignGroupOwner({
    groupId: group.id, GroupOwner: { id: owning.id, type: 'GROUP' },
  });

  const owners = await collect(await client.groupApi.listGroupOwners({ groupId: group.id }));
  assert.deepEqual(owners.map((o) => o.id).sort(), [user.id, owning.id].sort());
  const usersOnly = await collect(await client.groupApi.listGroupOwners({
    groupId: group.id, search: 'type eq "USER"',
  }));
  assert.deepEqual(usersOnly.map((o) => o.id), [user.id]);

  await client.groupApi.deleteGroupOwner({ groupId: group.id, ownerId: user.id });
  await expectOktaError(client.groupApi.deleteGroupOwner({ groupId: group.id, ownerId: user.id }),
    404, 'E0000007');
  const remaining = await collect(await client.groupApi.listGroupOwners({ groupId: group.id }));
  assert.deepEqual(remaining.map((o) => o.id), [owning.id]);
});
