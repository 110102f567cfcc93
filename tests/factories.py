"""Small builders for test data through the ORM (key tables and sample rules come from migrations)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tenure.customervalue.models import CustomerValueDataset
from tenure.customervalue.services import dataset_fingerprint
from tenure.partners.models import BusinessPartner, PartnerPhoneNumber


def make_partner(
    number: str = "4711", name: str = "Erika Mustermann", phones: tuple[str, ...] = (), **extra: Any
) -> BusinessPartner:
    partner = BusinessPartner.objects.create(number=number, name=name, **extra)
    for position, e164 in enumerate(phones):
        PartnerPhoneNumber.objects.create(partner=partner, e164=e164, position=position)
    return partner


def make_dataset(
    partner: BusinessPartner,
    *,
    as_of: dt.date = dt.date(2026, 11, 1),
    segment: str = "A",
    customer_value: int | None = 9,
    risk_class: str = "1",
    churn_score: int | None = 10,
    bad_debt_score: float | None = None,
    source: str = "test",
) -> CustomerValueDataset:
    values = (as_of, segment, customer_value, risk_class, churn_score, bad_debt_score, source)
    return CustomerValueDataset.objects.create(
        partner=partner,
        as_of=as_of,
        segment_id=segment,
        customer_value=customer_value,
        risk_class_id=risk_class,
        churn_score=churn_score,
        bad_debt_score=bad_debt_score,
        source=source,
        imported_at=timezone.now(),
        fingerprint=dataset_fingerprint(values),
    )
