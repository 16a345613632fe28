// Linked objects through @okta/okta-sdk-nodejs 8.x: definitions (client.linkedObjectApi) and
// values (client.userApi.setLinkedObjectForUser / listLinkedObjectsForUser /
// deleteLinkedObjectForUser).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, createUser, expectOktaError, newClient, orgUrl, suffix } from './helpers.mjs';

const client = newClient();

test('define a relationship, link users by it, read and remove the links', async () => {
  const tag = suffix();
  const primary = `manager_${tag}`;
  const associated = `report_${tag}`;
  const made = await client.linkedObjectApi.createLinkedObjectDefinition({
    linkedObject: {
      primary: { name: primary, title: 'Manager', type: 'USER' },
      associated: { name: associated, title: 'Report', type: 'USER' },
    },
  });
  assert.equal(made.primary.name, primary);
  const byAssociated = await client.linkedObjectApi.getLinkedObjectDefinition({ linkedObjectName: associated });
  assert.equal(byAssociated.primary.name, primary);
  const all = await collect(await client.linkedObjectApi.listLinkedObjectDefinitions());
  assert.ok(all.some((d) => d.primary.name === primary));
  await expectOktaError(client.linkedObjectApi.createLinkedObjectDefinition({
    linkedObject: {
      primary: { name: primary, title: 'Again', type: 'USER' },
      associated: { name: `other_${tag}`, title: 'Other', type: 'USER' },
    },
  }), 409, 'E0000127');

  const boss = await createUser(client);
  const report = await createUser(client);
  await client.userApi.setLinkedObjectForUser({
    associatedUserId: report.id, primaryRelationshipName: primary, primaryUserId: boss.id,
  });
  const up = await collect(await client.userApi.listLinkedObjectsForUser({
    userId: report.id, relationshipName: primary,
  }));
  assert.deepEqual(up.map((l) => l._links.self.href), [`${orgUrl()}/api/v1/users/${boss.id}`]);
  const down = await collect(await client.userApi.listLinkedObjectsForUser({
    userId: boss.id, relationshipName: associated,
  }));
  assert.deepEqual(down.map((l) => l._links.self.href), [`${orgUrl()}/api/v1/users/${report.id}`]);
  await client.userApi.deleteLinkedObjectForUser({ userId: report.id, relationshipName: primary });
  const none = await collect(await client.userApi.listLinkedObjectsForUser({
    userId: report.id, relationshipName: primary,
  }));
  assert.deepEqual(none, []);

  await client.linkedObjectApi.deleteLinkedObjectDefinition({ linkedObjectName: primary });
  await expectOktaError(
    client.linkedObjectApi.getLinkedObjectDefinition({ linkedObjectName: primary }), 404, 'E0000007');
});
