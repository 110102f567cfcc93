"""The CRL indicators: the traffic light with reasons and history, the NPS, the campaign flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from tests.factories import make_partner

from tenure.campaigns.models import Campaign, Contact
from tenure.retention.indicators import (
    Counts,
    indicator_rules,
    nps_record,
    partner_indicators,
    traffic_light_by_rules,
    traffic_light_set,
)
from tenure.retention.models import TrafficLightChange

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def partner():
    return make_partner("4711")


def test_every_change_keeps_who_when_why_and_old_to_new(partner, make_user) -> None:
    agent = make_user("agent")
    first = traffic_light_set(partner=partner, light="yellow", reason="late again", user=agent)
    second = traffic_light_set(
        partner=partner, light="red", reason="  second reminder  ", user=None
    )
    assert first is not None and second is not None
    assert (first.previous, first.light, first.changed_by, first.origin) == (
        "", "yellow", "agent", TrafficLightChange.Origin.OPERATOR,
    )  # fmt: skip
    assert (second.previous, second.light, second.reason, second.changed_by) == (
        "yellow", "red", "second reminder", "system",
    )  # fmt: skip
    shown = partner_indicators(partner_id=partner.pk)
    assert (shown.traffic_light, shown.traffic_light_label) == ("red", "red – critical")
    assert traffic_light_set(partner=partner, light="red", reason="again", user=agent) is None
    assert TrafficLightChange.objects.filter(partner=partner).count() == 2


@pytest.mark.parametrize(
    ("light", "reason", "message"),
    [("red", "   ", "a reason is required"), ("blue", "why", "must be one of red, yellow, green")],
)
def test_a_light_without_reason_or_colour_is_refused(partner, light, reason, message) -> None:
    with pytest.raises(ValueError, match=message):
        traffic_light_set(partner=partner, light=light, reason=reason, user=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrafficLightChange.objects.create(
            partner=partner, light="red", origin="operator", reason="", changed_by="x"
        )


@pytest.mark.parametrize(("score", "band"), [(0, "red"), (6, "red"), (7, "yellow"), (8, "yellow"),
                                             (9, "green"), (10, "green")])  # fmt: skip
def test_nps_bands(partner, score: int, band: str) -> None:
    record = nps_record(partner=partner, score=score, user=None, comment="said so")
    assert record.band == band
    shown = partner_indicators(partner_id=partner.pk)
    assert (shown.nps, shown.nps_band) == (score, band)


@pytest.mark.parametrize("score", [-1, 11, 7.5, True, "7"])
def test_nps_outside_0_to_10_is_refused(partner, score) -> None:
    with pytest.raises(ValueError, match=r"whole number 0\.\.10"):
        nps_record(partner=partner, score=score, user=None)


def test_flags_follow_running_campaigns_of_their_type(partner) -> None:
    def join(kind: str, starts: dt.date, ends: dt.date | None, active: bool = True) -> None:
        campaign = Campaign.objects.create(name=kind, type=kind, starts_on=starts, ends_on=ends,
                                           active=active)  # fmt: skip
        Contact.objects.create(campaign=campaign, partner=partner)

    assert not partner_indicators(partner_id=partner.pk, day=TODAY).retention
    join("retention", TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=1))  # ended
    join("caring", TODAY, None, active=False)  # switched off
    join("loyalty", TODAY, None)
    shown = partner_indicators(partner_id=partner.pk, day=TODAY)
    assert (shown.retention, shown.caring) == (False, False)
    join("retention", TODAY - dt.timedelta(days=1), TODAY)
    join("caring", TODAY, None)
    shown = partner_indicators(partner_id=partner.pk, day=TODAY)
    assert (shown.retention, shown.caring) == (True, True)


@pytest.mark.parametrize(
    ("counts", "light", "rule"),
    [
        (Counts(), "green", "no missed or late payments"),
        (Counts(open_complaints=1), "yellow", "open complaints: 1 ≥ 1"),
        (Counts(late_payments=2, open_complaints=1), "yellow", "late payments: 2 ≥ 1"),
        (Counts(open_major_complaints=1, open_complaints=1), "red", "open major complaints"),
        (Counts(missed_payments=1, open_major_complaints=1), "red", "missed payments: 1 ≥ 1"),
    ],
)
def test_rules_red_before_yellow_before_green(counts: Counts, light: str, rule: str) -> None:
    got, why = traffic_light_by_rules(counts, indicator_rules())
    assert got == light and why.startswith(rule)


def test_thresholds_edited_by_an_administrator_move_the_boundary() -> None:
    rules = indicator_rules()
    rules.yellow_late_payments = 3
    rules.save()
    assert traffic_light_by_rules(Counts(late_payments=2), rules)[0] == "green"
    assert traffic_light_by_rules(Counts(late_payments=3), rules)[0] == "yellow"


def test_the_nps_report_groups_by_month_segment_and_agent(make_user, client_as) -> None:
    from tests.factories import make_dataset

    from tenure.retention.indicators import nps_report

    anna, ben = make_user("agent", username="anna"), make_user("agent", username="ben")
    a, b = make_partner("1"), make_partner("2")
    make_dataset(a, segment="A")
    make_dataset(b, segment="C")
    for partner, score, user in [
        (a, 10, anna),
        (a, 9, anna),
        (a, 3, ben),
        (b, 7, ben),
        (b, 0, ben),
    ]:
        nps_record(partner=partner, score=score, user=user)
    today = dt.date.today()
    by_agent = {row.key: row for row in nps_report(group_by="agent", start=today, end=today)}
    assert (by_agent["anna"].nps, by_agent["ben"].nps) == (100.0, round(-200 / 3, 1))
    by_segment = {r.key: (r.answers, r.promoters, r.passives, r.detractors)
                  for r in nps_report(group_by="segment", start=today, end=today)}  # fmt: skip
    assert by_segment == {"A": (3, 2, 0, 1), "C": (2, 0, 1, 1)}
    (month,) = nps_report(group_by="month", start=today, end=today)
    assert month.key == today.strftime("%Y-%m") and month.nps == 0.0  # 2 promoters, 2 detractors
    assert (
        nps_report(
            group_by="month", start=today + dt.timedelta(days=1), end=today + dt.timedelta(days=2)
        )
        == []
    )
    with pytest.raises(ValueError, match="group by one of"):
        nps_report(group_by="region", start=today, end=today)
    page = client_as("marketing").get("/retention/nps/?group_by=agent").content.decode()
    assert 'data-testid="nps-total">0.0<' in page and "anna" in page
