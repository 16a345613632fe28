// The API Tokens API through @okta/okta-sdk-nodejs 8.1.0 (client.apiTokenApi).
//
// Listing and reading run on the shared server. Revocation destroys the token the test
// runs with, so those tests start a private Latchkey and revoke its own admin token.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertDate, collect, expectOktaError, newClient, startPrivateServer } from './helpers.mjs';

function assertTokenShape(token) {
  assert.match(token.id, /^00T[0-9A-Za-z]{17}$/);
  assert.ok(token.name, 'token has no name');
  assert.match(token.userId, /^00u/);
  const created = assertDate(token.created, 'created');
  assert.ok(assertDate(token.lastUpdated, 'lastUpdated') >= created);
  assert.ok(assertDate(token.expiresAt, 'expiresAt') > created);
  assert.ok(token.tokenWindow, 'tokenWindow missing');
}

test('list and get API tokens', async () => {
  const client = newClient();
  const tokens = await collect(await client.apiTokenApi.listApiTokens());
  assert.ok(tokens.length >= 1, 'the org has at least the admin token');
  for (const listed of tokens) {
    assertTokenShape(listed);
    const token = await client.apiTokenApi.getApiToken({ apiTokenId: listed.id });
    assertTokenShape(token);
    assert.deepEqual([token.id, token.name, token.userId, token.created.getTime()],
      [listed.id, listed.name, listed.userId, listed.created.getTime()]);
  }
  const owner = await client.userApi.getUser({ userId: tokens[0].userId });
  assert.equal(owner.status, 'ACTIVE');
});

test('get and revoke an unknown token are 404s', async () => {
  const client = newClient();
  const missing = '00T' + 'q'.repeat(17);
  await expectOktaError(client.apiTokenApi.getApiToken({ apiTokenId: missing }), 404, 'E0000007');
  await expectOktaError(client.apiTokenApi.revokeApiToken({ apiTokenId: missing }), 404, 'E0000007');
});

test('revokeCurrentApiToken ends the token in use', async () => {
  const server = await startPrivateServer();
  try {
    const client = server.client();
    const tokens = await collect(await client.apiTokenApi.listApiTokens());
    assert.equal(tokens.length, 1);
    await client.apiTokenApi.revokeCurrentApiToken();
    await expectOktaError(client.userApi.getUser({ userId: tokens[0].userId }), 401, 'E0000011');
  } finally {
    await server.stop();
  }
});

test('revokeApiToken by id ends that token', async () => {
  const server = await startPrivateServer();
  try {
    const client = server.client();
    const [token] = await collect(await client.apiTokenApi.listApiTokens());
    await client.apiTokenApi.revokeApiToken({ apiTokenId: token.id });
    await expectOktaError(collect(await client.apiTokenApi.listApiTokens()), 401, 'E0000011');
  } finally {
    await server.stop();
  }
});
