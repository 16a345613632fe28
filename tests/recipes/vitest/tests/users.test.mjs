// Example tests against a test org with Okta's Node SDK. The users and passwords are the ones
// tests/test-org/org.yaml declares.
import { beforeEach, describe, expect, it } from 'vitest';
import okta from '@okta/okta-sdk-nodejs';
import { advanceClock, call, org, resetOrg } from './org.mjs';

// The CA is trusted through NODE_EXTRA_CA_CERTS (see global-setup.mjs).
const client = new okta.Client({ orgUrl: org.url, token: org.token });
const TEMP_LOGIN = 'temp@example.com';

// Every test starts from the org file, whatever the test before it changed.
beforeEach(async () => {
  const { status, body } = await resetOrg();
  expect([status, body.reset]).toEqual([200, true]);
});

describe('a test org', () => {
  it('holds the seeded users', async () => {
    const logins = [];
    for await (const user of await client.userApi.listUsers()) logins.push(user.profile.login);
    expect(logins).toEqual(expect.arrayContaining(['alice@example.com', 'bob@example.com']));
  });

  it('lets a test create a user', async () => {
    const user = await client.userApi.createUser({
      body: { profile: { login: TEMP_LOGIN, email: TEMP_LOGIN, firstName: 'Temp', lastName: 'User' } },
      activate: false,
    });
    expect(user.status).toBe('STAGED');
    expect((await client.userApi.getUser({ userId: TEMP_LOGIN })).id).toBe(user.id);
  });

  // Tests in a file run in order: the reset before this one removed the user made above.
  it('has forgotten that user in the next test', async () => {
    await expect(client.userApi.getUser({ userId: TEMP_LOGIN }))
      .rejects.toMatchObject({ status: 404, errorCode: 'E0000007' });
  });

  it('expires passwords when the clock moves', async () => {
    const signIn = { username: 'bob@example.com', password: 'CanWeFixIt-2026!' };
    expect((await call('POST', '/api/v1/authn', signIn, { admin: false })).body.status).toBe('SUCCESS');
    expect((await advanceClock('31d')).status).toBe(200); // the Support password policy: maxAgeDays 30
    expect((await call('POST', '/api/v1/authn', signIn, { admin: false })).body.status).toBe('PASSWORD_EXPIRED');
  });
});
