"""``tenure nba purge``: old unanswered decisions and old proactive runs go, answered ones stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from tenure.cli.main import app
from tenure.nextbest.housekeeping import purge
from tenure.nextbest.models import Decision, ProactiveResult, ProactiveRun
from tenure.nextbest.services import next_best_actions, record_response
from tenure.nextbest.tests.test_api import at_risk_partner

pytestmark = pytest.mark.django_db


def decide(partner, days_ago: float):
    now = timezone.now() - dt.timedelta(days=days_ago)
    return next_best_actions(partner, channel="phone", now=now)[1]


def test_old_unanswered_decisions_and_runs_go_answered_and_latest_stay() -> None:
    partner = at_risk_partner()
    old = decide(partner, 120)
    answered = decide(partner, 100)
    record_response(answered, action=answered.top_action, response="refused")
    recent = decide(partner, 10)
    now = timezone.now()
    runs = []
    for days_ago in (200, 150, 100):
        run = ProactiveRun.objects.create(
            started_at=now - dt.timedelta(days=days_ago), partners=1, complete=True
        )
        ProactiveResult.objects.create(run=run, partner=partner, action="cross-sell", score=1)
        runs.append(run)
    purged = purge(older_than_days=90)
    assert (purged.decisions, purged.runs, purged.results) == (1, 2, 2)
    assert set(Decision.objects.values_list("pk", flat=True)) == {answered.pk, recent.pk}
    assert old.pk not in set(Decision.objects.values_list("pk", flat=True))
    assert list(ProactiveRun.objects.values_list("pk", flat=True)) == [runs[-1].pk]  # latest
    assert purge(older_than_days=90) == type(purged)(0, 0, 0)  # again: nothing to do
    with pytest.raises(ValueError, match="at least one day"):
        purge(older_than_days=0)


def test_the_walk_over_ids_covers_several_chunks() -> None:
    partner = at_risk_partner()
    for days_ago in (130, 125, 120, 115, 110):
        decide(partner, days_ago)
    keep = decide(partner, 5)
    seen: list[tuple[int, int]] = []
    purged = purge(
        older_than_days=90, chunk=2, progress=lambda stage, done, total: seen.append((done, total))
    )
    assert purged.decisions == 5
    assert list(Decision.objects.values_list("pk", flat=True)) == [keep.pk]
    assert seen[-1][0] <= seen[-1][1] and len(seen) == 3


def test_cli_purge_reports_what_it_deleted() -> None:
    partner = at_risk_partner()
    decide(partner, 120)
    decide(partner, 1)
    result = CliRunner().invoke(app, ["nba", "purge", "--older-than-days", "30", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 unanswered decision(s) and 0 proactive run(s)" in result.output
    assert Decision.objects.count() == 1
    refused = CliRunner().invoke(app, ["nba", "purge", "--older-than-days", "0"])
    assert refused.exit_code != 0
