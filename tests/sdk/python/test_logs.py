"""The System Log through Okta's Python SDK (okta 3.4.6): events written by changes made
through the SDK, read back with filter, q, bounded windows and descending order."""

import asyncio
from datetime import datetime, timedelta, timezone

from helpers import api_error, create_user, ok


async def events_for(client, user_id, **params):
    """Polls (deadline 10 s) until the user's events show up, as a log consumer would."""
    for _ in range(100):
        events, _ = ok(await client.list_log_events(filter=f'target.id eq "{user_id}"', **params))
        if events:
            return events
        await asyncio.sleep(0.1)
    return []


async def test_create_user_is_logged_with_actor_and_target(client):
    user = await create_user(client, activate=False)
    events = await events_for(client, user.id)
    types = [e.event_type for e in events]
    assert types == ["user.lifecycle.create"], types
    event = events[0]
    assert event.target[0].id == user.id
    assert event.target[0].type == "User"
    assert event.actor.id and event.actor.id.startswith("00u")
    assert event.outcome.result == "SUCCESS"
    assert event.published is not None
    assert event.uuid


async def test_filter_q_bounded_and_descending(client):
    user = await create_user(client, activate=False)
    ok(await client.deactivate_user(user.id))
    await events_for(client, user.id)
    now = datetime.now(timezone.utc)
    window = {
        "since": (now - timedelta(minutes=10)).isoformat().replace("+00:00", "Z"),
        "until": (now + timedelta(minutes=10)).isoformat().replace("+00:00", "Z"),
    }
    events, _ = ok(await client.list_log_events(
        filter=f'target.id eq "{user.id}" and eventType eq "user.lifecycle.deactivate"', **window))
    assert [e.event_type for e in events] == ["user.lifecycle.deactivate"]
    events, _ = ok(await client.list_log_events(q=user.profile.login, **window))
    assert {e.event_type for e in events} >= {"user.lifecycle.create", "user.lifecycle.deactivate"}
    events, _ = ok(await client.list_log_events(
        filter=f'target.id eq "{user.id}"', sort_order="DESCENDING", **window))
    published = [e.published for e in events]
    assert published == sorted(published, reverse=True)


async def test_bad_filter_is_e0000053(client):
    api_error(await client.list_log_events(filter='eventType eqq "x"'), 400, "E0000053")
