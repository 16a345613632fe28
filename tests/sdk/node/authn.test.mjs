// The Authn API through @okta/okta-auth-js 8.0.1 (the classic `authn` module: signIn, the
// transaction objects and their link methods) and the Sessions API through
// @okta/okta-sdk-nodejs 8.1.0 (client.sessionApi, client.userApi.revokeUserSessions).
//
// okta-auth-js runs here as a Node client: `new OktaAuth({ issuer: orgUrl })`, Node's own
// fetch (which trusts the server's CA through NODE_EXTRA_CA_CERTS), no API token: it calls
// the Authn API as a browser or app would. It POSTs to the `href`s the server answers with
// (CLIENTS.md 3) and makes a method of a link only when `hints.allow` holds exactly one
// method; a `next` link becomes the method its `name` says (`tx.answer()`,
// `tx.resetPassword()`), `_embedded.factors[]._links.verify` becomes `factor.verify()`
// (CLIENTS.md 5). A missing or malformed link therefore fails here as "not a function".
//
// MFA is required only of the test's own users: each MFA test adds its user to a group of
// its own and scopes a new OKTA_SIGN_ON policy (priority 1, rule `requireFactor: true`) to
// that group. The other test files run at the same time against the same org, so the
// default sign-on rule is left alone.
//
// TOTP codes are computed here (helpers.totp); the recovery token is read from the mail the
// server sent to the SMTP sink. Each test makes its own user.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OktaAuth } from '@okta/okta-auth-js';
import okta from '@okta/okta-sdk-nodejs';
import {
  NEW_PASSWORD, PASSWORD, assertDate, collect, createUser, currentStep, expectOktaError, inbox,
  newClient, orgUrl, suffix, totp, wrongTotp,
} from './helpers.mjs';

const QUESTION = 'Favourite colour of the sea?';
const ANSWER = 'ultramarine';
const SESSION_ID = /^102[0-9A-Za-z]{17,}$/;

function authClient() {
  return new OktaAuth({ issuer: orgUrl() });
}

// Asserts `promise` rejects with the error okta-auth-js makes of Okta's error object
// (AuthApiError) for `code` and HTTP `status`.
async function expectAuthApiError(promise, status, code) {
  let error;
  try {
    const value = await promise;
    assert.fail(`expected ${status} ${code}, the call succeeded with status ${value?.status}: `
      + JSON.stringify(value?.data ?? value));
  } catch (caught) {
    if (caught instanceof assert.AssertionError) throw caught;
    error = caught;
  }
  assert.equal(error.name, 'AuthApiError', `expected an AuthApiError, got ${error.stack || error}`);
  assert.deepEqual([error.xhr?.status, error.errorCode], [status, code],
    `expected ${status} ${code}, got ${error.xhr?.status} ${error.errorCode}: ${error.errorSummary}`);
  assert.ok(error.errorSummary, 'errorSummary is empty');
  assert.equal(error.errorLink, code, 'errorLink must equal errorCode');
  assert.ok(error.errorId, 'errorId is empty');
  assert.ok(Array.isArray(error.errorCauses), 'errorCauses is not an array');
  return error;
}

function assertSuccess(tx, user) {
  assert.equal(tx.status, 'SUCCESS', `expected SUCCESS, got ${JSON.stringify(tx.data)}`);
  assert.equal(typeof tx.sessionToken, 'string', 'SUCCESS without a sessionToken');
  assert.ok(tx.sessionToken.length >= 20, `sessionToken ${tx.sessionToken}`);
  assert.ok(Date.parse(tx.expiresAt) > Date.now(), `expiresAt ${tx.expiresAt}`);
  assert.equal(tx.data.stateToken, undefined, 'SUCCESS still carries a stateToken');
  assert.equal(tx.user?.id, user.id, `_embedded.user: ${JSON.stringify(tx.user)}`);
  assert.equal(tx.user.profile?.login, user.profile.login);
}

// Requires a factor of `user` at every sign-in: the user joins a group of its own that a
// new priority-1 OKTA_SIGN_ON policy with a `requireFactor` rule applies to. Returns the
// cleanup that deletes the policy and the group.
async function requireMfa(client, user) {
  const group = await client.groupApi.createGroup({
    group: { profile: { name: `sdk-node-mfa-${suffix()}` } },
  });
  const cleanups = [() => client.groupApi.deleteGroup({ groupId: group.id })];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    await client.groupApi.assignUserToGroup({ groupId: group.id, userId: user.id });
    const policy = await client.policyApi.createPolicy({
      policy: {
        type: 'OKTA_SIGN_ON',
        name: `sdk-node-mfa-${suffix()}`,
        priority: 1,
        conditions: { people: { groups: { include: [group.id] } } },
      },
    });
    cleanups.push(() => client.policyApi.deletePolicy({ policyId: policy.id }));
    assert.deepEqual(policy.conditions?.people?.groups?.include, [group.id],
      'the policy is not scoped to the test\'s group');
    assert.equal(policy.status, 'ACTIVE');
    const rule = await client.policyApi.createPolicyRule({
      policyId: policy.id,
      policyRule: {
        type: 'SIGN_ON',
        name: 'Require a factor',
        conditions: { network: { connection: 'ANYWHERE' } },
        actions: {
          signon: {
            access: 'ALLOW', requireFactor: true, factorPromptMode: 'ALWAYS', factorLifetime: 15,
            rememberDeviceByDefault: false,
            session: { usePersistentCookie: false, maxSessionIdleMinutes: 120, maxSessionLifetimeMinutes: 0 },
          },
        },
      },
    });
    assert.equal(rule.actions?.signon?.requireFactor, true);
    return cleanup;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

// A user whose sign-ins need a verified TOTP factor: ACTIVE, password PASSWORD, a recovery
// question, MFA required (`requireMfa`), and an ACTIVE TOTP factor activated with the code
// of `activatedStep`. `cleanup()` deletes the policy and the group.
async function mfaUser(client) {
  const user = await createUser(client, { password: PASSWORD, question: [QUESTION, ANSWER] });
  assert.equal(user.status, 'ACTIVE');
  const cleanup = await requireMfa(client, user);
  try {
    const factor = await client.userFactorApi.enrollFactor({
      userId: user.id, body: { factorType: 'token:software:totp', provider: 'OKTA' },
    });
    const secret = factor._embedded?.activation?.sharedSecret;
    assert.ok(secret, `no sharedSecret: ${JSON.stringify(factor._embedded)}`);
    const activatedStep = currentStep();
    const active = await client.userFactorApi.activateFactor({
      userId: user.id, factorId: factor.id, body: { passCode: totp(secret, activatedStep) },
    });
    assert.equal(active.status, 'ACTIVE');
    return { user, factorId: factor.id, secret, activatedStep, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

// Signs `user` in and answers the MFA_REQUIRED transaction, checked.
async function signInToMfaRequired(auth, user, factorId, factorType = 'token:software:totp') {
  const tx = await auth.signInWithCredentials({ username: user.profile.login, password: PASSWORD });
  assert.equal(tx.status, 'MFA_REQUIRED', `expected MFA_REQUIRED, got ${JSON.stringify(tx.data)}`);
  assert.equal(typeof tx.data.stateToken, 'string', 'MFA_REQUIRED without a stateToken');
  assert.ok(Date.parse(tx.expiresAt) > Date.now(), `expiresAt ${tx.expiresAt}`);
  assert.equal(tx.sessionToken, undefined, 'a sessionToken before MFA');
  assert.equal(tx.user?.id, user.id);
  assert.ok(Array.isArray(tx.factors), `no _embedded.factors: ${JSON.stringify(tx.data)}`);
  const factor = tx.factors.find((f) => f.factorType === factorType);
  assert.ok(factor, `no ${factorType} factor among ${JSON.stringify(tx.data._embedded?.factors)}`);
  assert.equal(factor.id, factorId);
  assert.equal(factor.provider, 'OKTA');
  assert.equal(typeof factor.verify, 'function',
    `factor.verify is missing: _links ${JSON.stringify(tx.data._embedded.factors.find((f) => f.id === factorId)._links)}`);
  assert.equal(typeof tx.cancel, 'function', `tx.cancel is missing: _links ${JSON.stringify(tx.data._links)}`);
  return { tx, factor };
}

// ------------------------------------------------------------------ primary authentication

test('signInWithCredentials: SUCCESS with a sessionToken; a wrong password is E0000004', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  const auth = authClient();

  const tx = await auth.signInWithCredentials({ username: user.profile.login, password: PASSWORD });
  assertSuccess(tx, user);
  assert.equal(tx.user.profile.firstName, user.profile.firstName);

  await expectAuthApiError(
    auth.signInWithCredentials({ username: user.profile.login, password: `${PASSWORD}x` }), 401, 'E0000004');
  // An unknown user answers the same.
  await expectAuthApiError(
    auth.signInWithCredentials({ username: `nobody-${suffix()}@example.com`, password: PASSWORD }),
    401, 'E0000004');
});

// ------------------------------------------------------------------ MFA

test('MFA_REQUIRED: factor.verify with a TOTP code gives SUCCESS; a wrong code is E0000068', async () => {
  const client = newClient();
  const { user, factorId, secret, activatedStep, cleanup } = await mfaUser(client);
  try {
    const auth = authClient();
    const { tx, factor } = await signInToMfaRequired(auth, user, factorId);

    // The state token is the transaction: resuming it answers the same state.
    const resumed = await auth.tx.resume({ stateToken: tx.data.stateToken });
    assert.equal(resumed.status, 'MFA_REQUIRED');
    assert.equal(resumed.factors?.[0]?.id, factorId);

    await expectAuthApiError(factor.verify({ passCode: wrongTotp(secret, currentStep()) }), 403, 'E0000068');

    // A code after the one that activated the factor (that one is spent).
    const done = await factor.verify({ passCode: totp(secret, Math.max(activatedStep + 1, currentStep())) });
    assertSuccess(done, user);

    // The transaction is over.
    await expectAuthApiError(auth.tx.resume({ stateToken: tx.data.stateToken }), 401, 'E0000011');
  } finally {
    await cleanup();
  }
});

test('cancel() ends the transaction: its stateToken is refused afterwards', async () => {
  const client = newClient();
  const { user, factorId, secret, activatedStep, cleanup } = await mfaUser(client);
  try {
    const auth = authClient();
    const { tx, factor } = await signInToMfaRequired(auth, user, factorId);
    const stateToken = tx.data.stateToken;

    // authn.md documents no body for the answer; it must not carry a transaction on.
    const cancelled = await tx.cancel();
    assert.equal(cancelled.data?.stateToken, undefined, `cancel answered ${JSON.stringify(cancelled.data)}`);

    await expectAuthApiError(auth.tx.resume({ stateToken }), 401, 'E0000011');
    await expectAuthApiError(
      factor.verify({ passCode: totp(secret, Math.max(activatedStep + 1, currentStep())) }), 401, 'E0000011');
    await expectAuthApiError(tx.cancel(), 401, 'E0000011');
  } finally {
    await cleanup();
  }
});

// Latchkey, like Okta, sends at most one email per factor every 5 seconds (429 E0000118):
// repeats `call` past that error, up to 15 s.
async function pastEmailRateLimit(call) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline || error?.xhr?.status !== 429) throw error;
      await expectAuthApiError(Promise.reject(error), 429, 'E0000118');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('MFA_CHALLENGE by email: verify() sends a code, resend(\'email\'), prev(), verify({ passCode })', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  const enrolled = await client.userFactorApi.enrollFactor({
    userId: user.id, activate: true,
    body: { factorType: 'email', provider: 'OKTA', profile: { email: user.profile.email } },
  });
  assert.equal(enrolled.status, 'ACTIVE');
  // Only the mail from here on: the challenge's.
  const mail = inbox(user.profile.email);
  const cleanup = await requireMfa(client, user);
  try {
    const auth = authClient();
    const { factor } = await signInToMfaRequired(auth, user, enrolled.id, 'email');

    // No passCode: a code goes out and the transaction waits for it.
    const challenge = await factor.verify();
    assert.equal(challenge.status, 'MFA_CHALLENGE', JSON.stringify(challenge.data));
    assert.equal(challenge.factorResult, 'CHALLENGE');
    assert.equal(challenge.factor?.id, enrolled.id);
    assert.equal(challenge.factor.factorType, 'email');
    for (const method of ['verify', 'resend', 'prev', 'cancel']) {
      assert.equal(typeof challenge[method], 'function',
        `tx.${method} is missing: _links ${JSON.stringify(challenge.data._links)}`);
    }
    const first = await mail.nextCode();

    const resent = await pastEmailRateLimit(() => challenge.resend('email'));
    assert.equal(resent.status, 'MFA_CHALLENGE', JSON.stringify(resent.data));
    const second = await mail.nextCode();

    const wrong = [first, second].includes('000000') ? '999999' : '000000';
    await expectAuthApiError(resent.verify({ passCode: wrong }), 403, 'E0000068');

    // prev() goes back to the choice of factor; the code already sent still counts.
    const back = await resent.prev();
    assert.equal(back.status, 'MFA_REQUIRED', JSON.stringify(back.data));
    const again = back.factors.find((f) => f.id === enrolled.id);
    assertSuccess(await again.verify({ passCode: second }), user);
  } finally {
    await cleanup();
  }
});

test('MFA_ENROLL: enroll() a TOTP factor from the catalog, activate({ passCode }) gives SUCCESS', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  const cleanup = await requireMfa(client, user);
  try {
    const auth = authClient();
    const tx = await auth.signInWithCredentials({ username: user.profile.login, password: PASSWORD });
    assert.equal(tx.status, 'MFA_ENROLL', JSON.stringify(tx.data));
    assert.equal(tx.skip, undefined, 'a required factor may not be skipped');
    const entry = tx.factors?.find((f) => f.factorType === 'token:software:totp' && f.provider === 'OKTA');
    assert.ok(entry, `no TOTP in the catalog: ${JSON.stringify(tx.data._embedded?.factors)}`);
    assert.equal(entry.status, 'NOT_SETUP');
    assert.equal(typeof entry.enroll, 'function',
      `factor.enroll is missing: ${JSON.stringify(tx.data._embedded.factors)}`);

    // The client adds factorType and provider to the POST itself.
    const activating = await entry.enroll();
    assert.equal(activating.status, 'MFA_ENROLL_ACTIVATE', JSON.stringify(activating.data));
    assert.equal(activating.factor?.factorType, 'token:software:totp');
    const secret = activating.factor.activation?.sharedSecret;
    assert.ok(secret, `no _embedded.factor._embedded.activation: ${JSON.stringify(activating.data)}`);
    assert.equal(typeof activating.activate, 'function',
      `tx.activate is missing: _links ${JSON.stringify(activating.data._links)}`);

    const step = currentStep();
    await expectAuthApiError(activating.activate({ passCode: wrongTotp(secret, step) }), 403, 'E0000068');
    assertSuccess(await activating.activate({ passCode: totp(secret, step) }), user);

    const factors = await collect(await client.userFactorApi.listFactors({ userId: user.id }));
    assert.deepEqual(factors.map((f) => `${f.factorType} ${f.status}`), ['token:software:totp ACTIVE']);
  } finally {
    await cleanup();
  }
});

test('PASSWORD_EXPIRED: changePassword({ oldPassword, newPassword }) gives SUCCESS', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  const expired = await client.userApi.expirePassword({ userId: user.id });
  assert.equal(expired.status, 'PASSWORD_EXPIRED');
  const auth = authClient();

  const tx = await auth.signInWithCredentials({ username: user.profile.login, password: PASSWORD });
  assert.equal(tx.status, 'PASSWORD_EXPIRED', JSON.stringify(tx.data));
  assert.ok(tx.policy?.complexity, `no _embedded.policy: ${JSON.stringify(tx.data)}`);
  assert.equal(typeof tx.changePassword, 'function',
    `tx.changePassword is missing: _links ${JSON.stringify(tx.data._links)}`);
  assert.equal(tx.skip, undefined, 'an expired password may not be skipped');

  await expectAuthApiError(tx.changePassword({ oldPassword: `${PASSWORD}x`, newPassword: NEW_PASSWORD }),
    403, 'E0000014');
  assertSuccess(await tx.changePassword({ oldPassword: PASSWORD, newPassword: NEW_PASSWORD }), user);
  assert.equal((await client.userApi.getUser({ userId: user.id })).status, 'ACTIVE');
  assertSuccess(await auth.signInWithCredentials({ username: user.profile.login, password: NEW_PASSWORD }), user);
});

// ------------------------------------------------------------------ recovery

test('forgotPassword by EMAIL: recovery token from the mail, answer, resetPassword, sign in', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD, question: [QUESTION, ANSWER] });
  const mail = inbox(user.profile.email);
  const auth = authClient();

  const challenge = await auth.forgotPassword({ username: user.profile.login, factorType: 'EMAIL' });
  assert.equal(challenge.status, 'RECOVERY_CHALLENGE', JSON.stringify(challenge.data));
  assert.equal(challenge.factorType, 'EMAIL');
  assert.equal(challenge.recoveryType, 'PASSWORD');
  assert.equal(challenge.factorResult, 'WAITING');
  const recoveryToken = await mail.nextRecoveryToken();

  const recovery = await auth.verifyRecoveryToken({ recoveryToken });
  assert.equal(recovery.status, 'RECOVERY', JSON.stringify(recovery.data));
  assert.equal(recovery.recoveryType, 'PASSWORD');
  assert.equal(recovery.user?.id, user.id);
  assert.equal(recovery.user.recovery_question?.question, QUESTION);
  assert.equal(typeof recovery.answer, 'function',
    `tx.answer is missing: _links ${JSON.stringify(recovery.data._links)}`);
  // The recovery token is spent.
  await expectAuthApiError(auth.verifyRecoveryToken({ recoveryToken }), 401, 'E0000011');

  await expectAuthApiError(recovery.answer({ answer: 'vermilion' }), 403, 'E0000087');
  const reset = await recovery.answer({ answer: ANSWER });
  assert.equal(reset.status, 'PASSWORD_RESET', JSON.stringify(reset.data));
  assert.equal(typeof reset.resetPassword, 'function',
    `tx.resetPassword is missing: _links ${JSON.stringify(reset.data._links)}`);
  assert.ok(reset.policy?.complexity, `no _embedded.policy: ${JSON.stringify(reset.data)}`);

  const done = await reset.resetPassword({ newPassword: NEW_PASSWORD });
  assertSuccess(done, user);

  assertSuccess(await auth.signInWithCredentials({ username: user.profile.login, password: NEW_PASSWORD }), user);
  await expectAuthApiError(
    auth.signInWithCredentials({ username: user.profile.login, password: PASSWORD }), 401, 'E0000004');
});

// ------------------------------------------------------------------ sessions

// A client whose executor keeps every response's status and body (the SDK's models keep
// only `_links.self` of a session).
function recordingClient() {
  const responses = [];
  class Recording extends okta.DefaultRequestExecutor {
    fetch(request) {
      return super.fetch(request).then(async (response) => {
        const text = await response.clone().text();
        responses.push({ method: request.method.toUpperCase(), url: request.url, status: response.status, text });
        return response;
      });
    }
  }
  return { client: newClient({ requestExecutor: new Recording() }), responses };
}

function assertSession(session, user, amr = ['pwd']) {
  assert.match(session.id, SESSION_ID);
  assert.equal(session.userId, user.id);
  assert.equal(session.login, user.profile.login);
  assert.equal(session.status, 'ACTIVE');
  for (const method of amr) {
    assert.ok(session.amr?.includes(method), `amr ${JSON.stringify(session.amr)} lacks ${method}`);
  }
  assert.ok(assertDate(session.expiresAt, 'expiresAt') > Date.now(), 'expiresAt is not in the future');
  assertDate(session.lastPasswordVerification, 'lastPasswordVerification');
  assert.equal(session.idp?.type, 'OKTA');
  assert.ok(session.idp.id, 'idp.id is empty');
  assert.equal(session._links?.self?.href, `${orgUrl()}/api/v1/sessions/${session.id}`);
}

async function sessionToken(user, password = PASSWORD) {
  const tx = await authClient().signInWithCredentials({ username: user.profile.login, password });
  assertSuccess(tx, user);
  return tx.sessionToken;
}

test('sessionApi: create from a sessionToken once, get, refresh, revoke', async () => {
  const { client, responses } = recordingClient();
  const user = await createUser(client, { password: PASSWORD });
  const token = await sessionToken(user);

  const session = await client.sessionApi.createSession({ createSessionRequest: { sessionToken: token } });
  assertSession(session, user);
  assert.equal(session.lastFactorVerification ?? null, null, 'no factor was verified');
  const created = responses.at(-1);
  assert.deepEqual([created.method, created.status], ['POST', 200]);
  const raw = JSON.parse(created.text);
  assert.equal(raw._links?.refresh?.href, `${orgUrl()}/api/v1/sessions/${session.id}/lifecycle/refresh`);
  assert.deepEqual(raw._links.refresh.hints?.allow, ['POST']);
  assert.equal(raw._links?.user?.href, `${orgUrl()}/api/v1/users/${user.id}`);
  assert.deepEqual(raw._links.self.hints?.allow, ['GET', 'DELETE']);
  assert.equal(raw.mfaActive, false);

  // A session token is good once.
  await expectOktaError(client.sessionApi.createSession({ createSessionRequest: { sessionToken: token } }),
    401, 'E0000004');

  const fetched = await client.sessionApi.getSession({ sessionId: session.id });
  assertSession(fetched, user);
  assert.equal(fetched.id, session.id);
  assert.ok(fetched.expiresAt >= session.expiresAt);

  const refreshed = await client.sessionApi.refreshSession({ sessionId: session.id });
  assertSession(refreshed, user);
  assert.equal(refreshed.id, session.id);
  assert.ok(refreshed.expiresAt >= session.expiresAt,
    `refresh moved expiresAt back: ${refreshed.expiresAt.toISOString()} < ${session.expiresAt.toISOString()}`);

  await client.sessionApi.revokeSession({ sessionId: session.id });
  const revoked = responses.at(-1);
  assert.deepEqual([revoked.method, revoked.status], ['DELETE', 204]);
  // The DELETE evicted the cached GET (self href): this GET reaches the server.
  await expectOktaError(client.sessionApi.getSession({ sessionId: session.id }), 404, 'E0000007');
  await expectOktaError(client.sessionApi.refreshSession({ sessionId: session.id }), 404, 'E0000007');
  await expectOktaError(client.sessionApi.revokeSession({ sessionId: session.id }), 404, 'E0000007');
});

test('a session after MFA records the factor: amr, lastFactorVerification, mfaActive', async () => {
  const { client, responses } = recordingClient();
  const { user, factorId, secret, activatedStep, cleanup } = await mfaUser(client);
  try {
    const { factor } = await signInToMfaRequired(authClient(), user, factorId);
    const done = await factor.verify({ passCode: totp(secret, Math.max(activatedStep + 1, currentStep())) });
    assertSuccess(done, user);
    const session = await client.sessionApi.createSession({
      createSessionRequest: { sessionToken: done.sessionToken },
    });
    assertSession(session, user, ['pwd', 'otp', 'mfa']);
    assertDate(session.lastFactorVerification, 'lastFactorVerification');
    const created = responses.at(-1);
    assert.deepEqual([created.method, created.status], ['POST', 200]);
    assert.equal(JSON.parse(created.text).mfaActive, true, 'the user has an ACTIVE factor');
    await client.sessionApi.revokeSession({ sessionId: session.id });
  } finally {
    await cleanup();
  }
});

test('userApi.revokeUserSessions ends every session of that user only', async () => {
  const client = newClient();
  const user = await createUser(client, { password: PASSWORD });
  const other = await createUser(client, { password: PASSWORD });
  const create = async (who) => client.sessionApi.createSession({
    createSessionRequest: { sessionToken: await sessionToken(who) },
  });
  const first = await create(user);
  const second = await create(user);
  const others = await create(other);
  assert.notEqual(first.id, second.id);

  await client.userApi.revokeUserSessions({ userId: user.id });
  for (const gone of [first, second]) {
    await expectOktaError(client.sessionApi.getSession({ sessionId: gone.id }), 404, 'E0000007');
  }
  assertSession(await client.sessionApi.getSession({ sessionId: others.id }), other);
  await client.sessionApi.revokeSession({ sessionId: others.id });
});
