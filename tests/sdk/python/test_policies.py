"""The Policies API through Okta's Python SDK (okta 3.4.6): list, create and replace
policies and their rules, and the default policies every org has.

The SDK deserialises policies through a discriminator on `type` into strict models, so a
field or enum value off the spec fails inside the client.
"""

from okta.models import Policy, PolicyRule

from helpers import api_error, ok, suffix


async def test_default_policies_list_by_type(client):
    for kind in ("OKTA_SIGN_ON", "PASSWORD", "MFA_ENROLL"):
        policies, _ = ok(await client.list_policies(type=kind))
        defaults = [p for p in policies if p.system]
        assert len(defaults) == 1, kind
        assert defaults[0].name == "Default Policy"
        assert defaults[0].id.startswith("00p")
        rules, _ = ok(await client.list_policy_rules(defaults[0].id))
        assert [r.name for r in rules][-1] == "Default Rule"


async def test_create_and_replace_a_password_policy_and_its_rules(client):
    name = f"sdk-py-{suffix()}"
    body = {
        "type": "PASSWORD",
        "name": name,
        "description": "from the Python SDK",
        "settings": {"password": {"complexity": {"minLength": 10}}},
    }
    created, _ = ok(await client.create_policy(Policy.from_dict(body)))
    assert created.id.startswith("00p")
    assert created.priority == 1
    assert created.status == "ACTIVE"
    fetched, _ = ok(await client.get_policy(created.id))
    assert fetched.name == name
    assert fetched.to_dict()["settings"]["password"]["complexity"]["minLength"] == 10

    body["description"] = "replaced"
    replaced, _ = ok(await client.replace_policy(created.id, Policy.from_dict(body)))
    assert replaced.description == "replaced"

    rule_body = {
        "type": "PASSWORD",
        "name": "allow change",
        "conditions": {"network": {"connection": "ANYWHERE"}},
        "actions": {"passwordChange": {"access": "ALLOW"},
                    "selfServicePasswordReset": {"access": "ALLOW"},
                    "selfServiceUnlock": {"access": "DENY"}},
    }
    rule, _ = ok(await client.create_policy_rule(created.id, PolicyRule.from_dict(rule_body)))
    assert rule.id.startswith("0pr")
    assert rule.priority == 1
    rule_body["name"] = "allow change and reset"
    updated, _ = ok(await client.replace_policy_rule(created.id, rule.id,
                                                     PolicyRule.from_dict(rule_body)))
    assert updated.name == "allow change and reset"
    rules, _ = ok(await client.list_policy_rules(created.id))
    assert [r.id for r in rules] == [rule.id]

    ok(await client.deactivate_policy(created.id))
    inactive, _ = ok(await client.list_policies(type="PASSWORD", status="INACTIVE"))
    assert created.id in [p.id for p in inactive]
    ok(await client.delete_policy(created.id))
    api_error(await client.get_policy(created.id), 404, "E0000007")


async def test_the_default_policy_cannot_be_deleted(client):
    policies, _ = ok(await client.list_policies(type="PASSWORD"))
    default = next(p for p in policies if p.system)
    api_error(await client.delete_policy(default.id), 403, "E0000006")
