// Helpers for the browser tests: Chromium through playwright-core, the admin API, TOTP codes,
// the org's mailbox, screenshots and a small static HTTP server for the test pages.
//
// The org comes from OKTA_ORG_URL / OKTA_API_TOKEN; Node's fetch trusts the server's CA
// through NODE_EXTRA_CA_CERTS (tests/browser/run.sh sets all three). The mailbox is read with
// the server's CLI (LATCHKEY_BIN) on its store (LATCHKEY_DATA_DIR, LATCHKEY_DATABASE_URL). Chromium is the system
// one (/usr/bin/chromium, or LATCHKEY_CHROMIUM): playwright-core downloads no browser.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PASSWORD = 'Tr0ub4dor&3Zebra';
export const NEW_PASSWORD = 'Corr3ct-H0rse-Staple';

// Generous: the classic widget bundle is 1.3 MB of JavaScript and the machine may be busy.
export const TIMEOUT = 30_000;

export function orgUrl() {
  const url = process.env.OKTA_ORG_URL;
  assert.ok(url, 'OKTA_ORG_URL is not set (run tests/browser/run.sh)');
  return url.replace(/\/$/, '');
}

export function apiToken() {
  const token = process.env.OKTA_API_TOKEN;
  assert.ok(token, 'OKTA_API_TOKEN is not set (run tests/browser/run.sh)');
  return token;
}

export function suffix() {
  return randomBytes(6).toString('hex');
}

export function newLogin(kind = 'browser') {
  return `${kind}-${suffix()}@example.com`;
}

// ------------------------------------------------------------------ the admin API

// One management call with the API token. Answers { status, headers, body } (body parsed
// when it is JSON, else the text); never throws on an HTTP error.
export async function api(method, urlPath, body) {
  const headers = { Authorization: `SSWS ${apiToken()}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${orgUrl()}${urlPath}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed };
}

// The same, asserting a 2xx answer; returns the body.
export async function apiOk(method, urlPath, body) {
  const answer = await api(method, urlPath, body);
  assert.ok(answer.status >= 200 && answer.status < 300,
    `${method} ${urlPath} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

// An ACTIVE user with a password (and a recovery question when `question` is [q, a]).
export async function createUser({ password = PASSWORD, question, login = newLogin() } = {}) {
  const credentials = { password: { value: password } };
  if (question) credentials.recovery_question = { question: question[0], answer: question[1] };
  const user = await apiOk('POST', '/api/v1/users?activate=true', {
    profile: { firstName: 'Ada', lastName: 'Browser', email: login, login },
    credentials,
  });
  assert.match(user.id ?? '', /^00u/, `createUser: ${JSON.stringify(user)}`);
  assert.equal(user.status, 'ACTIVE');
  return user;
}

// A trusted origin with the CORS and REDIRECT scopes; returns it (delete it with its id).
export async function trustOrigin(origin) {
  const created = await apiOk('POST', '/api/v1/trustedOrigins', {
    name: `browser-tests-${suffix()}`,
    origin,
    scopes: [{ type: 'CORS' }, { type: 'REDIRECT' }],
  });
  assert.equal(created.origin, origin);
  assert.equal(created.status, 'ACTIVE');
  return created;
}

// ------------------------------------------------------------------ TOTP (RFC 6238)

export const TOTP_STEP_SECONDS = 30;

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const char of text.toUpperCase().replace(/=+$/, '')) {
    const index = alphabet.indexOf(char);
    assert.ok(index >= 0, `not base32: ${text}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

export const currentStep = () => Math.floor(Date.now() / 1000 / TOTP_STEP_SECONDS);

// The 6-digit HMAC-SHA1 code of `secret` (base32) for time step `step` (default: now).
export function totp(secret, step = currentStep()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

// A 6-digit code that is none of the codes around `step`, so the server must refuse it.
export function wrongTotp(secret, step = currentStep()) {
  const near = new Set([-2, -1, 0, 1, 2, 3].map((d) => totp(secret, step + d)));
  return ['000000', '111111', '222222', '333333'].find((code) => !near.has(code));
}

// ------------------------------------------------------------------ the org's mailbox

// The server runs without SMTP: every email stays in the org's mailbox, which
// `latchkey outbox list` reads from the store. Delivery to it is asynchronous.

// The newest kept emails to `to` (newest first), as { id, userId, to, subject, keptAt, text,
// html }.
export async function keptMail(to, limit = 5) {
  const bin = process.env.LATCHKEY_BIN;
  const dataDir = process.env.LATCHKEY_DATA_DIR;
  assert.ok(bin && dataDir, 'LATCHKEY_BIN / LATCHKEY_DATA_DIR are not set (run tests/browser/run.sh)');
  const args = ['outbox', 'list', '--to', to, '--limit', String(limit), '--json', '--data-dir', dataDir];
  // Only the flags count: the CLI also reads LATCHKEY_* variables, and an empty
  // LATCHKEY_DATABASE_URL is not "no database URL" to it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LATCHKEY_')));
  if (process.env.LATCHKEY_DATABASE_URL) args.push('--database-url', process.env.LATCHKEY_DATABASE_URL);
  const { stdout } = await promisify(execFile)(bin, args, { env, timeout: TIMEOUT });
  const mails = JSON.parse(stdout);
  assert.ok(Array.isArray(mails), `outbox list answered ${stdout}`);
  return mails;
}

// The ids of the emails to `to` kept so far (to tell the next one from them).
export async function keptMailIds(to) {
  return (await keptMail(to, 50)).map((m) => m.id);
}

// The newest email to `to` that is not one of `seen` (ids), waiting up to `timeout` ms for it.
export async function nextMail(to, seen = [], timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const fresh = (await keptMail(to)).find((m) => !seen.includes(m.id));
    if (fresh) return fresh;
    if (Date.now() > deadline) assert.fail(`no new email to ${to} in the org's mailbox after ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// ------------------------------------------------------------------ the browser

export function chromiumPath() {
  const executable = process.env.LATCHKEY_CHROMIUM || '/usr/bin/chromium';
  assert.ok(fs.existsSync(executable),
    `no Chromium at ${executable} (apt-get install chromium, or set LATCHKEY_CHROMIUM)`);
  return executable;
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
}

// A fresh context (no cookies) that accepts the server's self-signed chain, with a page
// whose console errors, page errors and failed requests are kept in `page.problems` for
// failure messages.
export async function newPage(browser) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1000, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    page.problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) {
      page.problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
    }
  });
  return { context, page };
}

// What the page saw go wrong, for an assertion message.
export function problems(page) {
  return page.problems?.length ? `\nthe page saw:\n  ${page.problems.join('\n  ')}` : '';
}

export function screenshotDir() {
  const dir = process.env.LATCHKEY_SCREENSHOTS || path.join(os.tmpdir(), 'latchkey-browser-screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// A full-page PNG named `<name>.png` in LATCHKEY_SCREENSHOTS; returns its path.
export async function screenshot(page, name) {
  const file = path.join(screenshotDir(), `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// ------------------------------------------------------------------ the test pages' origin

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.properties': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
};

// A static HTTP server on 127.0.0.1 (a random port), another origin than the org.
//   pages:  { '/path': (url) => html }         generated pages
//   mounts: { '/prefix/': '/a/directory' }     files below a directory (GET only)
// `origin` is `http://localhost:<port>` (the origin the browser sends, to trust on the org);
// `requests` lists every path asked for. close() ends it.
export async function startStaticServer({ pages = {}, mounts = {} } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    requests.push(`${req.method} ${url.pathname}`);
    const send = (status, type, body) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed');
    const page = pages[url.pathname];
    if (page) return send(200, TYPES['.html'], page(url));
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!url.pathname.startsWith(prefix)) continue;
      const root = path.resolve(dir);
      const file = path.resolve(root, `.${decodeURIComponent(url.pathname.slice(prefix.length - 1))}`);
      if (file !== root && !file.startsWith(root + path.sep)) return send(403, 'text/plain', 'forbidden');
      let stat;
      try {
        stat = fs.statSync(file);
      } catch {
        return send(404, 'text/plain', 'not found');
      }
      if (!stat.isFile()) return send(404, 'text/plain', 'not found');
      return send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
    }
    return send(404, 'text/plain', 'not found');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://localhost:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
