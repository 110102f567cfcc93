"""Hands call events to the open agent desktops (Server-Sent Events), across server processes.

Each open desktop subscribes an ``asyncio.Queue`` on its process's event loop. On PostgreSQL the
telephony API sends the event with ``pg_notify`` inside its transaction (delivered at commit), and one
``LISTEN`` connection per server process hands it to that process's queues, so ``tenure serve
--workers N`` works. On SQLite (one process) the event goes to the local queues after commit.
A desktop that was disconnected catches up from the database by its last event id: no event is lost.
Written here rather than taken from a library (django-eventstream, channels) because it is short
and needs no broker server beyond the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import defaultdict
from typing import Any

from django.db import connection, connections, transaction

QUEUE_SIZE = 100
CHANNEL = "tenure_cti"
log = logging.getLogger(__name__)


class CallBroker:
    """Subscribers per user id; publish is thread-safe and never blocks the caller."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]]]
        self._subscribers = defaultdict(set)

    def subscribe(self, user_id: int) -> asyncio.Queue[Any]:
        """A queue of this user's call messages; call from the event loop that will read it."""
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=QUEUE_SIZE)
        with self._lock:
            self._subscribers[user_id].add((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, user_id: int, queue: asyncio.Queue[Any]) -> None:
        with self._lock:
            entries = self._subscribers.get(user_id, set())
            entries -= {entry for entry in entries if entry[1] is queue}
            if not entries:
                self._subscribers.pop(user_id, None)

    def publish(self, user_id: int, message: dict[str, Any]) -> int:
        """Queue the message for every open desktop of the user; returns how many there are."""
        with self._lock:
            entries = list(self._subscribers.get(user_id, ()))
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, queue in entries:
            if loop is running:  # the relay, on the desktops' own loop: no wake-up needed
                _offer(queue, message)
            else:
                loop.call_soon_threadsafe(_offer, queue, message)
        return len(entries)

    def listening(self, user_ids: list[int]) -> list[int]:
        """Those of the users with an open desktop in this process."""
        with self._lock:
            return [user_id for user_id in user_ids if user_id in self._subscribers]

    def desktops(self, user_id: int) -> int:
        with self._lock:
            return len(self._subscribers.get(user_id, ()))


def _offer(queue: asyncio.Queue[Any], message: dict[str, Any]) -> None:
    # a desktop that stopped reading loses live messages, not events: it catches up by event id
    if not queue.full():
        queue.put_nowait(message)


broker = CallBroker()


def publish_after_commit(user_ids: list[int], message: dict[str, Any]) -> None:
    """Send a call message to the users' desktops once the current transaction commits."""
    if not user_ids:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload(user_ids, message)])
        return
    transaction.on_commit(lambda: [broker.publish(user_id, message) for user_id in user_ids])


def payload(user_ids: list[int], message: dict[str, Any]) -> str:
    """A notification: the addressed user ids, then the message. Every server process receives
    every notification; one without a desktop of these users skips it without decoding JSON."""
    return f"{','.join(map(str, user_ids))}|{json.dumps(message)}"


def _deliver(notification: str) -> None:
    users, _, body = notification.partition("|")
    local = broker.listening([int(user_id) for user_id in users.split(",")])
    if local:
        message = json.loads(body)
        for user_id in local:
            broker.publish(user_id, message)


class PostgresRelay:
    """One LISTEN connection per server process, handing notifications to the local broker."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listening = asyncio.Event()

    async def ensure_listening(self) -> None:
        """Start listening (once per process) and wait until LISTEN is in place."""
        if connections["default"].vendor != "postgresql":
            return
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._listening = asyncio.Event()
            self._task = loop.create_task(self._listen())
        await asyncio.wait_for(self._listening.wait(), 10)

    async def stop(self) -> None:
        """Stop listening (server shutdown, tests that run their own event loop)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _listen(self) -> None:
        import psycopg

        params = connections["default"].get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(**params, autocommit=True) as db:
                    await db.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    async for notification in db.notifies():
                        _deliver(notification.payload)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database restarted or the network dropped: listen again
                log.warning("CTI relay lost its LISTEN connection; retrying", exc_info=True)
                self._listening.clear()
                await asyncio.sleep(1)


relay = PostgresRelay()
