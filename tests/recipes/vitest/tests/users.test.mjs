import { beforeEach, describe, expect, it } from 'vitest';
import okta from '@okta/okta-sdk-nodejs';
import { advance, call, org, reset } from './org.mjs';

const client = new okta.Client({ orgUrl: org.url, token: org.token });

// Every test starts from the org file.
beforeEach(async () => {
  const { body } = await reset();
  expect(body.reset).toBe(true);
});

describe('a test org', () => {
  it('holds the seeded users', async () => {
    const logins = [];
    for await (const user of await client.userApi.listUsers()) logins.push(user.profile.login);
    expect(logins).toEqual(expect.arrayContaining(['alice@example.com', 'bob@example.com']));
  });

  it('lets a test make a user', async () => {
    const user = await client.userApi.createUser({
      body: { profile: { login: 'temp@example.com', email: 'temp@example.com', firstName: 'Temp', lastName: 'User' } },
      activate: false,
    });
    expect(user.status).toBe('STAGED');
  });

  it('forgets it before the next test', async () => {
    await expect(client.userApi.getUser({ userId: 'temp@example.com' })).rejects.toMatchObject({ status: 404 });
  });

  it('expires passwords when the clock moves', async () => {
    const signIn = { username: 'bob@example.com', password: 'CanWeFixIt-2026!' };
    expect((await call('POST', '/api/v1/authn', signIn, { token: false })).body.status).toBe('SUCCESS');
    await advance('31d'); // bob's password policy: maxAgeDays 30
    expect((await call('POST', '/api/v1/authn', signIn, { token: false })).body.status).toBe('PASSWORD_EXPIRED');
  });
});
