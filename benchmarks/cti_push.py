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
import gc
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
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


class Http1:
    """A minimal HTTP/1.1 client for the load generator: keep-alive connections, requests with a
    JSON body, answers with ``Content-Length`` or chunked, and one streamed GET for the event
    stream. httpx costs about 2.5 ms of CPU per request here and far more once requests queue
    in its pool; on these 2 cores that starved the server it was measuring (docs/benchmarks.md,
    section 3). ``--client httpx`` measures with httpx as before."""

    def __init__(self, base: str, headers: dict[str, str], connections: int = 64) -> None:
        url = httpx.URL(base)
        self.host, self.port = url.host, url.port or 80
        self.headers = "".join(f"{name}: {value}\r\n" for name, value in
                               {"Host": f"{self.host}:{self.port}", **headers}.items())  # fmt: skip
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._slots = asyncio.Semaphore(connections)

    async def post_json(self, path: str, body: object) -> tuple[int, dict[str, str], bytes]:
        data = json.dumps(body).encode()
        head = (f"POST {path} HTTP/1.1\r\n{self.headers}Content-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n")  # fmt: skip
        async with self._slots:
            for attempt in range(2):
                reader, writer = await self._connection()
                try:
                    writer.write(head.encode() + data)
                    status, headers = await self._head(reader)
                    answer = await self._body(reader, headers)
                    break
                except ConnectionError:
                    writer.close()
                    # a kept-alive connection the server closed just now (uvicorn closes idle
                    # ones after 5 s) never got the request: send it once more on a new one
                    if attempt:
                        raise
                except BaseException:
                    writer.close()
                    raise
            if headers.get("connection", "").lower() == "close":
                writer.close()
            else:
                self._idle.append((reader, writer))
            return status, headers, answer

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self._idle:
            reader, writer = self._idle.pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        return await self._connect()

    async def lines(self, path: str) -> AsyncIterator[str]:
        """The lines of a streamed (chunked) answer to a GET, e.g. Server-Sent Events."""
        reader, writer = await self._connect()
        try:
            writer.write(f"GET {path} HTTP/1.1\r\n{self.headers}\r\n".encode())
            status, headers = await self._head(reader)
            if status != 200 or headers.get("transfer-encoding") != "chunked":
                raise RuntimeError(f"GET {path}: {status} {headers}")
            pending = b""
            while chunk := await self._chunk(reader):
                *complete, pending = (pending + chunk).split(b"\n")
                for line in complete:
                    yield line.decode().rstrip("\r")
        finally:
            writer.close()

    async def close(self) -> None:
        for _, writer in self._idle:
            writer.close()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)

    @staticmethod
    async def _head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers

    async def _body(self, reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
        if "content-length" in headers:
            return await reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding") == "chunked":
            parts = []
            while chunk := await self._chunk(reader):
                parts.append(chunk)
            return b"".join(parts)
        raise RuntimeError(f"an answer without length: {headers}")

    @staticmethod
    async def _chunk(reader: asyncio.StreamReader) -> bytes:
        size = int((await reader.readline()).split(b";")[0], 16)
        chunk = await reader.readexactly(size + 2)  # with its CRLF
        return chunk[:-2]


async def desktop(base: str, cookie: str, received: dict[str, float], ready: asyncio.Event,
                  client: str) -> None:  # fmt: skip
    """One agent desktop: reads its event stream and notes when each call arrives."""
    if client == "httpx":
        async with (
            httpx.AsyncClient(base_url=base, headers={"Cookie": cookie}, timeout=None) as http,
            http.stream("GET", "/cti/stream/") as response,
        ):
            async for line in response.aiter_lines():
                _desktop_line(line, received, ready)
    else:
        async for line in Http1(base, {"Cookie": cookie}).lines("/cti/stream/"):
            _desktop_line(line, received, ready)


def _desktop_line(line: str, received: dict[str, float], ready: asyncio.Event) -> None:
    if line.startswith(": connected"):
        ready.set()
    elif line.startswith("data: "):
        message = json.loads(line[6:])
        received.setdefault(message["call_id"], time.perf_counter())


async def telephony(base: str, token: str, options: argparse.Namespace, desktops: int,
                    sent: dict[str, float], failures: list[str],
                    answers: dict[str, list[float]], answered: dict[str, float]) -> float:  # fmt: skip
    """The telephony system: one ``ringing`` event every 1/rate s, each its own HTTP request
    (at most ``--connections`` at a time, over keep-alive connections). Notes for each answer how long it took
    and the server time the answer's ``Server-Timing`` header reports."""
    rng = random.Random(7)
    headers = {"Authorization": f"Bearer {token}"}
    if options.client == "httpx":
        limits = httpx.Limits(max_connections=options.connections,
                              max_keepalive_connections=options.connections)  # fmt: skip
        http = httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30)

        async def post(body: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
            response = await http.post("/api/v1/cti/calls", json=body)
            return response.status_code, dict(response.headers), response.content
    else:
        lean = Http1(base, headers, options.connections)

        async def post(body: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
            return await asyncio.wait_for(lean.post_json("/api/v1/cti/calls", body), 30)

    async def report(call_id: str, caller: str, extension: str) -> None:
        sent[call_id] = time.perf_counter()
        try:
            status, headers, answer = await post({"call_id": call_id, "event": "ringing",
                                         "caller": caller, "extension": extension})  # fmt: skip
            if status != 200 or json.loads(answer)["duplicate"]:
                failures.append(f"{status} {answer[:100]!r}")
                sent.pop(call_id, None)
                return
            answered[call_id] = time.perf_counter()
            answers["request"].append((answered[call_id] - sent[call_id]) * 1000)
            timing = headers.get("server-timing", "")
            if "dur=" in timing:
                answers["server"].append(float(timing.split("dur=")[1].split(",")[0]))
        except (OSError, TimeoutError, httpx.HTTPError, asyncio.IncompleteReadError) as exc:
            failures.append(repr(exc))
            sent.pop(call_id, None)

    tasks = []
    start = time.perf_counter()
    try:
        for index in range(options.rate * options.seconds):
            due = start + index / options.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            caller = f"0341 {3_000_000 + rng.randrange(options.partners)}"
            tasks.append(asyncio.create_task(
                report(f"bench-{index}", caller, f"{1000 + rng.randrange(desktops)}")))  # fmt: skip
        await asyncio.gather(*tasks)
        return time.perf_counter() - start
    finally:
        await (http.aclose() if options.client == "httpx" else lean.close())


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100)
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1),
            "max": round(max(values), 1)}  # fmt: skip


async def measure(options: argparse.Namespace, base: str, token: str, cookies: list[str]) -> dict:
    received: dict[str, float] = {}
    sent: dict[str, float] = {}
    failures: list[str] = []
    readies = [asyncio.Event() for _ in cookies]
    readers = [asyncio.create_task(desktop(base, cookie, received, ready, options.client))
               for cookie, ready in zip(cookies, readies, strict=True)]  # fmt: skip
    await asyncio.wait_for(asyncio.gather(*(ready.wait() for ready in readies)), 60)
    load_before = os.getloadavg()
    cpu_before = cpu_seconds(options.server_pid)
    answers: dict[str, list[float]] = {"request": [], "server": []}
    answered: dict[str, float] = {}
    took = await telephony(base, token, options, len(cookies), sent, failures, answers, answered)
    cpu_after = cpu_seconds(options.server_pid)
    deadline = time.perf_counter() + 10
    while len(set(sent) - set(received)) and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    for reader in readers:
        reader.cancel()
    latencies = [(received[call] - sent[call]) * 1000 for call in sent if call in received]
    # the push alone: from the telephony request's answer to the desktop (negative: it came first)
    after_answer = [
        (received[call] - answered[call]) * 1000 for call in answered if call in received
    ]
    events = len(sent) + len(failures)
    return {
        "events_sent": events,
        "events_accepted": len(sent),
        "http_failures": len(failures),
        "failure_examples": failures[:3],
        "send_seconds": round(took, 1),
        "achieved_rate": round(events / took, 1),
        "events_received": len(latencies),
        "lost": len(set(sent) - set(received)),
        "latency_ms": percentiles(latencies) if latencies else {},
        # the telephony request: until its answer, and the part Django spent (Server-Timing)
        "request_ms": percentiles(answers["request"]) if answers["request"] else {},
        "desktop_after_answer_ms": percentiles(after_answer) if after_answer else {},
        "server_timing_ms": percentiles(answers["server"]) if answers["server"] else {},
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
        # CPU time per accepted event while sending (all processes of each part)
        "cpu_ms_per_event": {
            part: round((cpu_after[part] - cpu_before[part]) / max(1, len(sent)) * 1000, 2)
            for part in cpu_before
        },
        "cpu_cores_used": {
            part: round((cpu_after[part] - cpu_before[part]) / took, 2) for part in cpu_before
        },
        **({"timeline": timeline(sent, received)} if options.timeline else {}),
    }


def timeline(sent: dict[str, float], received: dict[str, float]) -> list[str]:
    """Per second of sending: events, and their latency p50 / p95 / max in ms (where the tail
    comes from: steady queueing or stalls)."""
    start = min(sent.values())
    seconds: dict[int, list[float]] = {}
    for call, at in sent.items():
        if call in received:
            seconds.setdefault(int(at - start), []).append((received[call] - at) * 1000)
    rows = []
    for second, values in sorted(seconds.items()):
        values.sort()
        p50, p95 = values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.95))]
        rows.append(f"{second:3d}s n={len(values):3d} p50={p50:6.0f} p95={p95:6.0f} "
                    f"max={values[-1]:6.0f}")  # fmt: skip
    return rows


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's processes, PostgreSQL's and this one."""
    port = os.environ["DATABASE_URL"].rsplit(":", 1)[1].split("/")[0]
    postgres = _pids(["-f", f"postgres.* -p {port} "])
    postgres += [child for pid in postgres for child in _descendants(pid)]
    return {
        "server": sum(_cpu(pid) for pid in [server_pid, *_descendants(server_pid)]),
        "postgres": sum(_cpu(pid) for pid in postgres),
        "load_generator": time.process_time(),
    }


def _pids(pgrep: list[str]) -> list[int]:
    done = subprocess.run(["pgrep", *pgrep], capture_output=True, text=True)
    return [int(pid) for pid in done.stdout.split()]


def _descendants(pid: int) -> list[int]:
    children = _pids(["-P", str(pid)])
    return children + [grandchild for child in children for grandchild in _descendants(child)]


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--desktops", type=int, default=50)
    parser.add_argument("--rate", type=int, default=200, help="events per second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="tenure serve worker processes")
    parser.add_argument("--connections", type=int, default=64,
                        help="the telephony system's HTTP connections (requests at a time)")  # fmt: skip
    parser.add_argument("--timeline", action="store_true",
                        help="also print the latency per second of sending")  # fmt: skip
    parser.add_argument("--client", choices=["lean", "httpx"], default="lean",
                        help="HTTP client of the load generator (see Http1)")  # fmt: skip
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
    options.server_pid = server.pid
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/accounts/login/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        # the set-up's objects (Django, the COPY) out of the collector's reach: a full collection
        # of them paused this process, the clock of every latency, by up to 0.3 s
        gc.collect()
        gc.freeze()
        result = asyncio.run(measure(options, base, token, cookies))
    finally:
        server.terminate()
        server.wait(timeout=20)
    del options.server_pid
    print(json.dumps({"benchmark": "cti_push", **vars(options), **result}, indent=2))


if __name__ == "__main__":
    main()
