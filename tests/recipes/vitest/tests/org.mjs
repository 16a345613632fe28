// The org the global setup started, and its control endpoints.
import { inject } from 'vitest';

export const org = inject('org');

export async function call(method, path, body, { token = true } = {}) {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `SSWS ${org.token}`;
  const answer = await fetch(org.url + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : null };
}

export const reset = () => call('POST', '/_latchkey/reset');
export const advance = (by) => call('POST', '/_latchkey/clock', { advance: by });
