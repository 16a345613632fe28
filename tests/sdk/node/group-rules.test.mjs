// Group rules through @okta/okta-sdk-nodejs 8.1.0 (client.groupApi: createGroupRule,
// activateGroupRule, listGroupRules, getGroupRule, replaceGroupRule, deactivateGroupRule,
// deleteGroupRule), with the memberships the rules make. Rules carry no `_links`, so the
// SDK never serves one from its cache. Every test makes its own groups, users and rules.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PASSWORD, assertDate, collect, createUser, expectOktaError, newClient, suffix,
} from './helpers.mjs';

const MISSING_RULE = '0pr' + 'z'.repeat(17);

function ruleBody(name, expression, groupIds, exclude = []) {
  return {
    type: 'group_rule',
    name,
    conditions: {
      people: { users: { exclude } },
      expression: { value: expression, type: 'urn:okta:expression:1.0' },
    },
    actions: { assignUserToGroups: { groupIds } },
  };
}

async function memberIds(client, groupId) {
  const users = await collect(await client.groupApi.listGroupUsers({ groupId }));
  return new Set(users.map((user) => user.id));
}

test('a rule is created INACTIVE, assigns on activation and on user create, and goes', async () => {
  const client = newClient();
  const tag = suffix();
  const target = await client.groupApi.createGroup({
    group: { profile: { name: `sdk-node-rule-target-${tag}` } },
  });
  const dept = `Dept-${tag}`;
  const matching = await createUser(client, { password: PASSWORD, activate: true, department: dept });
  const excluded = await createUser(client, { password: PASSWORD, activate: true, department: dept });

  const name = `sdk-node-rule-${tag}`;
  const rule = await client.groupApi.createGroupRule({
    groupRule: ruleBody(name, `user.department == "${dept}"`, [target.id], [excluded.id]),
  });
  assert.match(rule.id, /^0pr[0-9A-Za-z]{17}$/);
  assert.equal(rule.type, 'group_rule');
  assert.equal(rule.status, 'INACTIVE');
  assert.equal(rule.name, name);
  const created = assertDate(rule.created, 'created');
  assert.equal(assertDate(rule.lastUpdated, 'lastUpdated').getTime(), created.getTime());
  assert.equal(rule.conditions.expression.value, `user.department == "${dept}"`);
  assert.deepEqual(rule.conditions.people.users.exclude, [excluded.id]);
  assert.deepEqual(rule.actions.assignUserToGroups.groupIds, [target.id]);
  assert.equal((await memberIds(client, target.id)).size, 0);

  await client.groupApi.activateGroupRule({ ruleId: rule.id });
  const fetched = await client.groupApi.getGroupRule({ ruleId: rule.id });
  assert.equal(fetched.status, 'ACTIVE');
  assert.deepEqual(await memberIds(client, target.id), new Set([matching.id]));

  const late = await createUser(client, { password: PASSWORD, activate: true, department: dept });
  assert.deepEqual(await memberIds(client, target.id), new Set([matching.id, late.id]));

  const listed = await collect(await client.groupApi.listGroupRules({ search: name }));
  assert.deepEqual(listed.map((r) => r.id), [rule.id]);

  const replacement = ruleBody(`${name}-renamed`, 'user.department == "Other"', [target.id]);
  await expectOktaError(
    client.groupApi.replaceGroupRule({ ruleId: rule.id, groupRule: replacement }), 400, 'E0000001');
  await client.groupApi.deactivateGroupRule({ ruleId: rule.id });
  const replaced = await client.groupApi.replaceGroupRule({ ruleId: rule.id, groupRule: replacement });
  assert.equal(replaced.name, `${name}-renamed`);
  assert.equal(replaced.status, 'INACTIVE');
  assert.deepEqual(await memberIds(client, target.id), new Set([matching.id, late.id]));

  await client.groupApi.deleteGroupRule({ ruleId: rule.id, removeUsers: true });
  await expectOktaError(client.groupApi.getGroupRule({ ruleId: rule.id }), 404, 'E0000007');
  assert.equal((await memberIds(client, target.id)).size, 0);
});

test('a bad expression and an unknown rule get Okta errors', async () => {
  const client = newClient();
  const target = await client.groupApi.createGroup({
    group: { profile: { name: `sdk-node-rule-bad-${suffix()}` } },
  });
  const error = await expectOktaError(client.groupApi.createGroupRule({
    groupRule: ruleBody(`sdk-node-bad-${suffix()}`, 'user.department ==', [target.id]),
  }), 400, 'E0000001');
  assert.match(error.errorSummary, /conditions\.expression\.value/);
  await expectOktaError(client.groupApi.getGroupRule({ ruleId: MISSING_RULE }), 404, 'E0000007');
  await expectOktaError(client.groupApi.deleteGroupRule({ ruleId: MISSING_RULE }), 404, 'E0000007');
});
