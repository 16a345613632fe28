// Profile schemas through @okta/okta-sdk-nodejs 8.x (client.schemaApi): a custom user
// property added with the SDK's get-edit-update of the schema, written and searched; the
// group schema and an app's app-user schema extended and enforced.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  collect, createUser, expectOktaError, newClient, orgUrl, profile, suffix,
} from './helpers.mjs';

test('a custom user property is declared, written, searched and refused when undeclared', async () => {
  const client = newClient();
  const name = `sdkNode${suffix()}`;
  const schema = await client.schemaApi.getUserSchema({ schemaId: 'default' });
  assert.equal(schema.definitions.base.properties.login.maxLength, 100);
  // The SDK's model has no minimum/maximum, and names enum `_enum` (it sends each value
  // spread into an object of its characters, which the server reads back as the string).
  schema.definitions.custom.properties[name] = {
    title: 'Desk', type: 'string', maxLength: 8, _enum: ['north', 'south'],
  };
  const updated = await client.schemaApi.updateUserProfile({ schemaId: 'default', userSchema: schema });
  assert.equal(updated.definitions.custom.properties[name].maxLength, 8);
  const raw = await client.http.getJson(`${orgUrl()}/api/v1/meta/schemas/user/default`);
  assert.deepEqual(raw.definitions.custom.properties[name].enum, ['north', 'south']);

  const user = await createUser(client, { [name]: 'north' });
  assert.equal(user.profile[name], 'north');
  const found = await collect(await client.userApi.listUsers({ search: `profile.${name} eq "north"` }));
  assert.deepEqual(found.map((u) => u.id), [user.id]);

  const outside = await expectOktaError(
    client.userApi.createUser({ body: { profile: profile({ [name]: 'east' }) } }), 400, 'E0000001');
  assert.deepEqual(outside.errorCauses.map((c) => c.errorSummary),
    [`${name}: Does not match any of the allowed values`]);
  const undeclared = await expectOktaError(
    client.userApi.updateUser({ userId: user.id, user: { profile: { [`${name}Typo`]: 1 } } }),
    400, 'E0000001');
  assert.deepEqual(undeclared.errorCauses.map((c) => c.errorSummary),
    [`Property name '${name}Typo' is not defined in profile`]);
});

test('the group schema and an app-user schema take custom properties', async () => {
  const client = newClient();
  const code = `sdkNodeCode${suffix()}`;
  const groupSchema = await client.schemaApi.getGroupSchema();
  groupSchema.definitions.custom.properties[code] = { title: 'Code', type: 'string', unique: true };
  const updated = await client.schemaApi.updateGroupSchema({ GroupSchema: groupSchema });
  assert.equal(updated.definitions.custom.properties[code].unique, true);
  const value = `C-${suffix()}`;
  // The SDK's group model keeps only name and description, so groups with a custom
  // property go through its HTTP client.
  const groups = `${orgUrl()}/api/v1/groups`;
  const group = await client.http.postJson(groups, {
    body: { profile: { name: `node ${suffix()}`, [code]: value } },
  });
  assert.equal(group.profile[code], value);
  const taken = await expectOktaError(client.http.postJson(groups, {
    body: { profile: { name: `node ${suffix()}`, [code]: value.toLowerCase() } },
  }), 400, 'E0000001');
  assert.deepEqual(taken.errorCauses.map((c) => c.errorSummary),
    [`${code}: An object with this field already exists in the current organization`]);

  const app = await client.applicationApi.createApplication({ application: {
    name: 'bookmark', label: `node schema ${suffix()}`, signOnMode: 'BOOKMARK',
    settings: { app: { requestIntegration: false, url: 'https://example.com/schema.htm' } },
  } });
  const appSchema = await client.schemaApi.getApplicationUserSchema({ appInstanceId: app.id });
  assert.equal(appSchema.name, 'bookmark');
  appSchema.definitions.custom.properties.team = { title: 'Team', type: 'string', _enum: ['red', 'blue'] };
  await client.schemaApi.updateApplicationUserProfile({ appInstanceId: app.id, body: appSchema });
  const user = await createUser(client);
  await expectOktaError(client.applicationApi.assignUserToApplication({
    appId: app.id, appUser: { id: user.id, scope: 'USER', profile: { team: 'green' } },
  }), 400, 'E0000001');
  const assigned = await client.applicationApi.assignUserToApplication({
    appId: app.id, appUser: { id: user.id, scope: 'USER', profile: { team: 'red' } },
  });
  assert.equal(assigned.profile.team, 'red');
});
