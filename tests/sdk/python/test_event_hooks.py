"""Event hooks through Okta's Python SDK (okta 3.4.6): create, list, get, replace,
deactivate, delete, and the refusals. Verification and delivery need a receiver the server
trusts; the black-box suite (crates/server/tests/api/event_hooks.rs) covers those."""

from okta.models.event_hook import EventHook

from helpers import api_error, ok, suffix


def hook_body(name, uri="https://hooks.example.test/latchkey", items=("user.lifecycle.create",)):
    return EventHook.from_dict({
        "name": name,
        "events": {"type": "EVENT_TYPE", "items": list(items)},
        "channel": {"type": "HTTP", "version": "1.0.0", "config": {
            "uri": uri,
            "headers": [{"key": "X-Other-Header", "value": "v"}],
            "authScheme": {"type": "HEADER", "key": "Authorization", "value": "secret-value"},
        }},
    })


async def test_event_hook_lifecycle(client):
    name = f"py hook {suffix()}"
    hook, _ = ok(await client.create_event_hook(hook_body(name)))
    assert hook.id.startswith("who")
    assert hook.status == "ACTIVE"
    assert hook.verification_status == "UNVERIFIED"
    assert hook.channel.config.uri == "https://hooks.example.test/latchkey"
    assert hook.channel.config.auth_scheme.key == "Authorization"
    assert hook.channel.config.auth_scheme.value is None, "the auth value is write-only"
    assert list(hook.events.items) == ["user.lifecycle.create"]

    hooks, _ = ok(await client.list_event_hooks())
    assert hook.id in [h.id for h in hooks]
    got, _ = ok(await client.get_event_hook(hook.id))
    assert got.name == name

    replaced, _ = ok(await client.replace_event_hook(
        hook.id, hook_body(name + " v2", items=("user.lifecycle.create", "user.lifecycle.deactivate"))))
    assert replaced.name == name + " v2"
    assert len(replaced.events.items) == 2

    # Only INACTIVE hooks can be deleted.
    api_error(await client.delete_event_hook(hook.id), 403, "E0000006")
    deactivated, _ = ok(await client.deactivate_event_hook(hook.id))
    assert deactivated.status == "INACTIVE"
    ok(await client.delete_event_hook(hook.id))
    api_error(await client.get_event_hook(hook.id), 404, "E0000007")


async def test_event_hook_validation(client):
    api_error(await client.create_event_hook(hook_body("plain", uri="http://hooks.example.test/x")), 400, "E0000001")
