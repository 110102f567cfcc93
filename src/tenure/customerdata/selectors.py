"""Reading payments and complaints: a partner's recent ones, and the counts the traffic lights read.

The counts, for a reference day ``D`` (usually today), a window of ``N`` days and a grace of ``K``
days (thresholds an administrator sets; ``N ≥ 1``, ``K ≥ 0``), are defined on what was known on
``D``: a payment paid after ``D`` counts as unpaid on ``D``, a complaint closed after ``D`` as open.

``late_payments``
    Payments due in the window — ``D − N < due_date ≤ D`` — that were paid after their due date
    (``due_date < paid_date ≤ D``) or are unpaid on ``D`` although due before it
    (``due_date < D``). A payment due on ``D`` itself is not late yet; one paid early or on its
    due date never is.
``missed_payments``
    The late payments (same window) that are late by more than ``K`` days: paid more than ``K``
    days after the due date (``paid_date − due_date > K``, ``paid_date ≤ D``), or unpaid on ``D``
    although due ``K`` or more days before it (``due_date ≤ D − K``), since such a payment can
    only be paid more than ``K`` days late. Every missed payment is also a late payment; with
    ``K = 0`` every late payment is missed.
``open_complaints``
    Complaints open on ``D``: ``opened ≤ D`` and (``closed`` empty or ``closed > D``). No window:
    a complaint opened long ago and still open counts. A complaint closed on ``D`` is closed.
``open_major_complaints``
    The open complaints of severity ``major`` (they are among ``open_complaints`` too).

Each count exists for one partner (:func:`partner_customer_data_counts`) and for the whole base at
once (:func:`customer_data_counts`, or the per-partner querysets :func:`payment_counts_by_partner`
and :func:`complaint_counts_by_partner` that rules can filter further, e.g.
``missed_payments__gte=1``): one grouped SQL query per table, built from the same conditions, so
both give the same answers. The payment query filters by the partial index's predicate (paid late
or not at all), so the whole-base scan reads only the payments that were not paid on time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from tenure.customerdata.models import Complaint, Payment, ProductHolding


@dataclass(frozen=True)
class PaymentEntry:
    """One payment as the CRM summary shows it; ``days_late`` as of the day asked for."""

    reference: str
    due_date: dt.date
    paid_date: dt.date | None
    amount: Decimal
    days_late: int
    """Days after the due date it was paid, or, unpaid on the day, days overdue (0: on time)."""


@dataclass(frozen=True)
class ComplaintEntry:
    reference: str
    opened: dt.date
    closed: dt.date | None
    severity: str
    subject: str
    is_open: bool
    """Open on the day asked for (closed empty or after it)."""


@dataclass(frozen=True)
class HoldingEntry:
    reference: str
    product: str
    product_name: str
    category: str
    started: dt.date
    ended: dt.date | None
    is_held: bool
    """Held on the day asked for (ended empty or after it)."""


@dataclass(frozen=True)
class CustomerDataCounts:
    """The counts of one partner (see the module docstring for their definitions)."""

    missed_payments: int = 0
    late_payments: int = 0
    open_complaints: int = 0
    open_major_complaints: int = 0


def partner_recent_payments(
    *, partner_id: int, limit: int = 12, day: dt.date | None = None
) -> list[PaymentEntry]:
    """The partner's latest payments by due date, newest first, at most ``limit``."""
    on = day or timezone.localdate()
    rows = (
        Payment.objects.filter(partner_id=partner_id)
        .order_by("-due_date", "-id")
        .values_list("reference", "due_date", "paid_date", "amount")[:limit]
    )
    return [
        PaymentEntry(reference, due, paid, amount, _days_late(due, paid, on))
        for reference, due, paid, amount in rows
    ]


def partner_recent_complaints(
    *, partner_id: int, limit: int = 10, day: dt.date | None = None
) -> list[ComplaintEntry]:
    """The partner's latest complaints by opening date, newest first, at most ``limit``."""
    on = day or timezone.localdate()
    rows = (
        Complaint.objects.filter(partner_id=partner_id)
        .order_by("-opened", "-id")
        .values_list("reference", "opened", "closed", "severity", "subject")[:limit]
    )
    return [
        ComplaintEntry(reference, opened, closed, severity, subject, _is_open(opened, closed, on))
        for reference, opened, closed, severity, subject in rows
    ]


def partner_holdings(partner_id: int, *, day: dt.date | None = None) -> list[HoldingEntry]:
    """The partner's product holdings: those held on ``day`` first, then newest start first."""
    on = day or timezone.localdate()
    rows = (
        ProductHolding.objects.filter(partner_id=partner_id)
        .order_by("-started", "-id")
        .values_list(
            "reference", "product__key", "product__name", "product__category", "started", "ended"
        )
    )
    entries = [
        HoldingEntry(ref, key, name, category, started, ended, ended is None or ended > on)
        for ref, key, name, category, started, ended in rows
    ]
    return sorted(entries, key=lambda entry: not entry.is_held)


def payment_counts_by_partner(
    *, day: dt.date, window_days: int, missed_after_days: int
) -> QuerySet[Any, dict[str, Any]]:
    """Per partner with at least one late payment in the window: ``partner_id``,
    ``late_payments`` and ``missed_payments`` (one grouped query; see the module docstring)."""
    _check(window_days, missed_after_days)
    unpaid_on_day = Q(paid_date__isnull=True) | Q(paid_date__gt=day)
    paid_by_day = Q(paid_date__lte=day)
    late = (paid_by_day & Q(paid_date__gt=F("due_date"))) | (unpaid_on_day & Q(due_date__lt=day))
    grace = dt.timedelta(days=missed_after_days)
    missed = late & (Q(days_to_pay__gt=grace) | (unpaid_on_day & Q(due_date__lte=day - grace)))
    return (
        Payment.objects.filter(due_date__gt=day - dt.timedelta(days=window_days), due_date__lte=day)
        .filter(Q(paid_date__isnull=True) | Q(paid_date__gt=F("due_date")))  # the partial index
        .alias(days_to_pay=F("paid_date") - F("due_date"))
        .values("partner_id")
        .annotate(
            late_payments=Count("id", filter=late),
            missed_payments=Count("id", filter=missed),
        )
        .filter(late_payments__gt=0)
        .order_by("partner_id")
    )


def complaint_counts_by_partner(*, day: dt.date) -> QuerySet[Any, dict[str, Any]]:
    """Per partner with a complaint open on ``day``: ``partner_id``, ``open_complaints`` and
    ``open_major_complaints`` (one grouped query; see the module docstring)."""
    return (
        Complaint.objects.filter(Q(closed__isnull=True) | Q(closed__gt=day), opened__lte=day)
        .values("partner_id")
        .annotate(
            open_complaints=Count("id"),
            open_major_complaints=Count("id", filter=Q(severity=Complaint.Severity.MAJOR)),
        )
        .order_by("partner_id")
    )


def customer_data_counts(
    *,
    day: dt.date,
    window_days: int,
    missed_after_days: int,
    partner_ids: Collection[int] | None = None,
) -> dict[int, CustomerDataCounts]:
    """The counts of every partner (or of ``partner_ids``) with at least one non-zero count; a
    partner missing from the result has none. Two queries, whatever the size of the base."""
    payments = payment_counts_by_partner(
        day=day, window_days=window_days, missed_after_days=missed_after_days
    )
    complaints = complaint_counts_by_partner(day=day)
    if partner_ids is not None:
        payments = payments.filter(partner_id__in=partner_ids)
        complaints = complaints.filter(partner_id__in=partner_ids)
    counts: dict[int, dict[str, int]] = {}
    for row in payments:
        counts[row["partner_id"]] = {
            "missed_payments": row["missed_payments"],
            "late_payments": row["late_payments"],
        }
    for row in complaints:
        counts.setdefault(row["partner_id"], {}).update(
            open_complaints=row["open_complaints"],
            open_major_complaints=row["open_major_complaints"],
        )
    return {partner_id: CustomerDataCounts(**values) for partner_id, values in counts.items()}


def partner_customer_data_counts(
    *, partner_id: int, day: dt.date, window_days: int, missed_after_days: int
) -> CustomerDataCounts:
    """The counts of one partner (the same queries as the whole base's, for this partner)."""
    payments = (
        payment_counts_by_partner(
            day=day, window_days=window_days, missed_after_days=missed_after_days
        )
        .filter(partner_id=partner_id)
        .first()
    )
    complaints = complaint_counts_by_partner(day=day).filter(partner_id=partner_id).first()
    return CustomerDataCounts(
        missed_payments=payments["missed_payments"] if payments else 0,
        late_payments=payments["late_payments"] if payments else 0,
        open_complaints=complaints["open_complaints"] if complaints else 0,
        open_major_complaints=complaints["open_major_complaints"] if complaints else 0,
    )


def _check(window_days: int, missed_after_days: int) -> None:
    if window_days < 1:
        raise ValueError(f"the window must be at least 1 day, got {window_days}")
    if missed_after_days < 0:
        raise ValueError(f"the days until a payment is missed must be ≥ 0, got {missed_after_days}")


def _days_late(due: dt.date, paid: dt.date | None, day: dt.date) -> int:
    if paid is not None and paid <= day:
        return max(0, (paid - due).days)
    return max(0, (day - due).days)


def _is_open(opened: dt.date, closed: dt.date | None, day: dt.date) -> bool:
    return opened <= day and (closed is None or closed > day)
