"""The proactive (outbound) run: the same arbitration over the whole base at once, its top actions
stored, and the campaign source "customers whose next best action is X".

A run is all or nothing (one transaction): interrupted, it leaves no results and the previous
complete run stays the one campaigns read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from tenure.analytics.nba import decide_batch
from tenure.analytics.nba.learning import field_name
from tenure.campaigns.services import TargetSource
from tenure.nextbest import models as m
from tenure.nextbest.context import context_frame
from tenure.nextbest.recommender import product_actions, product_columns
from tenure.nextbest.services import (
    HISTORY_DAYS,
    campaign_contacts,
    catalogue,
    response_rates,
)

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total)."""
WRITE_CHUNK = 20_000


class NoProactiveRun(LookupError):
    """No complete proactive run yet: run ``tenure nba run`` first."""


def history_table(now: dt.datetime) -> pd.DataFrame:
    """Every recorded response and worked campaign contact of the last HISTORY_DAYS as the
    engine's contact history (the same rows as :func:`services.history` for one partner)."""
    since = now - dt.timedelta(days=HISTORY_DAYS)
    rows = m.Response.objects.filter(at__gt=since, at__lte=now).values_list(
        "partner_id", "at", "action", "channel", "response", "kind"
    )
    table = pd.DataFrame.from_records(
        list(rows), columns=["customer", "at", "action", "channel", "response", "kind"]
    )
    table["response"] = table["response"].replace({"later": None})
    campaigns = campaign_contacts(since, now)
    if len(campaigns) == 0:
        return table
    return pd.concat([table, campaigns], ignore_index=True) if len(table) else campaigns


def run_proactive(
    *, now: dt.datetime | None = None, progress: Progress | None = None
) -> m.ProactiveRun:
    """Decide for every partner and store each one's top action (see the module docstring)."""
    now = now or timezone.now()
    report = progress or (lambda stage, done, total: None)
    cat = catalogue()
    report("reading the base", 0, 1)
    frame = context_frame(day=timezone.localdate(now))
    learned = [a.key for a in cat.actions if a.propensity_field == field_name(a.key)]
    if learned and len(frame):
        rates = response_rates(cat).rate_columns(frame["segment"].fillna("*"), learned)
        frame = pd.concat([frame, rates.set_index(frame.index)], axis=1)
    products = product_actions(cat)
    if products and len(frame):
        customers = pd.Index(frame["customer"])
        columns = product_columns(customers, products, timezone.localdate(now))
        frame = pd.concat([frame, columns.reset_index(drop=True).set_index(frame.index)], axis=1)
    report("reading the base", 1, 1)
    report("deciding", 0, len(frame))
    batch = decide_batch(cat, frame, now=now, history=history_table(now))
    report("deciding", len(frame), len(frame))
    top = batch.ranked[batch.ranked["rank"] == 1]
    with transaction.atomic():
        run = m.ProactiveRun.objects.create(started_at=now, partners=len(frame))
        _write(run, top, report)
        run.reason_counts = batch.reason_counts.to_dict("records")
        run.finished_at = timezone.now()
        run.complete = True
        run.save()
    return run


def _write(run: m.ProactiveRun, top: pd.DataFrame, report: Progress) -> None:
    """Each partner's top action: COPY on PostgreSQL, batched inserts elsewhere."""
    customers = top["customer"].to_numpy(dtype=np.int64)
    actions = top["action"].astype(str).to_numpy()
    scores = top["score"].to_numpy(dtype=np.float64)
    total = len(customers)
    table = m.ProactiveResult._meta.db_table
    columns = "(run_id, partner_id, action, score)"
    with connection.cursor() as cursor:
        for start in range(0, total, WRITE_CHUNK):
            stop = min(start + WRITE_CHUNK, total)
            rows = [
                (run.pk, int(customers[i]), str(actions[i]), float(scores[i]))
                for i in range(start, stop)
            ]
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {table} {columns} VALUES (%s, %s, %s, %s)", rows)
            report("storing", stop, total)


def latest_run() -> m.ProactiveRun | None:
    return m.ProactiveRun.objects.filter(complete=True).order_by("-started_at", "-pk").first()


def source_from_next_best_action(action: str) -> TargetSource:
    """The partners whose next best action was ``action`` in the latest complete proactive run."""
    run = latest_run()
    if run is None:
        raise NoProactiveRun("no proactive run yet: run 'tenure nba run' first")
    ids = m.ProactiveResult.objects.filter(run=run, action=action).values_list(
        "partner_id", flat=True
    )
    label = f"next best action: {action} (run {run.pk}, {run.started_at:%Y-%m-%d %H:%M})"
    return TargetSource(label=label, partner_ids=tuple(ids))
