"""The automatic traffic light over real payments and complaints, for the whole base."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests.factories import make_partner

from tenure.customerdata.models import Complaint, Payment
from tenure.retention.indicators import (
    partner_indicators,
    traffic_light_set,
    traffic_lights_refresh,
)
from tenure.retention.models import TrafficLightChange

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 12, 1)


def pay(partner, reference: str, due: dt.date, paid: dt.date | None) -> None:
    Payment.objects.create(partner=partner, reference=reference, due_date=due, paid_date=paid,
                           amount=Decimal("29.90"), imported_at=dt.datetime.now(dt.UTC))  # fmt: skip


def complain(partner, reference: str, severity: str, closed: dt.date | None = None) -> None:
    Complaint.objects.create(partner=partner, reference=reference, opened=DAY - dt.timedelta(days=20),
                             closed=closed, severity=severity, imported_at=dt.datetime.now(dt.UTC))  # fmt: skip


def light(partner) -> str:
    return partner_indicators(partner_id=partner.pk).traffic_light


def test_the_rules_over_the_whole_base() -> None:
    regular, late, missed, minor, major, closed = (
        make_partner(str(n), name=f"P{n}") for n in range(1, 7)
    )
    pay(regular, "I1", DAY - dt.timedelta(days=40), DAY - dt.timedelta(days=41))  # paid early
    pay(late, "I2", DAY - dt.timedelta(days=40), DAY - dt.timedelta(days=35))  # 5 days late
    pay(missed, "I3", DAY - dt.timedelta(days=40), None)  # 40 days overdue
    complain(minor, "C1", "minor")
    complain(major, "C2", "major")
    complain(closed, "C3", "major", closed=DAY)
    report = traffic_lights_refresh(day=DAY)
    assert (report.partners, report.changed, report.held) == (6, 6, 0)
    assert [light(p) for p in (regular, late, missed, minor, major, closed)] == [
        "green", "yellow", "red", "yellow", "red", "green",
    ]  # fmt: skip
    fired = TrafficLightChange.objects.get(partner=missed)
    assert (fired.origin, fired.rule, fired.changed_by) == (
        "rule",
        "missed payments: 1 ≥ 1",
        "system",
    )
    again = traffic_lights_refresh(day=DAY)
    assert again.changed == 0 and TrafficLightChange.objects.count() == 6


def test_an_operators_light_holds_against_the_rules() -> None:
    partner = make_partner("7")
    traffic_light_set(partner=partner, light="red", reason="fraud suspicion", user=None)
    report = traffic_lights_refresh(day=DAY)
    assert (report.changed, report.held, light(partner)) == (0, 1, "red")


def test_imported_payments_move_the_light_of_their_partners(tmp_path) -> None:
    from tenure.customerdata.services import payment_import_file

    partner = make_partner("8")
    traffic_lights_refresh(day=dt.date.today())
    assert light(partner) == "green"
    overdue = dt.date.today() - dt.timedelta(days=60)
    csv = f"partner,reference,due_date,paid_date,amount\n8,INV-1,{overdue},,29.90\n"
    (tmp_path / "p.csv").write_text(csv)
    payment_import_file(source=tmp_path / "p.csv", file_name="p.csv")
    assert light(partner) == "red"
