"""Django's ASGI handler with the request's synchronous work done in one hand-over to a thread.

Django's own ASGI handler runs the middleware chain in async mode. Any middleware that is
synchronous only (WhiteNoise, django-auditlog) switches the chain to a thread, the view and the
``process_view`` hooks back to the event loop and into the thread again, and each of Django's own
middlewares, async-capable through ``MiddlewareMixin``, would hand ``process_request`` and
``process_response`` to a thread of their own. Every request also gets a new thread (and a second
one that waits for it to end). For the telephony API, which takes hundreds of small requests a
second, that hand-over machinery cost about a third of the server's CPU time
(docs/benchmarks.md, section 3).

Here the chain is loaded in synchronous mode, as under WSGI, and one call in a thread sends
``request_started``, builds the request, runs the middleware chain and the view, and closes the
answer (which sends ``request_finished``); only the reading of the body and the sending of the
answer stay on the event loop. Async views (the CTI event stream) still work: Django runs them
through ``async_to_sync`` on the event loop, and a streamed answer is sent by the event loop and
closed afterwards in the request's thread, as Django does. Every request's synchronous code runs on
one thread, as asgiref's thread-sensitive mode requires, taken from a pool of single-thread
executors rather than started for the request.

One rule follows from asgiref: a task that a request starts and that outlives it must not call
``sync_to_async`` in thread-sensitive mode (the default) once the request has ended; asgiref raises
``RuntimeError`` rather than run it on a thread now serving another request. The CTI relay's
``LISTEN`` task, started by the first event stream, makes no such calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

LeanRoute = Callable[[dict[str, Any], bytes], tuple[int, list[tuple[bytes, bytes]], bytes] | None]
"""A route answered in front of Django: (scope, body) → (status, headers, body), or None to
leave the request to Django. Called in the request's thread."""

GC_YOUNG_THRESHOLD = 20_000
"""Allocations between two collections of the youngest generation (Python's default: 700). With
hundreds of requests in flight, a young collection every 700 allocations promoted their live
objects to the older generations, whose collections then paused the process."""

IDLE_THREADS = 64
"""Single-thread executors kept idle for later requests. More are started when more requests run
at once (an open event stream holds one for its lifetime); those beyond this number are shut down
when their request ends."""


class TenureASGIHandler(ASGIHandler):
    """ASGI handler running the (synchronous) middleware chain in one hand-over per request."""

    def __init__(self, lean_routes: dict[tuple[str, str], LeanRoute] | None = None) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self._idle: list[ThreadPoolExecutor] = []
        self.lean_routes = lean_routes or {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._idle.pop() if self._idle else _executor()
        try:
            async with ThreadSensitiveContext(executor=executor):
                route = self.lean_routes.get((scope["method"], scope["path"]))
                if route is not None:
                    await self.handle_lean(route, scope, receive, send)
                else:
                    await self.handle(scope, receive, send)
        finally:
            if len(self._idle) < IDLE_THREADS:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    async def handle_lean(
        self, route: LeanRoute, scope: dict[str, Any], receive: Any, send: Any
    ) -> None:
        """A lean route's answer, in one hand-over to the request's thread, or Django's when the
        route leaves the request to Django (it returns None)."""
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        answer = await sync_to_async(route, thread_sensitive=True)(scope, body)
        if answer is None:
            await self.handle(scope, _replaying(body, receive), send)
            return
        status, headers, content = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Django's ``ASGIHandler.handle`` (5.2), with one thread hand-over for the request."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))

        async def process_request() -> HttpResponseBase:
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            with contextlib.suppress(asyncio.CancelledError):  # the client went away meanwhile
                await self.send_response(response, send)
            return response

        # Watch for the client disconnecting while the answer is being made, as Django does.
        responding = asyncio.create_task(process_request())
        tasks = [asyncio.create_task(self.listen_for_disconnect(receive)), responding]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():
                try:
                    task.result()
                except RequestAborted:
                    pass
                except AssertionError:
                    body_file.close()
                    raise
            else:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        try:
            response = responding.result()
        except asyncio.CancelledError:
            await signals.request_finished.asend(sender=self.__class__)
        else:
            if response.streaming:
                await sync_to_async(response.close, thread_sensitive=True)()
        body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        """In the request's thread: what Django's WSGI handler does, and the ASGI adjustments."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error = self.create_request(scope, body_file)
        if request is None:  # a request Django cannot read (400)
            assert error is not None
            response: HttpResponseBase = error
        else:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size  # the ASGI server chunks it
        if not response.streaming:
            # the body is complete: closing now (request_finished: the database connection
            # goes back to the pool) saves a second hand-over after sending
            response.close()
        return response


def _replaying(body: bytes, receive: Any) -> Any:
    """``receive`` for Django, with the body a lean route has already read."""
    replayed = False

    async def receive_again() -> dict[str, Any]:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="tenure-request")


def freeze_startup_objects() -> None:
    """After start-up, move the process's objects out of the garbage collector's reach
    (``gc.freeze``) and collect the young generation less often: a full collection then scans
    only what requests left behind, instead of pausing the server for the ~200,000 objects of
    Django, the URL conf, the API schemas and the phone number metadata (docs/benchmarks.md,
    section 3). Call it once what every request needs is loaded."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every view and the API)
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
