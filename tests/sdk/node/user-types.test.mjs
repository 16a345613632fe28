// The User Types API through @okta/okta-sdk-nodejs 8.x (client.userTypeApi), and a user
// created with a type and moved back to the default one by a full replace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, expectOktaError, newClient, profile, suffix } from './helpers.mjs';

const client = newClient();

test('create, read, update, replace and delete a user type; users of a type', async () => {
  const types = await collect(await client.userTypeApi.listUserTypes());
  // The SDK's model calls `default` `_default`.
  const fallback = types.find((t) => t._default);
  assert.ok(fallback?.id.startsWith('oty'), JSON.stringify(types));
  const name = `sdk_node_${suffix()}`;
  const made = await client.userTypeApi.createUserType({
    userType: { name, displayName: 'Contractor', description: 'from the Node SDK' },
  });
  assert.ok(made.id.startsWith('oty'));
  assert.equal(made._default, false);
  const got = await client.userTypeApi.getUserType({ typeId: made.id });
  assert.equal(got.name, name);
  const updated = await client.userTypeApi.updateUserType({
    typeId: made.id, userType: { description: 'updated' },
  });
  assert.equal(updated.description, 'updated');
  const replaced = await client.userTypeApi.replaceUserType({
    typeId: made.id, userType: { name, displayName: 'Contractors', description: 'replaced' },
  });
  assert.equal(replaced.displayName, 'Contractors');

  const user = await client.userApi.createUser({ body: { profile: profile(), type: { id: made.id } } });
  assert.equal(user.type.id, made.id);
  await expectOktaError(client.userTypeApi.deleteUserType({ typeId: made.id }), 403, 'E0000142');
  const moved = await client.userApi.replaceUser({
    userId: user.id, user: { profile: user.profile, type: { id: fallback.id } },
  });
  assert.equal(moved.type.id, fallback.id);
  await client.userTypeApi.deleteUserType({ typeId: made.id });
  await expectOktaError(client.userTypeApi.getUserType({ typeId: made.id }), 404, 'E0000007');
});
