"""Benchmark: tile API and partner page latency over real HTTP, on PostgreSQL at full size.

    TENURE_PG_DURABLE=1 scripts/with-postgres .venv/bin/python benchmarks/tile_latency.py \
        --partners 1000000 --months 10

Loads the partners and datasets with COPY (set-up, timed apart: it is not what is measured),
ANALYZEs, starts ``tenure serve`` (uvicorn), then requests the tile API with a bearer token and the
partner page with a session for random partners, one request at a time over a kept-alive
connection. Reports client-side latency and the server's own time from ``Server-Timing``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import socket
import statistics
import subprocess
import time
from typing import Any

import httpx
from common import TENURE, machine, setup_django, stopwatch

FIRST_NUMBER = 10_000_000


def load(partners: int, months: int, seed: int) -> dict[str, float]:
    """COPY partners, phone numbers and datasets straight into the tables; returns timings."""
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(seed)
    now = timezone.now()
    timings: dict[str, float] = {}
    first = dt.date(2026, 11, 1)
    days = [(first - dt.timedelta(days=31 * m)).replace(day=1) for m in range(months)]
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no FK triggers while loading
        with (
            stopwatch() as took,
            cursor.copy(
                "COPY partners_businesspartner (number, name, kind, street, postcode, city, "
                "country, email, created_at, updated_at) FROM STDIN"
            ) as copy,
        ):
            for index in range(partners):
                copy.write_row((f"{FIRST_NUMBER + index}", f"Partner {index}", "person",
                                f"Hauptstraße {index % 200 + 1}", "04109", "Leipzig", "DE",
                                "", now, now))  # fmt: skip
        timings["partners_seconds"] = took[0]
        cursor.execute("SELECT min(id) FROM partners_businesspartner")
        first_id = cursor.fetchone()[0]
        with (
            stopwatch() as took,
            cursor.copy(
                "COPY partners_partnerphonenumber (partner_id, e164, position) FROM STDIN"
            ) as copy,
        ):
            for index in range(partners):
                copy.write_row((first_id + index, f"+49341{2_000_000 + index}", 0))
        timings["phones_seconds"] = took[0]
        with (
            stopwatch() as took,
            cursor.copy(
                "COPY customervalue_customervaluedataset (partner_id, as_of, segment_id, "
                "customer_value, risk_class_id, churn_score, bad_debt_score, source, "
                "imported_at, fingerprint) FROM STDIN"
            ) as copy,
        ):
            fingerprint = 0
            for index in range(partners):
                for day in days:
                    fingerprint += 1
                    copy.write_row((first_id + index, day, rng.choice("ABCD"),
                                    rng.randint(1, 10), str(rng.randint(1, 4)),
                                    rng.randint(0, 100), None, "benchmark", now,
                                    fingerprint))  # fmt: skip
        timings["datasets_seconds"] = took[0]
        cursor.execute("SET session_replication_role = origin")
        with stopwatch() as took:
            cursor.execute("ANALYZE")
        timings["analyze_seconds"] = took[0]
    return {name: round(value, 1) for name, value in timings.items()}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(base: str) -> None:
    for _ in range(200):
        try:
            httpx.get(base + "/accounts/login/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def measure(client: httpx.Client, paths: list[str], warmup: int) -> dict[str, Any]:
    client_ms: list[float] = []
    server_ms: list[float] = []
    for position, path in enumerate(paths):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
        if position < warmup:
            continue
        client_ms.append(elapsed)
        timing = re.search(r"dur=([\d.]+)", response.headers.get("server-timing", ""))
        if timing:
            server_ms.append(float(timing.group(1)))
    return {"requests": len(client_ms), "client_ms": summary(client_ms),
            "server_ms": summary(server_ms)}  # fmt: skip


def summary(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100)
    return {"p50": round(cuts[49], 1), "p95": round(cuts[94], 1), "p99": round(cuts[98], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=10)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("run under scripts/with-postgres: this benchmark is for PostgreSQL")
    setup_django(database_url)
    from django.core.management import call_command

    from tenure.accounts.services import token_create, user_add

    call_command("migrate", verbosity=0)
    setup = load(options.partners, options.months, options.seed)
    user_add(username="bench", role="agent", password="bench-password-1", validate=False)
    token = token_create(username="bench")
    port = free_port()
    server = subprocess.Popen([TENURE, "serve", "--port", str(port)],
                              env={**os.environ, "DATABASE_URL": database_url})  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(options.seed + 1)
    numbers = [FIRST_NUMBER + rng.randrange(options.partners) for _ in range(options.requests)]
    warmup = min(200, options.requests // 10)
    try:
        wait_for(base)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
            tile_api = measure(api, [f"/api/v1/partners/{n}/customer-value" for n in numbers],
                               warmup)  # fmt: skip
        with httpx.Client(base_url=base) as browser:
            browser.get("/accounts/login/")
            browser.post("/accounts/login/", data={
                "username": "bench", "password": "bench-password-1",
                "csrfmiddlewaretoken": browser.cookies["csrftoken"]})  # fmt: skip
            page = measure(browser, [f"/partners/{n}/" for n in numbers], warmup)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(json.dumps({"benchmark": "tile_latency", "partners": options.partners,
                      "datasets": options.partners * options.months, "setup": setup,
                      "tile_api": tile_api, "partner_page": page, "machine": machine()},
                     indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
