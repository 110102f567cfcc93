"""Reading campaigns: which running campaign types hold a partner, a partner's CRL history."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from tenure.campaigns.models import Campaign, Contact


def running(day: dt.date) -> Q:
    """Campaigns that are active on ``day`` (for a Contact query: prefix campaign__)."""
    return Q(campaign__active=True, campaign__starts_on__lte=day) & (
        Q(campaign__ends_on__isnull=True) | Q(campaign__ends_on__gte=day)
    )


def partner_running_campaign_types(*, partner_id: int, day: dt.date | None = None) -> set[str]:
    """The types of the running campaigns that contact the partner (one query).

    A partner in a campaign's control group is not flagged: the agent must not treat them.
    """
    day = day or timezone.localdate()
    return set(
        Contact.objects.filter(
            running(day), partner_id=partner_id, group=Contact.Group.TREATED
        ).values_list("campaign__type", flat=True)
    )


def partner_campaign_history(*, partner_id: int) -> QuerySet[Contact]:
    """Every campaign the partner was in, newest first."""
    return (
        Contact.objects.filter(partner_id=partner_id)
        .select_related("campaign")
        .order_by("-campaign__starts_on", "-id")
    )


__all__ = ["Campaign", "partner_campaign_history", "partner_running_campaign_types", "running"]
