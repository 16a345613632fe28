// Starts `latchkey serve --ephemeral` with the org file, waits for its ready file and hands
// the org (URL, admin token, CA) to the tests; stops it when the run ends.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const orgFile = path.join(here, '..', '..', 'test-org', 'org.yaml');

export default async function setup({ provide }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitest-org-'));
  const readyFile = path.join(dir, 'org.json');
  const log = fs.openSync(path.join(dir, 'server.log'), 'w');
  const server = spawn(process.env.LATCHKEY_BIN ?? 'latchkey', [
    'serve', '--ephemeral', '--listen', '127.0.0.1:0', '--seed', orgFile,
    '--admin-token', 'vitest-recipe-token-0123456789', '--ready-file', readyFile,
  ], { stdio: ['ignore', log, log] });
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(readyFile)) {
    if (server.exitCode !== null || Date.now() > deadline) {
      server.kill();
      throw new Error(`latchkey did not start:\n${fs.readFileSync(path.join(dir, 'server.log'), 'utf8')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const org = JSON.parse(fs.readFileSync(readyFile, 'utf8'));
  process.env.NODE_EXTRA_CA_CERTS = org.caCertificate;
  provide('org', { url: org.orgUrl, token: org.token, ca: org.caCertificate });
  return async () => {
    delete process.env.NODE_EXTRA_CA_CERTS; // the CA goes with the org
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  };
}
