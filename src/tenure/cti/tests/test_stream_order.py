"""The desktop stream forwards every live event, also when ids arrive out of order."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from tenure.cti.broker import broker, relay
from tenure.cti.views import _events

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_events_committed_out_of_id_order_all_reach_the_desktop() -> None:
    async def scenario() -> list[str]:
        stream = _events(user_id=4711, last_id=None)
        frames = [await anext(stream)]  # connected, subscribed
        for event_id in (105, 104, 106):  # transactions commit in any order
            broker.publish(4711, {"id": event_id, "call": 1, "call_id": "c", "event": "ringing"})
        frames += [await anext(stream) for _ in range(3)]
        await stream.aclose()
        await relay.stop()
        await sync_to_async(connections.close_all)()  # the connection of the catch-up query
        return frames

    frames = asyncio.run(scenario())
    assert [frame.split("\n")[0] for frame in frames[1:]] == ["id: 105", "id: 104", "id: 106"]
    assert broker.desktops(4711) == 0  # closing the stream unsubscribed it
