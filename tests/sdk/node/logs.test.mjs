// The System Log through @okta/okta-sdk-nodejs 8.1.0 (client.systemLogApi): events written
// by changes made through the SDK, read back with filter, q and a bounded window.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, createUser, expectOktaError, newClient } from './helpers.mjs';

async function eventsFor(client, userId, params = {}) {
  // Poll with a deadline, as a log consumer would.
  for (let i = 0; i < 100; i += 1) {
    const events = await collect(await client.systemLogApi.listLogEvents({ filter: `target.id eq "${userId}"`, ...params }));
    if (events.length > 0) return events;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}

test('a created user is logged with actor and target', async () => {
  const client = newClient();
  const user = await createUser(client, { activate: false });
  const now = new Date();
  const events = await eventsFor(client, user.id, {
    since: new Date(now.getTime() - 600000).toISOString(),
    until: new Date(now.getTime() + 600000).toISOString(),
  });
  assert.deepEqual(events.map((e) => e.eventType), ['user.lifecycle.create']);
  assert.equal(events[0].target[0].id, user.id);
  assert.equal(events[0].outcome.result, 'SUCCESS');
  assert.match(events[0].actor.id, /^00u/);
  assert.ok(events[0].published instanceof Date);
});

test('q keywords and a bad filter', async () => {
  const client = newClient();
  const user = await createUser(client, { activate: false });
  const now = new Date();
  const window = { since: new Date(now.getTime() - 600000).toISOString(), until: new Date(now.getTime() + 600000).toISOString() };
  await eventsFor(client, user.id, window);
  const byWord = await collect(await client.systemLogApi.listLogEvents({ q: user.profile.login, ...window }));
  assert.ok(byWord.some((e) => e.eventType === 'user.lifecycle.create' && e.target[0].id === user.id));
  const bad = (async () => collect(await client.systemLogApi.listLogEvents({ filter: 'eventType eqq "x"', ...window })))();
  await expectOktaError(bad, 400, 'E0000053');
});
