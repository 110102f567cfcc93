"""Benchmark: CPU per request of ASGI handler variants, in-process, on PostgreSQL.

    scripts/with-postgres .venv/bin/python benchmarks/asgi_handlers.py --requests 2000 --rounds 2

Calls each ASGI application directly, as an ASGI server would (no HTTP, no server process), with
``--concurrency`` requests at a time: a telephony ``POST /api/v1/cti/calls`` with a bearer token
(token check, lookup, insert, audit entry, ``pg_notify``, commit) and the same request without a
token (refused with 401: nearly only the handler and the middleware). Reports the CPU time of this
process (all its threads) per request. The variants, one after another in each round:

- ``django``: Django's ``ASGIHandler`` (what ``tenure.asgi`` used before): the chain, synchronous
  because of WhiteNoise and django-auditlog, in a new thread per request, with hand-overs to the
  event loop and back around the view.
- ``async-chain``: Django's handler with every middleware async-capable: WhiteNoise and
  django-auditlog left out (they are synchronous only), ours made async-capable here. Django's
  own middlewares then hand ``process_request`` and ``process_response`` to a thread each.
- ``new-thread``: ``tenure.core.asgi.TenureASGIHandler``'s single hand-over, but a new thread per
  request (asgiref's default).
- ``django-pooled``: Django's handler on pooled threads.
- ``tenure``: ``TenureASGIHandler``: one hand-over, pooled threads, no lean route.
- ``tenure-lean``: as ``tenure.asgi`` uses it: the same, with the telephony API's lean route in
  front of Django (``tenure.cti.lean``; the refused request goes on to Django).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")

import cti_push


class AsyncServerTiming:
    """``tenure.core.middleware.ServerTimingMiddleware``, async-capable."""

    sync_capable = async_capable = True

    def __init__(self, get_response: Any) -> None:
        from asgiref.sync import iscoroutinefunction, markcoroutinefunction

        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        return self._acall(request) if self.is_async else self.get_response(request)

    async def _acall(self, request: Any) -> Any:
        started = time.perf_counter()
        response = await self.get_response(request)
        if not response.streaming:
            response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response


class AsyncApiToken(AsyncServerTiming):
    """``tenure.accounts.middleware.ApiTokenMiddleware``, async-capable (the token check is a
    query, so it needs a thread)."""

    async def _acall(self, request: Any) -> Any:
        from asgiref.sync import sync_to_async

        from tenure.accounts.services import token_authenticate

        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            user = await sync_to_async(token_authenticate)(token.strip())
            if user is not None:
                request.user = request.token_user = user
        return await self.get_response(request)

    def __call__(self, request: Any) -> Any:
        if self.is_async:
            return self._acall(request)
        raise NotImplementedError("measured in async mode only")


def handlers() -> dict[str, Callable[..., Any]]:
    from asgiref.sync import ThreadSensitiveContext
    from django.conf import settings
    from django.core.handlers.asgi import ASGIHandler
    from django.test import override_settings

    from tenure.core.asgi import TenureASGIHandler
    from tenure.cti import lean

    class NewThread(TenureASGIHandler):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            async with ThreadSensitiveContext():
                await self.handle(scope, receive, send)

    class DjangoPooled(ASGIHandler):
        def __init__(self) -> None:
            super().__init__()
            self._idle: list[Any] = []

        __call__ = TenureASGIHandler.__call__  # type: ignore[assignment]

    ours = {"ServerTiming": "AsyncServerTiming", "ApiToken": "AsyncApiToken"}
    chain = []
    for path in settings.MIDDLEWARE:
        if "whitenoise" in path or "auditlog" in path:
            continue
        replaced = [f"asgi_handlers.{new}" for old, new in ours.items() if old in path]
        chain.append(replaced[0] if replaced else path)
    with override_settings(MIDDLEWARE=chain):
        async_chain = ASGIHandler()
    return {
        "django": ASGIHandler(),
        "async-chain": async_chain,
        "new-thread": NewThread(),
        "django-pooled": DjangoPooled(),
        "tenure": TenureASGIHandler(),
        "tenure-lean": TenureASGIHandler(lean_routes={(lean.METHOD, lean.PATH): lean.answer}),
    }


async def call(app: Any, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"127.0.0.1"), *headers],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}  # fmt: skip
    body_sent = False
    answered = asyncio.Event()
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif not message.get("more_body"):
            answered.set()

    await app(scope, receive, send)
    return status


async def measure(app: Any, kind: str, token: str, options: argparse.Namespace) -> dict[str, Any]:
    numbers = itertools.count()
    statuses: dict[int, int] = {}

    async def client(requests: int) -> None:
        for _ in range(requests):
            index = next(numbers)
            if kind == "refused":
                headers = [(b"content-type", b"application/json")]
                body = b"{}"
            else:
                body = json.dumps({"call_id": f"bench-{time.time_ns()}-{index}", "event": "ringing",
                                   "caller": f"0341 {3_000_000 + index % options.partners}",
                                   "extension": "1000"}).encode()  # fmt: skip
                headers = [(b"authorization", f"Bearer {token}".encode()),
                           (b"content-type", b"application/json")]  # fmt: skip
            status = await call(app, "/api/v1/cti/calls", headers, body)
            statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(client(50) for _ in range(4)))  # warm-up
    statuses.clear()
    cpu, wall = time.process_time(), time.perf_counter()
    per_client = options.requests // options.concurrency
    await asyncio.gather(*(client(per_client) for _ in range(options.concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    done = sum(statuses.values())
    return {"statuses": statuses, "cpu_ms_per_request": round(cpu / done * 1000, 2),
            "requests_per_second": round(done / wall)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partners", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2000, help="per variant, kind and round")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--variants", default="django,async-chain,new-thread,django-pooled,tenure,tenure-lean"
    )
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("run under scripts/with-postgres: this benchmark is for PostgreSQL")
    token, _ = cti_push.setup(options.partners, 1)
    logging.getLogger("django.request").setLevel(logging.ERROR)  # not a line per refused request
    apps = handlers()
    results = []
    for round_ in range(1, options.rounds + 1):
        for variant in options.variants.split(","):
            for kind in ("refused", "call"):
                result = asyncio.run(measure(apps[variant], kind, token, options))
                results.append({"round": round_, "variant": variant, "kind": kind, **result,
                                "load_average": os.getloadavg()[0]})  # fmt: skip
                print(json.dumps(results[-1]), flush=True)


if __name__ == "__main__":
    main()
