"""Benchmark: the next-best-action API and the proactive run over a base of partners, on PostgreSQL.

    TENURE_PG_DURABLE=1 flock /tmp/tenure-bench.lock scripts/with-postgres \\
        .venv/bin/python benchmarks/nba_api.py                            # 1,000,000 partners
    scripts/with-postgres .venv/bin/python benchmarks/nba_api.py --partners 20000 --requests 200

Set-up (timed, not measured): ``tenure migrate`` (which installs the default catalogue);
partners and one current customer value dataset each by COPY (benchmarks/tile_latency.py's
loader, then ``tenure customervalue rebuild-current``); then by SQL: phone consent granted for
70 % of partners and refused for 10 %, an overdue invoice for 5 %, an open complaint for 10 %,
an NPS and traffic light for 30 %; the 12 demo products with their four product actions and
1–3 holdings per partner drawn from four taste groups (~2M holdings), then ``tenure nba
fit-recommender`` (timed: evaluation, calibration and fit at this size); VACUUM ANALYZE.

Measured: ``tenure serve`` (one worker); one kept-alive connection, one request at a time,
``GET /api/v1/partners/{number}/next-best-actions?channel=phone`` (a quarter with
``intent=cancellation``) for random partners after a warm-up; every tenth decision gets a
response posted (``POST /api/v1/decisions/{id}/responses``), so history and learned rates are
in play. Reported: client and server time (``Server-Timing: app;dur``) p50/p95/p99, target
p95 < 50 ms server time. Then ``tenure nba run`` over the whole base as a process (Django start,
reading the context, deciding, storing each partner's top action), target < 2 minutes.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import time
from typing import Any

import httpx
import psycopg
from common import (
    machine,
    measured,
    now_utc,
    postgres_version,
    run_tenure,
    save_result,
    source_version,
)
from tile_latency import FIRST_NUMBER, load, start_server, summary

USER = "bench-agent"
TARGET_P95_MS = 50.0
TARGET_RUN_S = 120.0
EXTRAS = (
    "INSERT INTO partners_channelconsent (partner_id, channel, granted, recorded_at, source) "
    "SELECT id, 'phone', id % 10 < 7, now(), 'bench' FROM partners_businesspartner "
    "WHERE id % 10 < 8",
    "INSERT INTO customerdata_payment (partner_id, reference, due_date, amount, imported_at) "
    "SELECT id, 'INV-' || id, current_date - 40, 80 + id % 200, now() "
    "FROM partners_businesspartner WHERE id % 20 = 3",
    "INSERT INTO customerdata_complaint (partner_id, reference, opened, severity, subject, "
    "imported_at) SELECT id, 'C-' || id, current_date - 5, "
    "CASE WHEN id % 3 = 0 THEN 'major' ELSE 'minor' END, '', now() "
    "FROM partners_businesspartner WHERE id % 10 = 4",
    "INSERT INTO retention_partnerindicator (partner_id, traffic_light, traffic_light_since, nps, "
    "nps_at) SELECT id, (ARRAY['green','yellow','red'])[1 + id % 3], now(), id % 11, now() "
    "FROM partners_businesspartner WHERE id % 10 < 3",
)


def products(database_url: str) -> dict[str, float]:
    """The demo products and product actions, ~2 holdings per partner, the recommender fitted."""
    from tenure.cli.demo_products import ACTIONS, GROUPS, PRODUCTS

    keys = [key for key, *_ in PRODUCTS]
    groups = [[keys.index(k) + 1 for k in members] for members in GROUPS.values()]
    # product ids are 1..12 in PRODUCTS order (a fresh table); a partner's group is id % 4
    group_of = (
        "(ARRAY[" + ",".join(f"ARRAY[{','.join(map(str, (g + g)[:5]))}]" for g in groups) + "])"
    )
    with measured() as (took, _), psycopg.connect(database_url, autocommit=True) as connection:
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO customerdata_product (key, name, category, features, active) "
                "VALUES (%s, %s, %s, %s, true)",
                PRODUCTS,
            )
            cursor.executemany(
                "INSERT INTO nextbest_action (key, label, track_id, kind, channel, probability, "
                "learned, propensity_field, value, value_field, cost, lever, eligibility, "
                "applicability, suitability, active, product_id) SELECT %s, %s, 'growth', "
                "'discretionary', 'phone', %s, false, '', %s, '', %s, 1, %s::jsonb, '[]', '[]', "
                "true, id FROM customerdata_product WHERE key = %s",
                [(f"offer-{key}", label, prior, value, cost,
                  '[{"name": "phone consent", "field": "consent_phone", "op": "is true"}]', key)
                 for key, label, value, cost, prior in ACTIONS],
            )  # fmt: skip
        for slot in range(3):  # slot 0 for everyone, 1 for 2/3 of the partners, 2 for 1/3
            connection.execute(
                "INSERT INTO customerdata_productholding (partner_id, reference, product_id, "
                "started, imported_at) SELECT id, 'HLD-' || id || '-' || %s, "
                f"{group_of}[1 + id %% 4][1 + (id / 4 + %s) %% 5], "
                "current_date - (1 + (id * 7919 + %s * 104729) %% 1095)::int, now() "
                "FROM partners_businesspartner WHERE id %% 3 >= %s",
                (slot, slot, slot, slot),
            )
        connection.execute("VACUUM (ANALYZE) customerdata_productholding")
    holdings_seconds = round(took[0], 1)
    with measured() as (took, _):
        run_tenure("nba", "fit-recommender", "--quiet", database_url=database_url)
    return {"products_and_holdings": holdings_seconds, "fit_recommender": round(took[0], 1)}


def extras(database_url: str) -> float:
    with measured() as (took, _), psycopg.connect(database_url, autocommit=True) as connection:
        for statement in EXTRAS:
            connection.execute(statement)
        connection.execute("VACUUM (ANALYZE)")
    return round(took[0], 1)


def measure_api(base: str, token: str, numbers: list[int], warmup: int) -> dict[str, Any]:
    client_ms: list[float] = []
    server_ms: list[float] = []
    responses = 0
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(7)
    with measured() as (_took, load_), httpx.Client(base_url=base, headers=headers) as client:
        for index, number in enumerate(numbers):
            query = "?channel=phone" + ("&intent=cancellation" if index % 4 == 0 else "")
            started = time.perf_counter()
            answer = client.get(f"/api/v1/partners/{number}/next-best-actions{query}")
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise RuntimeError(f"{number}: {answer.status_code} {answer.text[:300]}")
            body = answer.json()
            if index >= warmup:
                client_ms.append(elapsed)
                timing = answer.headers.get("server-timing", "")
                if "app;dur=" in timing:
                    server_ms.append(float(timing.split("app;dur=")[1].split(",")[0]))
            if index % 10 == 0 and body["actions"]:
                action = body["actions"][0]["action"]
                reply = rng.choice(["accepted", "refused", "later", "no_answer"])
                posted = client.post(f"/api/v1/decisions/{body['decision']}/responses",
                                     json={"action": action, "response": reply})  # fmt: skip
                if posted.status_code != 201:
                    raise RuntimeError(f"response: {posted.status_code} {posted.text[:300]}")
                responses += 1
    server = summary(server_ms)
    return {
        "requests": len(client_ms),
        "warmup_requests": warmup,
        "responses_posted": responses,
        "client_ms": summary(client_ms),
        "server_ms": server,
        "target_p95_server_ms": TARGET_P95_MS,
        "target_met": bool(server) and server["p95"] < TARGET_P95_MS,
        "load": load_.as_dict(),
    }


def proactive(database_url: str) -> dict[str, Any]:
    with measured() as (took, load_):
        done = run_tenure("nba", "run", "--quiet", database_url=database_url)
    return {
        "seconds": round(took[0], 1),
        "target_seconds": TARGET_RUN_S,
        "target_met": took[0] < TARGET_RUN_S,
        "output": done.stdout[-2000:],
        "load": load_.as_dict(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000, help="measured decisions")
    parser.add_argument("--warmup", type=int, default=200, help="requests not counted")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-products", action="store_true", help="without product actions")
    options = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("run it under scripts/with-postgres: this benchmark is for PostgreSQL")
    with measured() as (took, _):
        run_tenure("migrate", database_url=database_url)
    setup: dict[str, Any] = {"migrate": round(took[0], 1)}
    setup.update(load(database_url, options.partners, 1, options.seed))
    setup["extras"] = extras(database_url)
    if not options.no_products:
        setup.update(products(database_url))
    print(f"set-up: {setup}", file=sys.stderr, flush=True)
    password = secrets.token_urlsafe(16)
    run_tenure("user", "add", USER, "--role", "agent", database_url=database_url,
               env={"TENURE_PASSWORD": password})  # fmt: skip
    token = run_tenure("token", "create", USER, database_url=database_url).stdout.strip()
    rng = random.Random(options.seed + 1)
    numbers = [FIRST_NUMBER + rng.randrange(options.partners)
               for _ in range(options.warmup + options.requests)]  # fmt: skip
    server, base = start_server(database_url, {}, 1)
    try:
        api = measure_api(base, token, numbers, options.warmup)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"api: {api['server_ms']} (client {api['client_ms']})", file=sys.stderr, flush=True)
    run = proactive(database_url)
    print(f"proactive run: {run['seconds']} s", file=sys.stderr, flush=True)
    path = save_result(f"nba-api-{options.partners}", {
        "benchmark": "nba_api",
        "date": now_utc(),
        "command": " ".join(sys.argv),
        "source": source_version(),
        "database": postgres_version(database_url),
        "partners": options.partners,
        "product_actions": not options.no_products,
        "setup_seconds": setup,
        "api": api,
        "proactive_run": run,
        "machine": machine(),
    })  # fmt: skip
    print(f"saved {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
