// The hosted pages (server-rendered sign-in, every Authn step, recovery, activation, the
// dashboard, settings, consent and device activation) in Chromium, against a real Latchkey.
//
// The pages are plain HTML forms on the org's origin; each form post becomes one Authn API
// call on the server, and a finished sign-in answers a "continue" page that sets the `sid`
// cookie and moves on with a meta refresh (after an activation, the page that asks for a
// recovery question may come first and set it). Every document the browser loads is kept on
// `page.trail` (method, URL, status, the `data-page` of its <main>) with the cookies it set,
// so a test sees that page too.
//
// Policies are scoped to a group of the test's own user (a new priority-1 policy for that
// group), so the tests do not change how anyone else signs in: MFA through an OKTA_SIGN_ON
// rule with `requireFactor`; lockout and self-service recovery through a PASSWORD policy.
// Emails are not sent: they stay in the org's mailbox, read with `latchkey outbox list`.
// Security keys use Chromium's virtual authenticator (the DevTools WebAuthn domain).
// okta-auth-js runs on another origin (the static test server), trusted for CORS and
// REDIRECT, and signs in with redirect and PKCE through these pages.
//
// Every page is saved as a PNG in LATCHKEY_SCREENSHOTS (pages-<test>-<n>-<page>.png).

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  HERE, NEW_PASSWORD, PASSWORD, TIMEOUT, api, apiOk, createUser, currentStep, keptMailIds,
  launchBrowser, newLogin, newPage, nextMail, orgUrl, problems, screenshot, startStaticServer,
  suffix, totp, trustOrigin, wrongTotp,
} from './helpers.mjs';

const AUTH_JS_DIST = path.join(HERE, 'node_modules', '@okta', 'okta-auth-js', 'dist');
const QUESTION = 'Name of the first lighthouse you climbed?';
const ANSWER = 'Fastnet';
const SESSION_ID = /^102[0-9A-Za-z]{17,}$/;
const HOME = '/app/UserHome';

// ------------------------------------------------------------------ the app's origin

// A page of the test app: okta-auth-js's browser bundle and a place to show what it got.
function appPage(title) {
  return () => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${title}</title>
  <script src="/auth-js/okta-auth-js.min.js"></script>
  <style>body { font: 14px system-ui, sans-serif; margin: 24px; } pre { background: #f4f5f7; padding: 12px; }</style>
</head>
<body>
  <h1 id="title">${title}</h1>
  <pre id="result"></pre>
</body>
</html>`;
}

let browser;
let site;
let siteOrigin;

before(async () => {
  site = await startStaticServer({
    pages: { '/start': appPage('Test app'), '/callback': appPage('Test app callback') },
    mounts: { '/auth-js/': AUTH_JS_DIST },
  });
  siteOrigin = await trustOrigin(site.origin);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
  if (siteOrigin) await api('DELETE', `/api/v1/trustedOrigins/${siteOrigin.id}`);
});

// ------------------------------------------------------------------ cleanup

// Undo steps, run last first.
function cleanups() {
  const steps = [];
  return {
    add: (step) => steps.push(step),
    run: async () => {
      for (const step of steps.reverse()) await step().catch(() => {});
    },
  };
}

// ------------------------------------------------------------------ policies and apps

// A group of `user`'s own: what a test scopes its policies to.
async function ownGroup(user, undo) {
  const group = await apiOk('POST', '/api/v1/groups', { profile: { name: `browser-pages-${suffix()}` } });
  undo.add(() => api('DELETE', `/api/v1/groups/${group.id}`));
  await apiOk('PUT', `/api/v1/groups/${group.id}/users/${user.id}`);
  return group;
}

// A factor at every sign-in of the members of `group`.
async function requireMfa(group, undo) {
  const policy = await apiOk('POST', '/api/v1/policies', {
    type: 'OKTA_SIGN_ON',
    name: `browser-pages-mfa-${suffix()}`,
    priority: 1,
    conditions: { people: { groups: { include: [group.id] } } },
  });
  undo.add(() => api('DELETE', `/api/v1/policies/${policy.id}`));
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
}

// For the members of `group`: recovery by email and security question, self-service reset
// and unlock, a lockout after `maxAttempts` wrong passwords and the password `age` settings
// (when given).
async function allowSelfService(group, undo, { maxAttempts, age } = {}) {
  const settings = {
    recovery: { factors: { okta_email: { status: 'ACTIVE' }, recovery_question: { status: 'ACTIVE' } } },
    password: {},
  };
  if (maxAttempts) settings.password.lockout = { maxAttempts, showLockoutFailures: true };
  if (age) settings.password.age = age;
  const policy = await apiOk('POST', '/api/v1/policies', {
    type: 'PASSWORD',
    name: `browser-pages-password-${suffix()}`,
    priority: 1,
    conditions: { people: { groups: { include: [group.id] } } },
    settings,
  });
  undo.add(() => api('DELETE', `/api/v1/policies/${policy.id}`));
  if (maxAttempts) assert.equal(policy.settings?.password?.lockout?.maxAttempts, maxAttempts);
  if (age) assert.equal(policy.settings?.password?.age?.maxAgeDays, age.maxAgeDays);
  await apiOk('POST', `/api/v1/policies/${policy.id}/rules`, {
    type: 'PASSWORD',
    name: 'Self-service',
    priority: 1,
    conditions: { network: { connection: 'ANYWHERE' } },
    actions: {
      passwordChange: { access: 'ALLOW' },
      selfServicePasswordReset: { access: 'ALLOW' },
      selfServiceUnlock: { access: 'ALLOW' },
    },
  });
}

async function removeApp(id) {
  await api('POST', `/api/v1/apps/${id}/lifecycle/deactivate`);
  await api('DELETE', `/api/v1/apps/${id}`);
}

// A bookmark app assigned to `user`.
async function assignBookmark(user, undo) {
  const app = await apiOk('POST', '/api/v1/apps', {
    name: 'bookmark',
    label: 'Wiki',
    signOnMode: 'BOOKMARK',
    settings: { app: { requestIntegration: false, url: 'https://wiki.example.com' } },
  });
  undo.add(() => removeApp(app.id));
  await apiOk('POST', `/api/v1/apps/${app.id}/users`, { id: user.id });
  return app;
}

// An OIDC single-page app (public client, PKCE) that redirects to the test origin's
// /callback, assigned to `user`. Returns the app and its client id.
async function assignSpa(user, undo, settings = {}) {
  const app = await apiOk('POST', '/api/v1/apps', {
    name: 'oidc_client',
    label: `SPA ${suffix()}`,
    signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { token_endpoint_auth_method: 'none' } },
    settings: {
      oauthClient: {
        application_type: 'browser',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [`${site.origin}/callback`],
        ...settings,
      },
    },
  });
  undo.add(() => removeApp(app.id));
  const clientId = app.credentials?.oauthClient?.client_id;
  assert.ok(clientId, `no client_id: ${JSON.stringify(app.credentials)}`);
  await apiOk('POST', `/api/v1/apps/${app.id}/users`, { id: user.id });
  return { app, clientId };
}

// ------------------------------------------------------------------ the browser

// A fresh browser context whose page keeps its trail of documents (see the header). The
// documents are read as they arrive, through the DevTools Fetch domain (paused at the
// response, read, let go): a continue page is gone the moment it is parsed, too soon to ask
// for its body afterwards.
async function openPage() {
  const { context, page } = await newPage(browser);
  page.trail = [];
  const cdp = await context.newCDPSession(page);
  cdp.on('Fetch.requestPaused', async (event) => {
    const status = event.responseStatusCode ?? 0;
    const entry = { method: event.request.method, url: event.request.url, status, done: false };
    page.trail.push(entry);
    try {
      if (status < 300 || status >= 400) {
        const { body, base64Encoded } = await cdp.send('Fetch.getResponseBody', { requestId: event.requestId });
        const html = base64Encoded ? Buffer.from(body, 'base64').toString() : body;
        entry.page = /data-page="([^"]*)"/.exec(html)?.[1] ?? null;
      }
    } catch (error) {
      entry.error = error.message;
    } finally {
      entry.done = true;
      await cdp.send('Fetch.continueRequest', { requestId: event.requestId }).catch(() => {});
    }
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*', resourceType: 'Document', requestStage: 'Response' }] });
  // The cookies each document set (the paused response does not show them).
  page.cookiesSet = [];
  page.on('response', async (response) => {
    const request = response.request();
    if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
    const entry = { method: request.method(), url: response.url(), setCookie: null };
    page.cookiesSet.push(entry);
    entry.setCookie = (await response.allHeaders().catch(() => ({})))['set-cookie'] ?? '';
  });
  return { context, page, cdp };
}

function trailText(page) {
  return `\ndocuments:\n  ${(page.trail ?? []).map((e) => {
    const url = new URL(e.url);
    return `${e.method} ${url.origin === orgUrl() ? url.pathname : url.origin + url.pathname} ${e.status}`
      + `${e.page ? ` [${e.page}]` : ''}`;
  }).join('\n  ')}`;
}

// Where the trails stand now, to look at what comes after.
function markOf(page) {
  return { trail: page.trail.length, cookies: page.cookiesSet.length };
}

// The documents loaded since `mark`, once their bodies are read.
async function documentsSince(page, mark) {
  for (let i = 0; i < 100 && page.trail.slice(mark.trail).some((e) => !e.done); i++) await page.waitForTimeout(50);
  return page.trail.slice(mark.trail);
}

// The documents loaded since `mark` with their Set-Cookie headers, as { method, url, setCookie }.
async function cookiesSetSince(page, mark) {
  const since = () => page.cookiesSet.slice(mark.cookies);
  for (let i = 0; i < 100 && since().some((e) => e.setCookie === null); i++) await page.waitForTimeout(50);
  return since();
}

// A numbered screenshot of `page` for `test`.
function shots(testName) {
  let n = 0;
  return (page, name) => screenshot(page, `pages-${testName}-${++n}-${name}`);
}

async function currentPage(page) {
  return page.locator('main[data-page]').first().getAttribute('data-page', { timeout: 1_000 }).catch(() => null);
}

async function errorText(page) {
  return page.locator('#error').innerText({ timeout: 500 }).catch(() => null);
}

// Waits until the browser shows the page whose <main> has data-page `name`.
async function expectPage(page, name) {
  try {
    await page.locator(`main[data-page="${name}"]`).waitFor({ state: 'attached', timeout: TIMEOUT });
  } catch (error) {
    assert.fail(`expected the ${name} page, the browser shows ${await currentPage(page)} at ${page.url()}`
      + ` (#error: ${await errorText(page)}): ${error.message.split('\n')[0]}${trailText(page)}${problems(page)}`);
  }
}

// The page shows `text` in #error.
async function expectError(page, text) {
  const shown = await errorText(page);
  assert.ok(shown?.includes(text), `#error reads ${JSON.stringify(shown)}, not ${JSON.stringify(text)}`
    + `${trailText(page)}${problems(page)}`);
}

// Clicks `button` (a selector or locator) and waits for the document its form post loads.
// Returns the mark of the trails before the click.
async function submit(page, button) {
  const mark = markOf(page);
  const locator = typeof button === 'string' ? page.locator(button) : button;
  const navigated = page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: TIMEOUT });
  await locator.click();
  try {
    await navigated;
  } catch (error) {
    assert.fail(`no page after clicking ${locator}: ${error.message}${trailText(page)}${problems(page)}`);
  }
  return mark;
}

// The status of the form post since `mark` (the first POST document).
async function postStatus(page, mark) {
  const posted = (await documentsSince(page, mark)).find((e) => e.method === 'POST');
  assert.ok(posted, `no form post since #${mark.trail}${trailText(page)}`);
  return posted.status;
}

// Fills the sign-in form (the browser is on it) and submits it.
async function signIn(page, login, password) {
  await page.fill('#username', login);
  await page.fill('#password', password);
  return submit(page, '#signin');
}

// Opens the sign-in page (with `fromURI` when given).
async function openSignIn(page, fromURI) {
  const url = new URL(`${orgUrl()}/login/login.htm`);
  if (fromURI) url.searchParams.set('fromURI', fromURI);
  const response = await page.goto(url.href);
  assert.equal(response.status(), 200);
  await expectPage(page, 'signin');
}

// The browser's Okta session, read by the page itself (same origin, with the sid cookie).
async function sessionMe(page) {
  return page.evaluate(async () => {
    const response = await fetch('/api/v1/sessions/me', { headers: { Accept: 'application/json' } });
    return { status: response.status, body: await response.json().catch(() => null) };
  });
}

// After the form post at `mark` finished a sign-in: one document set the sid cookie (HttpOnly,
// Secure) and the continue page took the browser to `to` (a path on the org or a URL), showing
// `landing` when that is a hosted page. On the org, the browser then holds an ACTIVE
// session of `user` with the `amr` methods, which the admin API sees too. Returns it.
async function expectSignedIn(page, context, user, mark, { to = HOME, landing = 'home', amr = ['pwd'] } = {}) {
  const target = to.startsWith('/') ? `${orgUrl()}${to}` : to;
  try {
    await page.waitForURL((url) => url.href === target || url.href.startsWith(`${target.replace(/\?.*$/, '')}?`),
      { timeout: TIMEOUT });
  } catch (error) {
    assert.fail(`the sign-in did not end on ${target} (at ${page.url()}, #error: ${await errorText(page)})`
      + `: ${error.message.split('\n')[0]}${trailText(page)}${problems(page)}`);
  }
  if (landing) await expectPage(page, landing);

  const documents = await documentsSince(page, mark);
  const done = documents.find((e) => e.page === 'continue');
  assert.ok(done, `no continue page on the way${trailText(page)}`);
  assert.equal(done.status, 200);
  const set = (await cookiesSetSince(page, mark)).filter((e) => /(^|\n)sid=[^;\s]+;/.test(e.setCookie));
  assert.equal(set.length, 1, `the sid cookie was set by ${JSON.stringify(set)}${trailText(page)}`);
  const sid = (await context.cookies(orgUrl())).find((c) => c.name === 'sid');
  assert.ok(sid?.value, 'no sid cookie in the browser');
  assert.equal(sid.httpOnly, true, 'the sid cookie is readable by scripts');
  assert.equal(sid.secure, true, 'the sid cookie is not Secure');
  if (!page.url().startsWith(`${orgUrl()}/`)) return null;

  const me = await sessionMe(page);
  assert.equal(me.status, 200, `GET /api/v1/sessions/me with the cookie: ${JSON.stringify(me.body)}`);
  const session = me.body;
  assert.match(session.id, SESSION_ID);
  assert.equal(session.status, 'ACTIVE');
  assert.equal(session.userId, user.id);
  assert.equal(session.login, user.profile.login);
  for (const method of amr) {
    assert.ok(session.amr?.includes(method), `amr ${JSON.stringify(session.amr)} lacks ${method}`);
  }
  const seen = await apiOk('GET', `/api/v1/sessions/${session.id}`);
  assert.deepEqual([seen.id, seen.userId, seen.status], [session.id, user.id, 'ACTIVE']);
  return session;
}

// The browser holds no session (it is on an org page).
async function expectNoSession(page) {
  const me = await sessionMe(page);
  assert.equal(me.status, 404, `sessions/me: ${JSON.stringify(me.body)}`);
  assert.equal(me.body?.errorCode, 'E0000007');
}

// The data-factor-type of the factor forms on the page.
async function factorTypes(page) {
  return page.locator('form.factor').evaluateAll((forms) => forms.map((f) => f.dataset.factorType));
}

// The enrollment form of a factor type on MFA_ENROLL (of the Okta one, when two providers
// offer the type).
function enrollForm(page, factorType, provider = factorType === 'webauthn' ? 'FIDO' : 'OKTA') {
  return page.locator(`form.factor[data-factor-type="${factorType}"]`)
    .filter({ has: page.locator(`input[name="provider"][value="${provider}"]`) });
}

// The next form post of `op` to /login/step, as its fields (a promise that is always handled,
// so a test that fails before awaiting it reports its own failure).
function stepPost(page, op) {
  const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${orgUrl()}/login/step`
    && new URLSearchParams(r.postData() ?? '').get('op') === op, { timeout: TIMEOUT })
    .then((r) => new URLSearchParams(r.postData()));
  posted.catch(() => {});
  return posted;
}

function codeIn(mail) {
  const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
  assert.ok(code, `no code in the email: ${mail.text}`);
  return code;
}

// The link to `prefix` on this org in an email's text, as a URL.
function linkIn(mail, prefix) {
  const escaped = `${orgUrl()}${prefix}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const link = new RegExp(`${escaped}[^\\s<>"]+`).exec(mail.text)?.[0];
  assert.ok(link, `no ${prefix} link in the email:\n${mail.text}`);
  return link;
}

// The factors of `user` by type and status.
async function factorsOf(user) {
  return (await apiOk('GET', `/api/v1/users/${user.id}/factors`)).map((f) => [f.factorType, f.status]);
}

// ------------------------------------------------------------------ tests

test('sign-in with a password: the dashboard lists the app, settings change the password, sign-out ends the session', async () => {
  const shot = shots('password');
  const undo = cleanups();
  const user = await createUser();
  const { context, page } = await openPage();
  try {
    const wiki = await assignBookmark(user, undo);

    // Without a session, the dashboard sends the browser to sign in and come back.
    await page.goto(`${orgUrl()}${HOME}`);
    await expectPage(page, 'signin');
    const at = new URL(page.url());
    assert.equal(at.pathname, '/login/login.htm');
    assert.equal(at.searchParams.get('fromURI'), HOME);
    assert.equal(await page.locator('#signin-form input[name="fromURI"]').inputValue(), HOME);
    assert.equal(await page.locator('#forgot-password').getAttribute('href'), '/signin/forgot-password');
    assert.equal(await page.locator('#unlock').getAttribute('href'), '/signin/unlock');
    const csrf = (await context.cookies(orgUrl())).find((c) => c.name === 'lk_csrf');
    assert.ok(csrf, 'no lk_csrf cookie');
    assert.deepEqual([csrf.httpOnly, csrf.secure, csrf.sameSite], [true, true, 'Strict']);
    await expectNoSession(page);
    await shot(page, 'signin');

    // A wrong password: 401 and the error on the form, the username kept, no session.
    let mark = await signIn(page, user.profile.login, `${PASSWORD}x`);
    await expectPage(page, 'signin');
    assert.equal(await postStatus(page, mark), 401);
    await expectError(page, 'Authentication failed');
    assert.equal(await page.locator('#username').inputValue(), user.profile.login);
    assert.equal(await page.locator('#password').inputValue(), '');
    assert.equal((await context.cookies(orgUrl())).some((c) => c.name === 'sid'), false);
    await shot(page, 'wrong-password');

    // The right one: the continue page sets the cookie and goes back to the dashboard.
    mark = await signIn(page, user.profile.login, PASSWORD);
    const session = await expectSignedIn(page, context, user, mark);
    assert.equal(await page.locator('#login').innerText(), user.profile.login);
    const links = page.locator('ul#apps a.app');
    assert.equal(await links.count(), 1, `the dashboard lists ${JSON.stringify(await links.allInnerTexts())}`);
    assert.equal((await links.first().innerText()).trim(), 'Wiki');
    assert.equal(await links.first().getAttribute('data-app'), 'bookmark');
    const href = await links.first().getAttribute('href');
    assert.ok(href.startsWith(`${orgUrl()}/home/bookmark/${wiki.id}/`), `app link ${href}`);
    const logo = links.first().locator('img');
    if (await logo.count()) {
      await page.waitForFunction((img) => img.complete, await logo.elementHandle());
      assert.ok(await logo.evaluate((img) => img.naturalWidth > 0), 'the app logo did not load');
    }
    await shot(page, 'home');
    // The root is the dashboard for a signed-in browser.
    await page.goto(`${orgUrl()}/`);
    await expectPage(page, 'home');

    // Settings: a wrong current password is refused, the right one changes it.
    mark = await submit(page, '#settings');
    await expectPage(page, 'settings');
    await page.locator('#no-factors').waitFor();
    await shot(page, 'settings');
    await page.fill('#oldPassword', `${PASSWORD}x`);
    await page.fill('#newPassword', NEW_PASSWORD);
    await page.fill('#confirmPassword', NEW_PASSWORD);
    mark = await submit(page, '#change-password');
    await expectPage(page, 'settings');
    assert.equal(await postStatus(page, mark), 400);
    assert.ok(await errorText(page), 'no error for a wrong current password');
    await shot(page, 'settings-wrong-password');
    await page.fill('#oldPassword', PASSWORD);
    await page.fill('#newPassword', NEW_PASSWORD);
    await page.fill('#confirmPassword', NEW_PASSWORD);
    mark = await submit(page, '#change-password');
    await expectPage(page, 'settings');
    assert.equal(await postStatus(page, mark), 200, `#error: ${await errorText(page)}`);
    assert.equal(await page.locator('#info').innerText(), 'Your password was changed.');
    await shot(page, 'settings-password-changed');

    // Sign-out: the session ends, the cookie goes, the dashboard asks to sign in again.
    mark = await submit(page, '#signout');
    await expectPage(page, 'signin');
    assert.equal(new URL(page.url()).pathname, '/login/login.htm');
    const out = (await documentsSince(page, mark)).find((e) => new URL(e.url).pathname === '/login/signout');
    assert.equal(out?.status, 303, trailText(page));
    assert.equal((await context.cookies(orgUrl())).some((c) => c.name === 'sid'), false, 'the sid cookie stayed');
    await expectNoSession(page);
    const closed = await api('GET', `/api/v1/sessions/${session.id}`);
    assert.equal(closed.status, 404, `the session is still ${JSON.stringify(closed.body)}`);
    await shot(page, 'signed-out');
    await page.goto(`${orgUrl()}${HOME}`);
    await expectPage(page, 'signin');

    // The old password no longer signs in, the new one does.
    mark = await signIn(page, user.profile.login, PASSWORD);
    await expectPage(page, 'signin');
    assert.equal(await postStatus(page, mark), 401);
    mark = await signIn(page, user.profile.login, NEW_PASSWORD);
    await expectSignedIn(page, context, user, mark);
  } finally {
    await context.close();
    await undo.run();
  }
});

test('MFA: an authenticator app is set up on the pages, then asked for at the next sign-in', async () => {
  const shot = shots('mfa-totp');
  const undo = cleanups();
  const user = await createUser();
  const first = await openPage();
  try {
    await requireMfa(await ownGroup(user, undo), undo);
    const { context, page } = first;
    await openSignIn(page);
    let mark = await signIn(page, user.profile.login, PASSWORD);
    await expectPage(page, 'step-mfa-enroll');
    const offered = await factorTypes(page);
    for (const type of ['token:software:totp', 'question', 'email', 'webauthn']) {
      assert.ok(offered.includes(type), `MFA_ENROLL offers ${JSON.stringify(offered)}, not ${type}`);
    }
    assert.equal(await page.locator('#skip').count(), 0, 'a factor is required, yet enrollment can be skipped');
    await shot(page, 'enroll');

    mark = await submit(page, enrollForm(page, 'token:software:totp').locator('button[type="submit"]'));
    await expectPage(page, 'step-mfa-enroll-activate');
    const secret = (await page.locator('#shared-secret').innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    const qr = page.locator('#qrcode');
    await page.waitForFunction((img) => img.complete, await qr.elementHandle());
    assert.ok(await qr.evaluate((img) => img.naturalWidth > 0), `the QR code did not load${problems(page)}`);
    await shot(page, 'activate');

    await page.fill('#passCode', wrongTotp(secret));
    mark = await submit(page, '#activate');
    await expectPage(page, 'step-mfa-enroll-activate');
    assert.ok(await errorText(page), 'no error for a wrong code');
    assert.equal((await page.locator('#shared-secret').innerText()).trim(), secret);
    await shot(page, 'activate-wrong-code');

    const activatedStep = currentStep();
    await page.fill('#passCode', totp(secret, activatedStep));
    mark = await submit(page, '#activate');
    // The other methods stay optional: the enrollment page again, with "Finish".
    await expectPage(page, 'step-mfa-enroll');
    assert.equal((await page.locator('#skip').innerText()).trim(), 'Finish');
    assert.equal(await enrollForm(page, 'token:software:totp').count(), 0, 'the app is still offered');
    assert.deepEqual(await factorsOf(user), [['token:software:totp', 'ACTIVE']]);
    await shot(page, 'enroll-finish');
    mark = await submit(page, '#skip');
    await expectSignedIn(page, context, user, mark);
    await context.close();

    // A new browser: the password, then the code.
    const second = await openPage();
    try {
      const { context, page } = second;
      await openSignIn(page);
      mark = await signIn(page, user.profile.login, PASSWORD);
      await expectPage(page, 'step-mfa-required');
      assert.deepEqual(await factorTypes(page), ['token:software:totp']);
      await shot(page, 'mfa-required');
      const form = page.locator('form.factor[data-factor-type="token:software:totp"]');
      await form.locator('input[name="passCode"]').fill(wrongTotp(secret));
      mark = await submit(page, form.locator('button[type="submit"]'));
      await expectPage(page, 'step-mfa-required');
      assert.equal(await postStatus(page, mark), 403);
      await expectError(page, "doesn't match");
      await shot(page, 'mfa-required-wrong-code');
      // The code that activated the factor is spent: the next one.
      await form.locator('input[name="passCode"]').fill(totp(secret, Math.max(activatedStep + 1, currentStep())));
      mark = await submit(page, form.locator('button[type="submit"]'));
      await expectSignedIn(page, context, user, mark, { amr: ['pwd', 'mfa'] });

      // Settings list the factor and remove it.
      await submit(page, '#settings');
      await expectPage(page, 'settings');
      const listed = page.locator('ul#factors li');
      assert.deepEqual((await listed.allInnerTexts()).map((t) => t.replace(/\s+Remove$/, '').trim()),
        ['Authenticator app']);
      await shot(page, 'settings-factor');
      mark = await submit(page, 'ul#factors button[data-factor-type="token:software:totp"]');
      await expectPage(page, 'settings');
      assert.equal(await page.locator('#info').innerText(), 'The verification method was removed.');
      await page.locator('#no-factors').waitFor();
      assert.deepEqual(await factorsOf(user), []);
      await shot(page, 'settings-factor-removed');
    } finally {
      await second.context.close();
    }
  } finally {
    await first.context.close();
    await undo.run();
  }
});

test('MFA: a security question is set up on the pages, then asked for at the next sign-in', async () => {
  const shot = shots('mfa-question');
  const undo = cleanups();
  const user = await createUser();
  const first = await openPage();
  try {
    await requireMfa(await ownGroup(user, undo), undo);
    const { context, page } = first;
    await openSignIn(page);
    let mark = await signIn(page, user.profile.login, PASSWORD);
    await expectPage(page, 'step-mfa-enroll');
    const form = enrollForm(page, 'question');
    const select = form.locator('select[name="question"]');
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
    assert.ok(options.length >= 5, `questions: ${JSON.stringify(options)}`);
    const [key, text] = options[1];
    await select.selectOption(key);
    await form.locator('input[name="answer"]').fill('Brussels sprouts');
    await shot(page, 'enroll');
    mark = await submit(page, form.locator('button[type="submit"]'));
    await expectPage(page, 'step-mfa-enroll');
    assert.equal((await page.locator('#skip').innerText()).trim(), 'Finish');
    const factors = await apiOk('GET', `/api/v1/users/${user.id}/factors`);
    assert.deepEqual(factors.map((f) => [f.factorType, f.status, f.profile?.question]), [['question', 'ACTIVE', key]]);
    mark = await submit(page, '#skip');
    await expectSignedIn(page, context, user, mark);
    await context.close();

    const second = await openPage();
    try {
      const { context, page } = second;
      await openSignIn(page);
      mark = await signIn(page, user.profile.login, PASSWORD);
      await expectPage(page, 'step-mfa-required');
      const challenge = page.locator('form.factor[data-factor-type="question"]');
      assert.equal((await challenge.locator('label').innerText()).trim(), text);
      await shot(page, 'mfa-required');
      await challenge.locator('input[name="answer"]').fill('Broccoli');
      mark = await submit(page, challenge.locator('button[type="submit"]'));
      await expectPage(page, 'step-mfa-required');
      assert.equal(await postStatus(page, mark), 403);
      assert.ok(await errorText(page), 'no error for a wrong answer');
      await shot(page, 'wrong-answer');
      await challenge.locator('input[name="answer"]').fill('Brussels sprouts');
      mark = await submit(page, challenge.locator('button[type="submit"]'));
      await expectSignedIn(page, context, user, mark, { amr: ['pwd', 'mfa'] });
    } finally {
      await second.context.close();
    }
  } finally {
    await first.context.close();
    await undo.run();
  }
});

test('MFA: an email factor is set up and verified with the codes from the mailbox', async () => {
  const shot = shots('mfa-email');
  const undo = cleanups();
  const user = await createUser();
  const address = user.profile.login;
  const first = await openPage();
  try {
    await requireMfa(await ownGroup(user, undo), undo);
    const { context, page } = first;
    await openSignIn(page);
    let mark = await signIn(page, user.profile.login, PASSWORD);
    await expectPage(page, 'step-mfa-enroll');
    const form = enrollForm(page, 'email');
    assert.equal(await form.locator('input[name="email"]').inputValue(), address);
    let seen = await keptMailIds(address);
    mark = await submit(page, form.locator('button[type="submit"]'));
    await expectPage(page, 'step-mfa-enroll-activate');
    assert.equal(await page.locator('#activate-form').getAttribute('data-factor-type'), 'email');
    await page.locator('#resend').waitFor();
    await shot(page, 'activate');
    let mail = await nextMail(address, seen);
    seen = [...seen, mail.id];
    await page.fill('#passCode', codeIn(mail));
    mark = await submit(page, '#activate');
    await expectPage(page, 'step-mfa-enroll');
    assert.equal((await page.locator('#skip').innerText()).trim(), 'Finish');
    assert.deepEqual(await factorsOf(user), [['email', 'ACTIVE']]);
    mark = await submit(page, '#skip');
    await expectSignedIn(page, context, user, mark);
    await context.close();

    const second = await openPage();
    try {
      const { context, page } = second;
      await openSignIn(page);
      mark = await signIn(page, user.profile.login, PASSWORD);
      await expectPage(page, 'step-mfa-required');
      assert.deepEqual(await factorTypes(page), ['email']);
      await shot(page, 'mfa-required');
      // One email per factor every 5 seconds: the code is asked for once that has passed
      // since the activation email.
      const wait = Date.parse(mail.keptAt) + 5_500 - Date.now();
      if (wait > 0) await page.waitForTimeout(wait);
      mark = await submit(page, 'form.factor[data-factor-type="email"] button[type="submit"]');
      await expectPage(page, 'step-mfa-challenge');
      assert.equal(await page.locator('#challenge-form').getAttribute('data-factor-type'), 'email');
      await shot(page, 'challenge');
      mail = await nextMail(address, seen);
      seen = [...seen, mail.id];
      const code = codeIn(mail);
      // Another code at once: refused, with the wait on the page.
      mark = await submit(page, '#resend');
      await expectPage(page, 'step-mfa-challenge');
      assert.equal(await postStatus(page, mark), 429);
      await expectError(page, 'Please wait 5 seconds');
      await shot(page, 'resend-too-soon');
      await page.fill('#passCode', code === '000000' ? '111111' : '000000');
      mark = await submit(page, '#verify');
      await expectPage(page, 'step-mfa-challenge');
      assert.equal(await postStatus(page, mark), 403);
      assert.ok(await errorText(page), 'no error for a wrong code');
      await shot(page, 'challenge-wrong-code');
      await page.fill('#passCode', code);
      mark = await submit(page, '#verify');
      await expectSignedIn(page, context, user, mark, { amr: ['pwd', 'mfa'] });
    } finally {
      await second.context.close();
    }
  } finally {
    await first.context.close();
    await undo.run();
  }
});

// Chromium's virtual authenticator (a platform one, with user verification), through the
// page's DevTools session `cdp`.
async function virtualAuthenticator(cdp) {
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true,
    },
  });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    verified: (isUserVerified) => cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }),
  };
}

const base64url = (b64) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

test('MFA: a security key is registered on the pages and then signs in (virtual authenticator)', async () => {
  const shot = shots('mfa-webauthn');
  const undo = cleanups();
  const user = await createUser();
  const { context, page, cdp } = await openPage();
  try {
    await requireMfa(await ownGroup(user, undo), undo);
    const key = await virtualAuthenticator(cdp);
    await openSignIn(page);
    let mark = await signIn(page, user.profile.login, PASSWORD);
    await expectPage(page, 'step-mfa-enroll');
    await shot(page, 'enroll');

    // "Set up": the activation page asks the browser to create a credential and posts it by itself.
    const posted = stepPost(page, 'activate');
    mark = await submit(page, enrollForm(page, 'webauthn').locator('button[type="submit"]'));
    await expectPage(page, 'step-mfa-enroll');
    const activation = await posted;
    assert.ok(activation.get('attestation') && activation.get('clientData'), `activation form: ${activation}`);
    const clientData = JSON.parse(Buffer.from(activation.get('clientData'), 'base64url').toString());
    assert.equal(clientData.type, 'webauthn.create');
    assert.equal(clientData.origin, orgUrl());
    const pages = (await documentsSince(page, mark)).map((e) => e.page);
    assert.deepEqual(pages, ['step-mfa-enroll-activate', 'step-mfa-enroll'], trailText(page));
    assert.equal(await errorText(page), null);
    assert.equal((await page.locator('#skip').innerText()).trim(), 'Finish');

    const [credential] = await key.credentials();
    assert.ok(credential, 'the authenticator holds no credential');
    assert.equal(credential.rpId, 'localhost');
    assert.equal(credential.userName, user.profile.login);
    const factors = await apiOk('GET', `/api/v1/users/${user.id}/factors`);
    assert.deepEqual(factors.map((f) => [f.factorType, f.provider, f.status]), [['webauthn', 'FIDO', 'ACTIVE']]);
    assert.equal(factors[0].profile?.credentialId, base64url(credential.credentialId));
    await shot(page, 'enroll-finish');
    mark = await submit(page, '#skip');
    await expectSignedIn(page, context, user, mark);

    // Signed out, signed in again: the key answers the challenge.
    await submit(page, '#signout');
    await expectPage(page, 'signin');
    mark = await signIn(page, user.profile.login, PASSWORD);
    await expectPage(page, 'step-mfa-required');
    assert.deepEqual(await factorTypes(page), ['webauthn']);
    await shot(page, 'mfa-required');

    // First without user verification: the browser refuses, the page says so and offers to retry.
    await key.verified(false);
    mark = await submit(page, 'form.factor[data-factor-type="webauthn"] button[type="submit"]');
    await expectPage(page, 'step-mfa-challenge');
    const form = page.locator('form#webauthn-form[data-webauthn="get"]');
    await form.waitFor({ state: 'attached' });
    assert.equal(await form.getAttribute('data-credential'), base64url(credential.credentialId));
    await page.locator('#error').waitFor();
    await expectError(page, 'Your security key could not be used (NotAllowedError)');
    await shot(page, 'challenge-refused');

    await key.verified(true);
    const verify = stepPost(page, 'verify');
    mark = markOf(page);
    await page.click('#webauthn-retry');
    const assertion = await verify;
    for (const field of ['clientData', 'authenticatorData', 'signatureData']) {
      assert.ok(assertion.get(field), `the assertion lacks ${field}: ${assertion}`);
    }
    assert.equal(JSON.parse(Buffer.from(assertion.get('clientData'), 'base64url').toString()).type, 'webauthn.get');
    await expectSignedIn(page, context, user, mark, { amr: ['pwd', 'mfa'] });
    const [used] = await key.credentials();
    assert.ok(used.signCount > credential.signCount, `signCount ${credential.signCount} → ${used.signCount}`);
  } finally {
    await context.close();
    await undo.run();
  }
});

test('lockout after wrong passwords, unlock by the emailed link and the question, then sign-in', async () => {
  const shot = shots('unlock');
  const undo = cleanups();
  const user = await createUser({ question: [QUESTION, ANSWER] });
  const { context, page } = await openPage();
  try {
    await allowSelfService(await ownGroup(user, undo), undo, { maxAttempts: 2 });
    await openSignIn(page);
    for (let i = 0; i < 2; i++) {
      const mark = await signIn(page, user.profile.login, `wrong-${i}-${PASSWORD}`);
      await expectPage(page, 'signin');
      assert.equal(await postStatus(page, mark), 401);
    }
    // Locked: even the right password shows the locked-out page.
    let mark = await signIn(page, user.profile.login, PASSWORD);
    await expectPage(page, 'step-locked-out');
    assert.equal(await postStatus(page, mark), 403);
    await page.locator('#locked-out').waitFor();
    assert.equal((await apiOk('GET', `/api/v1/users/${user.id}`)).status, 'LOCKED_OUT');
    assert.equal((await context.cookies(orgUrl())).some((c) => c.name === 'sid'), false);
    await shot(page, 'locked-out');

    mark = await submit(page, '#unlock');
    await expectPage(page, 'recover');
    assert.equal(new URL(page.url()).pathname, '/signin/unlock');
    await shot(page, 'unlock');
    await page.fill('#username', user.profile.login);
    const seen = await keptMailIds(user.profile.login);
    mark = await submit(page, '#send-email');
    await expectPage(page, 'message');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Check your email');
    await shot(page, 'email-sent');

    const mail = await nextMail(user.profile.login, seen);
    assert.match(mail.subject, /unlock/i);
    assert.equal(mail.userId, user.id);
    const link = linkIn(mail, '/signin/unlock/');
    await page.goto(link);
    await expectPage(page, 'step-recovery');
    assert.equal((await page.locator('label[for="answer"]').innerText()).trim(), QUESTION);
    await shot(page, 'question');
    await page.fill('#answer', 'Eddystone');
    mark = await submit(page, '#submit-answer');
    await expectPage(page, 'step-recovery');
    assert.equal(await postStatus(page, mark), 403);
    assert.ok(await errorText(page), 'no error for a wrong answer');
    await shot(page, 'wrong-answer');
    await page.fill('#answer', ANSWER);
    mark = await submit(page, '#submit-answer');
    await expectPage(page, 'message');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Account unlocked');
    assert.equal((await apiOk('GET', `/api/v1/users/${user.id}`)).status, 'ACTIVE');
    await shot(page, 'unlocked');

    // The link was for one use.
    const again = await page.goto(link);
    assert.equal(again.status(), 404);
    await expectPage(page, 'message');
    await shot(page, 'link-used');

    await page.goto(`${orgUrl()}/login/login.htm`);
    await expectPage(page, 'signin');
    mark = await signIn(page, user.profile.login, PASSWORD);
    await expectSignedIn(page, context, user, mark);
  } finally {
    await context.close();
    await undo.run();
  }
});

test('forgot password: the emailed link, the question, a new password, signed in; the old one is refused', async () => {
  const shot = shots('forgot');
  const undo = cleanups();
  const user = await createUser({ question: [QUESTION, ANSWER] });
  const first = await openPage();
  try {
    await allowSelfService(await ownGroup(user, undo), undo);
    const { context, page } = first;
    await openSignIn(page);
    let mark = await submit(page, '#forgot-password');
    await expectPage(page, 'recover');
    assert.equal(new URL(page.url()).pathname, '/signin/forgot-password');
    await shot(page, 'forgot-password');

    // An unknown username gets the same answer as a known one.
    await page.fill('#username', newLogin('nobody'));
    mark = await submit(page, '#send-email');
    await expectPage(page, 'message');
    const unknown = [await postStatus(page, mark), await page.locator('main').innerText()];
    await page.goto(`${orgUrl()}/signin/forgot-password`);
    await expectPage(page, 'recover');
    await page.fill('#username', user.profile.login);
    const seen = await keptMailIds(user.profile.login);
    mark = await submit(page, '#send-email');
    await expectPage(page, 'message');
    assert.deepEqual([await postStatus(page, mark), await page.locator('main').innerText()], unknown);
    await shot(page, 'email-sent');

    const mail = await nextMail(user.profile.login, seen);
    assert.equal(mail.userId, user.id);
    const link = linkIn(mail, '/signin/reset-password/');
    await page.goto(link);
    await expectPage(page, 'step-recovery');
    await shot(page, 'question');
    await page.fill('#answer', ANSWER);
    mark = await submit(page, '#submit-answer');
    await expectPage(page, 'step-password-reset');
    assert.ok(await page.locator('#requirements').innerText(), 'no password requirements shown');
    await shot(page, 'password-reset');

    // Two passwords that differ, then one too weak: the page says why.
    await page.fill('#newPassword', NEW_PASSWORD);
    await page.fill('#confirmPassword', `${NEW_PASSWORD}!`);
    mark = await submit(page, '#reset-password');
    await expectPage(page, 'step-password-reset');
    await expectError(page, "The new passwords don't match.");
    await shot(page, 'passwords-differ');
    await page.fill('#newPassword', 'short');
    await page.fill('#confirmPassword', 'short');
    mark = await submit(page, '#reset-password');
    await expectPage(page, 'step-password-reset');
    assert.ok((await postStatus(page, mark)) >= 400);
    await expectError(page, 'Password requirements');
    await shot(page, 'password-too-weak');

    await page.fill('#newPassword', NEW_PASSWORD);
    await page.fill('#confirmPassword', NEW_PASSWORD);
    mark = await submit(page, '#reset-password');
    await expectSignedIn(page, context, user, mark);
    assert.equal((await apiOk('GET', `/api/v1/users/${user.id}`)).status, 'ACTIVE');
    assert.equal((await page.goto(link)).status(), 404, 'the link works twice');
  } finally {
    await first.context.close();
    await undo.run();
  }

  // Another browser: the old password is refused, the new one signs in.
  const { context, page } = await openPage();
  try {
    await openSignIn(page);
    let mark = await signIn(page, user.profile.login, PASSWORD);
    await expectPage(page, 'signin');
    assert.equal(await postStatus(page, mark), 401);
    await expectError(page, 'Authentication failed');
    await shot(page, 'old-password');
    mark = await signIn(page, user.profile.login, NEW_PASSWORD);
    await expectSignedIn(page, context, user, mark);
  } finally {
    await context.close();
  }
});

test('activation: the activation URL sets the first password and a recovery question, and signs in', async () => {
  const shot = shots('activation');
  const login = newLogin('activation');
  const user = await apiOk('POST', '/api/v1/users?activate=false', {
    profile: { firstName: 'Ada', lastName: 'Browser', email: login, login },
  });
  assert.equal(user.status, 'STAGED');
  const activation = await apiOk('POST', `/api/v1/users/${user.id}/lifecycle/activate?sendEmail=false`);
  assert.match(activation.activationUrl ?? '', new RegExp(`^${orgUrl()}/welcome/`), JSON.stringify(activation));
  assert.equal((await apiOk('GET', `/api/v1/users/${user.id}`)).status, 'PROVISIONED');

  const { context, page } = await openPage();
  try {
    await page.goto(activation.activationUrl);
    await expectPage(page, 'step-password-reset');
    assert.ok((await page.locator('main').innerText()).includes(login), 'the page does not name the user');
    await shot(page, 'set-password');
    await page.fill('#newPassword', 'short');
    await page.fill('#confirmPassword', 'short');
    let mark = await submit(page, '#reset-password');
    await expectPage(page, 'step-password-reset');
    await expectError(page, 'Password requirements');
    await shot(page, 'password-too-weak');
    await page.fill('#newPassword', PASSWORD);
    await page.fill('#confirmPassword', PASSWORD);
    const reset = await submit(page, '#reset-password');
    // Signed in already; the password policy uses a recovery question, which the new user
    // chooses before going on.
    await expectPage(page, 'question');
    assert.ok((await context.cookies(orgUrl())).some((c) => c.name === 'sid'), 'not signed in on the question page');
    assert.equal((await apiOk('GET', `/api/v1/users/${user.id}`)).status, 'ACTIVE');
    const questions = await page.locator('#question option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(questions.length >= 5, `questions: ${JSON.stringify(questions)}`);
    await shot(page, 'question');
    await page.selectOption('#question', questions[2]);
    await page.fill('#answer', 'abc');
    mark = await submit(page, '#save-question');
    await expectPage(page, 'question');
    assert.equal(await postStatus(page, mark), 400);
    await expectError(page, 'at least 4 characters');
    await shot(page, 'answer-too-short');
    await page.selectOption('#question', questions[2]);
    await page.fill('#answer', 'a tabby named Miso');
    await submit(page, '#save-question');
    await expectSignedIn(page, context, user, reset);
    const active = await apiOk('GET', `/api/v1/users/${user.id}`);
    assert.equal(active.credentials?.recovery_question?.question, questions[2]);
    await shot(page, 'home');

    const again = await page.goto(activation.activationUrl);
    assert.equal(again.status(), 404, 'the activation URL works twice');
    await expectPage(page, 'message');
    await shot(page, 'link-used');
  } finally {
    await context.close();
  }
});

test('an expired password is replaced at sign-in; one about to expire may be changed later', async () => {
  const shot = shots('expiry');
  const undo = cleanups();
  const expired = await createUser();
  const expiring = await createUser();
  const first = await openPage();
  try {
    const { context, page } = first;
    const answer = await apiOk('POST', `/api/v1/users/${expired.id}/lifecycle/expire_password`);
    assert.equal(answer.status, 'PASSWORD_EXPIRED');
    await openSignIn(page);
    let mark = await signIn(page, expired.profile.login, PASSWORD);
    await expectPage(page, 'step-password-expired');
    await shot(page, 'expired');
    // The current password must be the right one.
    await page.fill('#oldPassword', `${PASSWORD}x`);
    await page.fill('#newPassword', NEW_PASSWORD);
    await page.fill('#confirmPassword', NEW_PASSWORD);
    mark = await submit(page, '#change-password');
    await expectPage(page, 'step-password-expired');
    assert.ok((await postStatus(page, mark)) >= 400);
    assert.ok(await errorText(page), 'no error for a wrong current password');
    await shot(page, 'expired-wrong-password');
    await page.fill('#oldPassword', PASSWORD);
    await page.fill('#newPassword', NEW_PASSWORD);
    await page.fill('#confirmPassword', NEW_PASSWORD);
    mark = await submit(page, '#change-password');
    await expectSignedIn(page, context, expired, mark);
    assert.equal((await apiOk('GET', `/api/v1/users/${expired.id}`)).status, 'ACTIVE');
    await submit(page, '#signout');
    await expectPage(page, 'signin');
    mark = await signIn(page, expired.profile.login, PASSWORD);
    await expectPage(page, 'signin');
    assert.equal(await postStatus(page, mark), 401, 'the expired password still signs in');
  } finally {
    await first.context.close();
  }

  const { context, page } = await openPage();
  try {
    // Passwords live a day here, and the last 5 days before that are warned of.
    await allowSelfService(await ownGroup(expiring, undo), undo, { age: { maxAgeDays: 1, expireWarnDays: 5 } });
    await openSignIn(page);
    let mark = await signIn(page, expiring.profile.login, PASSWORD);
    await expectPage(page, 'step-password-warn');
    await page.locator('#oldPassword').waitFor();
    await shot(page, 'warn');
    mark = await submit(page, '#skip');
    await expectSignedIn(page, context, expiring, mark);
  } finally {
    await context.close();
    await undo.run();
  }
});

test('the dashboard\'s app link opens the app', async () => {
  const undo = cleanups();
  const user = await createUser();
  const { context, page } = await openPage();
  try {
    await assignBookmark(user, undo);
    await openSignIn(page, HOME);
    const mark = await signIn(page, user.profile.login, PASSWORD);
    await expectSignedIn(page, context, user, mark);
    const href = await page.locator('ul#apps a.app').first().getAttribute('href');
    const opened = await context.request.get(href, { maxRedirects: 0 });
    assert.ok([301, 302, 303].includes(opened.status()), `${href} answered ${opened.status()}: ${await opened.text()}`);
    assert.equal(opened.headers().location, 'https://wiki.example.com');
  } finally {
    await context.close();
    await undo.run();
  }
});

// okta-auth-js on the app's origin, configured for `clientId`, in `page` (which is on that
// origin). The result of `script` (run with `authClient` and `arg`) is returned.
async function withAuthClient(page, clientId, scopes, script, arg) {
  await page.waitForFunction(() => typeof window.OktaAuth === 'function');
  return page.evaluate(async ({ config, script, arg }) => {
    window.authClient = window.authClient ?? new window.OktaAuth(config);
    // eslint-disable-next-line no-new-func
    return new Function('authClient', 'arg', `return (async () => { ${script} })();`)(window.authClient, arg);
  }, {
    config: {
      issuer: `${orgUrl()}/oauth2/default`, clientId, redirectUri: `${site.origin}/callback`,
      scopes, pkce: true,
    },
    script,
    arg,
  });
}

// On the callback: the code exchanged (PKCE), the ID token checked, the user info read.
const PARSE_CALLBACK = `
  try {
    const { tokens, state } = await authClient.token.parseFromUrl();
    authClient.tokenManager.setTokens(tokens);
    const userInfo = await authClient.token.getUserInfo();
    const result = { claims: tokens.idToken.claims, scopes: tokens.accessToken.scopes, userInfo, state };
    document.getElementById('result').textContent = JSON.stringify(result, null, 2);
    return result;
  } catch (e) {
    const error = { error: e.name, errorCode: e.errorCode, message: e.message };
    document.getElementById('result').textContent = JSON.stringify(error, null, 2);
    return error;
  }`;

test('okta-auth-js signInWithRedirect (PKCE) signs in on the hosted page and comes back with a code', async () => {
  const shot = shots('oidc');
  const undo = cleanups();
  const user = await createUser();
  const { context, page } = await openPage();
  try {
    const { clientId } = await assignSpa(user, undo);
    const scopes = ['openid', 'profile', 'email'];
    const tokenRequests = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url() === `${orgUrl()}/oauth2/default/v1/token`) tokenRequests.push(r.postData());
    });

    assert.equal((await page.goto(`${site.origin}/start`)).status(), 200);
    await withAuthClient(page, clientId, scopes, 'await authClient.signInWithRedirect({ state: arg });', 'state-1');
    await expectPage(page, 'signin');
    const fromURI = new URL(page.url()).searchParams.get('fromURI') ?? '';
    const authorize = new URL(fromURI, orgUrl());
    assert.equal(authorize.pathname, '/oauth2/default/v1/authorize', fromURI);
    assert.equal(authorize.searchParams.get('client_id'), clientId);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('code_challenge'));
    assert.equal(authorize.searchParams.get('redirect_uri'), `${site.origin}/callback`);
    await shot(page, 'signin');

    const mark = await signIn(page, user.profile.login, PASSWORD);
    await expectSignedIn(page, context, user, mark, { to: `${site.origin}/callback`, landing: null });
    const callback = new URL(page.url());
    assert.ok(callback.searchParams.get('code'), `callback without a code: ${page.url()}`);
    assert.equal(callback.searchParams.get('state'), 'state-1');
    // The way back: continue → /authorize (a path on the org) → the app's redirect URI.
    const documents = await documentsSince(page, mark);
    const pathOf = (e) => new URL(e.url).pathname;
    assert.deepEqual(documents.map((e) => [pathOf(e), e.status]), [
      ['/login/login.htm', 200], ['/oauth2/default/v1/authorize', 302], ['/callback', 200],
    ], trailText(page));

    const result = await withAuthClient(page, clientId, scopes, PARSE_CALLBACK);
    assert.ok(!result.error, `parseFromUrl: ${JSON.stringify(result)}${problems(page)}`);
    assert.equal(result.state, 'state-1');
    assert.equal(result.claims.sub, user.id);
    assert.equal(result.claims.preferred_username, user.profile.login);
    assert.equal(result.claims.iss, `${orgUrl()}/oauth2/default`);
    assert.equal(result.claims.aud, clientId);
    assert.ok(result.claims.amr?.includes('pwd'), `amr ${JSON.stringify(result.claims.amr)}`);
    assert.deepEqual([...result.scopes].sort(), [...scopes].sort());
    assert.equal(result.userInfo.sub, user.id);
    assert.equal(result.userInfo.preferred_username, user.profile.login);
    assert.equal(result.userInfo.email, user.profile.login);
    assert.equal(tokenRequests.length, 1, `token requests: ${JSON.stringify(tokenRequests)}`);
    const exchange = new URLSearchParams(tokenRequests[0]);
    assert.equal(exchange.get('grant_type'), 'authorization_code');
    assert.ok(exchange.get('code_verifier'), 'the code was exchanged without a PKCE verifier');
    await shot(page, 'callback');

    // Signed in on the org: a second signInWithRedirect comes straight back.
    await page.goto(`${site.origin}/start`);
    await withAuthClient(page, clientId, scopes, 'await authClient.signInWithRedirect({ state: arg });', 'state-2');
    await page.waitForURL((url) => url.href.startsWith(`${site.origin}/callback?`));
    const again = await withAuthClient(page, clientId, scopes, PARSE_CALLBACK);
    assert.ok(!again.error, `parseFromUrl: ${JSON.stringify(again)}`);
    assert.equal(again.claims.sub, user.id);
  } finally {
    await context.close();
    await undo.run();
  }
});

test('consent: a scope that needs consent is asked for on the consent page; declining reaches the app as access_denied', async () => {
  const shot = shots('consent');
  const undo = cleanups();
  const user = await createUser();
  const { context, page } = await openPage();
  try {
    const scopeName = `photos.read.${suffix()}`;
    const scope = await apiOk('POST', '/api/v1/authorizationServers/default/scopes', {
      name: scopeName, displayName: 'Read photos', description: 'Read your photo albums', consent: 'REQUIRED',
    });
    undo.add(() => api('DELETE', `/api/v1/authorizationServers/default/scopes/${scope.id}`));
    const { app, clientId } = await assignSpa(user, undo, { consent_method: 'REQUIRED' });
    const scopes = ['openid', 'profile', scopeName];

    await page.goto(`${site.origin}/start`);
    await withAuthClient(page, clientId, scopes, 'await authClient.signInWithRedirect();');
    await expectPage(page, 'signin');
    let mark = await signIn(page, user.profile.login, PASSWORD);
    await expectSignedIn(page, context, user, mark, { to: `${orgUrl()}/login/consent`, landing: 'consent' });
    assert.equal((await page.locator('#client-name').innerText()).trim(), app.label);
    const asked = await page.locator('#scopes li').evaluateAll((lis) => lis.map((li) => [li.dataset.scope, li.textContent]));
    assert.ok(asked.some(([name, text]) => name === scopeName && text.includes('Read your photo albums')),
      `the consent page asks for ${JSON.stringify(asked)}`);
    await shot(page, 'consent');

    // Declined: the app gets access_denied.
    mark = await submit(page, '#deny');
    await page.waitForURL((url) => url.href.startsWith(`${site.origin}/callback?`));
    assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
    const denied = await withAuthClient(page, clientId, scopes, PARSE_CALLBACK);
    assert.equal(denied.errorCode, 'access_denied', JSON.stringify(denied));
    assert.deepEqual(await apiOk('GET', `/api/v1/users/${user.id}/grants`), []);
    await shot(page, 'denied');

    // Asked again, allowed: a grant, and tokens with the scope.
    await page.goto(`${site.origin}/start`);
    await withAuthClient(page, clientId, scopes, 'await authClient.signInWithRedirect();');
    await expectPage(page, 'consent');
    mark = await submit(page, '#allow');
    await page.waitForURL((url) => url.href.startsWith(`${site.origin}/callback?`));
    const allowed = await withAuthClient(page, clientId, scopes, PARSE_CALLBACK);
    assert.ok(!allowed.error, `parseFromUrl: ${JSON.stringify(allowed)}`);
    assert.ok(allowed.scopes.includes(scopeName), `scopes ${JSON.stringify(allowed.scopes)}`);
    const grants = await apiOk('GET', `/api/v1/users/${user.id}/grants`);
    assert.deepEqual(grants.map((g) => [g.clientId, g.scopeId, g.status]), [[clientId, scope.id, 'ACTIVE']]);
    await shot(page, 'allowed');
  } finally {
    await context.close();
    await undo.run();
  }
});

// A form post to an OAuth endpoint of the org, as a device (not the browser) makes it.
async function devicePost(urlPath, fields) {
  const response = await fetch(`${orgUrl()}${urlPath}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

test('device authorization: the code is entered on /activate, signed in and allowed; the device gets its tokens', async () => {
  const shot = shots('device');
  const undo = cleanups();
  const user = await createUser();
  const { context, page } = await openPage();
  try {
    const tv = await apiOk('POST', '/api/v1/apps', {
      name: 'oidc_client',
      label: `Living Room TV ${suffix()}`,
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'none' } },
      settings: {
        oauthClient: {
          application_type: 'native',
          grant_types: ['authorization_code', DEVICE_GRANT],
          response_types: ['code'],
          redirect_uris: ['com.example.tv:/callback'],
        },
      },
    });
    undo.add(() => removeApp(tv.id));
    await apiOk('POST', `/api/v1/apps/${tv.id}/users`, { id: user.id });
    const clientId = tv.credentials.oauthClient.client_id;

    const started = await devicePost('/oauth2/default/v1/device/authorize', { client_id: clientId, scope: 'openid profile' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const { device_code: deviceCode, user_code: userCode, verification_uri: verificationUri } = started.body;
    assert.equal(verificationUri, `${orgUrl()}/activate`);
    const poll = () => devicePost('/oauth2/default/v1/token', { client_id: clientId, grant_type: DEVICE_GRANT, device_code: deviceCode });
    const pending = await poll();
    const polledAt = Date.now();
    assert.equal(pending.body?.error, 'authorization_pending', JSON.stringify(pending.body));

    // The user opens the verification URI: sign in first, then the code.
    await page.goto(verificationUri);
    await expectPage(page, 'signin');
    assert.equal(new URL(page.url()).searchParams.get('fromURI'), '/activate');
    let mark = await signIn(page, user.profile.login, PASSWORD);
    await expectSignedIn(page, context, user, mark, { to: '/activate', landing: 'activate' });
    await shot(page, 'code');
    await page.fill('#user_code', 'BCDFGHJK');
    await submit(page, '#next');
    await expectPage(page, 'activate');
    await expectError(page, 'That code is not valid or has expired');
    await shot(page, 'wrong-code');
    await page.fill('#user_code', userCode);
    await submit(page, '#next');
    await expectPage(page, 'activate');
    assert.equal((await page.locator('#client-name').innerText()).trim(), tv.label);
    assert.equal((await page.locator('#user-code').innerText()).trim(), userCode);
    await shot(page, 'device');
    mark = await submit(page, '#allow');
    await expectPage(page, 'message');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Device activated');
    await shot(page, 'activated');

    // The device, polling no faster than every 5 seconds, gets its tokens once.
    const wait = polledAt + 5_500 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const tokens = await poll();
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.token_type, 'Bearer');
    assert.ok(tokens.body.access_token);
    const claims = JSON.parse(Buffer.from(tokens.body.id_token.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, user.id);
    assert.equal(claims.aud, clientId);
    assert.equal(claims.preferred_username, user.profile.login);
  } finally {
    await context.close();
    await undo.run();
  }
});
