// The Policies API through Okta's Node SDK (@okta/okta-sdk-nodejs 8.1.0): list, create and
// replace policies and their rules, and the default policies every org has.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect as all, expectOktaError, newClient, suffix } from './helpers.mjs';

const client = newClient();

test('default policies list by type', async () => {
  for (const type of ['OKTA_SIGN_ON', 'PASSWORD', 'MFA_ENROLL']) {
    const policies = await all(await client.policyApi.listPolicies({ type }));
    const defaults = policies.filter((p) => p.system);
    assert.equal(defaults.length, 1, type);
    assert.equal(defaults[0].name, 'Default Policy');
    const rules = await all(await client.policyApi.listPolicyRules({ policyId: defaults[0].id }));
    assert.equal(rules.at(-1).name, 'Default Rule');
  }
});

test('create and replace a sign-on policy and its rules', async () => {
  const name = `sdk-node-${suffix()}`;
  // Scoped to an empty group: its DENY rule must not reach the sign-ins of other tests.
  const group = await client.groupApi.createGroup({ group: { profile: { name: `${name}-scope` } } });
  const policy = {
    type: 'OKTA_SIGN_ON',
    name,
    description: 'from the Node SDK',
    conditions: { people: { groups: { include: [group.id] } } },
  };
  const created = await client.policyApi.createPolicy({ policy });
  assert.ok(created.id.startsWith('00p'));
  assert.equal(created.priority, 1);
  const replaced = await client.policyApi.replacePolicy({
    policyId: created.id,
    policy: { ...policy, description: 'replaced' },
  });
  assert.equal(replaced.description, 'replaced');

  const rule = await client.policyApi.createPolicyRule({
    policyId: created.id,
    policyRule: {
      type: 'SIGN_ON',
      name: 'allow',
      conditions: { network: { connection: 'ANYWHERE' } },
      actions: { signon: { access: 'ALLOW' } },
    },
  });
  assert.ok(rule.id.startsWith('0pr'));
  const updated = await client.policyApi.replacePolicyRule({
    policyId: created.id,
    ruleId: rule.id,
    policyRule: {
      type: 'SIGN_ON',
      name: 'deny',
      conditions: { network: { connection: 'ANYWHERE' } },
      actions: { signon: { access: 'DENY' } },
    },
  });
  assert.equal(updated.name, 'deny');
  assert.equal(updated.actions.signon.access, 'DENY');
  const rules = await all(await client.policyApi.listPolicyRules({ policyId: created.id }));
  assert.deepEqual(rules.map((r) => r.id), [rule.id]);
  await client.policyApi.deletePolicy({ policyId: created.id });
  await expectOktaError(client.policyApi.getPolicy({ policyId: created.id }), 404, 'E0000007');
});
