"""Benchmark: inbound-call events pushed to open agent desktops, on PostgreSQL.

    TENURE_PG_DURABLE=1 scripts/with-postgres .venv/bin/python benchmarks/cti_push.py \
        --partners 1000000 --desktops 50 --rate 200 --seconds 60 --workers 2

Loads business partners with phone numbers (COPY; set-up, not measured), creates one agent per
desktop with its own extension, starts ``tenure serve``, opens one Server-Sent Events connection per
agent (as the agent desktop does), then reports ``ringing`` events at a fixed rate for a random
partner's number to a random extension over HTTP. Latency is from just before the telephony request
is sent to the moment the event arrives on the desktop's stream (one clock: same machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

TENURE = str(Path(sys.executable).with_name("tenure"))
FIRST_NUMBER = 20_000_000


def setup(partners: int, desktops: int) -> tuple[str, list[str]]:
    """Partners with phones, agents with sessions, a telephony token; returns token, cookies."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from tenure.accounts.services import token_create, user_add

    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY partners_businesspartner (number, name, kind, street, postcode, city, country, "
            "email, created_at, updated_at) FROM STDIN"
        ) as copy:
            for index in range(partners):
                copy.write_row((f"{FIRST_NUMBER + index}", f"Partner {index}", "person", "", "",
                                "Leipzig", "DE", "", now, now))  # fmt: skip
        cursor.execute("SELECT min(id) FROM partners_businesspartner")
        first_id = cursor.fetchone()[0]
        with cursor.copy(
            "COPY partners_partnerphonenumber (partner_id, e164, position) FROM STDIN"
        ) as copy:
            for index in range(partners):
                copy.write_row((first_id + index, f"+49341{3_000_000 + index}", 0))
        cursor.execute("ANALYZE")
    print(f"set-up: {partners} partners with phones in {time.perf_counter() - started:.0f} s")
    user_add(username="pbx", role="telephony", password="unused-password-1", validate=False)
    cookies = []
    for index in range(desktops):
        user = user_add(username=f"desk{index}", role="agent", password="unused-password-1",
                        extension=f"{1000 + index}", validate=False)  # fmt: skip
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return token_create(username="pbx"), cookies


async def desktop(base: str, cookie: str, received: dict[str, float], ready: asyncio.Event,
                  connected: list[int]) -> None:  # fmt: skip
    async with (
        httpx.AsyncClient(base_url=base, headers={"Cookie": cookie}, timeout=None) as client,
        client.stream("GET", "/cti/stream/") as response,
    ):
        connected.append(1)
        async for line in response.aiter_lines():
            if line.startswith(": connected"):
                ready.set()
            elif line.startswith("data: "):
                message = json.loads(line[6:])
                received.setdefault(message["call_id"], time.perf_counter())


async def telephony(base: str, token: str, partners: int, desktops: int, rate: int,
                    seconds: int, sent: dict[str, float], failures: list[str]) -> float:  # fmt: skip
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"},
                                 limits=limits, timeout=30) as client:  # fmt: skip

        async def report(call_id: str, caller: str, extension: str) -> None:
            sent[call_id] = time.perf_counter()
            try:
                response = await client.post("/api/v1/cti/calls", json={
                    "call_id": call_id, "event": "ringing", "caller": caller,
                    "extension": extension})  # fmt: skip
                if response.status_code != 200:
                    failures.append(f"{response.status_code} {response.text[:100]}")
                    sent.pop(call_id, None)
            except httpx.HTTPError as exc:
                failures.append(repr(exc))
                sent.pop(call_id, None)

        tasks = []
        start = time.perf_counter()
        for index in range(rate * seconds):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            caller = f"0341 {3_000_000 + rng.randrange(partners)}"
            tasks.append(asyncio.create_task(
                report(f"bench-{index}", caller, f"{1000 + rng.randrange(desktops)}")))  # fmt: skip
        await asyncio.gather(*tasks)
        return time.perf_counter() - start


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100)
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1),
            "max": round(max(values), 1)}  # fmt: skip


async def measure(options: argparse.Namespace, base: str, token: str, cookies: list[str]) -> dict:
    received: dict[str, float] = {}
    sent: dict[str, float] = {}
    failures: list[str] = []
    readies = [asyncio.Event() for _ in cookies]
    connected: list[int] = []
    readers = [asyncio.create_task(desktop(base, cookie, received, ready, connected))
               for cookie, ready in zip(cookies, readies, strict=True)]  # fmt: skip
    await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), 60)
    took = await telephony(base, token, options.partners, len(cookies), options.rate,
                           options.seconds, sent, failures)  # fmt: skip
    deadline = time.perf_counter() + 10
    while len(set(sent) - set(received)) and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    for reader in readers:
        reader.cancel()
    latencies = [(received[call] - sent[call]) * 1000 for call in sent if call in received]
    return {
        "events_sent": len(sent) + len(failures),
        "events_accepted": len(sent),
        "http_failures": len(failures),
        "failure_examples": failures[:3],
        "send_seconds": round(took, 1),
        "achieved_rate": round((len(sent) + len(failures)) / took, 1),
        "events_received": len(latencies),
        "lost": len(set(sent) - set(received)),
        "latency_ms": percentiles(latencies) if latencies else {},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--desktops", type=int, default=50)
    parser.add_argument("--rate", type=int, default=200, help="events per second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="tenure serve worker processes")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("run under scripts/with-postgres: this benchmark is for PostgreSQL")
    token, cookies = setup(options.partners, options.desktops)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([TENURE, "serve", "--port", str(port), "--workers",
                               str(options.workers)])  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/accounts/login/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        result = asyncio.run(measure(options, base, token, cookies))
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(json.dumps({"benchmark": "cti_push", **vars(options), **result}, indent=2))


if __name__ == "__main__":
    main()
