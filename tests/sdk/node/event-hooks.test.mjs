// Event hooks through @okta/okta-sdk-nodejs 8.1.0 (client.eventHookApi): create, list,
// get, replace, deactivate, delete. Verification and delivery need a receiver the server
// trusts; the black-box suite covers those.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, expectOktaError, newClient, suffix } from './helpers.mjs';

function hookBody(name, items = ['user.lifecycle.create'], uri = 'https://hooks.example.test/latchkey') {
  return {
    name,
    events: { type: 'EVENT_TYPE', items },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: {
        uri,
        headers: [{ key: 'X-Other-Header', value: 'v' }],
        authScheme: { type: 'HEADER', key: 'Authorization', value: 'secret-value' },
      },
    },
  };
}

test('event hook lifecycle', async () => {
  const client = newClient();
  const name = `node hook ${suffix()}`;
  const hook = await client.eventHookApi.createEventHook({ eventHook: hookBody(name) });
  assert.match(hook.id, /^who/);
  assert.equal(hook.status, 'ACTIVE');
  assert.equal(hook.verificationStatus, 'UNVERIFIED');
  assert.equal(hook.channel.config.authScheme.key, 'Authorization');
  assert.equal(hook.channel.config.authScheme.value, undefined);
  const all = await collect(await client.eventHookApi.listEventHooks());
  assert.ok(all.some((h) => h.id === hook.id));
  const replaced = await client.eventHookApi.replaceEventHook({
    eventHookId: hook.id,
    eventHook: hookBody(`${name} v2`, ['user.lifecycle.create', 'user.lifecycle.deactivate']),
  });
  assert.equal(replaced.events.items.length, 2);
  await expectOktaError(client.eventHookApi.deleteEventHook({ eventHookId: hook.id }), 403, 'E0000006');
  const off = await client.eventHookApi.deactivateEventHook({ eventHookId: hook.id });
  assert.equal(off.status, 'INACTIVE');
  await client.eventHookApi.deleteEventHook({ eventHookId: hook.id });
  await expectOktaError(client.eventHookApi.getEventHook({ eventHookId: hook.id }), 404, 'E0000007');
});

test('event hooks must use https', async () => {
  const client = newClient();
  await expectOktaError(
    client.eventHookApi.createEventHook({ eventHook: hookBody('plain', ['x'], 'http://hooks.example.test/x') }),
    400,
    'E0000001',
  );
});
