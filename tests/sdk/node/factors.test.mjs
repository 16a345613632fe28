// The Factors API through @okta/okta-sdk-nodejs 8.1.0 (client.userFactorApi): question,
// TOTP and email factors, every call through the SDK's own methods.
//
// Unlike the Python SDK, the Node SDK passes activate/verify bodies through as given
// (`passCode`, `answer`), so the whole flow runs on the client. Its model layer picks the
// class from `factorType`, and it caches GETs under `_links.self.href`, evicting
// `.../factors/{id}` on a POST to `.../factors/{id}/lifecycle/activate` or `/verify`: the
// factor's self href must be exactly `{orgUrl}/api/v1/users/{userId}/factors/{factorId}`.
//
// TOTP codes are computed here (RFC 6238: HMAC-SHA1, 6 digits, 30 s) from the returned
// `sharedSecret`; email codes are read from the SMTP sink. Each test makes its own user.

import assert from 'node:assert/strict';
import https from 'node:https';
import { test } from 'node:test';
import okta from '@okta/okta-sdk-nodejs';
import {
  PASSWORD, TOTP_TIME_STEP, assertDate, base32Decode, collect, createUser, currentStep,
  expectOktaError, inbox, newClient, orgUrl, totp,
} from './helpers.mjs';

const QUESTION = 'disliked_food';
const QUESTION_TEXT = 'What is the food you least liked as a child?';
const ANSWER = 'mayonnaise';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);


test('the TOTP helper matches the RFC 6238 test vectors', () => {
  // Appendix B, SHA-1 seed "12345678901234567890": the 8-digit codes end in these 6 digits.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of Buffer.from('12345678901234567890')) bits += byte.toString(2).padStart(8, '0');
  const secret = bits.match(/.{1,5}/g).map((chunk) => alphabet[parseInt(chunk.padEnd(5, '0'), 2)]).join('');
  assert.equal(totp(secret, Math.floor(59 / 30)), '287082');
  assert.equal(totp(secret, Math.floor(1111111109 / 30)), '081804');
  assert.equal(totp(secret, Math.floor(2000000000 / 30)), '279037');
});

// ------------------------------------------------------------------ shared steps

async function newUser(client) {
  const user = await createUser(client, { password: PASSWORD });
  assert.equal(user.status, 'ACTIVE');
  return user;
}

function assertFactorLinks(factor, userId) {
  const self = `${orgUrl()}/api/v1/users/${userId}/factors/${factor.id}`;
  assert.equal(factor._links?.self?.href, self);
  assert.equal(factor._links?.user?.href, `${orgUrl()}/api/v1/users/${userId}`);
  if (factor.status === 'ACTIVE') {
    assert.equal(factor._links?.verify?.href, `${self}/verify`, 'an ACTIVE factor needs _links.verify');
    assert.ok(factor._links.verify.hints?.allow?.includes('POST'));
  } else {
    assert.equal(factor._links?.activate?.href, `${self}/lifecycle/activate`,
      'a pending factor needs _links.activate');
  }
}

function enrollQuestion(client, userId) {
  return client.userFactorApi.enrollFactor({
    userId,
    body: { factorType: 'question', provider: 'OKTA', profile: { question: QUESTION, answer: ANSWER } },
  });
}

function enrollTotp(client, userId) {
  return client.userFactorApi.enrollFactor({
    userId, body: { factorType: 'token:software:totp', provider: 'OKTA' },
  });
}

function enrollEmail(client, user, params = {}) {
  return client.userFactorApi.enrollFactor({
    userId: user.id,
    body: { factorType: 'email', provider: 'OKTA', profile: { email: user.profile.email } },
    ...params,
  });
}

// Activates a pending TOTP factor with the current step's code; returns that step.
async function activateTotp(client, userId, factor) {
  const step = currentStep();
  const active = await client.userFactorApi.activateFactor({
    userId, factorId: factor.id, body: { passCode: totp(factor._embedded.activation.sharedSecret, step) },
  });
  assert.equal(active.status, 'ACTIVE');
  assert.equal(active.factorType, 'token:software:totp');
  return step;
}

// Latchkey, like Okta, sends at most one email per factor every 5 seconds (429 E0000118).
// This client does not retry 429s itself (maxRetries 0), so the test sees that error and
// polls past it, up to 15 s.
async function pastEmailRateLimit(call) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await call(newClient({ requestExecutor: new okta.DefaultRequestExecutor({ maxRetries: 0 }) }));
    } catch (error) {
      if (Date.now() > deadline || error?.status !== 429) throw error;
      await expectOktaError(Promise.reject(error), 429, 'E0000118');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// A client whose executor records every response status (the SDK hides them).
function recordingClient() {
  const responses = [];
  class Recording extends okta.DefaultRequestExecutor {
    fetch(request) {
      return super.fetch(request).then((response) => {
        responses.push({ method: request.method.toUpperCase(), url: request.url, status: response.status });
        return response;
      });
    }
  }
  return { client: newClient({ requestExecutor: new Recording() }), responses };
}

// GET without the SSWS header (the QR code link is a capability of its own).
function fetchAnonymously(url) {
  return new Promise((resolve, reject) => {
    https.get(url, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({
        status: response.statusCode, type: response.headers['content-type'], body: Buffer.concat(chunks),
      }));
    }).on('error', reject);
  });
}

// ------------------------------------------------------------------ catalog and questions

test('the catalog of a new user offers question, TOTP, SMS and email', async () => {
  const client = newClient();
  const user = await newUser(client);
  const catalog = await collect(await client.userFactorApi.listSupportedFactors({ userId: user.id }));

  const offered = catalog.map((entry) => `${entry.factorType}/${entry.provider}`);
  for (const wanted of ['question/OKTA', 'token:software:totp/OKTA', 'sms/OKTA', 'email/OKTA']) {
    assert.ok(offered.includes(wanted), `${wanted} missing from the catalog: ${offered}`);
  }
  for (const entry of catalog) {
    assert.equal(entry._links?.enroll?.href, `${orgUrl()}/api/v1/users/${user.id}/factors`,
      `${entry.factorType} has no _links.enroll`);
    assert.deepEqual(entry._links.enroll.hints?.allow, ['POST']);
  }
});

test('the security questions are Okta\'s twenty', async () => {
  const client = newClient();
  const user = await newUser(client);
  const questions = await collect(await client.userFactorApi.listSupportedSecurityQuestions({ userId: user.id }));

  assert.equal(questions.length, 20, JSON.stringify(questions.map((q) => q.question)));
  const byKey = new Map(questions.map((q) => [q.question, q.questionText]));
  assert.equal(byKey.size, 20, 'question keys repeat');
  assert.equal(byKey.get('disliked_food'), QUESTION_TEXT);
  assert.ok([...byKey.values()].every(Boolean), 'a question without questionText');
});

// ------------------------------------------------------------------ question

test('a question factor is ACTIVE at once and verifies the answer', async () => {
  const client = newClient();
  const user = await newUser(client);
  const factor = await enrollQuestion(client, user.id);

  assert.equal(factor.status, 'ACTIVE');
  assert.equal(factor.factorType, 'question');
  assert.equal(factor.provider, 'OKTA');
  assert.equal(factor.profile.question, QUESTION);
  assert.equal(factor.profile.questionText, QUESTION_TEXT);
  assert.equal(factor.profile.answer, undefined, 'the answer was echoed back');
  assertDate(factor.created, 'created');
  assertDate(factor.lastUpdated, 'lastUpdated');
  assertFactorLinks(factor, user.id);

  const fetched = await client.userFactorApi.getFactor({ userId: user.id, factorId: factor.id });
  assert.equal(fetched.id, factor.id);
  assert.equal(fetched.status, 'ACTIVE');
  assert.equal(fetched.profile.questionText, QUESTION_TEXT);

  const verified = await client.userFactorApi.verifyFactor({
    userId: user.id, factorId: factor.id, body: { answer: ANSWER },
  });
  assert.equal(verified.factorResult, 'SUCCESS');
  await expectOktaError(client.userFactorApi.verifyFactor({
    userId: user.id, factorId: factor.id, body: { answer: 'brussels sprouts' },
  }), 403, 'E0000068');
});

// ------------------------------------------------------------------ TOTP

test('a TOTP factor enrolls, activates and verifies with computed codes', async () => {
  const client = newClient();
  const user = await newUser(client);
  const factor = await enrollTotp(client, user.id);

  assert.equal(factor.status, 'PENDING_ACTIVATION');
  assert.equal(factor.factorType, 'token:software:totp');
  assert.equal(factor.provider, 'OKTA');
  assertFactorLinks(factor, user.id);
  const activation = factor._embedded?.activation;
  assert.ok(activation, `no _embedded.activation: ${JSON.stringify(factor._embedded)}`);
  assert.equal(activation.encoding, 'base32');
  assert.equal(activation.keyLength, 6);
  assert.equal(activation.timeStep, TOTP_TIME_STEP);
  const secret = activation.sharedSecret;
  assert.ok(base32Decode(secret).length >= 10, `sharedSecret ${secret}`);

  // The QR code is a PNG anyone holding the link may fetch: no SSWS header.
  const qrcode = activation._links?.qrcode;
  assert.ok(qrcode?.href, `no _embedded.activation._links.qrcode: ${JSON.stringify(activation)}`);
  assert.ok(qrcode.href.startsWith(`${orgUrl()}/`), qrcode.href);
  const image = await fetchAnonymously(qrcode.href);
  assert.equal(image.status, 200, image.body.toString().slice(0, 200));
  assert.equal(image.type, 'image/png');
  assert.deepEqual(image.body.subarray(0, 8), PNG_SIGNATURE);

  // A wrong code leaves the factor pending.
  const step = currentStep();
  const window = new Set([-1, 0, 1, 2].map((d) => totp(secret, step + d)));
  const wrong = ['000000', '111111', '222222', '333333', '444444'].find((code) => !window.has(code));
  await expectOktaError(client.userFactorApi.activateFactor({
    userId: user.id, factorId: factor.id, body: { passCode: wrong },
  }), 403, 'E0000068');
  assert.equal((await client.userFactorApi.getFactor({ userId: user.id, factorId: factor.id })).status,
    'PENDING_ACTIVATION');

  const usedStep = await activateTotp(client, user.id, factor);
  // The activate POST evicted the cached pending factor: this GET reaches the server.
  const active = await client.userFactorApi.getFactor({ userId: user.id, factorId: factor.id });
  assert.equal(active.status, 'ACTIVE');
  assertFactorLinks(active, user.id);
  assert.equal(active._embedded?.activation, undefined, 'the seed is still shown once ACTIVE');

  // The activation code is spent: the same code again is a replay.
  await expectOktaError(client.userFactorApi.verifyFactor({
    userId: user.id, factorId: factor.id, body: { passCode: totp(secret, usedStep) },
  }), 403, 'E0000082');
  // The next step's code is good once.
  const nextCode = totp(secret, usedStep + 1);
  const verified = await client.userFactorApi.verifyFactor({
    userId: user.id, factorId: factor.id, body: { passCode: nextCode },
  });
  assert.equal(verified.factorResult, 'SUCCESS');
  await expectOktaError(client.userFactorApi.verifyFactor({
    userId: user.id, factorId: factor.id, body: { passCode: nextCode },
  }), 403, 'E0000082');
});

// ------------------------------------------------------------------ email

test('an email factor gets its codes by SMTP: enroll, resend, activate, challenge, verify', async () => {
  const client = newClient();
  const user = await newUser(client);
  const mail = inbox(user.profile.email);
  const factor = await enrollEmail(client, user, { tokenLifetimeSeconds: 600 });

  assert.equal(factor.status, 'PENDING_ACTIVATION');
  assert.equal(factor.factorType, 'email');
  assert.equal(factor.profile.email, user.profile.email);
  assertFactorLinks(factor, user.id);
  await mail.nextCode();

  // Resend during enrollment: a new mail with a code that activates the factor.
  await pastEmailRateLimit((impatient) => impatient.userFactorApi.resendEnrollFactor({
    userId: user.id, factorId: factor.id, resendUserFactor: { factorType: 'email' },
  }));
  const resent = await mail.nextCode();
  const active = await client.userFactorApi.activateFactor({
    userId: user.id, factorId: factor.id, body: { passCode: resent },
  });
  assert.equal(active.status, 'ACTIVE');
  assert.equal(active.factorType, 'email');
  assertFactorLinks(active, user.id);

  // No passCode: a new code goes out.
  const challenge = await pastEmailRateLimit((impatient) => impatient.userFactorApi.verifyFactor({
    userId: user.id, factorId: factor.id,
  }));
  assert.equal(challenge.factorResult, 'CHALLENGE');
  const code = await mail.nextCode();

  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  await expectOktaError(client.userFactorApi.verifyFactor({
    userId: user.id, factorId: factor.id, body: { passCode: wrong },
  }), 403, 'E0000068');
  const verified = await client.userFactorApi.verifyFactor({
    userId: user.id, factorId: factor.id, body: { passCode: code },
  });
  assert.equal(verified.factorResult, 'SUCCESS');
});

// ------------------------------------------------------------------ list, unenroll, reset

test('list, unenroll and resetFactors', async () => {
  const { client, responses } = recordingClient();
  const user = await newUser(client);
  const mail = inbox(user.profile.email);

  const question = await enrollQuestion(client, user.id);
  const totpFactor = await enrollTotp(client, user.id);
  await activateTotp(client, user.id, totpFactor);
  const emailFactor = await enrollEmail(client, user);
  const activated = await client.userFactorApi.activateFactor({
    userId: user.id, factorId: emailFactor.id, body: { passCode: await mail.nextCode() },
  });
  assert.equal(activated.status, 'ACTIVE');

  let factors = await collect(await client.userFactorApi.listFactors({ userId: user.id }));
  assert.deepEqual(factors.map((f) => `${f.factorType} ${f.status}`).sort(),
    ['email ACTIVE', 'question ACTIVE', 'token:software:totp ACTIVE']);
  assert.deepEqual(factors.map((f) => f.id).sort(), [question.id, totpFactor.id, emailFactor.id].sort());
  for (const f of factors) assertFactorLinks(f, user.id);

  await client.userFactorApi.unenrollFactor({ userId: user.id, factorId: totpFactor.id });
  const deleted = responses.at(-1);
  assert.deepEqual([deleted.method, deleted.status], ['DELETE', 204]);
  await expectOktaError(client.userFactorApi.getFactor({ userId: user.id, factorId: totpFactor.id }),
    404, 'E0000007');
  factors = await collect(await client.userFactorApi.listFactors({ userId: user.id }));
  assert.deepEqual(factors.map((f) => f.id).sort(), [question.id, emailFactor.id].sort());

  await client.userApi.resetFactors({ userId: user.id });
  const reset = responses.at(-1);
  assert.equal(reset.method, 'POST');
  assert.ok(reset.status >= 200 && reset.status < 300, `reset_factors answered ${reset.status}`);
  factors = await collect(await client.userFactorApi.listFactors({ userId: user.id }));
  assert.deepEqual(factors, []);
  // No GET of the question factor went through this client, so nothing stale is cached.
  await expectOktaError(client.userFactorApi.getFactor({ userId: user.id, factorId: question.id }),
    404, 'E0000007');
  assert.equal((await client.userApi.getUser({ userId: user.id })).status, 'ACTIVE');
});
