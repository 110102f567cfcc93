"""Hands call events to the open agent desktops of this server process (Server-Sent Events).

Each open desktop subscribes an ``asyncio.Queue`` on the server's event loop; the telephony API,
which runs in a worker thread, publishes after its transaction commits. The queues live in this
process, so ``tenure serve`` runs CTI with one worker process (its default); a desktop that was
disconnected catches up from the database by its last event id, so no event is lost.
Written here rather than taken from a library (django-eventstream, channels) because it is thirty
lines and needs no broker server; swap in PostgreSQL LISTEN/NOTIFY for several processes.
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from typing import Any

QUEUE_SIZE = 100


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
        for loop, queue in entries:
            loop.call_soon_threadsafe(_offer, queue, message)
        return len(entries)

    def desktops(self, user_id: int) -> int:
        with self._lock:
            return len(self._subscribers.get(user_id, ()))


def _offer(queue: asyncio.Queue[Any], message: dict[str, Any]) -> None:
    # a desktop that stopped reading loses live messages, not events: it catches up by event id
    if not queue.full():
        queue.put_nowait(message)


broker = CallBroker()
