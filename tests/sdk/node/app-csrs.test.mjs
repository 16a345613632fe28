// Certificate signing requests of app key credentials through @okta/okta-sdk-nodejs 8.x
// (client.applicationApi): generate, list, revoke.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, expectOktaError, newClient, suffix } from './helpers.mjs';

const client = newClient();

test('generate, list and revoke a certificate signing request', async () => {
  const app = await client.applicationApi.createApplication({
    application: {
      label: `sdk-node-csr-${suffix()}`,
      signOnMode: 'BOOKMARK',
      name: 'bookmark',
      settings: { app: { requestIntegration: false, url: 'https://example.com/bookmark.htm' } },
    },
  });
  const metadata = {
    subject: { countryName: 'US', organizationName: 'Example', commonName: 'sp.example.com' },
    subjectAltNames: { dnsNames: ['sp.example.com'] },
  };
  // The SDK types the answer as the request text; it is the JSON CSR object here.
  const made = await client.applicationApi.generateCsrForApplication({ appId: app.id, metadata });
  const generated = typeof made === 'string' ? JSON.parse(made) : made;
  assert.equal(generated.kty, 'RSA');
  assert.ok(generated.csr.startsWith('MII'), generated.csr);
  const listed = await collect(await client.applicationApi.listCsrsForApplication({ appId: app.id }));
  assert.deepEqual(listed.map((c) => c.id), [generated.id]);
  await client.applicationApi.revokeCsrFromApplication({ appId: app.id, csrId: generated.id });
  assert.deepEqual(await collect(await client.applicationApi.listCsrsForApplication({ appId: app.id })), []);
  await expectOktaError(
    client.applicationApi.revokeCsrFromApplication({ appId: app.id, csrId: generated.id }), 404, 'E0000007');
});
