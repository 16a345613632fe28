// The Users API through @okta/okta-sdk-nodejs 8.1.0 (client.userApi).
//
// The Node SDK sends `Authorization: SSWS <token>`, follows `rel="next"` Link URLs exactly
// as given, and caches GET responses under `_links.self.href`, evicting them on writes to
// that path: the tests below check each of those against the server. Every test makes its
// own users with unique logins; none depends on another.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FIRST_NAME, NEW_PASSWORD, PASSWORD, THIRD_PASSWORD, assertDate, collect, createUser,
  expectOktaError, newClient, newLogin, orgUrl, profile, suffix,
} from './helpers.mjs';

const MISSING_USER = '00u' + 'z'.repeat(17);

function assertOktaProvider(credentials) {
  assert.ok(credentials?.provider, 'no credentials.provider');
  assert.equal(credentials.provider.type, 'OKTA');
  assert.equal(credentials.provider.name, 'OKTA');
}

async function seed(client, count, lastName, options = {}) {
  return Promise.all(Array.from({ length: count }, () =>
    createUser(client, { lastName, activate: false, ...options })));
}

// ------------------------------------------------------------------ create

test('create without credentials and activate=false gives a STAGED user', async () => {
  const client = newClient();
  const login = newLogin();
  const user = await createUser(client, { login, activate: false, mobilePhone: '555-415-1337' });

  assert.equal(user.status, 'STAGED');
  assert.match(user.id, /^00u[0-9A-Za-z]{17}$/);
  assertDate(user.created, 'created');
  assert.ok(assertDate(user.lastUpdated, 'lastUpdated') >= user.created);
  assert.equal(user.activated ?? null, null);
  assert.equal(user.passwordChanged ?? null, null);
  assert.equal(user.profile.login, login);
  assert.equal(user.profile.email, login);
  assert.equal(user.profile.firstName, FIRST_NAME);
  assert.equal(user.profile.mobilePhone, '555-415-1337');
  assertOktaProvider(user.credentials);
  assert.equal(user.credentials.password, undefined);
  assert.equal(user._links.self.href, `${orgUrl()}/api/v1/users/${user.id}`);
  assert.equal(user._links.activate.href, `${orgUrl()}/api/v1/users/${user.id}/lifecycle/activate`);
});

test('create with a password activates by default', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  assert.equal(user.status, 'ACTIVE');
  assertDate(user.passwordChanged, 'passwordChanged');
  // Okta's example answers `activated: null` on create (activation is asynchronous); read
  // back, an ACTIVE user has its activation time.
  assertDate((await client.userApi.getUser({ userId: user.id })).activated, 'activated');
  assert.equal(typeof user.credentials.password, 'object', 'credentials.password ({}) missing');
  assert.equal(user.credentials.password.value, undefined, 'the password was echoed back');
  assertOktaProvider(user.credentials);
});

test('create with password and recovery question keeps the question, hides the answer', async () => {
  const user = await createUser(newClient(), {
    password: PASSWORD, activate: true, question: ['Favourite colour of the sea?', 'ultramarine'],
  });
  assert.equal(user.status, 'ACTIVE');
  assert.equal(user.credentials.recovery_question.question, 'Favourite colour of the sea?');
  assert.equal(user.credentials.recovery_question.answer, undefined);
});

test('create without credentials and activate=true gives a PROVISIONED user', async () => {
  const user = await createUser(newClient(), { activate: true });
  assert.equal(user.status, 'PROVISIONED');
});

test('a duplicate login is rejected with E0000001', async () => {
  const client = newClient();
  const login = newLogin();
  await createUser(client, { login, activate: false });
  const error = await expectOktaError(
    client.userApi.createUser({ body: { profile: profile({ login }) }, activate: false }),
    400, 'E0000001');
  assert.match(error.errorCauses.map((cause) => cause.errorSummary).join(' '), /login/);

  await expectOktaError(
    client.userApi.createUser({ body: { profile: profile({ login: login.toUpperCase() }) }, activate: false }),
    400, 'E0000001');
});

// ------------------------------------------------------------------ read

test('get a user by id and by login', async () => {
  const client = newClient();
  const login = newLogin();
  const created = await createUser(client, { login, activate: false });

  const byId = await client.userApi.getUser({ userId: created.id });
  assert.equal(byId.id, created.id);
  assert.equal(byId.profile.login, login);
  assert.equal(byId.created.getTime(), created.created.getTime());

  const byLogin = await client.userApi.getUser({ userId: login });
  assert.equal(byLogin.id, created.id);
});

test('get an unknown user is a 404 E0000007', async () => {
  const client = newClient();
  await expectOktaError(client.userApi.getUser({ userId: MISSING_USER }), 404, 'E0000007');
  await expectOktaError(client.userApi.getUser({ userId: newLogin() }), 404, 'E0000007');
});

test('the SDK cache sees writes: self href is the URL the SDK reads and evicts', async () => {
  // CLIENTS.md 9: the default cache stores GETs under _links.self.href and evicts that
  // URL on writes to it. A self href off `{orgUrl}/api/v1/users/{id}` breaks one side.
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  const first = await client.userApi.getUser({ userId: user.id });
  assert.equal(first._links.self.href, `${orgUrl()}/api/v1/users/${user.id}`);

  await client.userApi.updateUser({ userId: user.id, user: { profile: { nickName: 'Cached' } } });
  assert.equal((await client.userApi.getUser({ userId: user.id })).profile.nickName, 'Cached');

  await client.userApi.suspendUser({ userId: user.id });
  assert.equal((await client.userApi.getUser({ userId: user.id })).status, 'SUSPENDED');
});

// ------------------------------------------------------------------ update

test('updateUser (POST) changes only the given profile fields', async () => {
  const client = newClient();
  const user = await createUser(client, { activate: false, mobilePhone: '555-0100' });

  const updated = await client.userApi.updateUser({
    userId: user.id, user: { profile: { nickName: 'Amazing' } },
  });
  assert.equal(updated.profile.nickName, 'Amazing');
  assert.equal(updated.profile.mobilePhone, '555-0100');
  assert.equal(updated.profile.firstName, FIRST_NAME);
  assert.ok(updated.lastUpdated >= user.lastUpdated);
});

test('replaceUser (PUT) replaces the whole profile', async () => {
  const client = newClient();
  const login = newLogin();
  const user = await createUser(client, { login, activate: false, mobilePhone: '555-0101' });

  const replaced = await client.userApi.replaceUser({
    userId: user.id, user: { profile: profile({ login, firstName: 'Ada', lastName: 'Lovelace' }) },
  });
  assert.equal(replaced.profile.firstName, 'Ada');
  assert.equal(replaced.profile.lastName, 'Lovelace');
  assert.equal(replaced.profile.mobilePhone ?? null, null, 'PUT must drop omitted profile fields');

  const fetched = await client.userApi.getUser({ userId: user.id });
  assert.equal(fetched.profile.firstName, 'Ada');
  assert.equal(fetched.profile.mobilePhone ?? null, null);
});

test('updating an unknown user is a 404', async () => {
  await expectOktaError(newClient().userApi.updateUser({
    userId: MISSING_USER, user: { profile: { nickName: 'x' } },
  }), 404, 'E0000007');
});

// ------------------------------------------------------------------ list

test('listUsers follows Link headers across pages and visits each user once', async () => {
  const client = newClient();
  const tag = 'Pg' + suffix();
  const seeded = await seed(client, 25, tag);

  const requested = [];
  client.requestExecutor.on('request', (request) => requested.push(request.url));
  const users = await collect(await client.userApi.listUsers({
    search: `profile.lastName eq "${tag}"`, limit: 10,
  }));

  const ids = users.map((user) => user.id);
  assert.equal(ids.length, 25, `listed ${ids.length} users`);
  assert.equal(new Set(ids).size, 25, 'a user was listed twice');
  assert.deepEqual(new Set(ids), new Set(seeded.map((user) => user.id)));

  const pages = requested.filter((url) => url.includes('/api/v1/users?'));
  assert.equal(pages.length, 3, `fetched pages: ${pages.join('\n')}`);
  for (const url of pages) assert.ok(url.startsWith(`${orgUrl()}/api/v1/users?`), url);
  assert.ok(!pages[0].includes('after='), pages[0]);
  assert.ok(pages[1].includes('after=') && pages[2].includes('after='), pages.join('\n'));
  assert.notEqual(pages[1], pages[2]);
});

test('listUsers with filter by login and by status', async () => {
  const client = newClient();
  const tag = 'St' + suffix();
  const [staged] = await seed(client, 1, tag);
  const active = await createUser(client, { lastName: tag, password: PASSWORD });

  const byLogin = await collect(await client.userApi.listUsers({
    filter: `profile.login eq "${staged.profile.login}"`,
  }));
  assert.deepEqual(byLogin.map((user) => user.id), [staged.id]);

  const activeOnes = await collect(await client.userApi.listUsers({
    filter: `status eq "ACTIVE" and profile.lastName eq "${tag}"`,
  }));
  assert.deepEqual(activeOnes.map((user) => user.id), [active.id]);
});

test('listUsers with q matches the name prefix and honours limit', async () => {
  const client = newClient();
  const tag = 'Qq' + suffix();
  const seeded = await seed(client, 3, tag, { firstName: tag + 'first' });

  const all = await collect(await client.userApi.listUsers({ q: tag }));
  assert.deepEqual(new Set(all.map((user) => user.id)), new Set(seeded.map((user) => user.id)));

  const limited = await collect(await client.userApi.listUsers({ q: tag, limit: 2 }));
  assert.equal(limited.length, 2, 'q does not paginate: limit caps the result');
});

test('listUsers with search sw', async () => {
  const client = newClient();
  const tag = 'Sw' + suffix();
  const seeded = await seed(client, 2, tag);
  await seed(client, 1, 'Other' + tag);
  const found = await collect(await client.userApi.listUsers({ search: `profile.lastName sw "${tag}"` }));
  assert.deepEqual(new Set(found.map((user) => user.id)), new Set(seeded.map((user) => user.id)));
});

// ------------------------------------------------------------------ lifecycle

test('activate a STAGED user without password returns an activation token', async () => {
  const client = newClient();
  const user = await createUser(client, { activate: false });
  const token = await client.userApi.activateUser({ userId: user.id, sendEmail: false });
  assert.ok(token.activationToken);
  assert.ok(token.activationUrl.startsWith(`${orgUrl()}/`), token.activationUrl);
  assert.equal((await client.userApi.getUser({ userId: user.id })).status, 'PROVISIONED');
});

test('activating an ACTIVE user is a 403 E0000016', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  await expectOktaError(client.userApi.activateUser({ userId: user.id, sendEmail: false }),
    403, 'E0000016');
});

test('suspend, unsuspend, deactivate, activate', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  const status = async () => (await client.userApi.getUser({ userId: user.id })).status;

  await client.userApi.suspendUser({ userId: user.id });
  assert.equal(await status(), 'SUSPENDED');
  await expectOktaError(client.userApi.suspendUser({ userId: user.id }), 400, 'E0000001');

  await client.userApi.unsuspendUser({ userId: user.id });
  assert.equal(await status(), 'ACTIVE');
  await expectOktaError(client.userApi.unsuspendUser({ userId: user.id }), 400, 'E0000001');

  await client.userApi.deactivateUser({ userId: user.id });
  assert.equal(await status(), 'DEPROVISIONED');

  await client.userApi.activateUser({ userId: user.id, sendEmail: false });
  assert.ok(['ACTIVE', 'PROVISIONED'].includes(await status()));
});

test('reactivate a PROVISIONED user returns a new activation token', async () => {
  const client = newClient();
  const user = await createUser(client, { activate: true });
  const token = await client.userApi.reactivateUser({ userId: user.id, sendEmail: false });
  assert.ok(token.activationToken);
  assert.ok(token.activationUrl.startsWith(`${orgUrl()}/`));
  assert.equal((await client.userApi.getUser({ userId: user.id })).status, 'PROVISIONED');

  const active = await createUser(client, { password: PASSWORD });
  await expectOktaError(client.userApi.reactivateUser({ userId: active.id, sendEmail: false }),
    403, 'E0000038');
});

test('unlock and resetFactors keep an ACTIVE user ACTIVE', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  await client.userApi.unlockUser({ userId: user.id });
  await client.userApi.resetFactors({ userId: user.id });
  assert.equal((await client.userApi.getUser({ userId: user.id })).status, 'ACTIVE');
});

test('generateResetPasswordToken gives a link and puts the user in RECOVERY', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  const token = await client.userApi.generateResetPasswordToken({ userId: user.id, sendEmail: false });
  assert.ok(token.resetPasswordUrl?.startsWith(`${orgUrl()}/`), token.resetPasswordUrl);
  assert.equal((await client.userApi.getUser({ userId: user.id })).status, 'RECOVERY');
});

test('expirePassword returns the user in PASSWORD_EXPIRED', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  const expired = await client.userApi.expirePassword({ userId: user.id });
  assert.equal(expired.id, user.id);
  assert.equal(expired.status, 'PASSWORD_EXPIRED');
  assert.equal((await client.userApi.getUser({ userId: user.id })).status, 'PASSWORD_EXPIRED');
});

test('lifecycle calls on an unknown user are 404s', async () => {
  const { userApi } = newClient();
  await expectOktaError(userApi.suspendUser({ userId: MISSING_USER }), 404, 'E0000007');
  await expectOktaError(userApi.deactivateUser({ userId: MISSING_USER }), 404, 'E0000007');
  await expectOktaError(userApi.activateUser({ userId: MISSING_USER, sendEmail: false }), 404, 'E0000007');
});

// ------------------------------------------------------------------ credentials

test('changePassword checks the old password', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD, question: ['First pet?', 'tortoise'] });

  const credentials = await client.userApi.changePassword({
    userId: user.id,
    changePasswordRequest: { oldPassword: { value: PASSWORD }, newPassword: { value: NEW_PASSWORD } },
  });
  assert.equal(typeof credentials.password, 'object', 'credentials.password ({}) missing');
  assert.equal(credentials.password.value, undefined);
  assert.equal(credentials.recovery_question.question, 'First pet?');
  assertOktaProvider(credentials);

  await expectOktaError(client.userApi.changePassword({
    userId: user.id,
    changePasswordRequest: { oldPassword: { value: PASSWORD }, newPassword: { value: THIRD_PASSWORD } },
  }), 403, 'E0000014');
});

test('changeRecoveryQuestion replaces the question', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD, question: ['Old question?', 'old answer'] });
  const credentials = await client.userApi.changeRecoveryQuestion({
    userId: user.id,
    userCredentials: {
      password: { value: PASSWORD },
      recovery_question: { question: 'Name of first school?', answer: 'Riverside' },
    },
  });
  assert.equal(credentials.recovery_question.question, 'Name of first school?');
  assert.equal(credentials.recovery_question.answer, undefined);
});

test('forgotPassword gives a reset link; with the answer it sets a new password', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD, question: ['Best river?', 'Danube'] });

  const link = await client.userApi.forgotPassword({ userId: user.id, sendEmail: false });
  assert.ok(link.resetPasswordUrl?.startsWith(`${orgUrl()}/`), link.resetPasswordUrl);
  assert.equal((await client.userApi.getUser({ userId: user.id })).status, 'ACTIVE');

  const credentials = await client.userApi.forgotPasswordSetNewPassword({
    userId: user.id,
    userCredentials: { password: { value: NEW_PASSWORD }, recovery_question: { answer: 'Danube' } },
  });
  assert.equal(credentials.recovery_question.question, 'Best river?');

  await client.userApi.changePassword({
    userId: user.id,
    changePasswordRequest: { oldPassword: { value: NEW_PASSWORD }, newPassword: { value: THIRD_PASSWORD } },
  });
});

// ------------------------------------------------------------------ related resources

test('listUserGroups includes Everyone; listAppLinks is empty', async () => {
  const client = newClient();
  const user = await createUser(client, { activate: false });
  const groups = await collect(await client.userApi.listUserGroups({ userId: user.id }));
  assert.ok(groups.some((group) => group.profile?.name === 'Everyone' && group.type === 'BUILT_IN'),
    JSON.stringify(groups));
  const links = await collect(await client.userApi.listAppLinks({ userId: user.id }));
  assert.deepEqual(links, []);
});

// ------------------------------------------------------------------ delete

test('deleteUser twice: first deactivates, then deletes', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });

  await client.userApi.deleteUser({ userId: user.id });
  assert.equal((await client.userApi.getUser({ userId: user.id })).status, 'DEPROVISIONED');

  await client.userApi.deleteUser({ userId: user.id });
  await expectOktaError(client.userApi.getUser({ userId: user.id }), 404, 'E0000007');
  await expectOktaError(client.userApi.deleteUser({ userId: user.id }), 404, 'E0000007');
});
