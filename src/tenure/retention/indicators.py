"""The four Customer Retention & Loyalty indicators (SPEC §2): reading them, and changing the
traffic light and the NPS with their history.

The traffic light is set three ways — by the automatic rules over payments and complaints
(:func:`traffic_lights_refresh`), by import, or by an operator with a mandatory reason — and every
change keeps who, when, why, old → new and the rule that fired. The Retention and Caring flags are
not stored: they are derived live from membership in a running campaign of that type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from tenure.campaigns.models import Campaign
from tenure.campaigns.selectors import partner_running_campaign_types
from tenure.partners.models import BusinessPartner
from tenure.retention.models import (
    IndicatorRules,
    NpsRecord,
    PartnerIndicator,
    TrafficLight,
    TrafficLightChange,
    nps_band,
)


@dataclass(frozen=True)
class Indicators:
    """What the indicator strip shows for one partner."""

    traffic_light: str
    traffic_light_label: str
    traffic_light_since: dt.datetime | None
    nps: int | None
    nps_band: str
    nps_at: dt.datetime | None
    retention: bool
    caring: bool


def partner_indicators(*, partner_id: int, day: dt.date | None = None) -> Indicators:
    """The four indicators of a partner now (two queries)."""
    current = PartnerIndicator.objects.filter(partner_id=partner_id).first()
    types = partner_running_campaign_types(partner_id=partner_id, day=day)
    light = current.traffic_light if current else ""
    return Indicators(
        traffic_light=light,
        traffic_light_label=str(TrafficLight(light).label) if light else "",
        traffic_light_since=current.traffic_light_since if current else None,
        nps=current.nps if current else None,
        nps_band=nps_band(current.nps if current else None),
        nps_at=current.nps_at if current else None,
        retention=Campaign.Type.RETENTION in types,
        caring=Campaign.Type.CARING in types,
    )


def indicator_rules() -> IndicatorRules:
    rules, _ = IndicatorRules.objects.get_or_create(pk=1)
    return rules


def traffic_light_set(
    *,
    partner: BusinessPartner,
    light: str,
    reason: str,
    user: User | None,
    origin: str = TrafficLightChange.Origin.OPERATOR,
    rule: str = "",
    import_run_id: int | None = None,
) -> TrafficLightChange | None:
    """Set the partner's traffic light with a reason; None when it already has that light."""
    if light not in TrafficLight.values:
        raise ValueError(f"traffic light must be one of {', '.join(TrafficLight.values)}")
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    with transaction.atomic():
        current, _ = PartnerIndicator.objects.select_for_update().get_or_create(partner=partner)
        if current.traffic_light == light:
            return None
        change = TrafficLightChange.objects.create(
            partner=partner,
            previous=current.traffic_light,
            light=light,
            origin=origin,
            reason=reason[:2000],
            rule=rule[:200],
            changed_by=user.username if user else "system",
            import_run_id=import_run_id,
        )
        current.traffic_light, current.traffic_light_since = light, change.changed_at
        current.save(update_fields=["traffic_light", "traffic_light_since"])
    return change


def nps_record(
    *, partner: BusinessPartner, score: int, user: User | None, comment: str = ""
) -> NpsRecord:
    """Record an NPS 0..10 from a conversation; it becomes the partner's current NPS."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise ValueError("the NPS is a whole number 0..10")
    with transaction.atomic():
        record = NpsRecord.objects.create(
            partner=partner, score=score, comment=comment.strip()[:2000], recorded_by=user
        )
        PartnerIndicator.objects.update_or_create(
            partner=partner, defaults={"nps": score, "nps_at": record.recorded_at}
        )
    return record


def traffic_light_history(*, partner_id: int, limit: int = 50) -> list[TrafficLightChange]:
    return list(TrafficLightChange.objects.filter(partner_id=partner_id)[:limit])


def nps_history(*, partner_id: int, limit: int = 50) -> list[NpsRecord]:
    return list(
        NpsRecord.objects.filter(partner_id=partner_id).select_related("recorded_by")[:limit]
    )


@dataclass(frozen=True)
class Counts:
    """What the automatic rules read for one partner on a day."""

    missed_payments: int = 0
    late_payments: int = 0
    open_complaints: int = 0
    open_major_complaints: int = 0


def traffic_light_by_rules(counts: Counts, rules: IndicatorRules) -> tuple[str, str]:
    """(light, the rule that fired in words): red before yellow before green."""
    if counts.missed_payments >= rules.red_missed_payments:
        return (
            TrafficLight.RED,
            f"missed payments: {counts.missed_payments} ≥ {rules.red_missed_payments}",
        )
    if counts.open_major_complaints >= rules.red_major_complaints:
        return (
            TrafficLight.RED,
            f"open major complaints: {counts.open_major_complaints} ≥ {rules.red_major_complaints}",
        )
    if counts.late_payments >= rules.yellow_late_payments:
        return (
            TrafficLight.YELLOW,
            f"late payments: {counts.late_payments} ≥ {rules.yellow_late_payments}",
        )
    if counts.open_complaints >= rules.yellow_open_complaints:
        return (
            TrafficLight.YELLOW,
            f"open complaints: {counts.open_complaints} ≥ {rules.yellow_open_complaints}",
        )
    return TrafficLight.GREEN, "no missed or late payments, no open complaints"


def partners_with_light(partner_ids: Iterable[int]) -> dict[int, str]:
    """The current traffic light per partner id (partners without one are left out)."""
    return dict(
        PartnerIndicator.objects.filter(partner_id__in=list(partner_ids))
        .exclude(traffic_light="")
        .values_list("partner_id", "traffic_light")
    )
