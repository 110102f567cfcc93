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
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

IDLE_THREADS = 64
"""Single-thread executors kept idle for later requests. More are started when more requests run
at once (an open event stream holds one for its lifetime); those beyond this number are shut down
when their request ends."""


class TenureASGIHandler(ASGIHandler):
    """ASGI handler running the (synchronous) middleware chain in one hand-over per request."""

    def __init__(self) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._idle.pop() if self._idle else _executor()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            if len(self._idle) < IDLE_THREADS:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

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


def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="tenure-request")
