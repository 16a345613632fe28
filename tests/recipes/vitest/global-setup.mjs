// Vitest global setup: starts one ephemeral Latchkey for the whole run, hands its URL, admin
// token and CA to the tests (`inject('org')`) and stops it at the end.
//
// Jest: the same code works as `globalSetup` (start, and put the org in process.env instead
// of `provide`) plus `globalTeardown` (stop); Jest's workers also start after the setup.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ORG_FILE = fileURLToPath(new URL('../../test-org/org.yaml', import.meta.url));
// A fixed token, so a failing test can be replayed by hand with curl.
const ADMIN_TOKEN = 'vitest-recipe-token-0123456789';
const START_TIMEOUT_MS = 30_000;

export default async function setup({ provide }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-vitest-'));
  // Removed when Vitest itself exits, after its last worker (see the CA below).
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const readyFile = path.join(dir, 'org.json');
  const logFile = path.join(dir, 'server.log');

  const log = fs.openSync(logFile, 'w');
  const server = spawn(process.env.LATCHKEY_BIN ?? 'latchkey', [
    'serve', '--ephemeral', '--listen', '127.0.0.1:0', '--seed', ORG_FILE,
    '--admin-token', ADMIN_TOKEN, '--ready-file', readyFile,
  ], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let failure = null;
  server.once('error', (error) => { failure = error; }); // e.g. no binary at that path
  const exited = new Promise((resolve) => server.once('close', resolve));
  exited.then(() => { failure ??= new Error(`exited with ${server.exitCode ?? server.signalCode}`); });

  // The server writes the ready file in one piece once the seed is applied.
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!fs.existsSync(readyFile)) {
    if (failure || Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error(`latchkey did not become ready (${failure ?? 'timeout'}):\n${fs.readFileSync(logFile, 'utf8')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ready = JSON.parse(fs.readFileSync(readyFile, 'utf8'));

  // Node trusts NODE_EXTRA_CA_CERTS only as a process starts: the test workers are child
  // processes (pool: 'forks') started after this setup, so they inherit it. It names a copy,
  // because the server deletes its CA at exit while Vitest may still start a spare worker.
  const ca = path.join(dir, 'ca.pem');
  fs.copyFileSync(ready.caCertificate, ca);
  process.env.NODE_EXTRA_CA_CERTS = ca;
  provide('org', { url: ready.orgUrl, token: ready.token, ca });

  return async function teardown() {
    server.kill('SIGTERM'); // the server deletes its data and the ready file
    await exited;
  };
}
