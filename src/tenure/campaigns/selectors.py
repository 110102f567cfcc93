"""Reading campaigns: which running campaign types hold a partner, a partner's CRL history."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from tenure.campaigns.models import Campaign, CampaignMember


def running(day: dt.date) -> Q:
    """Campaigns that are active on ``day`` (for a CampaignMember query: prefix campaign__)."""
    return Q(campaign__active=True, campaign__starts_on__lte=day) & (
        Q(campaign__ends_on__isnull=True) | Q(campaign__ends_on__gte=day)
    )


def partner_running_campaign_types(*, partner_id: int, day: dt.date | None = None) -> set[str]:
    """The types of the running campaigns that hold the partner (one query)."""
    day = day or timezone.localdate()
    return set(
        CampaignMember.objects.filter(running(day), partner_id=partner_id).values_list(
            "campaign__type", flat=True
        )
    )


def partner_campaign_history(*, partner_id: int) -> QuerySet[CampaignMember]:
    """Every campaign the partner was in, newest first."""
    return (
        CampaignMember.objects.filter(partner_id=partner_id)
        .select_related("campaign")
        .order_by("-campaign__starts_on", "-id")
    )


__all__ = ["Campaign", "partner_campaign_history", "partner_running_campaign_types", "running"]
