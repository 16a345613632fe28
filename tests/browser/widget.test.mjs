// The Okta Sign-In Widget 7.x on the Classic Engine (`useClassicEngine: true`, the classic
// bundle `okta-sign-in.classic.min.js`) in Chromium, against a real Latchkey.
//
// The widget is served from node_modules by a static server on another origin
// (http://localhost:<port>), which the org trusts for CORS and REDIRECT. It drives the
// Authn API across origins (CORS with credentials) and ends each sign-in the classic way:
// the success handler calls `res.session.setCookieAndRedirect(url)`, the browser goes to
// `/login/sessionCookieRedirect`, which sets the `sid` cookie and redirects back to the test
// origin. The browser then holds an Okta session: `GET /api/v1/sessions/me` with that cookie
// answers it, and the admin API sees the same session. The same page from an origin the org
// does not trust (http://127.0.0.1:<port>) gets nowhere: Chromium stops at the preflight.
//
// MFA is required only of the MFA test's user: it joins a group of its own that a new
// priority-1 OKTA_SIGN_ON policy with a `requireFactor` rule applies to.
//
// Every widget screen is saved as a PNG in LATCHKEY_SCREENSHOTS (<test>-<n>-<screen>.png).

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  HERE, NEW_PASSWORD, PASSWORD, TIMEOUT, api, apiOk, createUser, currentStep, launchBrowser,
  newPage, orgUrl, problems, screenshot, startStaticServer, suffix, totp, trustOrigin, wrongTotp,
} from './helpers.mjs';

const WIDGET_DIST = path.join(HERE, 'node_modules', '@okta', 'okta-signin-widget', 'dist');
const QUESTION = 'Name of the first lighthouse you climbed?';
const ANSWER = 'Fastnet';
const SESSION_ID = /^102[0-9A-Za-z]{17,}$/;

// The widget page. `?recoveryToken=` starts the widget on that token; `?flow=` names the
// flow in the landing page's URL. Everything the widget reports lands in
// `window.widgetEvents` (renders by controller, errors, the success callback).
function widgetPage() {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Sign-In Widget test page</title>
  <link href="/widget/css/okta-sign-in.min.css" rel="stylesheet">
  <script src="/widget/js/okta-sign-in.classic.min.js"></script>
</head>
<body>
  <div id="widget"></div>
  <script>
    window.widgetEvents = [];
    const params = new URLSearchParams(location.search);
    const config = {
      baseUrl: ${JSON.stringify(orgUrl())},
      useClassicEngine: true,
      language: 'en',
      assets: { baseUrl: location.origin + '/widget' },
      features: { rememberMe: false, securityImage: false, router: false },
    };
    if (params.get('recoveryToken')) config.recoveryToken = params.get('recoveryToken');
    const signIn = new OktaSignIn(config);
    signIn.on('afterRender', (context) => widgetEvents.push('render:' + context.controller));
    signIn.on('afterError', (context, error) => widgetEvents.push(
      'error:' + context.controller + ':' + (error.xhr ? error.xhr.status : '') + ':' + error.message));
    // The success handler holds the redirect until the test has read the Authn answer
    // (a navigation takes the answers of the page with it), then calls finishSignIn().
    signIn.renderEl({ el: '#widget' }, (res) => {
      widgetEvents.push('success:' + res.status + ':' + (res.type || ''));
      window.widgetResult = {
        status: res.status, type: res.type || null, token: res.session ? res.session.token : null,
      };
      if (res.status === 'SUCCESS' && res.session) {
        window.finishSignIn = () => res.session.setCookieAndRedirect(
          location.origin + '/done.html?flow=' + encodeURIComponent(params.get('flow') || ''));
      }
    }, (error) => widgetEvents.push('fatal:' + error.name + ':' + error.message));
  </script>
</body>
</html>`;
}

function donePage(url) {
  const flow = (url.searchParams.get('flow') ?? '').replace(/[^a-z-]/g, '');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed in</title></head>
<body><h1 id="done">Back on the test origin after the ${flow} flow</h1></body></html>`;
}

let browser;
let site;
let origin;

before(async () => {
  site = await startStaticServer({
    pages: { '/widget.html': widgetPage, '/done.html': donePage },
    mounts: { '/widget/': WIDGET_DIST },
  });
  origin = await trustOrigin(site.origin);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
  if (origin) await api('DELETE', `/api/v1/trustedOrigins/${origin.id}`);
});

// ------------------------------------------------------------------ steps

// A numbered screenshot of `page` for `test`, once the widget's page swap (a jQuery
// animation, `.animation-container-overflow` while it runs) is over.
function shots(testName) {
  let n = 0;
  return async (page, screen) => {
    await page.waitForFunction(() => !document.querySelector('.animation-container-overflow'), null,
      { timeout: 5_000 }).catch(() => {});
    return screenshot(page, `${testName}-${++n}-${screen}`);
  };
}

async function widgetEvents(page) {
  return page.evaluate(() => window.widgetEvents ?? []);
}

// Waits until the widget shows the screen with CSS class `screen` (the classic controller
// classes: primary-auth, mfa-verify, recovery-question, password-reset).
async function expectScreen(page, screen) {
  try {
    await page.locator(`#okta-sign-in .${screen}`).first().waitFor({ state: 'visible', timeout: TIMEOUT });
  } catch (error) {
    assert.fail(`the widget did not show the ${screen} screen: ${error.message}\n`
      + `widget events: ${JSON.stringify(await widgetEvents(page).catch(() => []))}${problems(page)}`);
  }
}

async function openWidget(page, flow, query = {}) {
  const url = new URL(`${site.origin}/widget.html`);
  url.searchParams.set('flow', flow);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const response = await page.goto(url.href);
  assert.equal(response.status(), 200);
}

// The widget's forms drop a submit that comes within 200 ms of the one before (a throttle
// in its form view): a person never types a new answer that fast, a test does.
// The wait is counted from the end of the click before, with room for a busy machine.
const SUBMIT_THROTTLE_MS = 500;

// Runs `action` (a click that submits a widget form) and returns the answer to the POST to
// `pathname` on the org it causes, as { status, body, headers }.
async function postFrom(page, pathname, action) {
  const wait = (page.lastSubmitAt ?? 0) + SUBMIT_THROTTLE_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const answered = page.waitForResponse((r) => r.request().method() === 'POST'
    && new URL(r.url()).pathname === pathname && r.url().startsWith(orgUrl()), { timeout: TIMEOUT });
  await action();
  page.lastSubmitAt = Date.now();
  let response;
  try {
    response = await answered;
  } catch (error) {
    const file = await screenshot(page, `no-post-${pathname.split('/').pop()}`).catch(() => 'none');
    assert.fail(`the widget did not POST ${pathname}: ${error.message} (screenshot: ${file})\n`
      + `widget events: ${JSON.stringify(await widgetEvents(page).catch(() => []))}${problems(page)}`);
  }
  return { status: response.status(), body: await response.json(), headers: await response.allHeaders() };
}

// The widget's error banner (`.o-form-error-container`) shows `text`.
async function expectFormError(page, text) {
  const banners = page.locator('#okta-sign-in .o-form-error-container');
  try {
    await banners.filter({ hasText: text }).first().waitFor({ state: 'visible' });
  } catch (error) {
    assert.fail(`no error banner reads ${JSON.stringify(text)} (${error.message}); the banners read `
      + `${JSON.stringify(await banners.allInnerTexts().catch(() => []))}`
      + `\nwidget events: ${JSON.stringify(await widgetEvents(page).catch(() => []))}${problems(page)}`);
  }
}

// Primary authentication on the widget's first screen. Returns the Authn answer.
async function submitPassword(page, login, password) {
  await page.fill('#okta-signin-username', login);
  await page.fill('#okta-signin-password', password);
  return postFrom(page, '/api/v1/authn', () => page.click('#okta-signin-submit'));
}

// The browser holds no Okta session: /api/v1/sessions/me is 404 E0000007.
async function expectNoSession(page) {
  const response = await page.goto(`${orgUrl()}/api/v1/sessions/me`);
  assert.equal(response.status(), 404, `sessions/me without a cookie: ${await response.text()}`);
  assert.equal((await response.json()).errorCode, 'E0000007');
}

// After the Authn API's SUCCESS (`success`, its answer): the widget calls its success
// handler with a SESSION_SSO result holding that session token; setCookieAndRedirect takes
// the browser through /login/sessionCookieRedirect, which sets the sid cookie and answers 302
// back to the test origin. The browser then holds a live session of `user` (GET
// /api/v1/sessions/me with the cookie), which the admin API sees too. Returns the session.
async function expectSessionAfterRedirect(page, context, user, flow, shot, success, amr = ['pwd']) {
  assert.equal(success.status, 200, JSON.stringify(success.body));
  assert.equal(success.body.status, 'SUCCESS', JSON.stringify(success.body));
  assert.equal(success.body._embedded?.user?.id, user.id);
  assert.ok(success.body.sessionToken, `SUCCESS without a sessionToken: ${JSON.stringify(success.body)}`);
  try {
    await page.waitForFunction(() => typeof window.finishSignIn === 'function', null, { timeout: TIMEOUT });
  } catch (error) {
    assert.fail(`the widget did not call its success handler with a session: ${error.message}\n`
      + `widget events: ${JSON.stringify(await widgetEvents(page).catch(() => []))}${problems(page)}`);
  }
  const result = await page.evaluate(() => window.widgetResult);
  assert.deepEqual(result, { status: 'SUCCESS', type: 'SESSION_SSO', token: success.body.sessionToken });

  const landing = `${site.origin}/done.html?flow=${flow}`;
  page.bridgeRequest = null;
  await page.evaluate(() => setTimeout(() => window.finishSignIn(), 0));
  try {
    await page.waitForURL(landing, { timeout: TIMEOUT });
  } catch (error) {
    assert.fail(`the widget did not end on ${landing} (at ${page.url()}): ${error.message}\n`
      + `sessionCookieRedirect: ${JSON.stringify(page.bridgeRequest)}\n`
      + `widget events: ${JSON.stringify(await widgetEvents(page).catch(() => []))}${problems(page)}`);
  }
  await page.locator('#done').waitFor();
  await shot(page, 'landing');

  // The way here: widget page → /login/sessionCookieRedirect (302, Set-Cookie) → landing.
  // (watchBridge reads the answer's headers asynchronously: give it a moment.)
  for (let i = 0; i < 50 && !page.bridgeRequest; i++) await page.waitForTimeout(100);
  const bridge = page.bridgeRequest;
  assert.ok(bridge, `the browser never asked for /login/sessionCookieRedirect${problems(page)}`);
  const bridgeUrl = new URL(bridge.url);
  assert.equal(bridgeUrl.origin, orgUrl());
  assert.equal(bridgeUrl.searchParams.get('redirectUrl'), landing);
  assert.equal(bridgeUrl.searchParams.get('token'), success.body.sessionToken);
  assert.equal(bridge.status, 302, `sessionCookieRedirect answered ${bridge.status}: ${bridge.body}`);
  assert.equal(bridge.headers.location, landing);
  assert.match(bridge.headers['set-cookie'] ?? '', /(^|\n)sid=[^;\s]+;/,
    `sessionCookieRedirect set no sid cookie: ${bridge.headers['set-cookie']}`);

  const cookies = await context.cookies(orgUrl());
  const sid = cookies.find((c) => c.name === 'sid');
  assert.ok(sid?.value, `no sid cookie for ${orgUrl()}: ${JSON.stringify(cookies.map((c) => c.name))}`);
  assert.equal(sid.httpOnly, true, 'the sid cookie is readable by scripts');

  const response = await page.goto(`${orgUrl()}/api/v1/sessions/me`);
  const text = await response.text();
  await shot(page, 'sessions-me');
  assert.equal(response.status(), 200, `GET /api/v1/sessions/me with the cookie: ${text}`);
  const session = JSON.parse(text);
  assert.match(session.id, SESSION_ID);
  assert.equal(session.status, 'ACTIVE');
  assert.equal(session.login, user.profile.login);
  assert.equal(session.userId, user.id);
  for (const method of amr) {
    assert.ok(session.amr?.includes(method), `amr ${JSON.stringify(session.amr)} lacks ${method}`);
  }
  assert.ok(Date.parse(session.expiresAt) > Date.now(), `expiresAt ${session.expiresAt}`);

  const seen = await apiOk('GET', `/api/v1/sessions/${session.id}`);
  assert.deepEqual([seen.id, seen.userId, seen.status], [session.id, user.id, 'ACTIVE']);
  return session;
}

// Keeps, on `page.bridgeRequest`, the last /login/sessionCookieRedirect the page asked for,
// with its answer's status and headers (a redirect's answer is on the request it led to).
function watchBridge(page) {
  page.on('request', async (request) => {
    const previous = request.redirectedFrom();
    if (!previous || !previous.url().startsWith(`${orgUrl()}/login/sessionCookieRedirect`)) return;
    const response = await previous.response();
    page.bridgeRequest = {
      url: previous.url(),
      status: response?.status(),
      headers: response ? await response.allHeaders() : {},
    };
  });
  page.on('response', async (response) => {
    if (!response.url().startsWith(`${orgUrl()}/login/sessionCookieRedirect`) || response.status() === 302) return;
    // Anything but the redirect is a refusal; keep it for the assertion message.
    page.bridgeRequest = {
      url: response.url(), status: response.status(), headers: await response.allHeaders(),
      body: await response.text().catch(() => ''),
    };
  });
}

async function browserPage() {
  const { context, page } = await newPage(browser);
  watchBridge(page);
  return { context, page };
}

// Requires a factor of `user` at every sign-in (see the header). Returns the cleanup.
async function requireMfa(user) {
  const group = await apiOk('POST', '/api/v1/groups', { profile: { name: `browser-mfa-${suffix()}` } });
  const cleanups = [() => api('DELETE', `/api/v1/groups/${group.id}`)];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    await apiOk('PUT', `/api/v1/groups/${group.id}/users/${user.id}`);
    const policy = await apiOk('POST', '/api/v1/policies', {
      type: 'OKTA_SIGN_ON',
      name: `browser-mfa-${suffix()}`,
      priority: 1,
      conditions: { people: { groups: { include: [group.id] } } },
    });
    cleanups.push(() => api('DELETE', `/api/v1/policies/${policy.id}`));
    assert.equal(policy.status, 'ACTIVE');
    const rule = await apiOk('POST', `/api/v1/policies/${policy.id}/rules`, {
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
    });
    assert.equal(rule.actions?.signon?.requireFactor, true);
    return cleanup;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

// An ACTIVE TOTP factor for `user`, enrolled and activated through the API. Returns the
// factor id, the shared secret and the time step whose code activated it (that code is spent).
async function enrollTotp(user) {
  const factor = await apiOk('POST', `/api/v1/users/${user.id}/factors?activate=false`, {
    factorType: 'token:software:totp', provider: 'OKTA',
  });
  assert.equal(factor.status, 'PENDING_ACTIVATION');
  const secret = factor._embedded?.activation?.sharedSecret;
  assert.ok(secret, `no sharedSecret: ${JSON.stringify(factor._embedded)}`);
  const activatedStep = currentStep();
  const active = await apiOk('POST', `/api/v1/users/${user.id}/factors/${factor.id}/lifecycle/activate`, {
    passCode: totp(secret, activatedStep),
  });
  assert.equal(active.status, 'ACTIVE');
  return { factorId: factor.id, secret, activatedStep };
}

// ------------------------------------------------------------------ tests

test('the widget signs in with a password and the browser gets an Okta session', async () => {
  const shot = shots('password');
  const user = await createUser();
  const { context, page } = await browserPage();
  try {
    await expectNoSession(page);

    await openWidget(page, 'password');
    await expectScreen(page, 'primary-auth');
    await shot(page, 'primary-auth');

    // A wrong password: the Authn API's 401 E0000004, shown on the form; no session.
    const refused = await submitPassword(page, user.profile.login, `${PASSWORD}x`);
    assert.equal(refused.status, 401, JSON.stringify(refused.body));
    assert.equal(refused.body.errorCode, 'E0000004');
    // The answer crossed origins: the widget could read it because the org allowed it.
    assert.equal(refused.headers['access-control-allow-origin'], site.origin);
    assert.equal(refused.headers['access-control-allow-credentials'], 'true');
    await expectFormError(page, 'Unable to sign in');
    await shot(page, 'wrong-password');

    const signedIn = await submitPassword(page, user.profile.login, PASSWORD);
    assert.equal(signedIn.headers['access-control-allow-origin'], site.origin);

    const session = await expectSessionAfterRedirect(page, context, user, 'password', shot, signedIn);
    assert.equal(session.mfaActive ?? false, false);
  } finally {
    await context.close();
  }
});

test('the widget asks for the TOTP code MFA requires, then the browser gets an Okta session', async () => {
  const shot = shots('totp');
  const user = await createUser();
  const cleanup = await requireMfa(user);
  const { context, page } = await browserPage();
  try {
    const { factorId, secret, activatedStep } = await enrollTotp(user);

    await openWidget(page, 'totp');
    await expectScreen(page, 'primary-auth');
    await shot(page, 'primary-auth');
    const challenged = await submitPassword(page, user.profile.login, PASSWORD);
    assert.equal(challenged.status, 200, JSON.stringify(challenged.body));
    assert.equal(challenged.body.status, 'MFA_REQUIRED', JSON.stringify(challenged.body));
    assert.deepEqual(challenged.body._embedded?.factors?.map((f) => [f.id, f.factorType]),
      [[factorId, 'token:software:totp']]);

    await expectScreen(page, 'mfa-verify');
    const code = page.locator('#okta-sign-in .mfa-verify input[name="answer"]');
    await code.waitFor({ state: 'visible' });
    await shot(page, 'mfa-verify-totp');

    // A wrong code: 403 E0000068 on the form, still on the challenge.
    await code.fill(wrongTotp(secret));
    const refused = await postFrom(page, `/api/v1/authn/factors/${factorId}/verify`,
      () => page.click('#okta-sign-in .mfa-verify [type="submit"]'));
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.errorCode, 'E0000068');
    await expectFormError(page, "doesn't match our records");
    await shot(page, 'wrong-code');

    // The code that activated the factor is spent: use the next one (or the current one).
    await code.fill(totp(secret, Math.max(activatedStep + 1, currentStep())));
    const verified = await postFrom(page, `/api/v1/authn/factors/${factorId}/verify`,
      () => page.click('#okta-sign-in .mfa-verify [type="submit"]'));
    const session = await expectSessionAfterRedirect(page, context, user, 'totp', shot, verified, ['pwd', 'otp']);
    assert.ok(session.lastFactorVerification, 'the session records no factor verification');
  } finally {
    await context.close();
    await cleanup();
  }
});

test('the widget redeems a recoveryToken, resets the password, and signs in with the new one', async () => {
  const shot = shots('recovery');
  const user = await createUser({ question: [QUESTION, ANSWER] });
  const reset = await apiOk('POST', `/api/v1/users/${user.id}/lifecycle/reset_password?sendEmail=false`);
  assert.match(reset.resetPasswordUrl ?? '', /^https:\/\/.+\/[^/]+$/, JSON.stringify(reset));
  const recoveryToken = reset.resetPasswordUrl.split('/').pop();
  assert.equal((await apiOk('GET', `/api/v1/users/${user.id}`)).status, 'RECOVERY');

  const first = await browserPage();
  try {
    const { page, context } = first;
    const recovery = page.waitForResponse((r) => r.request().method() === 'POST'
      && r.url() === `${orgUrl()}/api/v1/authn/recovery/token`, { timeout: TIMEOUT });
    await openWidget(page, 'recovery', { recoveryToken });
    const redeemed = await recovery;
    const body = await redeemed.json();
    assert.equal(redeemed.status(), 200, JSON.stringify(body));
    assert.equal(body.status, 'RECOVERY', JSON.stringify(body));
    assert.equal(body._embedded?.user?.recovery_question?.question, QUESTION);

    await expectScreen(page, 'recovery-question');
    await assert.doesNotReject(page.getByText(QUESTION).first().waitFor({ state: 'visible' }),
      'the widget does not show the recovery question');
    await shot(page, 'recovery-question');

    const answer = page.locator('#okta-sign-in .recovery-question input[name="answer"]');
    await answer.fill('Eddystone');
    const wrong = await postFrom(page, '/api/v1/authn/recovery/answer',
      () => page.click('#okta-sign-in .recovery-question [type="submit"]'));
    assert.equal(wrong.status, 403, JSON.stringify(wrong.body));
    assert.equal(wrong.body.errorCode, 'E0000087');
    await expectFormError(page, 'answer did not match our records');
    await shot(page, 'wrong-answer');

    await answer.fill(ANSWER);
    const answered = await postFrom(page, '/api/v1/authn/recovery/answer',
      () => page.click('#okta-sign-in .recovery-question [type="submit"]'));
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal(answered.body.status, 'PASSWORD_RESET', JSON.stringify(answered.body));

    await expectScreen(page, 'password-reset');
    await shot(page, 'password-reset');
    await page.fill('#okta-sign-in .password-reset input[name="newPassword"]', NEW_PASSWORD);
    await page.fill('#okta-sign-in .password-reset input[name="confirmPassword"]', NEW_PASSWORD);
    const done = await postFrom(page, '/api/v1/authn/credentials/reset_password',
      () => page.click('#okta-sign-in .password-reset [type="submit"]'));
    // The reset ends signed in, as on Okta.
    await expectSessionAfterRedirect(page, context, user, 'recovery', shot, done);
    assert.equal((await apiOk('GET', `/api/v1/users/${user.id}`)).status, 'ACTIVE');

    // The token is spent: the widget started on it again shows an error, not the question.
    const again = page.waitForResponse((r) => r.request().method() === 'POST'
      && r.url() === `${orgUrl()}/api/v1/authn/recovery/token`, { timeout: TIMEOUT });
    await openWidget(page, 'recovery', { recoveryToken });
    const spent = await again;
    assert.equal(spent.status(), 401, await spent.text());
    assert.equal((await spent.json()).errorCode, 'E0000011');
    // The widget falls back to its sign-in form and says so.
    await expectScreen(page, 'primary-auth');
    await expectFormError(page, 'Your session has expired');
    assert.ok((await widgetEvents(page)).includes('error:primary-auth:401:Invalid token provided'),
      `widget events: ${JSON.stringify(await widgetEvents(page))}`);
    await shot(page, 'spent-token');
  } finally {
    await first.context.close();
  }

  // A new browser (no cookies): the old password is refused, the new one signs in.
  const { context, page } = await browserPage();
  try {
    await expectNoSession(page);
    await openWidget(page, 'recovery-signin');
    await expectScreen(page, 'primary-auth');
    const old = await submitPassword(page, user.profile.login, PASSWORD);
    assert.equal(old.status, 401, JSON.stringify(old.body));
    assert.equal(old.body.errorCode, 'E0000004');
    await expectFormError(page, 'Unable to sign in');
    await shot(page, 'old-password');
    const signedIn = await submitPassword(page, user.profile.login, NEW_PASSWORD);
    await expectSessionAfterRedirect(page, context, user, 'recovery-signin', shot, signedIn);
  } finally {
    await context.close();
  }
});

test('an origin the org does not trust cannot sign in through the widget', async () => {
  const shot = shots('untrusted');
  const user = await createUser();
  const { context, page } = await browserPage();
  try {
    // The same page from http://127.0.0.1:<port>: another origin, not a trusted one.
    const url = new URL(`${site.origin}/widget.html?flow=untrusted`);
    url.hostname = '127.0.0.1';
    assert.equal((await page.goto(url.href)).status(), 200);
    await expectScreen(page, 'primary-auth');
    const failed = page.waitForEvent('requestfailed', {
      predicate: (r) => r.url() === `${orgUrl()}/api/v1/authn`, timeout: TIMEOUT,
    });
    await page.fill('#okta-signin-username', user.profile.login);
    await page.fill('#okta-signin-password', PASSWORD);
    await page.click('#okta-signin-submit');
    const request = await failed;
    assert.equal(request.failure()?.errorText, 'net::ERR_FAILED');
    await expectFormError(page, 'We found some errors');
    // Chromium refused it at the preflight: the org answered it without CORS headers.
    const refusal = (p) => p.includes('blocked by CORS policy') && p.includes(`from origin '${url.origin}'`);
    for (let i = 0; i < 50 && !page.problems.some(refusal); i++) await page.waitForTimeout(100);
    assert.ok(page.problems.some(refusal), `no CORS refusal in the console${problems(page)}`);
    assert.ok((await widgetEvents(page)).includes('error:primary-auth::Failed to fetch'),
      `widget events: ${JSON.stringify(await widgetEvents(page))}`);
    await shot(page, 'refused');
    await expectNoSession(page);
  } finally {
    await context.close();
  }
});
