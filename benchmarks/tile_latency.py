"""Benchmark: latency of the tile API and the partner page over real HTTP, on PostgreSQL.

    TENURE_PG_DURABLE=1 scripts/with-postgres .venv/bin/python benchmarks/tile_latency.py
    TENURE_PG_DURABLE=1 scripts/with-postgres .venv/bin/python benchmarks/tile_latency.py \\
        --partners 20000 --requests 300                                   # quick check

Set-up (timed, but not what is measured): ``tenure migrate``; business partners (one phone
number each) and ``--months`` monthly datasets per partner written with COPY straight into the
tables, month after month as deliveries arrive, with the secondary indexes and constraints
dropped during the load and recreated afterwards (the same definitions, checked); each
partner's current dataset row by ``tenure customervalue rebuild-current`` (the load bypasses the
writers that keep it); then VACUUM ANALYZE and CHECKPOINT, as autovacuum would have done on a live system; an agent user via
``tenure user add`` and a token via ``tenure token create``.

Measured: ``tenure serve`` (uvicorn, ASGI, one worker) is started; over one kept-alive HTTP
connection per client, one request at a time, ``GET /api/v1/partners/{number}/customer-value``
with the bearer token, then ``GET /partners/{number}/`` with a session from a real login, for
random partners, after a warm-up. Reported: client-side p50/p95/p99 and the server's own time from
the ``Server-Timing: app;dur=…`` header (Django, all middleware included; not uvicorn's HTTP
parsing). Then, in this process, the SQL queries each request makes (Django's test client) and
the plan of the query that finds the current dataset.

``--variant NAME:VAR=VALUE,...`` (repeatable) adds a server with another environment on the same
data, e.g. ``--variant persistent:TENURE_CONN_MAX_AGE=60``; ``--variant pooled`` uses Django's
PostgreSQL connection pool (benchmarks/pooled_settings.py). All servers run at once and each
partner is requested from every server in turn, so load from outside hits all variants alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
from common import (
    DATA,
    ROOT,
    TENURE,
    child_env,
    machine,
    measured,
    now_utc,
    postgres_version,
    rebuild_current,
    run_tenure,
    save_result,
    source_version,
)

FIRST_NUMBER = 10_000_000
SOURCE = "Energieforen Leipzig"
USER = "bench-agent"
TABLES = ("partners_businesspartner", "partners_partnerphonenumber",
          "customervalue_customervaluedataset")  # fmt: skip
TARGET_P95_MS = 50.0
_BANDS = ((24, "1"), (49, "2"), (74, "3"), (100, "4"))


def month_starts(months: int) -> list[dt.date]:
    """``months`` first days of the month, oldest first, ending with the current month."""
    today = dt.date.today()
    year, month, days = today.year, today.month, []
    for _ in range(months):
        days.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(days)


# --- set-up: COPY straight into the tables ---------------------------------------------------


def secondary_schema(cursor: psycopg.Cursor[Any]) -> list[tuple[str, str, str]]:
    """(table, name, SQL to recreate) for every index and constraint but the primary keys."""
    found: list[tuple[str, str, str]] = []
    for table in TABLES:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype <> 'p' ORDER BY contype, conname",
            (table,),
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
            (table, table),
        )
        found += [(table, name, f"{definition}") for name, definition in cursor.fetchall()]
        found += [(table, name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                  for name, definition in constraints]  # fmt: skip
    return found


def _chunks(lines: Iterator[str], size: int = 50_000) -> Iterator[str]:
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= size:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


def partner_lines(partners: int, now: str) -> Iterator[str]:
    for index in range(partners):
        yield (f"{index + 1}\t{FIRST_NUMBER + index}\tPartner {index}\tperson\t"
               f"Hauptstraße {index % 180 + 1}\t04109\tLeipzig\tDE\tp{index}@example.org\t"
               f"{now}\t{now}\n")  # fmt: skip


def phone_lines(partners: int) -> Iterator[str]:
    for index in range(partners):
        yield f"{index + 1}\t+49341{20_000_000 + index}\t0\n"


def dataset_lines(partners: int, months: int, seed: int, now: str) -> Iterator[str]:
    """Month after month, every partner's dataset; ids ascend with the delivery like imports."""
    rng = random.Random(seed)
    segments = [rng.choice("AABBBCCCDD") for _ in range(partners)]
    churn = [rng.randint(0, 100) for _ in range(partners)]
    random_float, random_bits = rng.random, rng.getrandbits
    dataset_id = 0
    for as_of in month_starts(months):
        day = as_of.isoformat()
        for index in range(partners):
            dataset_id += 1
            score = min(100, max(0, churn[index] + int(random_float() * 17) - 8))
            churn[index] = score
            risk = "1" if score <= 24 else "2" if score <= 49 else "3" if score <= 74 else "4"
            value = "\\N" if index % 13 == 5 else 1 + int(random_float() * 10)
            bad_debt = f"{random_float():.3f}" if index % 3 == 0 else "\\N"
            fingerprint = random_bits(63) - (1 << 62)
            yield (f"{dataset_id}\t{index + 1}\t{day}\t{segments[index]}\t{value}\t{risk}\t"
                   f"{score}\t{bad_debt}\t{SOURCE}\t\\N\t{now}\t{fingerprint}\n")  # fmt: skip


def copy_lines(cursor: psycopg.Cursor[Any], statement: str, lines: Iterator[str]) -> None:
    with cursor.copy(statement) as copy:
        for chunk in _chunks(lines):
            copy.write(chunk)


def load(database_url: str, partners: int, months: int, seed: int) -> dict[str, Any]:
    """Fill the tables with COPY; returns the time of each step in seconds."""
    timings: dict[str, Any] = {}
    now = dt.datetime.now(dt.UTC).isoformat()
    with psycopg.connect(database_url, autocommit=True) as connection:
        cursor = connection.cursor()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            if cursor.fetchone()[0]:  # type: ignore[index]
                raise SystemExit(f"{table} is not empty: this benchmark needs a fresh database")
        schema = secondary_schema(cursor)
        with measured() as (took, _):
            for table, name, _definition in reversed(schema):
                if _definition.startswith("ALTER TABLE"):
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                else:
                    cursor.execute(f'DROP INDEX "{name}"')
        timings["drop_indexes"] = took[0]
        steps = (
            ("copy_partners", "COPY partners_businesspartner (id, number, name, kind, street, "
             "postcode, city, country, email, created_at, updated_at) FROM STDIN",
             partner_lines(partners, now)),
            ("copy_phones", "COPY partners_partnerphonenumber (partner_id, e164, position) "
             "FROM STDIN", phone_lines(partners)),
            ("copy_datasets", "COPY customervalue_customervaluedataset (id, partner_id, as_of, "
             "segment_id, customer_value, risk_class_id, churn_score, bad_debt_score, source, "
             "import_run_id, imported_at, fingerprint) FROM STDIN",
             dataset_lines(partners, months, seed, now)),
        )  # fmt: skip
        for name, statement, lines in steps:
            with measured() as (took, _):
                copy_lines(cursor, statement, lines)
            timings[name] = took[0]
            print(f"  {name}: {took[0]:.0f} s", file=sys.stderr, flush=True)
        for table in ("partners_businesspartner", "customervalue_customervaluedataset"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        with measured() as (took, _):
            for _table, _name, definition in schema:
                cursor.execute(definition)
        timings["recreate_indexes_and_constraints"] = took[0]
        if secondary_schema(cursor) != schema:
            raise RuntimeError("the recreated indexes and constraints differ from the migrated")
        timings["rebuild_current"] = rebuild_current(database_url)
        with measured() as (took, _):
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute("CHECKPOINT")
        timings["vacuum_analyze_checkpoint"] = took[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        timings["database_size"] = cursor.fetchone()[0]  # type: ignore[index]
    timings["total"] = sum(value for value in timings.values() if isinstance(value, float))
    return {name: round(value, 1) if isinstance(value, float) else value
            for name, value in timings.items()}  # fmt: skip


# --- measurement over HTTP -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(database_url: str, env: dict[str, str], workers: int) -> tuple[Any, str]:
    port = free_port()
    log = (DATA / f"tile-server-{os.getpid()}.log").open("w")
    server = subprocess.Popen(
        [TENURE, "serve", "--port", str(port), "--workers", str(workers)],
        env=child_env(database_url, env),
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"tenure serve stopped; see {log.name}")
        try:
            httpx.get(base + "/accounts/login/", timeout=2)
            return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("tenure serve did not answer within 30 s")


def summary(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2),
            "mean": round(statistics.fmean(values), 2), "max": round(max(values), 2)}  # fmt: skip


class Series:
    """The latencies one variant's server gave for one endpoint."""

    def __init__(self) -> None:
        self.client_ms: list[float] = []
        self.server_ms: list[float] = []
        self.sockets: set[int] = set()

    def request(self, client: httpx.Client, path: str, expect: str, counted: bool) -> None:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or expect not in response.text:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        stream = response.extensions.get("network_stream")
        if stream is not None:
            self.sockets.add(id(stream.get_extra_info("socket")))
        if not counted:
            return
        self.client_ms.append(elapsed)
        timing = re.search(r"app;dur=([\d.]+)", response.headers.get("server-timing", ""))
        if timing:
            self.server_ms.append(float(timing.group(1)))

    def report(self, warmup: int, load: dict[str, Any]) -> dict[str, Any]:
        server = summary(self.server_ms)
        return {
            "requests": len(self.client_ms),
            "warmup_requests": warmup,
            "client_ms": summary(self.client_ms),
            "server_ms": server,
            "server_timing_header": bool(server),
            "target_p95_server_ms": TARGET_P95_MS,
            "target_met": bool(server) and server["p95"] < TARGET_P95_MS,
            "tcp_connections_used": len(self.sockets),
            "load": load,
        }


def login(client: httpx.Client, password: str) -> None:
    client.get("/accounts/login/")
    form = {"username": USER, "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"]}  # fmt: skip
    response = client.post("/accounts/login/", data=form)
    if response.status_code != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"login failed: {response.status_code}")


def measure_variants(
    database_url: str, variants: list[tuple[str, dict[str, str]]], workers: int, token: str,
    password: str, numbers: list[int], warmup: int,
) -> dict[str, Any]:  # fmt: skip
    """One server per variant, all running; each partner is requested from every server in
    turn (rotating who goes first), so load from outside falls on all variants alike."""
    servers: list[tuple[Any, str]] = []
    clients: list[tuple[httpx.Client, httpx.Client]] = []
    try:
        for _name, env in variants:
            servers.append(start_server(database_url, env, workers))
        for _server, base in servers:
            api = httpx.Client(base_url=base, timeout=30,
                               headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            browser = httpx.Client(base_url=base, timeout=30)
            login(browser, password)
            clients.append((api, browser))
        results: dict[str, Any] = {name: {"server_env": env, "workers": workers}
                                   for name, env in variants}  # fmt: skip
        endpoints = (("tile_api", 0, "/api/v1/partners/{}/customer-value", '"as_of"'),
                     ("partner_page", 1, "/partners/{}/", "churn"))  # fmt: skip
        for endpoint, which, path, expect in endpoints:
            series = [Series() for _ in variants]
            with measured() as (_took, load):
                for position, number in enumerate(numbers):
                    for turn in range(len(variants)):
                        index = (position + turn) % len(variants)
                        series[index].request(clients[index][which], path.format(number),
                                              expect, counted=position >= warmup)  # fmt: skip
            for (name, _env), measured_series in zip(variants, series, strict=True):
                results[name][endpoint] = measured_series.report(warmup, load.as_dict())
        return results
    finally:
        for api, browser in clients:
            api.close()
            browser.close()
        for server, _base in servers:
            server.terminate()
            server.wait(timeout=20)


# --- diagnostics in this process -----------------------------------------------------------


def diagnose(database_url: str, token: str, number: int) -> dict[str, Any]:
    """The SQL each request makes (count, time) and the plan of the current-dataset query."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(User.objects.get(username=USER))
    found: dict[str, Any] = {}
    for name, client, path in (("tile_api", api, f"/api/v1/partners/{number}/customer-value"),
                               ("partner_page", browser, f"/partners/{number}/")):  # fmt: skip
        client.get(path)  # caches warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, response.status_code
        found[name] = {
            "queries": len(queries),
            "sql_ms": round(sum(float(query["time"]) for query in queries) * 1000, 2),
            "statements": [query["sql"][:160] for query in queries],
        }
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM partners_businesspartner WHERE number = %s", [str(number)])
        partner_id = cursor.fetchone()[0]
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT as_of, segment_id, customer_value "
            "FROM customervalue_customervaluedataset WHERE partner_id = %s "
            "ORDER BY as_of DESC, id DESC LIMIT 1",
            [partner_id],
        )
        found["current_dataset_plan"] = [row[0] for row in cursor.fetchall()]
    return found


def pooled_variant() -> dict[str, str]:
    """Server environment for benchmarks/pooled_settings.py (installs psycopg-pool if needed)."""
    library = DATA / "pylib"
    if not (library / "psycopg_pool").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--target", str(library), "psycopg-pool>=3.2"], check=True)  # fmt: skip
    return {"PYTHONPATH": f"{library}:{ROOT / 'benchmarks'}",
            "DJANGO_SETTINGS_MODULE": "pooled_settings"}  # fmt: skip


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``pooled`` (Django's connection pool), or ``NAME:VAR=VALUE,...`` for the server."""
    if text == "pooled":
        return "pooled", pooled_variant()
    name, _, assignments = text.partition(":")
    env = dict(item.split("=", 1) for item in assignments.split(",") if item)
    return name, env


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=10, help="datasets per partner")
    parser.add_argument("--requests", type=int, default=2000, help="measured, per endpoint")
    parser.add_argument("--warmup", type=int, default=200, help="requests not counted")
    parser.add_argument("--workers", type=int, default=1, help="tenure serve --workers")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:VAR=VALUE,...")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("run it under scripts/with-postgres: this benchmark is for PostgreSQL")

    with measured() as (took, _):
        run_tenure("migrate", database_url=database_url)
    setup: dict[str, Any] = {"migrate": round(took[0], 1)}
    setup.update(load(database_url, options.partners, options.months, options.seed))
    password = secrets.token_urlsafe(16)
    run_tenure("user", "add", USER, "--role", "agent", database_url=database_url,
               env={"TENURE_PASSWORD": password})  # fmt: skip
    token = run_tenure("token", "create", USER, database_url=database_url).stdout.strip()

    rng = random.Random(options.seed + 1)
    count = options.warmup + options.requests
    numbers = [FIRST_NUMBER + rng.randrange(options.partners) for _ in range(count)]
    variants: list[tuple[str, dict[str, str]]] = [("as shipped", {})]
    variants += [parse_variant(text) for text in options.variant]
    print(f"measuring: {', '.join(name for name, _env in variants)}", file=sys.stderr, flush=True)
    results = measure_variants(database_url, variants, options.workers, token, password,
                               numbers, options.warmup)  # fmt: skip
    save_result(f"tile-latency-{options.partners}", {
        "benchmark": "tile_latency",
        "date": now_utc(),
        "command": " ".join(sys.argv),
        "source": source_version(),
        "database": postgres_version(database_url),
        "partners": options.partners,
        "datasets": options.partners * options.months,
        "setup_seconds": setup,
        "results": results,
        "diagnostics": diagnose(database_url, token, numbers[-1]),
        "machine": machine(),
    })  # fmt: skip


if __name__ == "__main__":
    main()
