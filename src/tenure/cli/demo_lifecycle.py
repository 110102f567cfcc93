"""Demo relationship dates and contact consents for ``make demo``: when each demo partner became
a customer and, for those the demo subscription base lets go, when they left (both from
``<var>/demo-base/customers.parquet``), and consents per channel as a CRM would record them."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pandas as pd
from rich.console import Console

CONSENT_SHARES = {"phone": (0.10, 0.05), "email": (0.45, 0.05), "sms": (0.20, 0.03)}
"""Per channel: the share of partners who granted consent, and of those who refused it."""


def load_demo_lifecycle(base: Path, *, numbers: list[str], seed: int, console: Console) -> None:
    """Idempotent: dates follow the base; consents are recorded once."""
    from django.db import transaction
    from django.utils import timezone

    from tenure.partners.models import BusinessPartner, ChannelConsent

    customers = pd.read_parquet(
        base / "customers.parquet", columns=["customer_id", "start_date", "end_date"]
    )
    customers = customers[customers["customer_id"].isin(numbers)]
    partners = {
        partner.number: partner
        for partner in BusinessPartner.objects.filter(number__in=customers["customer_id"])
    }
    changed = []
    for row in customers.itertuples():
        partner = partners.get(row.customer_id)
        if partner is None:
            continue
        since = pd.Timestamp(row.start_date).date()
        left = None if pd.isna(row.end_date) else pd.Timestamp(row.end_date).date()
        if (partner.customer_since, partner.left_on) != (since, left):
            partner.customer_since, partner.left_on = since, left
            changed.append(partner)
    rng = random.Random(seed)
    now = timezone.now()
    consents = []
    if not ChannelConsent.objects.filter(partner__number__in=numbers).exists():
        for number in numbers:
            for channel, (granted, refused) in CONSENT_SHARES.items():
                draw = rng.random()
                if draw < granted + refused and number in partners:
                    consents.append(
                        ChannelConsent(
                            partner=partners[number],
                            channel=channel,
                            granted=draw < granted,
                            recorded_at=now - dt.timedelta(days=rng.randint(1, 900)),
                            source="demo CRM",
                        )
                    )
    with transaction.atomic():
        BusinessPartner.objects.bulk_update(changed, ["customer_since", "left_on"], batch_size=500)
        ChannelConsent.objects.bulk_create(consents, batch_size=1000)
    left = sum(1 for partner in partners.values() if partner.left_on)
    console.print(
        f"Demo relationships: {len(changed)} partners dated ({left} have left), "
        f"{len(consents)} contact consents recorded."
    )
