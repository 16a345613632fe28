"""Group rules through Okta's Python SDK (okta 3.4.6): create, activate, list, get,
replace, deactivate and delete (GroupRuleApi), with the memberships the rules make.

Rule answers deserialise into the SDK's strict `GroupRule` model (`status` is an enum), so
a field off the spec fails inside the client. Each test makes its own groups, users and
rules with unique names.
"""

from okta.models import AddGroupRequest, CreateGroupRuleRequest, GroupRule

from helpers import api_error, assert_timestamp, create_user, ok, suffix


async def add_group(client, name):
    group, _ = ok(await client.add_group(AddGroupRequest.from_dict({"profile": {"name": name}})))
    return group


def rule_request(name, expression, group_ids, exclude=()):
    return {
        "type": "group_rule",
        "name": name,
        "conditions": {
            "people": {"users": {"exclude": list(exclude)}},
            "expression": {"value": expression, "type": "urn:okta:expression:1.0"},
        },
        "actions": {"assignUserToGroups": {"groupIds": list(group_ids)}},
    }


async def member_ids(client, group_id):
    users, _ = ok(await client.list_group_users(group_id))
    return {u.id for u in users}


async def test_rule_lifecycle_and_assignments(client):
    tag = suffix()
    target = await add_group(client, f"sdk-py-rule-target-{tag}")
    dept = f"Dept-{tag}"
    matching = await create_user(client, password="Tlpwent2mxx!9", activate=True, department=dept)
    excluded = await create_user(client, password="Tlpwent2mxx!9", activate=True, department=dept)
    other = await create_user(client, password="Tlpwent2mxx!9", activate=True, department="Other")

    name = f"sdk-py-rule-{tag}"
    rule, _ = ok(await client.create_group_rule(CreateGroupRuleRequest.from_dict(
        rule_request(name, f'user.department == "{dept}"', [target.id], [excluded.id]))))
    assert isinstance(rule, GroupRule)
    assert rule.id.startswith("0pr") and len(rule.id) == 20, rule.id
    assert rule.type == "group_rule"
    assert rule.status == "INACTIVE"
    assert rule.name == name
    assert_timestamp(rule.created, "created")
    assert rule.last_updated == rule.created
    assert rule.conditions.expression.value == f'user.department == "{dept}"'
    assert rule.conditions.expression.type == "urn:okta:expression:1.0"
    assert rule.conditions.people.users.exclude == [excluded.id]
    assert rule.actions.assign_user_to_groups.group_ids == [target.id]
    assert await member_ids(client, target.id) == set()

    ok(await client.activate_group_rule(rule.id))
    fetched, _ = ok(await client.get_group_rule(rule.id))
    assert fetched.status == "ACTIVE"
    assert await member_ids(client, target.id) == {matching.id}

    # An active rule picks up new users at once.
    late = await create_user(client, password="Tlpwent2mxx!9", activate=True, department=dept)
    assert await member_ids(client, target.id) == {matching.id, late.id}

    rules, _ = ok(await client.list_group_rules(search=name, expand="groupIdToGroupNameMap"))
    assert [r.id for r in rules] == [rule.id]

    # Only an INACTIVE rule can be replaced.
    body = GroupRule.from_dict(rule_request(f"{name}-renamed", 'user.department == "Other"',
                                            [target.id]))
    api_error(await client.replace_group_rule(rule.id, body), 400, "E0000001")
    ok(await client.deactivate_group_rule(rule.id))
    replaced, _ = ok(await client.replace_group_rule(rule.id, body))
    assert replaced.name == f"{name}-renamed"
    assert replaced.status == "INACTIVE"
    # Deactivating keeps what the rule assigned.
    assert await member_ids(client, target.id) == {matching.id, late.id}
    assert other.id not in await member_ids(client, target.id)

    ok(await client.delete_group_rule(rule.id, remove_users=True))
    api_error(await client.get_group_rule(rule.id), 404, "E0000007")
    assert await member_ids(client, target.id) == set()


async def test_bad_expression_and_unknown_rule_get_okta_errors(client):
    target = await add_group(client, f"sdk-py-rule-bad-{suffix()}")
    error = api_error(await client.create_group_rule(CreateGroupRuleRequest.from_dict(
        rule_request(f"sdk-py-bad-{suffix()}", "user.department ==", [target.id]))),
        400, "E0000001")
    assert "conditions.expression.value" in error.error_summary
    api_error(await client.get_group_rule("0prAAAAAAAAAAAAAAAAA"), 404, "E0000007")
    api_error(await client.activate_group_rule("0prAAAAAAAAAAAAAAAAA"), 404, "E0000007")
