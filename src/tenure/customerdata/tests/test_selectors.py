"""The counts the traffic lights read, at the boundaries of their definitions, for one partner and
for the whole base (the same answers); and a partner's recent payments and complaints."""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import Any

import pytest
from tests.factories import make_partner

from tenure.customerdata.selectors import (
    CustomerDataCounts,
    customer_data_counts,
    partner_customer_data_counts,
    partner_recent_complaints,
    partner_recent_payments,
    payment_counts_by_partner,
)
from tenure.customerdata.tests.factories import make_complaint, make_payment

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 30)
WINDOW = 90  # payments due 2026-04-01 .. 2026-06-30 count
K = 30  # missed: unpaid K days after the due date, or paid more than K days late
SETTINGS: dict[str, Any] = {"day": D, "window_days": WINDOW, "missed_after_days": K}
_numbers = count(5000001)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def both(partner_id: int, **settings) -> CustomerDataCounts:
    """The counts of one partner, asserting that the whole-base query gives the same."""
    settings = settings or SETTINGS
    one = partner_customer_data_counts(partner_id=partner_id, **settings)
    assert customer_data_counts(**settings).get(partner_id, CustomerDataCounts()) == one
    return one


# (due, paid) relative to D → (late, missed)
PAYMENT_CASES = {
    "unpaid exactly K days overdue": ((-K, None), (1, 1)),
    "unpaid K-1 days overdue": ((-K + 1, None), (1, 0)),
    "unpaid, due yesterday": ((-1, None), (1, 0)),
    "unpaid, due on D": ((0, None), (0, 0)),
    "unpaid, due after D": ((5, None), (0, 0)),
    "paid exactly K days late": ((-60, -60 + K), (1, 0)),
    "paid K+1 days late": ((-60, -60 + K + 1), (1, 1)),
    "paid one day late": ((-20, -19), (1, 0)),
    "paid on the due date": ((-10, -10), (0, 0)),
    "paid early": ((-10, -15), (0, 0)),
    "paid after D, K days overdue on D": ((-K, 1), (1, 1)),
    "paid after D, due yesterday": ((-1, 1), (1, 0)),
    "paid after D, due on D": ((0, 1), (0, 0)),
    "due on the first day of the window": ((-WINDOW + 1, None), (1, 1)),
    "due the day before the window": ((-WINDOW, None), (0, 0)),
    "paid late, due before the window": ((-WINDOW - 5, -WINDOW + 40), (0, 0)),
}


@pytest.mark.parametrize(("offsets", "expected"), PAYMENT_CASES.values(), ids=PAYMENT_CASES)
def test_payment_counts_at_their_boundaries(offsets, expected) -> None:
    due, paid = offsets
    partner = make_partner(str(next(_numbers)))
    make_payment(partner, due=D + days(due), paid=None if paid is None else D + days(paid))
    counted = both(partner.pk)
    assert (counted.late_payments, counted.missed_payments) == expected


# (opened, closed) relative to D, severity → (open, open major)
COMPLAINT_CASES = {
    "opened on D, open": ((0, None), "minor", (1, 0)),
    "opened after D": ((1, None), "major", (0, 0)),
    "closed on D": ((-5, 0), "major", (0, 0)),
    "closed after D": ((-5, 1), "major", (1, 1)),
    "closed before D": ((-5, -1), "minor", (0, 0)),
    "opened long ago, still open": ((-900, None), "major", (1, 1)),
    "opened and closed on D": ((0, 0), "minor", (0, 0)),
}


@pytest.mark.parametrize(
    ("offsets", "severity", "expected"), COMPLAINT_CASES.values(), ids=COMPLAINT_CASES
)
def test_complaint_counts_at_their_boundaries(offsets, severity, expected) -> None:
    opened, closed = offsets
    partner = make_partner(str(next(_numbers)))
    make_complaint(
        partner,
        opened=D + days(opened),
        closed=None if closed is None else D + days(closed),
        severity=severity,
    )
    counted = both(partner.pk)
    assert (counted.open_complaints, counted.open_major_complaints) == expected


@pytest.fixture
def base() -> dict[str, int]:
    """Three partners: one with everything, one with nothing counted, one with no data at all."""
    troubled, fine, quiet = (make_partner(str(next(_numbers))) for _ in range(3))
    for n, (offsets, _expected) in enumerate(PAYMENT_CASES.values()):
        due, paid = offsets
        paid_date = None if paid is None else D + days(paid)
        make_payment(troubled, due=D + days(due), paid=paid_date, reference=f"INV-{n}")
    for offsets, severity, _expected in COMPLAINT_CASES.values():
        opened, closed = offsets
        make_complaint(
            troubled,
            opened=D + days(opened),
            closed=None if closed is None else D + days(closed),
            severity=severity,
        )
    make_payment(fine, due=D - days(10), paid=D - days(12))
    make_complaint(fine, opened=D - days(10), closed=D - days(3))
    return {"troubled": troubled.pk, "fine": fine.pk, "quiet": quiet.pk}


def test_counts_add_up_for_one_partner_and_in_bulk(base) -> None:
    late = sum(expected[0] for _, expected in PAYMENT_CASES.values())
    missed = sum(expected[1] for _, expected in PAYMENT_CASES.values())
    open_ = sum(expected[0] for _, _, expected in COMPLAINT_CASES.values())
    major = sum(expected[1] for _, _, expected in COMPLAINT_CASES.values())
    assert both(base["troubled"]) == CustomerDataCounts(missed, late, open_, major)
    assert both(base["fine"]) == both(base["quiet"]) == CustomerDataCounts()
    assert set(customer_data_counts(**SETTINGS)) == {base["troubled"]}
    only = customer_data_counts(**SETTINGS, partner_ids=[base["fine"]])
    assert only == {}


def test_thresholds_are_parameters(base) -> None:
    # a shorter grace makes more payments missed; K = 0: every late payment is missed
    strict = both(base["troubled"], day=D, window_days=WINDOW, missed_after_days=0)
    assert strict.missed_payments == strict.late_payments
    # a window of one day sees only the payments due on D (none is late yet)
    narrow = both(base["troubled"], day=D, window_days=1, missed_after_days=K)
    assert (narrow.late_payments, narrow.missed_payments) == (0, 0)
    # the day moves the counts: a week later the payment due yesterday is still unpaid and late
    later = both(base["troubled"], day=D + days(7), window_days=WINDOW, missed_after_days=K)
    assert later != both(base["troubled"])


def test_rules_can_filter_the_whole_base_query(base) -> None:
    partners = payment_counts_by_partner(**SETTINGS).filter(missed_payments__gte=1)
    assert [row["partner_id"] for row in partners] == [base["troubled"]]


@pytest.mark.parametrize(("window", "grace"), [(0, 30), (90, -1)])
def test_impossible_thresholds_are_refused(window: int, grace: int) -> None:
    with pytest.raises(ValueError):
        partner_customer_data_counts(
            partner_id=1, day=D, window_days=window, missed_after_days=grace
        )


def test_recent_payments_newest_first_with_days_late() -> None:
    partner = make_partner("4711")
    make_payment(partner, due=D - days(60), paid=D - days(40))  # paid 20 days late
    make_payment(partner, due=D - days(30), paid=D - days(35))  # paid early
    make_payment(partner, due=D - days(5))  # unpaid, 5 days overdue
    make_payment(partner, due=D - days(3), paid=D + days(2))  # paid after D: overdue on D
    make_payment(partner, due=D + days(10))  # not due yet
    entries = partner_recent_payments(partner_id=partner.pk, limit=4, day=D)
    assert [(entry.due_date, entry.days_late) for entry in entries] == [
        (D + days(10), 0),
        (D - days(3), 3),
        (D - days(5), 5),
        (D - days(30), 0),
    ]


def test_recent_complaints_newest_first_with_open_on_the_day() -> None:
    partner = make_partner("4711")
    make_complaint(partner, opened=D - days(20), closed=D, subject="closed on D")
    make_complaint(partner, opened=D - days(10), closed=D + days(1), severity="major")
    make_complaint(partner, opened=D - days(1), subject="open")
    entries = partner_recent_complaints(partner_id=partner.pk, day=D)
    assert [(entry.opened, entry.is_open, entry.severity) for entry in entries] == [
        (D - days(1), True, "minor"),
        (D - days(10), True, "major"),
        (D - days(20), False, "minor"),
    ]
    assert partner_recent_complaints(partner_id=partner.pk, limit=1, day=D)[0].subject == "open"
