// The OpenID Connect & OAuth 2.0 API through @okta/okta-auth-js 8.0.1 and
// @okta/jwt-verifier 4.0.2, as an app signs its users in:
// signInWithCredentials → sessionToken → /authorize with PKCE (followed by hand: Node has no
// browser to redirect) → token.exchangeCodeForTokens (which checks the ID token against the
// published keys) → token.renewTokens (refresh token) → revokeAccessToken; and a resource
// server checking the tokens with jwt-verifier. The app and its user's assignment are made
// over the management API with the SSWS token. Then @okta/okta-sdk-nodejs in `PrivateKey`
// authorization mode: a service app granted okta.* scopes gets its own token from the org
// authorization server (client_credentials + private_key_jwt) and manages users with it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OktaAuth } from '@okta/okta-auth-js';
import OktaJwtVerifier from '@okta/jwt-verifier';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import okta from '@okta/okta-sdk-nodejs';
import { PASSWORD, apiToken, createUser, newClient, orgUrl, profile } from './helpers.mjs';

const REDIRECT = 'https://app.example.com/callback';
const LOGGED_OUT = 'https://app.example.com/bye';

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

// A single-page app with refresh-token rotation, its user assigned: [clientId, login].
async function spaWithUser() {
  const app = await admin('POST', '/api/v1/apps', {
    name: 'oidc_client',
    label: 'SDK single-page app',
    signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { token_endpoint_auth_method: 'none' } },
    settings: {
      oauthClient: {
        application_type: 'browser',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT],
        post_logout_redirect_uris: [LOGGED_OUT],
        refresh_token: { rotation_type: 'ROTATE', leeway: 30 },
      },
    },
  });
  const user = await createUser(newClient(), { password: PASSWORD, activate: true });
  await admin('POST', `/api/v1/apps/${app.id}/users`, { id: user.id });
  return [app.credentials.oauthClient.client_id, user.profile.login, user.id];
}

// Follows /authorize by hand the way a browser would, with the session token: the code.
async function authorizeCode(authClient, params, sessionToken) {
  const query = new URLSearchParams({
    client_id: authClient.options.clientId,
    response_type: 'code',
    scope: params.scopes.join(' '),
    redirect_uri: REDIRECT,
    state: params.state,
    nonce: params.nonce,
    code_challenge: params.codeChallenge,
    code_challenge_method: params.codeChallengeMethod,
    sessionToken,
  });
  const res = await fetch(`${authClient.options.issuer}/v1/authorize?${query}`, {
    redirect: 'manual',
  });
  assert.equal(res.status, 302, await res.text());
  const location = new URL(res.headers.get('location'));
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
  assert.equal(location.searchParams.get('state'), params.state);
  return location.searchParams.get('code');
}

test('okta-auth-js signs in, exchanges a PKCE code, renews with a refresh token and revokes', async () => {
  const [clientId, login, userId] = await spaWithUser();
  const issuer = `${orgUrl()}/oauth2/default`;
  const authClient = new OktaAuth({
    issuer,
    clientId,
    redirectUri: REDIRECT,
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    pkce: true,
    // No timers: a test process must end when its test does.
    tokenManager: { autoRenew: false, autoRemove: false },
    services: { autoRenew: false, autoRemove: false, syncStorage: false },
  });
  const transaction = await authClient.signInWithCredentials({ username: login, password: PASSWORD });
  assert.equal(transaction.status, 'SUCCESS');
  const params = await authClient.token.prepareTokenParams();
  assert.equal(params.codeChallengeMethod, 'S256');
  const code = await authorizeCode(authClient, params, transaction.sessionToken);

  const { tokens } = await authClient.token.exchangeCodeForTokens({
    authorizationCode: code,
    codeVerifier: params.codeVerifier,
    nonce: params.nonce,
  });
  assert.ok(tokens.accessToken && tokens.idToken && tokens.refreshToken);
  assert.equal(tokens.idToken.claims.sub, userId);
  assert.equal(tokens.idToken.claims.email, login);
  assert.equal(tokens.idToken.claims.nonce, params.nonce);
  assert.equal(authClient.token.decode(tokens.accessToken.accessToken).payload.uid, userId);
  assert.deepEqual(tokens.accessToken.scopes, ['openid', 'profile', 'email', 'offline_access']);

  // The same tokens, checked by a resource server against the published keys.
  const verifier = new OktaJwtVerifier({ issuer, clientId });
  const access = await verifier.verifyAccessToken(tokens.accessToken.accessToken, 'api://default');
  assert.equal(access.claims.cid, clientId);
  assert.equal(access.claims.sub, login);
  const id = await verifier.verifyIdToken(tokens.idToken.idToken, clientId, params.nonce);
  assert.equal(id.claims.sub, userId);
  await assert.rejects(verifier.verifyAccessToken(tokens.accessToken.accessToken, 'api://other'));
  const forged = tokens.accessToken.accessToken.slice(0, -4) + 'AAAA';
  await assert.rejects(verifier.verifyAccessToken(forged, 'api://default'));

  // userinfo through okta-auth-js.
  const info = await authClient.token.getUserInfo(tokens.accessToken, tokens.idToken);
  assert.equal(info.sub, userId);
  assert.equal(info.preferred_username, login);

  // Refresh: a rotated refresh token and a new access token.
  authClient.tokenManager.setTokens(tokens);
  const renewed = await authClient.token.renewTokens();
  assert.ok(renewed.accessToken.accessToken !== tokens.accessToken.accessToken);
  assert.ok(renewed.refreshToken.refreshToken !== tokens.refreshToken.refreshToken);
  await verifier.verifyAccessToken(renewed.accessToken.accessToken, 'api://default');

  // Revocation: the access token is inactive for introspection and refused by userinfo.
  await authClient.revokeAccessToken(renewed.accessToken);
  const introspected = await fetch(`${issuer}/v1/introspect`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId, token: renewed.accessToken.accessToken }),
  });
  assert.deepEqual(await introspected.json(), { active: false });
  await assert.rejects(authClient.token.getUserInfo(renewed.accessToken, renewed.idToken));

  // Sign-out: the discovery document's end_session_endpoint with the ID token.
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const logout = new URL(discovery.end_session_endpoint);
  logout.search = new URLSearchParams({
    id_token_hint: tokens.idToken.idToken,
    post_logout_redirect_uri: LOGGED_OUT,
    state: 'bye',
  }).toString();
  const out = await fetch(logout, { redirect: 'manual' });
  assert.equal(out.status, 302);
  assert.equal(out.headers.get('location'), `${LOGGED_OUT}?state=bye`);

  authClient.tokenManager.clear();
  await authClient.stop();
});

// A service app with the public half of a new RSA key, granted `scopes` and holding the
// admin role `role` (none when null): [clientId, private JWK].
async function serviceApp(scopes, role = 'USER_ADMIN') {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex') };
  const app = await admin('POST', '/api/v1/apps', {
    name: 'oidc_client',
    label: 'SDK service app',
    signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt' } },
    settings: {
      oauthClient: {
        application_type: 'service',
        grant_types: ['client_credentials'],
        jwks: { keys: [{ kty: 'RSA', kid: jwk.kid, e: jwk.e, n: jwk.n }] },
      },
    },
  });
  for (const scopeId of scopes) {
    await admin('POST', `/api/v1/apps/${app.id}/grants`, { issuer: orgUrl(), scopeId });
  }
  const clientId = app.credentials.oauthClient.client_id;
  if (role) await admin('POST', `/oauth2/v1/clients/${clientId}/roles`, { type: role });
  return [clientId, jwk];
}

test('the Node SDK in PrivateKey mode manages users with the scopes granted to its app', async () => {
  const [clientId, jwk] = await serviceApp(['okta.users.read', 'okta.users.manage']);
  const client = new okta.Client({
    orgUrl: orgUrl(),
    authorizationMode: 'PrivateKey',
    clientId,
    scopes: ['okta.users.read', 'okta.users.manage'],
    privateKey: jwk,
  });
  const created = await client.userApi.createUser({ body: { profile: profile() } });
  assert.equal(created.status, 'PROVISIONED');
  const fetched = await client.userApi.getUser({ userId: created.id });
  assert.equal(fetched.profile.login, created.profile.login);

  // Read only: reading works, writing is refused with 403.
  const reader = new okta.Client({
    orgUrl: orgUrl(),
    authorizationMode: 'PrivateKey',
    clientId,
    scopes: ['okta.users.read'],
    privateKey: jwk,
  });
  const again = await reader.userApi.getUser({ userId: created.id });
  assert.equal(again.id, created.id);
  await assert.rejects(
    reader.userApi.createUser({ body: { profile: profile() } }),
    (err) => err.status === 403 && err.errorCode === 'E0000006',
  );
  // A scope the app was not granted: no token at all.
  const greedy = new okta.Client({
    orgUrl: orgUrl(),
    authorizationMode: 'PrivateKey',
    clientId,
    scopes: ['okta.groups.manage'],
    privateKey: jwk,
  });
  await assert.rejects(greedy.groupApi.listGroups().then((c) => c.next()));

  // Scopes without an admin role: the app's token is refused.
  const [roleless, roleJwk] = await serviceApp(['okta.users.read'], null);
  const powerless = new okta.Client({
    orgUrl: orgUrl(),
    authorizationMode: 'PrivateKey',
    clientId: roleless,
    scopes: ['okta.users.read'],
    privateKey: roleJwk,
  });
  await assert.rejects(
    powerless.userApi.getUser({ userId: created.id }),
    (err) => err.status === 403 && err.errorCode === 'E0000006',
  );
});
