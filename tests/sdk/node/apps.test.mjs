// The Apps API through @okta/okta-sdk-nodejs 8.1.0 (client.applicationApi, and the app lists
// of client.userApi and client.groupApi).
//
// The Node SDK maps each app to the class of its sign-on mode and caches GET responses under
// `_links.self.href`, evicting them on writes to that path, so a read after a replace must
// see the new values. Every test makes its own apps, users and groups.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { PASSWORD, collect, createUser, expectOktaError, newClient, orgUrl, suffix } from './helpers.mjs';

function bookmark(label = `node bookmark ${suffix()}`) {
  return {
    name: 'bookmark',
    label,
    signOnMode: 'BOOKMARK',
    settings: { app: { requestIntegration: false, url: 'https://example.com/bookmark.htm' } },
  };
}

function saml() {
  return {
    label: `node saml ${suffix()}`,
    signOnMode: 'SAML_2_0',
    settings: {
      signOn: {
        ssoAcsUrl: 'https://sp.example.com/acs',
        audience: 'https://sp.example.com/entity',
        subjectNameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
        allowMultipleAcsEndpoints: false,
      },
    },
  };
}

test('bookmark apps: create, get, replace (cache evicted), list, lifecycle, delete', async () => {
  const client = newClient();
  const apps = client.applicationApi;
  const created = await apps.createApplication({ application: bookmark() });
  assert.match(created.id, /^0oa[0-9A-Za-z]{17}$/);
  assert.equal(created.status, 'ACTIVE');
  assert.equal(created.signOnMode, 'BOOKMARK');
  assert.equal(created._links.self.href, `${orgUrl()}/api/v1/apps/${created.id}`);

  const fetched = await apps.getApplication({ appId: created.id });
  assert.equal(fetched.label, created.label);
  fetched.label = `${created.label} renamed`;
  const replaced = await apps.replaceApplication({ appId: created.id, application: fetched });
  assert.equal(replaced.label, fetched.label);
  const again = await apps.getApplication({ appId: created.id });
  assert.equal(again.label, fetched.label, 'the cached copy was evicted by the replace');

  const listed = await collect(await apps.listApplications({ q: fetched.label }));
  assert.deepEqual(listed.map((a) => a.id), [created.id]);

  await expectOktaError(apps.deleteApplication({ appId: created.id }), 403, 'E0000056');
  await apps.deactivateApplication({ appId: created.id });
  assert.equal((await apps.getApplication({ appId: created.id })).status, 'INACTIVE');
  await apps.deleteApplication({ appId: created.id });
  await expectOktaError(apps.getApplication({ appId: created.id }), 404, 'E0000007');
});

test('lists page through every app with the next links', async () => {
  const client = newClient();
  const label = `node paged ${suffix()}`;
  const ids = [];
  for (let i = 0; i < 5; i += 1) {
    ids.push((await client.applicationApi.createApplication({ application: bookmark(`${label} ${i}`) })).id);
  }
  const all = await collect(await client.applicationApi.listApplications({ q: label, limit: 2 }));
  assert.deepEqual(all.map((a) => a.id), ids);
});

test('SAML apps: a generated key, IdP metadata, key generation and cloning', async () => {
  const client = newClient();
  const apps = client.applicationApi;
  const app = await apps.createApplication({ application: saml() });
  const kid = app.credentials.signing.kid;
  assert.ok(kid);
  const keys = await collect(await apps.listApplicationKeys({ appId: app.id }));
  assert.deepEqual(keys.map((k) => k.kid), [kid]);
  const der = Buffer.from(keys[0].x5c[0], 'base64');
  assert.equal(keys[0].x5tS256, createHash('sha256').update(der).digest('base64url'));

  const xml = await apps.previewSAMLmetadataForApplication({ appId: app.id, kid });
  const text = typeof xml === 'string' ? xml : JSON.stringify(xml);
  assert.match(text, /<md:EntityDescriptor/);
  const certificate = text.match(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/)[1].replace(/\s+/g, '');
  assert.equal(certificate, keys[0].x5c[0]);

  const generated = await apps.generateApplicationKey({ appId: app.id, validityYears: 2 });
  assert.notEqual(generated.kid, kid);
  await expectOktaError(apps.generateApplicationKey({ appId: app.id, validityYears: 11 }), 400, 'E0000001');
  const other = await apps.createApplication({ application: saml() });
  const cloned = await apps.cloneApplicationKey({ appId: app.id, keyId: generated.kid, targetAid: other.id });
  assert.equal(cloned.kid, generated.kid);
  await expectOktaError(
    apps.cloneApplicationKey({ appId: app.id, keyId: generated.kid, targetAid: other.id }), 400, 'E0000001');
});

test('OIDC apps: client id and a secret shown on create only; the grant table', async () => {
  const client = newClient();
  const apps = client.applicationApi;
  const body = {
    name: 'oidc_client',
    label: `node oidc ${suffix()}`,
    signOnMode: 'OPENID_CONNECT',
    credentials: { oauthClient: { token_endpoint_auth_method: 'client_secret_post' } },
    settings: {
      oauthClient: {
        redirect_uris: ['https://example.com/cb'],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        application_type: 'web',
      },
    },
  };
  const created = await apps.createApplication({ application: body });
  assert.equal(created.credentials.oauthClient.client_id, created.id);
  assert.ok(created.credentials.oauthClient.client_secret.length >= 32);
  const fetched = await apps.getApplication({ appId: created.id });
  assert.equal(fetched.credentials.oauthClient.client_secret ?? null, null);
  const spa = structuredClone(body);
  spa.settings.oauthClient.application_type = 'browser';
  await expectOktaError(apps.createApplication({ application: spa }), 400, 'E0000001');
});

test('assignments: users, groups, members through groups, appLinks and group apps agree', async () => {
  const client = newClient();
  const apps = client.applicationApi;
  const app = await apps.createApplication({ application: bookmark() });
  const direct = await createUser(client, { password: PASSWORD });
  const member = await createUser(client, { password: PASSWORD });
  const group = await client.groupApi.createGroup({ group: { profile: { name: `node-apps-${suffix()}` } } });
  await client.groupApi.assignUserToGroup({ groupId: group.id, userId: member.id });

  const assigned = await apps.assignUserToApplication({ appId: app.id, appUser: { id: direct.id, scope: 'USER' } });
  assert.equal(assigned.scope, 'USER');
  assert.equal(assigned.credentials.userName, direct.profile.login);
  const assignment = await apps.assignGroupToApplication({ appId: app.id, groupId: group.id, applicationGroupAssignment: { priority: 0 } });
  assert.equal(assignment.id, group.id);

  const users = await collect(await apps.listApplicationUsers({ appId: app.id }));
  assert.deepEqual(
    Object.fromEntries(users.map((u) => [u.id, u.scope])),
    { [direct.id]: 'USER', [member.id]: 'GROUP' });
  const groups = await collect(await apps.listApplicationGroupAssignments({ appId: app.id }));
  assert.deepEqual(groups.map((g) => g.id), [group.id]);
  const links = await collect(await client.userApi.listAppLinks({ userId: member.id }));
  assert.deepEqual(links.map((l) => l.appInstanceId), [app.id]);
  const groupApps = await collect(await client.groupApi.listAssignedApplicationsForGroup({ groupId: group.id }));
  assert.deepEqual(groupApps.map((a) => a.id), [app.id]);

  await expectOktaError(apps.unassignUserFromApplication({ appId: app.id, userId: member.id }), 403, 'E0000046');
  await client.groupApi.unassignUserFromGroup({ groupId: group.id, userId: member.id });
  assert.deepEqual(await collect(await client.userApi.listAppLinks({ userId: member.id })), []);
  await apps.unassignApplicationFromGroup({ appId: app.id, groupId: group.id });
  await apps.unassignUserFromApplication({ appId: app.id, userId: direct.id });
  assert.deepEqual(await collect(await apps.listApplicationUsers({ appId: app.id })), []);
});
