"""Benchmark: the advanced search over 1,000,000 partners (10 datasets each), PostgreSQL and SQLite.

    flock /tmp/tenure-bench.lock scripts/with-postgres .venv/bin/python benchmarks/search_scale.py
    flock /tmp/tenure-bench.lock .venv/bin/python benchmarks/search_scale.py          # SQLite
    .venv/bin/python benchmarks/search_scale.py --partners 50000                     # quick check

Set-up (timed, not measured): ``tenure migrate``; partners and ``--months`` monthly datasets per
partner, on PostgreSQL with the COPY loader of ``tile_latency.py`` (indexes dropped during the
load, recreated, VACUUM ANALYZE), on SQLite with ``executemany`` (the dataset indexes dropped
during the load and recreated, ANALYZE), each partner's current dataset row filled by
``tenure customervalue rebuild-current``; then for every partner a start date, a city and a
postcode, and for 40 % of them a traffic light and an NPS; one running Retention campaign holding
5 % of the partners.

Measured, in this process with Django (the engine is ``tenure.reports.search``), each search
``--repeat`` times (median; the first run, with cold caches, reported too):

- ``ids``: ``list(partner_search(c).values_list("id", flat=True))``: what populating a campaign
  reads (target: the whole population under 5 s);
- ``count``: the total the result page shows;
- ``page``: the first result page of 25 in partner-number order, and sorted by churn score.

On PostgreSQL also the plan (EXPLAIN ANALYZE) of the ids query, and the same condition counted
in plain SQL the shipped way (a join with the current-dataset table) and the ways without it:
one probe per partner along ``dataset_current_idx`` (shipped until 1 December 2026), the current
id first and the row by primary key, ``EXISTS`` with the current id, ``DISTINCT ON
(partner_id)`` over the datasets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from common import (
    DATA,
    engine_of,
    fresh_sqlite_url,
    machine,
    measured,
    now_utc,
    postgres_version,
    rebuild_current,
    run_tenure,
    save_result,
    source_version,
)
from tile_latency import dataset_lines, load, partner_lines

SEARCHES: dict[str, dict[str, Any]] = {
    "dataset_only": {
        "match": "all",
        "conditions": [
            {"field": "churn_score", "op": "between", "value": [60, None]},
            {"field": "segment", "op": "in", "value": ["A", "B"]},
        ],
    },
    "retention_targets": {
        "match": "all",
        "conditions": [
            {"field": "churn_score", "op": "between", "value": [60, None]},
            {"field": "customer_value", "op": "between", "value": [6, None]},
            {"field": "traffic_light", "op": "in", "value": ["red", "yellow", "none"]},
            {"field": "campaign", "op": "not_in_running", "value": "retention"},
            {"field": "customer_status", "op": "in", "value": ["active"]},
            {"field": "tenure_months", "op": "between", "value": [12, None]},
        ],
    },
    "narrow_region": {
        "match": "all",
        "conditions": [
            {"field": "postcode", "op": "starts_with", "value": "041"},
            {"field": "risk_class", "op": "in", "value": ["3", "4"]},
        ],
    },
    "any_of_three": {
        "match": "any",
        "conditions": [
            {"field": "risk_class", "op": "in", "value": ["4"]},
            {"field": "nps_band", "op": "in", "value": ["red"]},
            {"field": "campaign", "op": "in_running_type", "value": "retention"},
        ],
    },
    "everyone": {"match": "all", "conditions": []},
}


def _sqlite_path(database_url: str) -> str:
    return database_url.removeprefix("sqlite:///")


def load_sqlite(database_url: str, partners: int, months: int, seed: int) -> dict[str, Any]:
    """Fill the migrated SQLite database; returns the time of each step in seconds."""
    timings: dict[str, Any] = {}
    now = dt.datetime.now(dt.UTC).isoformat()
    connection = sqlite3.connect(_sqlite_path(database_url))
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = OFF")
    table = "customervalue_customervaluedataset"
    indexes = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    for name, _sql in indexes:
        connection.execute(f'DROP INDEX "{name}"')

    def rows(lines: Any) -> Any:
        for line in lines:
            yield [None if part == "\\N" else part for part in line.rstrip("\n").split("\t")]

    with measured() as (took, _):
        connection.executemany(
            "INSERT INTO partners_businesspartner (id, number, name, kind, street, postcode, "
            "city, country, email, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows(partner_lines(partners, now)),
        )
        connection.commit()
    timings["insert_partners"] = took[0]
    with measured() as (took, _):
        connection.executemany(
            f"INSERT INTO {table} (id, partner_id, as_of, segment_id, customer_value, "
            "risk_class_id, churn_score, bad_debt_score, source, import_run_id, imported_at, "
            "fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows(dataset_lines(partners, months, seed, now)),
        )
        connection.commit()
    timings["insert_datasets"] = took[0]
    print(f"  datasets: {took[0]:.0f} s", file=sys.stderr, flush=True)
    with measured() as (took, _):
        for _name, sql in indexes:
            connection.execute(sql)
        connection.commit()
    timings["recreate_indexes"] = took[0]
    connection.close()
    timings["rebuild_current"] = rebuild_current(database_url)
    return timings


EXTRA_SQL = (
    # a start date 0..~10 years back, cities and postcodes that vary
    "UPDATE partners_businesspartner SET customer_since = {since}, "
    "city = CASE id % 4 WHEN 0 THEN 'Leipzig' WHEN 1 THEN 'Dresden' WHEN 2 THEN 'Halle' "
    "ELSE 'Chemnitz' END, postcode = {postcode}",
    "INSERT INTO retention_partnerindicator (partner_id, traffic_light, nps) "
    "SELECT id, CASE id % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'yellow' ELSE 'green' END, "
    "id % 11 FROM partners_businesspartner WHERE id % 5 IN (1, 3)",
    "INSERT INTO campaigns_campaign (name, type, action_kind, action_object, script, channel, "
    "cost_per_contact, created_at, updated_at, description, starts_on, active, control_share, "
    "control_seed) VALUES ('Bench retention', 'retention', 'other', '', '', 'phone', 0, "
    "{now}, {now}, '', {today}, {true}, 0, 1)",
    'INSERT INTO campaigns_contact (campaign_id, partner_id, "group", source, status, outcome, '
    "notes, added_at, updated_at) SELECT (SELECT max(id) FROM campaigns_campaign), id, "
    "'treated', 'bench', 'open', '', '', {now}, {now} FROM partners_businesspartner "
    "WHERE id % 20 = 7",
)


def extra_data(database_url: str) -> float:
    """Start dates, cities, indicators and a running campaign (see the module docstring)."""
    started = time.perf_counter()
    if engine_of(database_url) == "postgresql":
        import psycopg

        words = {"since": "DATE '2016-01-01' + (id % 3650)::int",
                 "postcode": "lpad(((id * 7919) % 99999)::text, 5, '0')",
                 "now": "now()", "today": "CURRENT_DATE", "true": "true"}  # fmt: skip
        with psycopg.connect(database_url, autocommit=True) as connection:
            for statement in EXTRA_SQL:
                connection.execute(statement.format(**words))  # type: ignore[arg-type]
            connection.execute("VACUUM (ANALYZE)")
    else:
        words = {"since": "date('2016-01-01', '+' || (id % 3650) || ' days')",
                 "postcode": "substr('0000' || ((id * 7919) % 99999), -5, 5)",
                 "now": "datetime('now')", "today": "date('now')", "true": "1"}  # fmt: skip
        connection = sqlite3.connect(_sqlite_path(database_url))
        for statement in EXTRA_SQL:
            connection.execute(statement.format(**words))
        connection.commit()
        connection.execute("ANALYZE")
        connection.close()
    return round(time.perf_counter() - started, 1)


def timed(action: Callable[[], Any], repeat: int) -> dict[str, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return {"first_s": round(times[0], 3), "median_s": round(statistics.median(times), 3),
            "runs": len(times), "result": result}  # fmt: skip


def measure(database_url: str, repeat: int) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    import django

    django.setup()
    from django.db import connection

    from tenure.reports.search import parse_criteria, partner_search, search_rows

    results: dict[str, Any] = {}
    for name, data in SEARCHES.items():
        criteria = parse_criteria(data)
        found: dict[str, Any] = {}
        with measured() as (_took, load_seen):
            found["ids"] = timed(
                lambda c=criteria: len(list(partner_search(c).values_list("id", flat=True))),
                repeat,
            )
            found["count"] = timed(lambda c=criteria: partner_search(c).count(), repeat)
            found["page_by_number"] = timed(
                lambda c=criteria: len(search_rows(c, order="number", page_size=25).rows), repeat
            )
            found["page_by_churn_score"] = timed(
                lambda c=criteria: len(search_rows(c, order="-churn_score", page_size=25).rows),
                max(1, repeat - 1),
            )
        found["load"] = load_seen.as_dict()
        results[name] = found
        print(f"  {name}: ids {found['ids']['median_s']} s ({found['ids']['result']} partners), "
              f"count {found['count']['median_s']} s, page {found['page_by_number']['median_s']} s, "
              f"sorted page {found['page_by_churn_score']['median_s']} s",
              file=sys.stderr, flush=True)  # fmt: skip
    criteria = parse_criteria(SEARCHES["dataset_only"])
    sql, params = partner_search(criteria).values_list("id", flat=True).query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
            results["plan_dataset_only"] = [row[0] for row in cursor.fetchall()]
            results["alternatives"] = alternatives(cursor, repeat)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            results["plan_dataset_only"] = [" ".join(map(str, row)) for row in cursor.fetchall()]
    return results


ALTERNATIVES = {
    "shipped: join the current-dataset table (CurrentCustomerValue)": (
        "SELECT count(*) FROM partners_businesspartner p JOIN customervalue_currentcustomervalue c "
        "ON c.partner_id = p.id WHERE c.churn_score >= 60 AND c.segment_id IN ('A','B')"
    ),
    "before 1 Dec: the condition on the current row (one probe per partner)": (
        "SELECT count(*) FROM partners_businesspartner p WHERE (SELECT (d.churn_score >= 60 AND "
        "d.segment_id IN ('A','B')) FROM customervalue_customervaluedataset d WHERE "
        "d.partner_id = p.id ORDER BY d.as_of DESC, d.id DESC LIMIT 1)"
    ),
    "current id first, then the row by primary key": (
        "SELECT count(*) FROM (SELECT (SELECT d.id FROM customervalue_customervaluedataset d "
        "WHERE d.partner_id = p.id ORDER BY d.as_of DESC, d.id DESC LIMIT 1) AS cur "
        "FROM partners_businesspartner p) s JOIN customervalue_customervaluedataset d "
        "ON d.id = s.cur WHERE d.churn_score >= 60 AND d.segment_id IN ('A','B')"
    ),
    "EXISTS with id = current id": (
        "SELECT count(*) FROM partners_businesspartner p WHERE EXISTS (SELECT 1 FROM "
        "customervalue_customervaluedataset d WHERE d.id = (SELECT d2.id FROM "
        "customervalue_customervaluedataset d2 WHERE d2.partner_id = p.id ORDER BY d2.as_of "
        "DESC, d2.id DESC LIMIT 1) AND d.churn_score >= 60 AND d.segment_id IN ('A','B'))"
    ),
    "DISTINCT ON (partner_id) over all datasets": (
        "SELECT count(*) FROM (SELECT DISTINCT ON (partner_id) partner_id, churn_score, "
        "segment_id FROM customervalue_customervaluedataset ORDER BY partner_id, as_of DESC, "
        "id DESC) d WHERE d.churn_score >= 60 AND d.segment_id IN ('A','B')"
    ),
}


def alternatives(cursor: Any, repeat: int) -> dict[str, Any]:
    found = {}
    for name, sql in ALTERNATIVES.items():
        found[name] = timed(functools.partial(_count, cursor, sql), repeat)
        print(f"  {name}: {found[name]['median_s']} s", file=sys.stderr, flush=True)
    counts = {figures["result"] for figures in found.values()}
    if len(counts) != 1:  # the current-dataset table must give what the definition gives
        raise RuntimeError(f"the ways of finding the current dataset disagree: {found}")
    return found


def _count(cursor: Any, sql: str) -> int:
    cursor.execute(sql)
    return int(cursor.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=10, help="datasets per partner")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if engine_of(database_url) != "postgresql":
        database_url = fresh_sqlite_url("search-scale.sqlite3")
    engine = engine_of(database_url)
    print(f"{engine}: {options.partners:,} partners × {options.months} datasets", file=sys.stderr)
    with measured() as (took, _):
        run_tenure("migrate", database_url=database_url)
    setup: dict[str, Any] = {"migrate": round(took[0], 1)}
    if engine == "postgresql":
        setup.update(load(database_url, options.partners, options.months, options.seed))
    else:
        setup.update(load_sqlite(database_url, options.partners, options.months, options.seed))
    setup["extra_data"] = extra_data(database_url)
    print(f"  set-up done: {setup}", file=sys.stderr, flush=True)
    result = {
        "benchmark": "search_scale",
        "when": now_utc(),
        "engine": engine,
        "partners": options.partners,
        "datasets": options.partners * options.months,
        "machine": machine(),
        "source": source_version(),
        "setup_s": setup,
        "target": "populating a campaign from a search over 1,000,000 partners < 5 s",
        "searches": measure(database_url, options.repeat),
    }
    if engine == "postgresql":
        result["postgres"] = postgres_version(database_url)
    else:
        result["database_file"] = str(DATA / "search-scale.sqlite3")
    save_result(f"search-scale-{engine}", result)


if __name__ == "__main__":
    main()
