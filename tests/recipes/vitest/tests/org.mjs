// The org the global setup started, and JSON calls to its API (the Authn API and the test
// control endpoints, which Okta's Management SDK does not cover).
import { inject } from 'vitest';

export const org = inject('org');

// One JSON request; answers { status, body }. `admin: false` sends no token (the Authn API
// is public).
export async function call(method, path, body, { admin = true } = {}) {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (admin) headers.Authorization = `SSWS ${org.token}`;
  const answer = await fetch(org.url + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : null };
}

export const resetOrg = () => call('POST', '/_latchkey/reset');
export const advanceClock = (duration) => call('POST', '/_latchkey/clock', { advance: duration });
