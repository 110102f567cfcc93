"""A partner's history in Customer Retention & Loyalty campaigns, each campaign with its measured
result: the retention rate of the contacted group against the control group (the definition of
:func:`tenure.campaigns.effectiveness.campaign_effectiveness`: a target is retained while the
partner has not left by the day of measurement), for all the partner's campaigns in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from tenure.analytics.campaigns import RetentionLift, retention_lift
from tenure.campaigns.models import Contact
from tenure.campaigns.selectors import partner_campaign_history


@dataclass(frozen=True)
class CampaignResult:
    """One campaign's retention, contacted vs control, as of a day."""

    treated: int
    control: int
    lift: RetentionLift

    @staticmethod
    def _percent(share: float | None) -> float | None:
        return None if share is None else round(share * 100, 1)

    @property
    def treated_percent(self) -> float | None:
        return self._percent(self.lift.treated_rate)

    @property
    def control_percent(self) -> float | None:
        return self._percent(self.lift.control_rate)

    @property
    def difference_points(self) -> float | None:
        return self._percent(self.lift.difference)

    @property
    def low_points(self) -> float | None:
        return self._percent(self.lift.low)

    @property
    def high_points(self) -> float | None:
        return self._percent(self.lift.high)


def campaigns_retention(
    campaign_ids: Sequence[int], *, as_of: dt.date | None = None
) -> dict[int, CampaignResult]:
    """Retention of the contacted and the control group of each campaign (one query)."""
    if not campaign_ids:
        return {}
    as_of = as_of or timezone.localdate()
    stayed = Q(partner__left_on__isnull=True) | Q(partner__left_on__gt=as_of)
    counts: dict[int, dict[str, tuple[int, int]]] = {}
    rows = (
        Contact.objects.filter(campaign_id__in=list(campaign_ids))
        .values("campaign_id", "group")
        .annotate(total=Count("id"), retained=Count("id", filter=stayed))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["campaign_id"], {})[row["group"]] = (row["retained"], row["total"])
    results = {}
    for campaign_id in campaign_ids:
        groups = counts.get(campaign_id, {})
        treated = groups.get(Contact.Group.TREATED, (0, 0))
        control = groups.get(Contact.Group.CONTROL, (0, 0))
        results[campaign_id] = CampaignResult(
            treated=treated[1],
            control=control[1],
            lift=retention_lift(treated[0], treated[1], control[0], control[1]),
        )
    return results


def partner_campaigns_with_results(*, partner_id: int, day: dt.date | None = None) -> list[Contact]:
    """The partner's campaign memberships, newest first, each with ``running`` and ``result``."""
    day = day or timezone.localdate()
    memberships = list(partner_campaign_history(partner_id=partner_id))
    results = campaigns_retention(
        list(dict.fromkeys(m.campaign_id for m in memberships)), as_of=day
    )
    from tenure.campaigns.worklist import STATUS_LABELS

    for membership in memberships:
        membership.status_label = STATUS_LABELS[membership.status]  # type: ignore[attr-defined]
        membership.running = membership.campaign.is_running(day)  # type: ignore[attr-defined]
        membership.result = results[membership.campaign_id]  # type: ignore[attr-defined]
    return memberships
