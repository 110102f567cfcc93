"""Demo indicators for ``make demo``: NPS answers from the demo subscription base, a running
Retention and a running Caring campaign, and the traffic lights by the automatic rules.

The two campaigns are duplicated from the demo templates (``demo_campaigns.py``) and populated
like any other (a population record, no control group); ``demo_campaigns`` later adds the
retention team's campaign from a saved search, which leaves out the partners already in the
running "Winter retention calls" (same type) rather than calling them twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from rich.console import Console

RETENTION_EVERY, CARING_EVERY = 9, 13  # every 9th / 13th demo partner is in a campaign


def load_demo_indicators(base: Path, *, numbers: list[str], console: Console) -> None:
    """Idempotent: NPS answers and campaigns are added once; the lights follow the rules."""
    from django.db import transaction

    from tenure.campaigns.models import Campaign
    from tenure.campaigns.services import TargetSource, campaign_from_template, campaign_populate
    from tenure.cli.demo_campaigns import CARING_TEMPLATE, RETENTION_TEMPLATE, demo_templates
    from tenure.partners.models import BusinessPartner
    from tenure.retention.indicators import traffic_lights_refresh
    from tenure.retention.models import NpsRecord, PartnerIndicator

    ids = dict(BusinessPartner.objects.filter(number__in=numbers).values_list("number", "pk"))
    today = dt.date.today()
    added = 0
    nps_file = base / "nps.parquet"
    if nps_file.exists() and not NpsRecord.objects.filter(partner_id__in=ids.values()).exists():
        answers = pd.read_parquet(nps_file)
        answers = answers[answers["customer_id"].isin(ids.keys())].sort_values("date")
        with transaction.atomic():
            records = NpsRecord.objects.bulk_create(
                NpsRecord(
                    partner_id=ids[row.customer_id], score=int(row.score), comment="demo survey"
                )
                for row in answers.itertuples()
            )
            last = answers.groupby("customer_id").tail(1)
            PartnerIndicator.objects.bulk_create(
                [
                    PartnerIndicator(
                        partner_id=ids[row.customer_id],
                        nps=int(row.score),
                        nps_at=dt.datetime.combine(row.date, dt.time(12), dt.UTC),
                    )
                    for row in last.itertuples()
                ],
                update_conflicts=True,
                unique_fields=["partner"],
                update_fields=["nps", "nps_at"],
            )
        added = len(records)
    templates = demo_templates()
    for name, template, every in (
        ("Winter retention calls", RETENTION_TEMPLATE, RETENTION_EVERY),
        ("Welcome and care calls", CARING_TEMPLATE, CARING_EVERY),
    ):
        if Campaign.objects.filter(name=name).exists():
            continue
        campaign = campaign_from_template(
            templates[template], name=name, starts_on=today - dt.timedelta(days=14), owner=None
        )
        chosen = tuple(ids[number] for number in numbers[::every] if number in ids)
        campaign_populate(
            campaign, TargetSource(f"list: every {every}th demo partner", partner_ids=chosen),
            actor=None,
        )  # fmt: skip
    report = traffic_lights_refresh(partner_ids=list(ids.values()))
    console.print(
        f"Demo indicators: {added} NPS answers, two running campaigns (Retention, Caring), "
        f"{report.changed} traffic lights set by the rules."
    )
