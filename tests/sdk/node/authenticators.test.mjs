// The Authenticators API through @okta/okta-sdk-nodejs 8.x (client.authenticatorApi), and the
// MFA_ENROLL policy as the SDK's models carry it (settings.type and settings.authenticators
// only). Okta's own SDK test helpers list the authenticators before every factor test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, createUser, expectOktaError, newClient } from './helpers.mjs';

const client = newClient();

async function byKey(key) {
  const all = await collect(await client.authenticatorApi.listAuthenticators());
  const found = all.find((a) => a.key === key);
  assert.ok(found, `no ${key} authenticator in ${all.map((a) => a.key)}`);
  return found;
}

test('list and get the org authenticators', async () => {
  const all = await collect(await client.authenticatorApi.listAuthenticators());
  const keys = all.map((a) => a.key).sort();
  assert.deepEqual(keys, [
    'google_otp', 'okta_email', 'okta_password', 'okta_verify', 'phone_number',
    'security_question', 'webauthn',
  ]);
  const phone = all.find((a) => a.key === 'phone_number');
  assert.equal(phone.type, 'phone');
  assert.ok(phone.id.startsWith('aut'));
  const got = await client.authenticatorApi.getAuthenticator({ authenticatorId: phone.id });
  assert.equal(got.id, phone.id);
  assert.equal(got.name, 'Phone');
  assert.equal(got.settings.allowedFor, 'any');
  await expectOktaError(
    client.authenticatorApi.getAuthenticator({ authenticatorId: 'autNoSuchAuthentic0' }), 404, 'E0000007');
});

test('deactivate and activate an authenticator, replace one', async () => {
  const webauthn = await byKey('webauthn');
  const off = await client.authenticatorApi.deactivateAuthenticator({ authenticatorId: webauthn.id });
  assert.equal(off.status, 'INACTIVE');
  const on = await client.authenticatorApi.activateAuthenticator({ authenticatorId: webauthn.id });
  assert.equal(on.status, 'ACTIVE');

  const question = await byKey('security_question');
  const replaced = await client.authenticatorApi.replaceAuthenticator({
    authenticatorId: question.id,
    authenticator: { key: question.key, name: 'Security Question', settings: { allowedFor: 'recovery' } },
  });
  assert.equal(replaced.settings.allowedFor, 'recovery');
  await client.authenticatorApi.replaceAuthenticator({
    authenticatorId: question.id,
    authenticator: { key: question.key, name: 'Security Question', settings: { allowedFor: 'any' } },
  });
});

test('an MFA_ENROLL policy read and replaced through the SDK keeps its factors', async () => {
  // The SDK's model has no settings.factors: what it sends back is type and authenticators.
  const policies = await collect(await client.policyApi.listPolicies({ type: 'MFA_ENROLL' }));
  const policy = policies.find((p) => p.system);
  const read = await client.policyApi.getPolicy({ policyId: policy.id });
  assert.ok(Array.isArray(read.settings.authenticators), JSON.stringify(read.settings));
  const replaced = await client.policyApi.replacePolicy({ policyId: policy.id, policy: read });
  assert.deepEqual(replaced.settings.authenticators, read.settings.authenticators);
  // Every factor is still offered: nothing was dropped on the way.
  const user = await createUser(client);
  const offered = await collect(await client.userFactorApi.listSupportedFactors({ userId: user.id }));
  const types = offered.map((f) => `${f.factorType}/${f.provider}`).sort();
  assert.deepEqual(types, [
    'call/OKTA', 'email/OKTA', 'question/OKTA', 'sms/OKTA', 'token:software:totp/GOOGLE',
    'token:software:totp/OKTA', 'webauthn/FIDO',
  ]);
});
