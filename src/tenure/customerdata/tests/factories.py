"""Payments and complaints through the ORM, for tests of what reads them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tenure.customerdata.models import Complaint, Payment
from tenure.partners.models import BusinessPartner


def make_payment(
    partner: BusinessPartner,
    *,
    due: dt.date,
    paid: dt.date | None = None,
    amount: str = "49.90",
    reference: str | None = None,
) -> Payment:
    return Payment.objects.create(
        partner=partner,
        reference=reference or f"INV-{partner.number}-{due.isoformat()}",
        due_date=due,
        paid_date=paid,
        amount=Decimal(amount),
        imported_at=timezone.now(),
    )


def make_complaint(
    partner: BusinessPartner,
    *,
    opened: dt.date,
    closed: dt.date | None = None,
    severity: str = "minor",
    reference: str | None = None,
    subject: str = "",
) -> Complaint:
    return Complaint.objects.create(
        partner=partner,
        reference=reference or f"CMP-{partner.number}-{Complaint.objects.count() + 1}",
        opened=opened,
        closed=closed,
        severity=severity,
        subject=subject,
        imported_at=timezone.now(),
    )
