// Helpers for the SDK contract tests through @okta/okta-sdk-nodejs 8.x.
//
// The org comes from OKTA_ORG_URL / OKTA_API_TOKEN; the server's CA must be trusted at
// process start through NODE_EXTRA_CA_CERTS (tests/sdk/run.sh sets all three).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import okta from '@okta/okta-sdk-nodejs';

export const PASSWORD = 'Tr0ub4dor&3Zebra';
export const NEW_PASSWORD = 'Corr3ct-H0rse-Staple';
export const THIRD_PASSWORD = 'Qu1et-Lantern-Ember';
export const FIRST_NAME = 'Grace';

export function orgUrl() {
  const url = process.env.OKTA_ORG_URL;
  assert.ok(url, 'OKTA_ORG_URL is not set (run tests/sdk/run.sh)');
  return url.replace(/\/$/, '');
}

export function apiToken() {
  const token = process.env.OKTA_API_TOKEN;
  assert.ok(token, 'OKTA_API_TOKEN is not set (run tests/sdk/run.sh)');
  return token;
}

export function newClient(options = {}) {
  return new okta.Client({ orgUrl: orgUrl(), token: apiToken(), ...options });
}

export function suffix() {
  return randomBytes(6).toString('hex');
}

export function newLogin(kind = 'node') {
  return `sdk-${kind}-${suffix()}@example.com`;
}

export function profile(fields = {}) {
  const login = fields.login ?? newLogin();
  return { firstName: FIRST_NAME, lastName: 'Hopper', email: login, login, ...fields };
}

export async function createUser(client, { password, question, activate, ...fields } = {}) {
  const body = { profile: profile(fields) };
  const credentials = {};
  if (password !== undefined) credentials.password = { value: password };
  if (question !== undefined) {
    credentials.recovery_question = { question: question[0], answer: question[1] };
  }
  if (Object.keys(credentials).length) body.credentials = credentials;
  const params = { body };
  if (activate !== undefined) params.activate = activate;
  const user = await client.userApi.createUser(params);
  assert.ok(user?.id, 'createUser returned no user');
  return user;
}

// Asserts `promise` rejects with Okta's error object for `code` and HTTP `status`.
export async function expectOktaError(promise, status, code) {
  let error;
  try {
    const value = await promise;
    assert.fail(`expected ${status} ${code}, the call succeeded with ${JSON.stringify(value)}`);
  } catch (caught) {
    if (caught instanceof assert.AssertionError) throw caught;
    error = caught;
  }
  assert.equal(error.name, 'OktaApiError', `expected an Okta error object, got ${error.stack || error}`);
  assert.deepEqual([error.status, error.errorCode], [status, code],
    `expected ${status} ${code}, got ${error.status} ${error.errorCode}: ${error.errorSummary}`);
  assert.ok(error.errorSummary, 'errorSummary is empty');
  assert.equal(error.errorLink, code, 'errorLink must equal errorCode');
  assert.ok(error.errorId, 'errorId is empty');
  assert.ok(Array.isArray(error.errorCauses), 'errorCauses is not an array');
  return error;
}

export function assertDate(value, name) {
  assert.ok(value instanceof Date && !Number.isNaN(value.getTime()),
    `${name} is ${value}, expected a timestamp`);
  return value;
}

export async function collect(collection) {
  const items = [];
  for await (const item of collection) items.push(item);
  return items;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function psql(sql) {
  const admin = process.env.LATCHKEY_SDK_PG_ADMIN ?? `${process.env.LATCHKEY_SDK_PG_BASE}/test`;
  execFileSync('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: 'ignore' });
}

// A fresh Latchkey of its own (own data folder, CA, admin token, and on the PostgreSQL run
// its own database) for tests that revoke the token they run with.
export async function startPrivateServer() {
  const binary = process.env.LATCHKEY_BIN;
  assert.ok(binary, 'LATCHKEY_BIN is not set (run tests/sdk/run.sh)');
  const port = await freePort();
  const url = `https://localhost:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-sdk-private-'));
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--public-url', url];
  let database;
  if (process.env.LATCHKEY_SDK_BACKEND === 'postgres') {
    database = `latchkey_sdk_${suffix()}`;
    psql(`create database ${database}`);
    args.push('--database-url', `${process.env.LATCHKEY_SDK_PG_BASE}/${database}`);
  }
  const logPath = path.join(dataDir, 'server.log');
  const log = fs.openSync(logPath, 'w');
  const child = spawn(binary, args, { stdio: ['ignore', log, log] });
  let exited = false;
  const exitPromise = new Promise((resolve) => child.once('exit', () => { exited = true; resolve(); }));

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitPromise;
      clearTimeout(timer);
    }
    fs.closeSync(log);
    if (database) psql(`drop database if exists ${database} with (force)`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  const caPath = path.join(dataDir, 'ca.pem');
  const tokenPath = path.join(dataDir, 'admin-token');
  const deadline = Date.now() + 30_000;
  let ready = false;
  while (!ready && Date.now() < deadline) {
    if (exited) break;
    if (fs.existsSync(caPath) && fs.existsSync(tokenPath)) {
      ready = await healthy(url, fs.readFileSync(caPath));
    }
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (!ready) {
    const tail = fs.readFileSync(logPath, 'utf8').slice(-2000);
    await stop();
    throw new Error(`private latchkey did not become healthy within 30s:\n${tail}`);
  }

  const ca = fs.readFileSync(caPath);
  const token = fs.readFileSync(tokenPath, 'utf8').trim();
  // NODE_EXTRA_CA_CERTS names the shared server's CA and is read once at process start;
  // this server's CA goes in through the SDK's documented requestExecutor option.
  const agent = new https.Agent({ ca });
  class TrustingExecutor extends okta.DefaultRequestExecutor {
    fetch(request) {
      request.agent = agent;
      return super.fetch(request);
    }
  }
  const client = (withToken = token) =>
    new okta.Client({ orgUrl: url, token: withToken, requestExecutor: new TrustingExecutor() });
  return { url, token, client, stop };
}

function healthy(url, ca) {
  return new Promise((resolve) => {
    const request = https.get(`${url}/health`, { ca, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => { request.destroy(); resolve(false); });
  });
}

// ------------------------------------------------------------------ mail from the SMTP sink
//
// tests/sdk/smtp_sink.py writes each message it accepts to LATCHKEY_SDK_MAILDIR as `<n>.eml`
// (arrival order, renamed into place whole), with a `Delivered-To:` line per recipient.

export function maildir() {
  const dir = process.env.LATCHKEY_SDK_MAILDIR;
  assert.ok(dir, 'LATCHKEY_SDK_MAILDIR is not set (run tests/sdk/run.sh)');
  return dir;
}

// Header block and body of one RFC 822 entity; header names lower-cased, folded lines joined.
function parseEntity(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body, encoding, charset) {
  let bytes;
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'base64':
      bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
      break;
    case 'quoted-printable':
      bytes = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g,
        (_, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
      break;
    default:
      bytes = Buffer.from(body, 'latin1');
  }
  return bytes.toString(/^(us-ascii|utf-?8)?$/i.test(charset ?? '') ? 'utf8' : 'latin1');
}

// The text of the first text/plain (else text/html) part, transfer encoding undone.
function textOf(entity) {
  const type = entity.headers['content-type']?.[0] ?? 'text/plain';
  const param = (name) => type.match(new RegExp(`${name}="?([^";]+)"?`, 'i'))?.[1];
  if (/^multipart\//i.test(type)) {
    const boundary = param('boundary');
    const parts = entity.body.split(`--${boundary}`).slice(1)
      .filter((part) => !part.startsWith('--'))
      .map((part) => parseEntity(part.replace(/^\r?\n/, '')));
    const pick = (re) => parts.find((p) => re.test(p.headers['content-type']?.[0] ?? 'text/plain'));
    const part = pick(/^text\/plain/i) ?? pick(/^text\/html/i) ?? pick(/^multipart\//i);
    return part ? textOf(part) : '';
  }
  return decodeBody(entity.body, entity.headers['content-transfer-encoding']?.[0], param('charset'));
}

// Every message the sink holds for `address` (envelope recipient or To:), oldest first.
export function messagesTo(address) {
  const dir = maildir();
  const wanted = address.toLowerCase();
  return fs.readdirSync(dir)
    .filter((name) => /^\d+\.eml$/.test(name))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((name) => parseEntity(fs.readFileSync(path.join(dir, name), 'latin1')))
    .filter(({ headers }) => [...(headers['delivered-to'] ?? []), ...(headers.to ?? [])]
      .some((value) => value.toLowerCase().split(/[\s,<>]+/).includes(wanted)));
}

// The first 6-digit number in a message's text.
export function codeIn(message) {
  const text = textOf(message);
  const match = text.match(/\b\d{6}\b/);
  assert.ok(match, `no 6-digit code in the message body:\n${text}`);
  return match[0];
}

// The recovery token of an Authn recovery email ("Your recovery token is <token>").
export function recoveryTokenIn(message) {
  const text = textOf(message);
  const match = text.match(/recovery token is\s+([0-9A-Za-z_-]+)/);
  assert.ok(match, `no "recovery token is <token>" in the message body:\n${text}`);
  return match[1];
}

// The mail to one address from now on: `await box.nextCode()` waits (polling, up to
// `timeoutMs`) for the next message to the address this inbox has not returned yet and
// gives the code in it (`nextRecoveryToken()` the recovery token, `nextMessage()` the
// parsed message). Create it before the call that sends mail.
export function inbox(address) {
  let seen = messagesTo(address).length;
  const box = {
    address,
    count: () => messagesTo(address).length,
    async nextMessage(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const messages = messagesTo(address);
        if (messages.length > seen) {
          seen += 1;
          return messages[seen - 1];
        }
        assert.ok(Date.now() < deadline,
          `no new mail to ${address} within ${timeoutMs} ms (${seen} earlier in ${maildir()})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async nextCode(timeoutMs = 10_000) {
      return codeIn(await box.nextMessage(timeoutMs));
    },
    async nextRecoveryToken(timeoutMs = 10_000) {
      return recoveryTokenIn(await box.nextMessage(timeoutMs));
    },
  };
  return box;
}

// ------------------------------------------------------------------ TOTP (RFC 6238)

export const TOTP_TIME_STEP = 30;

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = [];
  let bits = 0;
  let value = 0;
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

// The 6-digit code of time step `step` for a base32 secret (HMAC-SHA1, RFC 4226 truncation).
export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const number = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(number % 1_000_000).padStart(6, '0');
}

export const currentStep = () => Math.floor(Date.now() / 1000 / TOTP_TIME_STEP);

// A 6-digit code that is none of the codes around `step` (so the server must refuse it).
export function wrongTotp(secret, step) {
  const window = new Set([-2, -1, 0, 1, 2, 3].map((d) => totp(secret, step + d)));
  return ['000000', '111111', '222222', '333333', '444444', '555555'].find((code) => !window.has(code));
}
