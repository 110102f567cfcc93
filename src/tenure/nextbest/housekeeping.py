"""Keeping the next-best-action tables small: every card view and API call stores a decision, and
every proactive run one row per partner, so old ones are deleted (``tenure nba purge``).

A decision that an agent answered stays: its responses are the contact history that contact
pressure and the learned response rates read. The latest complete proactive run stays, since
campaigns populate from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone

from tenure.nextbest import models as m

KEEP_DAYS = 90
"""Default age (setting ``TENURE_NBA_KEEP_DAYS``) after which unanswered decisions and old
proactive runs are deleted."""
CHUNK = 10_000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Purged:
    decisions: int
    runs: int
    results: int


def keep_days() -> int:
    return int(getattr(settings, "TENURE_NBA_KEEP_DAYS", KEEP_DAYS))


def purge(
    *, older_than_days: int | None = None, now: dt.datetime | None = None,
    progress: Progress | None = None, chunk: int = CHUNK,
) -> Purged:  # fmt: skip
    """Delete unanswered decisions and proactive runs older than ``older_than_days`` (default
    :func:`keep_days`), in chunks of their ids, each chunk its own transaction (safe to stop)."""
    days = keep_days() if older_than_days is None else older_than_days
    if days < 1:
        raise ValueError("keep at least one day of decisions")
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    report = progress or (lambda stage, done, total: None)
    decisions = _purge_decisions(cutoff, report, chunk)
    latest = m.ProactiveRun.objects.filter(complete=True).order_by("-started_at", "-pk").first()
    old = m.ProactiveRun.objects.filter(started_at__lt=cutoff)
    if latest is not None:
        old = old.exclude(pk=latest.pk)
    runs = results = 0
    for run in old.order_by("pk"):
        with transaction.atomic():
            results += m.ProactiveResult.objects.filter(run=run).delete()[0]
            run.delete()
        runs += 1
    return Purged(decisions, runs, results)


def _purge_decisions(cutoff: dt.datetime, report: Progress, size: int) -> int:
    """Walk the ids upwards (the primary key, no scan by time): ids grow with time, so the walk
    ends at the first chunk without an old decision."""
    bounds = m.Decision.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return 0
    low, high = bounds["low"], bounds["high"]
    answered = m.Response.objects.filter(decision=OuterRef("pk"))
    deleted = 0
    for start in range(low, high + 1, size):
        chunk = m.Decision.objects.filter(id__gte=start, id__lt=start + size)
        if not chunk.filter(at__lt=cutoff).exists():
            break
        with transaction.atomic():
            deleted += chunk.filter(at__lt=cutoff).exclude(Exists(answered)).delete()[0]
        report("deleting old decisions", min(start + size, high + 1) - low, high + 1 - low)
    return deleted
