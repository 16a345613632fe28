// The Trusted Origins API through @okta/okta-sdk-nodejs 8.1.0 (client.trustedOriginApi):
// create, get, list (q, filter, pages), replace, deactivate, activate, delete.
//
// The Node SDK caches GET answers under `_links.self.href` and evicts that entry on a write
// to the origin or to any path below it (its lifecycle operations), so a read after
// deactivate, replace or delete must be fresh. Every test makes its own origins, on host
// names no other test uses.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertDate, collect, expectOktaError, newClient, orgUrl, suffix } from './helpers.mjs';

function write(name, origin, ...types) {
  return { name, origin, scopes: types.map((type) => ({ type })) };
}

async function create(client, { types = ['CORS'], name, origin } = {}) {
  const tag = suffix();
  const trustedOrigin = write(
    name ?? `sdk-node ${tag}`,
    origin ?? `https://sdk-node-${tag}.example.com`,
    ...types,
  );
  const created = await client.trustedOriginApi.createTrustedOrigin({ trustedOrigin });
  assert.ok(created?.id, 'createTrustedOrigin returned nothing');
  return created;
}

test('createTrustedOrigin answers the object and getTrustedOrigin reads it back', async () => {
  const client = newClient();
  const tag = suffix();
  const origin = `https://sdk-node-${tag}.example.com`;
  const created = await client.trustedOriginApi.createTrustedOrigin({
    trustedOrigin: write(`New trusted origin ${tag}`, origin, 'CORS', 'REDIRECT'),
  });

  assert.match(created.id, /^tos[0-9A-Za-z]{17}$/);
  assert.equal(created.name, `New trusted origin ${tag}`);
  assert.equal(created.origin, origin);
  assert.deepEqual(created.scopes.map((s) => s.type), ['CORS', 'REDIRECT']);
  assert.equal(created.status, 'ACTIVE');
  const stamp = assertDate(created.created, 'created');
  assert.equal(assertDate(created.lastUpdated, 'lastUpdated').getTime(), stamp.getTime());
  const me = await client.userApi.getUser({ userId: 'me' });
  assert.equal(created.createdBy, me.id);
  assert.equal(created.lastUpdatedBy, me.id);
  const href = `${orgUrl()}/api/v1/trustedOrigins/${created.id}`;
  assert.equal(created._links.self.href, href);
  assert.deepEqual(created._links.self.hints.allow, ['GET', 'PUT', 'DELETE']);
  assert.equal(created._links.deactivate.href, `${href}/lifecycle/deactivate`);
  assert.equal(created._links.activate, undefined);

  const fetched = await client.trustedOriginApi.getTrustedOrigin({ trustedOriginId: created.id });
  assert.equal(fetched.id, created.id);
  assert.equal(fetched.origin, origin);
  assert.equal(fetched.created.getTime(), stamp.getTime());
});

test('an IFRAME_EMBED scope keeps its allowed apps', async () => {
  const client = newClient();
  const tag = suffix();
  const created = await client.trustedOriginApi.createTrustedOrigin({
    trustedOrigin: {
      name: `sdk-node embed ${tag}`,
      origin: `https://sdk-node-embed-${tag}.example.com`,
      scopes: [{ type: 'IFRAME_EMBED', allowedOktaApps: ['OKTA_ENDUSER'] }],
    },
  });
  assert.deepEqual(created.scopes.map((s) => [s.type, s.allowedOktaApps]),
    [['IFRAME_EMBED', ['OKTA_ENDUSER']]]);
});

test('listTrustedOrigins finds by q and filter and follows next links', async () => {
  const client = newClient();
  const tag = suffix();
  const made = [];
  for (let i = 0; i < 3; i += 1) {
    made.push(await create(client, {
      name: `sdk-node-list-${tag}-${i}`,
      origin: `https://sdk-node-list-${tag}-${i}.example.com`,
    }));
  }
  const ids = made.map((o) => o.id).sort();

  // limit 2: the collection follows the `next` Link across pages.
  const all = await collect(await client.trustedOriginApi.listTrustedOrigins({
    q: `sdk-node-list-${tag}`, limit: 2,
  }));
  assert.deepEqual(all.map((o) => o.id).sort(), ids);

  const byOrigin = await collect(await client.trustedOriginApi.listTrustedOrigins({
    q: `HTTPS://SDK-NODE-LIST-${tag}-1`,
  }));
  assert.deepEqual(byOrigin.map((o) => o.id), [made[1].id]);

  const byName = await collect(await client.trustedOriginApi.listTrustedOrigins({
    filter: `name eq "sdk-node-list-${tag}-2" and status eq "ACTIVE"`,
  }));
  assert.deepEqual(byName.map((o) => o.id), [made[2].id]);

  await expectOktaError(
    collect(await client.trustedOriginApi.listTrustedOrigins({ filter: 'name sw "x"' })),
    400, 'E0000031');
});

test('replaceTrustedOrigin changes name, origin and scopes', async () => {
  const client = newClient();
  const created = await create(client, { types: ['CORS', 'REDIRECT'] });
  // Read it (cached by the SDK), then replace it: the next read must not be the cached copy.
  await client.trustedOriginApi.getTrustedOrigin({ trustedOriginId: created.id });
  const tag = suffix();
  const updated = await client.trustedOriginApi.replaceTrustedOrigin({
    trustedOriginId: created.id,
    trustedOrigin: {
      ...created,
      name: `sdk-node updated ${tag}`,
      origin: `https://sdk-node-updated-${tag}.example.com`,
      scopes: [{ type: 'REDIRECT' }],
    },
  });
  assert.equal(updated.id, created.id);
  assert.equal(updated.name, `sdk-node updated ${tag}`);
  assert.deepEqual(updated.scopes.map((s) => s.type), ['REDIRECT']);
  assert.equal(updated.status, 'ACTIVE');
  assert.equal(updated.created.getTime(), created.created.getTime());

  const fetched = await client.trustedOriginApi.getTrustedOrigin({ trustedOriginId: created.id });
  assert.equal(fetched.name, updated.name);
  assert.equal(fetched.origin, updated.origin);
});

test('deactivateTrustedOrigin and activateTrustedOrigin move the status', async () => {
  const client = newClient();
  const created = await create(client);
  await client.trustedOriginApi.getTrustedOrigin({ trustedOriginId: created.id });
  const href = `${orgUrl()}/api/v1/trustedOrigins/${created.id}`;

  const inactive = await client.trustedOriginApi.deactivateTrustedOrigin({
    trustedOriginId: created.id,
  });
  assert.equal(inactive.status, 'INACTIVE');
  assert.equal(inactive._links.activate.href, `${href}/lifecycle/activate`);
  const fetched = await client.trustedOriginApi.getTrustedOrigin({ trustedOriginId: created.id });
  assert.equal(fetched.status, 'INACTIVE');

  const active = await client.trustedOriginApi.activateTrustedOrigin({
    trustedOriginId: created.id,
  });
  assert.equal(active.status, 'ACTIVE');
  assert.equal(active._links.deactivate.href, `${href}/lifecycle/deactivate`);
});

test('deleteTrustedOrigin removes it; reads are then 404', async () => {
  const client = newClient();
  const created = await create(client);
  await client.trustedOriginApi.getTrustedOrigin({ trustedOriginId: created.id });
  await client.trustedOriginApi.deleteTrustedOrigin({ trustedOriginId: created.id });
  await expectOktaError(
    client.trustedOriginApi.getTrustedOrigin({ trustedOriginId: created.id }), 404, 'E0000007');
  await expectOktaError(
    client.trustedOriginApi.deleteTrustedOrigin({ trustedOriginId: created.id }), 404, 'E0000007');
});

test('an invalid or taken origin is E0000001', async () => {
  const client = newClient();
  const tag = suffix();
  const bad = await expectOktaError(client.trustedOriginApi.createTrustedOrigin({
    trustedOrigin: write(`sdk-node bad ${tag}`, 'example.com', 'CORS'),
  }), 400, 'E0000001');
  assert.equal(bad.errorSummary, 'Api validation failed: origin');

  const created = await create(client);
  await expectOktaError(client.trustedOriginApi.createTrustedOrigin({
    trustedOrigin: write(`sdk-node taken ${tag}`, created.origin.toUpperCase(), 'REDIRECT'),
  }), 400, 'E0000001');
});
