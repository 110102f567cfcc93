"""Benchmark: campaigns at scale — populating from a saved search over 1,000,000 partners, and the
operator desktop's worklist at 100,000 contacts, on PostgreSQL and SQLite.

    flock /tmp/tenure-bench.lock scripts/with-postgres .venv/bin/python benchmarks/campaigns_scale.py
    flock /tmp/tenure-bench.lock .venv/bin/python benchmarks/campaigns_scale.py            # SQLite
    .venv/bin/python benchmarks/campaigns_scale.py --partners 50000 --contacts 5000 --requests 50

Set-up (timed, not measured): ``tenure migrate``; ``--partners`` business partners with one phone
number and one current customer value dataset each (the loaders of ``tile_latency.py`` (COPY,
PostgreSQL) and ``propensity_scale.py`` (executemany, SQLite): segments A–D, churn score 0–100,
customer value 1–10 or empty); for every partner a start date, and for 40 % a traffic light and
an NPS; refused phone consents for 2 %; an agent ``bench-agent`` (``tenure user add``); one
running Retention campaign with ``--contacts`` contacts (every 10th partner), all assigned to
the agent, 70 % open, the rest in progress, reached, not reached or done with an outcome, a
tenth with a call-back time, each with its values when targeted (as a populate takes them).

Measured:

1. **Worklist** (first, on the data above): ``tenure serve`` (uvicorn, one worker); the agent
   logs in through the real login form; over one kept-alive connection, one request at a time,
   ``GET /campaigns/desktop/`` in several states of the worklist (the default page, a deep page,
   sorted by churn score, filtered by columns, free text), taking turns, after a warm-up.
   Server time = the ``Server-Timing: app;dur=…`` header (Django with all middleware); client
   time over localhost beside it. Target: p95 server time < 100 ms.
2. **Populate** (in this process, Django, the real services): two saved searches, one matching
   about 10 % of the partners and one about 50 %. For each: the **preview**
   (``source_from_saved_search`` + ``population_plan``: the counts the page shows, ``--repeat``
   times, median) and the **populate** (``campaign_populate`` into a new Retention campaign with
   a 10 % control group: the plan again, then every contact inserted, all or nothing), timed as
   a whole; reading the search's partner ids is timed on its own too. Each populated campaign is closed afterwards, so it does not exclude the next
   one's targets. Target: < 5 s. For comparison, the same populate without the contact's
   snapshot when targeted (the insert as of commit f5950c9), taking turns with the shipped one
   on the same data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx
from common import (
    DATA,
    engine_of,
    fresh_sqlite_url,
    machine,
    measured,
    now_utc,
    postgres_version,
    run_tenure,
    save_result,
    source_version,
)
from tile_latency import USER, load, login, start_server, summary

TARGET_POPULATE_S = 5.0
TARGET_P95_MS = 100.0
SEARCHES: dict[str, dict[str, Any]] = {
    "about_10_percent": {
        "match": "all",
        "conditions": [
            {"field": "churn_score", "op": "between", "value": [90, None]},
            {"field": "customer_status", "op": "in", "value": ["active"]},
        ],
    },
    "about_50_percent": {
        "match": "all",
        "conditions": [
            {"field": "churn_score", "op": "between", "value": [50, None]},
            {"field": "customer_status", "op": "in", "value": ["active"]},
        ],
    },
}
WORKLIST_STATES = {
    "default (my open work, first page)": "",
    "page 200": "?page=200",
    "sorted by churn score": "?sort=-churn",
    "column filters: segment A/B, churn ≥ 60, status open": (
        "?segment=A&segment=B&churn_min=60&status=open"
    ),
    "free text: a name": "?q=Partner+4242",
}
EXTRA_SQL = (
    "UPDATE partners_businesspartner SET customer_since = {since}",
    "INSERT INTO retention_partnerindicator (partner_id, traffic_light, nps) "
    "SELECT id, CASE id % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'yellow' ELSE 'green' END, "
    "id % 11 FROM partners_businesspartner WHERE id % 5 IN (1, 3)",
    "INSERT INTO partners_channelconsent (partner_id, channel, granted, recorded_at, source) "
    "SELECT id, 'phone', {false}, {now}, 'bench' FROM partners_businesspartner "
    "WHERE id % 50 = 11",
    "INSERT INTO campaigns_campaign (name, type, action_kind, action_object, script, channel, "
    "cost_per_contact, created_at, updated_at, description, starts_on, ends_on, active, "
    "control_share, control_seed) VALUES ('Bench worklist', 'retention', 'discount', "
    "'10 % off', 'Hello {{name}}', 'phone', 4, {now}, {now}, '', {today}, NULL, {true}, 0, 1)",
    'INSERT INTO campaigns_contact (campaign_id, partner_id, "group", source, status, outcome, '
    "notes, agent_id, callback_at, added_at, updated_at, worked_at, closed_at) "
    "SELECT (SELECT max(id) FROM campaigns_campaign), id, 'treated', 'bench', "
    "CASE WHEN id % 10 < 7 THEN 'open' WHEN id % 10 = 7 THEN 'in_progress' "
    "WHEN id % 10 = 8 THEN 'reached' ELSE 'not_reached' END, "
    "CASE WHEN id % 10 = 8 THEN 'callback' ELSE '' END, '', "
    "(SELECT id FROM auth_user WHERE username = '" + USER + "'), "
    "CASE WHEN id % 10 = 8 THEN {now} ELSE NULL END, {now}, {now}, "
    "CASE WHEN id % 10 < 7 THEN NULL ELSE {now} END, NULL "
    "FROM partners_businesspartner WHERE id % 10 = 3 AND id <= {last}",
    # their snapshot when targeted, as a populate takes it (tenure.campaigns.targeting)
    "UPDATE campaigns_contact SET (targeted_segment, targeted_risk_class, targeted_churn_score, "
    "targeted_customer_value, search_number, search_name) = (SELECT tc.segment_id, "
    "tc.risk_class_id, tc.churn_score, tc.customer_value, lower(tp.number), lower(tp.name) "
    "FROM partners_businesspartner tp LEFT JOIN customervalue_currentcustomervalue tc "
    "ON tc.partner_id = tp.id WHERE tp.id = campaigns_contact.partner_id)",
)


def uptime() -> str:
    # Django sets TZ to its TIME_ZONE in this process; the load is recorded in UTC
    env = {**os.environ, "TZ": "UTC"}
    return subprocess.run(["uptime"], capture_output=True, text=True, env=env).stdout.strip()


def extra_data(database_url: str, contacts: int) -> float:
    """Start dates, indicators, refused consents, the running campaign (module docstring)."""
    started = time.perf_counter()
    last = contacts * 10  # every 10th partner up to here: ``contacts`` contacts
    if engine_of(database_url) == "postgresql":
        import psycopg

        words = {"since": "DATE '2016-01-01' + (id % 3650)::int", "now": "now()",
                 "today": "CURRENT_DATE", "true": "true", "false": "false", "last": last}  # fmt: skip
        with psycopg.connect(database_url, autocommit=True) as connection:
            for statement in EXTRA_SQL:
                connection.execute(statement.format(**words))  # type: ignore[arg-type]
            connection.execute("VACUUM (ANALYZE)")
    else:
        words = {"since": "date('2016-01-01', '+' || (id % 3650) || ' days')",
                 "now": "strftime('%Y-%m-%d %H:%M:%f', 'now')", "today": "date('now')",
                 "true": "1", "false": "0", "last": last}  # fmt: skip
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        for statement in EXTRA_SQL:
            connection.execute(statement.format(**words))
        connection.commit()
        connection.execute("ANALYZE")
        connection.close()
    return round(time.perf_counter() - started, 1)


def set_up(database_url: str, options: argparse.Namespace) -> dict[str, Any]:
    with measured() as (took, _):
        run_tenure("migrate", database_url=database_url)
    timings: dict[str, Any] = {"migrate": round(took[0], 1)}
    if engine_of(database_url) == "postgresql":
        timings.update(load(database_url, options.partners, 1, options.seed))
    else:
        from propensity_scale import load_sqlite

        timings.update(load_sqlite(database_url, options.partners, options.seed))
    run_tenure("user", "add", USER, "--role", "agent", "--extension", "1000",
               database_url=database_url, env={"TENURE_PASSWORD": options.password})  # fmt: skip
    timings["extra_data"] = extra_data(database_url, options.contacts)
    return timings


# --- 1. the worklist over HTTP --------------------------------------------------------------------
def measure_worklist(database_url: str, options: argparse.Namespace) -> dict[str, Any]:
    server, base = start_server(database_url, {}, workers=1)
    try:
        client = httpx.Client(base_url=base, timeout=60)
        login(client, options.password)
        states = list(WORKLIST_STATES.items())
        series: dict[str, dict[str, list[float]]] = {
            name: {"server": [], "client": []} for name, _ in states
        }
        rows_shown: dict[str, int] = {}

        def once(name: str, query: str, counted: bool) -> None:
            started = time.perf_counter()
            response = client.get("/campaigns/desktop/" + query)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{query}: {response.status_code} {response.text[:300]}")
            rows_shown[name] = response.text.count("<tr") - 1
            if counted:
                series[name]["client"].append(elapsed)
                header = response.headers.get("server-timing", "")
                if "app;dur=" in header:
                    series[name]["server"].append(float(header.split("app;dur=")[1].split(",")[0]))

        for _ in range(options.warmup):
            for name, query in states:
                once(name, query, counted=False)
        with measured() as (took, load_seen):
            for index in range(options.requests):
                shift = index % len(states)  # who goes first rotates
                for name, query in states[shift:] + states[:shift]:
                    once(name, query, counted=True)
        result = {
            name: {
                "requests": len(values["client"]),
                "server_ms": summary(values["server"]),
                "client_ms": summary(values["client"]),
                "table_rows_in_page": rows_shown.get(name),
                "target_met": bool(values["server"])
                and summary(values["server"])["p95"] < TARGET_P95_MS,
            }
            for name, values in series.items()
        }
        every = [value for values in series.values() for value in values["server"]]
        return {
            "states": result,
            "all_states_server_ms": summary(every),
            "target_p95_server_ms": TARGET_P95_MS,
            "seconds": round(took[0], 1),
            "load": load_seen.as_dict(),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- 2. populating from a saved search (in-process) -----------------------------------------------
def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    import django

    django.setup()


def populate_without_snapshot(campaign: Any, source: Any, *, actor: Any) -> Any:
    """``campaign_populate`` as it was before the snapshot when targeted (commit f5950c9), for
    the comparison: the same plan and the same one-statement insert of 100,000 ids at a time,
    without the join of partners and current values and the snapshot's columns and indexes'
    values (its rows are not what the worklist needs; the campaign is closed afterwards)."""
    import json

    from django.db import connection, transaction
    from django.utils import timezone

    from tenure.campaigns.models import Campaign, Population
    from tenure.campaigns.services import population_plan

    plan = population_plan(campaign, source, day=timezone.localdate())
    now = timezone.now()
    label = source.label[:200]
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        for group, ids in (("treated", plan.treated_ids), ("control", plan.control_ids)):
            for start in range(0, len(ids), 100_000):
                chunk = ids[start : start + 100_000].tolist()
                if connection.vendor == "postgresql":
                    rows, values = "unnest(%s::bigint[]) AS ids(value)", chunk
                else:
                    rows, values = "json_each(%s)", json.dumps(chunk)
                with connection.cursor() as cursor:
                    cursor.execute(
                        'INSERT INTO campaigns_contact (campaign_id, partner_id, "group", source, '
                        "status, outcome, notes, added_at, updated_at) SELECT %s, value, %s, %s, "
                        f"'open', '', '', %s, %s FROM {rows} WHERE true "
                        "ON CONFLICT (campaign_id, partner_id) DO NOTHING",
                        [campaign.pk, group, label, now, now, values],
                    )
        return Population.objects.create(
            campaign=campaign, source=label, matched=plan.matched, excluded=plan.excluded,
            added_treated=plan.treated, added_control=plan.control,
            control_share=campaign.control_share, control_seed=campaign.control_seed,
        )  # fmt: skip


def measure_populate(database_url: str, options: argparse.Namespace) -> dict[str, Any]:
    django_setup(database_url)
    from tenure.campaigns.models import Campaign, Contact
    from tenure.campaigns.services import (
        campaign_populate,
        population_plan,
        source_from_saved_search,
    )
    from tenure.reports.models import SavedSearch

    results: dict[str, Any] = {}
    for name, criteria in SEARCHES.items():
        saved, _ = SavedSearch.objects.update_or_create(name=f"bench {name}",
                                                        defaults={"criteria": criteria})  # fmt: skip
        found: dict[str, Any] = {"criteria": criteria}
        with measured() as (_took, load_seen):
            probe = Campaign.objects.create(name=f"probe {name}", type="retention",
                                            starts_on=dt.date.today(), control_share=0.1)  # fmt: skip
            previews, plan = [], None
            for _ in range(options.repeat):
                started = time.perf_counter()
                plan = population_plan(probe, source_from_saved_search(saved.pk))
                previews.append(time.perf_counter() - started)
            assert plan is not None
            ids_times = []
            for _ in range(options.repeat):
                started = time.perf_counter()
                source_from_saved_search(saved.pk).candidate_ids()
                ids_times.append(time.perf_counter() - started)
            probe.delete()
            populates: list[dict[str, Any]] = []
            variants = [
                ("shipped", campaign_populate),
                ("without snapshot (before)", populate_without_snapshot),
            ]
            for attempt in range(options.populate_repeat):
                turn = variants if attempt % 2 == 0 else variants[::-1]
                for variant, populate in turn:
                    campaign = Campaign.objects.create(
                        name=f"bench {name} {variant} {attempt}", type="retention",
                        starts_on=dt.date.today(), control_share=0.1,
                    )  # fmt: skip
                    started = time.perf_counter()
                    population = populate(campaign, source_from_saved_search(saved.pk), actor=None)
                    seconds = time.perf_counter() - started
                    stored = Contact.objects.filter(campaign=campaign).count()
                    populates.append({"variant": variant, "seconds": round(seconds, 3),
                                      "matched": population.matched,
                                      "excluded": population.excluded,
                                      "added_treated": population.added_treated,
                                      "added_control": population.added_control,
                                      "contacts_stored": stored})  # fmt: skip
                    Campaign.objects.filter(pk=campaign.pk).update(active=False)
                    print(f"  populate {name} ({variant}): {seconds:.2f} s, {stored} contacts",
                          file=sys.stderr, flush=True)  # fmt: skip
        median_populate = statistics.median(
            p["seconds"] for p in populates if p["variant"] == "shipped"
        )
        before = [p["seconds"] for p in populates if p["variant"] != "shipped"]
        found.update(
            matched=plan.matched,
            excluded=plan.excluded,
            to_add=plan.to_add,
            preview_s={"median": round(statistics.median(previews), 3),
                       "first": round(previews[0], 3), "runs": len(previews)},
            search_ids_s={"median": round(statistics.median(ids_times), 3),
                          "runs": len(ids_times)},
            populate=populates,
            populate_median_s=round(median_populate, 3),
            populate_without_snapshot_median_s=round(statistics.median(before), 3) if before else None,
            target_s=TARGET_POPULATE_S,
            target_met=median_populate < TARGET_POPULATE_S,
            load=load_seen.as_dict(),
        )  # fmt: skip
        results[name] = found
        print(f"  {name}: matched {plan.matched}, preview {found['preview_s']['median']} s, "
              f"ids {found['search_ids_s']['median']} s, populate {median_populate:.2f} s",
              file=sys.stderr, flush=True)  # fmt: skip
    return results


# --- 3. why (``--only diagnose``) ----------------------------------------------------------------
REDUNDANT_INDEXES = ("campaign_id", "partner_id", "agent_id")
"""Single-column foreign-key indexes of the contacts whose column leads a composite index too
(dropped since by campaigns migration 0005; the comparison runs only where they exist)."""


def diagnose(database_url: str, options: argparse.Namespace) -> dict[str, Any]:
    """Where the time goes: the worklist's queries (in-process, Django's test client, with their
    plans on PostgreSQL) and the contacts insert with and without the redundant indexes."""
    django_setup(database_url)
    import numpy as np
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tenure.campaigns.models import Campaign, Contact
    from tenure.campaigns.services import _insert_contacts

    found: dict[str, Any] = {"worklist": {}, "insert": {}}
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=USER))
    postgres = connection.vendor == "postgresql"
    for name, query in WORKLIST_STATES.items():
        client.get("/campaigns/desktop/" + query)  # warm
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/campaigns/desktop/" + query)
            total = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{query}: {response.status_code}")
        queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
        entry: dict[str, Any] = {
            "request_s": round(total, 3),
            "queries": len(queries),
            "sql_s": round(sum(float(q["time"]) for q in queries), 3),
            "slowest": [{"s": float(q["time"]), "sql": q["sql"][:3000]} for q in queries[:3]],
        }
        if postgres and queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + queries[0]["sql"])
                entry["plan_of_slowest"] = [row[0] for row in cursor.fetchall()]
        found["worklist"][name] = entry
        print(f"  worklist {name}: {total:.3f} s, {len(queries)} queries, "
              f"SQL {entry['sql_s']} s, slowest {queries[0]['time'] if queries else '-'} s",
              file=sys.stderr, flush=True)  # fmt: skip
    from tenure.campaigns.services import (
        campaign_populate,
        population_plan,
        source_from_saved_search,
    )
    from tenure.reports.models import SavedSearch

    saved, _ = SavedSearch.objects.update_or_create(
        name="bench about_50_percent", defaults={"criteria": SEARCHES["about_50_percent"]}
    )
    campaign = Campaign.objects.create(name="diagnose populate", type="retention",
                                       starts_on=dt.date.today(), control_share=0.1)  # fmt: skip
    started = time.perf_counter()
    plan = population_plan(campaign, source_from_saved_search(saved.pk))
    plan_s = time.perf_counter() - started
    started = time.perf_counter()
    campaign_populate(campaign, source_from_saved_search(saved.pk), actor=None)
    whole_s = time.perf_counter() - started
    found["populate_50_percent"] = {
        "contacts_in_table_before": Contact.objects.exclude(campaign=campaign).count(),
        "added": plan.to_add, "plan_s": round(plan_s, 3), "populate_s": round(whole_s, 3),
    }  # fmt: skip
    print(f"  populate 50 %: plan {plan_s:.2f} s, whole {whole_s:.2f} s", file=sys.stderr)
    # closed, not deleted: Django's cascade delete of 444,000 contacts takes minutes
    Campaign.objects.filter(pk=campaign.pk).update(active=False)
    ids = np.arange(1, options.partners + 1, 2, dtype=np.int64)[: options.insert_rows]
    table = Contact._meta.db_table
    with connection.cursor() as cursor:
        indexes = {
            columns[0]: name
            for name, info in connection.introspection.get_constraints(cursor, table).items()
            if info["index"] and not info["unique"] and len(columns := info["columns"]) == 1
        }
    present = [column for column in REDUNDANT_INDEXES if column in indexes]
    found["insert"]["single_column_indexes_present"] = present
    variants = (
        ["all indexes", "without the 3 redundant", "all indexes"] if present else ["as migrated"]
    )
    for variant in variants:
        campaign = Campaign.objects.create(name=f"diagnose {variant}", type="caring",
                                           starts_on=dt.date.today(), active=False)  # fmt: skip
        try:
            with transaction.atomic():
                if variant.startswith("without"):
                    with connection.cursor() as cursor:
                        for column in present:
                            cursor.execute(f'DROP INDEX "{indexes[column]}"')
                started = time.perf_counter()
                added = _insert_contacts(campaign.pk, ids, label="diagnose",
                                         now=timezone.now())  # fmt: skip
                seconds = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            pass
        found["insert"].setdefault(variant, []).append(
            {"rows": added, "seconds": round(seconds, 3), "rows_per_s": round(added / seconds)}
        )
        print(f"  insert {added} contacts, {variant}: {seconds:.2f} s", file=sys.stderr, flush=True)
    return found


class _Rollback(Exception):
    """Leaves the diagnostic insert (and dropped indexes) undone."""


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="per worklist state")
    parser.add_argument("--warmup", type=int, default=10, help="rounds of all states")
    parser.add_argument("--repeat", type=int, default=3, help="previews per search")
    parser.add_argument("--populate-repeat", type=int, default=2, help="populates per search")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("worklist", "populate", "diagnose"))
    parser.add_argument("--insert-rows", type=int, default=450_000, help="--only diagnose")
    parser.add_argument("--password", default="bench-" + str(random.randrange(10**9)))
    options = parser.parse_args()
    if options.contacts * 10 > options.partners:
        parser.error("--contacts takes every 10th partner: at most partners / 10")
    database_url = os.environ.get("DATABASE_URL", "")
    if engine_of(database_url) != "postgresql":
        database_url = fresh_sqlite_url("campaigns-scale.sqlite3")
    engine = engine_of(database_url)
    result: dict[str, Any] = {
        "benchmark": "campaigns_scale",
        "when": now_utc(),
        "engine": engine,
        "partners": options.partners,
        "contacts": options.contacts,
        "machine": machine(),
        "source": source_version(),
        "uptime_before": uptime(),
    }
    print(f"{engine}: {options.partners:,} partners, {options.contacts:,} contacts; "
          f"{result['uptime_before']}", file=sys.stderr, flush=True)  # fmt: skip
    result["setup_s"] = set_up(database_url, options)
    print(f"  set-up: {result['setup_s']}", file=sys.stderr, flush=True)
    if options.only in (None, "worklist"):
        result["uptime_before_worklist"] = uptime()
        result["worklist"] = measure_worklist(database_url, options)
        for name, figures in result["worklist"]["states"].items():
            print(f"  worklist {name}: server {figures['server_ms']}", file=sys.stderr, flush=True)
    if options.only in (None, "populate"):
        result["uptime_before_populate"] = uptime()
        result["populate"] = measure_populate(database_url, options)
    if options.only == "diagnose":
        result["uptime_before_diagnose"] = uptime()
        result["diagnose"] = diagnose(database_url, options)
    result["uptime_after"] = uptime()
    if engine == "postgresql":
        result["postgres"] = postgres_version(database_url)
    else:
        result["database_file"] = str(DATA / "campaigns-scale.sqlite3")
    save_result(f"campaigns-scale-{engine}", result)


if __name__ == "__main__":
    main()
