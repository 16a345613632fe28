// A relying party that knows nothing of Okta: openid-client 6.9.1 (a certified OpenID
// Connect library) against the `default` authorization server: discovery, the
// authorization code flow with PKCE and a nonce (its own ID token validation against the
// published keys), userinfo, and a refresh. The user signs in through the Authentication
// API and the browser's redirect is followed by hand (Node has no browser).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as oidc from 'openid-client';
import { PASSWORD, apiToken, createUser, newClient, orgUrl } from './helpers.mjs';

const REDIRECT = 'https://rp.example.com/callback';

async function admin(method, path, body) {
  const res = await fetch(`${orgUrl()}${path}`, {
    method,
    headers: {
      Authorization: `SSWS ${apiToken()}`,
      Accept: 'application/json',
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

test('openid-client discovers the server, runs code + PKCE, reads userinfo and refreshes', async () => {
  const app = await admin('POST', '/api/v1/apps', {
    name: 'oidc_client',
    label: 'Generic relying party',
    signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_basic' } },
    settings: {
      oauthClient: {
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT],
      },
    },
  });
  const { client_id: clientId, client_secret: secret } = app.credentials.oauthClient;
  const user = await createUser(newClient(), { password: PASSWORD, activate: true });
  await admin('POST', `/api/v1/apps/${app.id}/users`, { id: user.id });

  const config = await oidc.discovery(
    new URL(`${orgUrl()}/oauth2/default`),
    clientId,
    secret,
    oidc.ClientSecretBasic(secret),
  );
  assert.equal(config.serverMetadata().issuer, `${orgUrl()}/oauth2/default`);

  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const authorizeUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile email offline_access',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  });

  // The browser part: sign in, then follow /authorize with the session token.
  const authn = await fetch(`${orgUrl()}/api/v1/authn`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username: user.profile.login, password: PASSWORD }),
  });
  const { sessionToken } = await authn.json();
  authorizeUrl.searchParams.set('sessionToken', sessionToken);
  const redirected = await fetch(authorizeUrl, { redirect: 'manual' });
  assert.equal(redirected.status, 302, await redirected.text());
  const callback = new URL(redirected.headers.get('location'));

  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  assert.equal(claims.sub, user.id);
  assert.equal(claims.email, user.profile.login);
  assert.ok(tokens.refresh_token);

  const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
  assert.equal(info.preferred_username, user.profile.login);
  assert.equal(info.email_verified, true);

  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.ok(refreshed.access_token && refreshed.access_token !== tokens.access_token);
  assert.equal(refreshed.claims().sub, user.id);

  // A tampered callback state is caught by the library.
  await assert.rejects(
    oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: 'another-state',
    }),
  );
});
