"""The four Customer Retention & Loyalty indicators (SPEC §2): reading them, and changing the
traffic light and the NPS with their history.

The traffic light is set three ways — by the automatic rules over payments and complaints
(:func:`traffic_lights_refresh`), by import, or by an operator with a mandatory reason — and every
change keeps who, when, why, old → new and the rule that fired. The Retention and Caring flags are
not stored: they are derived live from membership in a running campaign of that type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import CharField, Value
from django.utils import timezone

from tenure.campaigns.models import Campaign
from tenure.campaigns.selectors import partner_running_campaign_types
from tenure.core.importing import Importer, Progress, width_error
from tenure.core.models import ImportRun
from tenure.core.tabular import Record, RowError
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


LIGHT_COLUMNS = ("partner", "traffic_light", "reason")


class TrafficLightChunkWriter:
    """Validates delivered traffic lights and applies the changed ones (origin: import).

    A light equal to the partner's current one changes nothing, so re-importing a file is a no-op.
    """

    def __init__(self, user: User | None) -> None:
        self.user = user

    def __call__(
        self, chunk: list[tuple[int, Record]], run: ImportRun
    ) -> tuple[int, int, int, list[RowError]]:
        numbers = {str(record.get("partner") or "").strip() for _, record in chunk}
        partners = BusinessPartner.objects.in_bulk(list(numbers), field_name="number")
        changed = unchanged = 0
        errors: list[RowError] = []
        for row, record in chunk:
            if (error := width_error(row, record)) is not None:
                errors.append(error)
                continue
            number = str(record.get("partner") or "").strip()
            light = str(record.get("traffic_light") or "").strip().lower()
            reason = str(record.get("reason") or "").strip()
            found = len(errors)
            if not number:
                errors.append(RowError(row, "partner", "partner number is required", ""))
            elif number not in partners:
                errors.append(RowError(row, "partner", "unknown business partner", number))
            if light not in TrafficLight.values:
                errors.append(
                    RowError(row, "traffic_light", "expected red, yellow or green", light)
                )
            if not reason:
                errors.append(RowError(row, "reason", "a reason is required", ""))
            if len(errors) > found:
                continue
            change = traffic_light_set(
                partner=partners[number],
                light=light,
                reason=reason,
                user=self.user,
                origin=TrafficLightChange.Origin.IMPORT,
                import_run_id=run.pk,
            )
            changed, unchanged = (changed + 1, unchanged) if change else (changed, unchanged + 1)
        return changed, 0, unchanged, errors


TRAFFIC_LIGHTS = Importer(
    kind=ImportRun.Kind.TRAFFIC_LIGHTS,
    required=LIGHT_COLUMNS,
    make_writer=TrafficLightChunkWriter,
    chunk_size=2_000,
)
traffic_light_import_file = TRAFFIC_LIGHTS.import_file
"""Import traffic lights (CSV or Parquet: partner, traffic_light, reason)."""
traffic_light_import_records = TRAFFIC_LIGHTS.import_records


@dataclass(frozen=True)
class NpsRow:
    """The classic NPS of one group: % promoters (9-10) − % detractors (0-6)."""

    key: str
    answers: int
    promoters: int
    passives: int
    detractors: int

    @property
    def nps(self) -> float:
        return round((self.promoters - self.detractors) * 100 / self.answers, 1)


NPS_GROUPS = ("month", "segment", "agent")


def nps_report(*, group_by: str, start: dt.date, end: dt.date) -> list[NpsRow]:
    """NPS answers recorded from ``start`` to ``end`` (inclusive), grouped by the month they were
    recorded, the partner's current customer segment or the agent who recorded them."""
    from django.db.models import Count, Q
    from django.db.models.functions import Coalesce, TruncMonth

    if group_by not in NPS_GROUPS:
        raise ValueError(f"group by one of {', '.join(NPS_GROUPS)}")
    if start > end:
        raise ValueError("the period starts after it ends")
    records = NpsRecord.objects.filter(recorded_at__date__gte=start, recorded_at__date__lte=end)
    if group_by == "month":
        records = records.annotate(key=TruncMonth("recorded_at"))
    elif group_by == "segment":
        segment = "partner__current_value__segment_id"  # the partner's current dataset's
        records = records.annotate(key=Coalesce(segment, Value("–"), output_field=CharField()))
    else:
        records = records.annotate(key=Coalesce("recorded_by__username", Value("–")))
    rows = (
        records.values("key")
        .annotate(
            answers=Count("id"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
        )
        .order_by("key")
    )
    return [
        NpsRow(
            key=row["key"].strftime("%Y-%m") if group_by == "month" else str(row["key"]),
            answers=row["answers"],
            promoters=row["promoters"],
            passives=row["answers"] - row["promoters"] - row["detractors"],
            detractors=row["detractors"],
        )
        for row in rows
    ]


@dataclass
class RefreshReport:
    partners: int = 0
    changed: int = 0
    held: int = 0
    """Lights an operator or an import set recently, left as they are."""


def traffic_lights_refresh(
    *,
    day: dt.date | None = None,
    partner_ids: Collection[int] | None = None,
    progress: Progress | None = None,
    chunk_size: int = 5_000,
) -> RefreshReport:
    """Apply the automatic rules to the whole base (or to ``partner_ids``) as of ``day``.

    Only lights that differ are written, each with the rule that fired; a light an operator or an
    import set within ``manual_hold_days`` is left alone. Chunks commit one by one, so an
    interrupted refresh keeps what it did and running it again finishes the rest.
    """
    from tenure.customerdata.selectors import customer_data_counts

    day = day or timezone.localdate()
    rules = indicator_rules()
    counts = customer_data_counts(
        day=day,
        window_days=rules.window_days,
        missed_after_days=rules.missed_after_days,
        partner_ids=partner_ids,
    )
    ids = list(partner_ids) if partner_ids is not None else None
    if ids is None:
        ids = list(BusinessPartner.objects.order_by("pk").values_list("pk", flat=True))
    report = RefreshReport(partners=len(ids))
    hold_since = timezone.now() - dt.timedelta(days=rules.manual_hold_days)
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        with transaction.atomic():
            changed, held = _refresh_chunk(chunk, counts, rules, hold_since)
        report.changed += changed
        report.held += held
        if progress:
            progress(start + len(chunk), len(ids))
    return report


def _refresh_chunk(
    chunk: list[int],
    counts: dict[int, Any],
    rules: IndicatorRules,
    hold_since: dt.datetime,
) -> tuple[int, int]:
    current = {
        row.partner_id: row
        for row in PartnerIndicator.objects.select_for_update().filter(partner_id__in=chunk)
    }
    manual = set(
        TrafficLightChange.objects.filter(
            partner_id__in=chunk,
            changed_at__gte=hold_since,
            origin__in=(TrafficLightChange.Origin.OPERATOR, TrafficLightChange.Origin.IMPORT),
        ).values_list("partner_id", flat=True)
    )
    now = timezone.now()
    changes: list[TrafficLightChange] = []
    indicators: list[PartnerIndicator] = []
    held = 0
    for partner_id in chunk:
        light, rule = traffic_light_by_rules(counts.get(partner_id) or Counts(), rules)
        row = current.get(partner_id)
        previous = row.traffic_light if row else ""
        if previous == light:
            continue
        if partner_id in manual:
            held += 1
            continue
        changes.append(
            TrafficLightChange(
                partner_id=partner_id,
                previous=previous,
                light=light,
                origin=TrafficLightChange.Origin.RULE,
                reason="automatic rule",
                rule=rule,
                changed_by="system",
                changed_at=now,
            )
        )
        indicator = row or PartnerIndicator(partner_id=partner_id)
        indicator.traffic_light, indicator.traffic_light_since = light, now
        indicators.append(indicator)
    TrafficLightChange.objects.bulk_create(changes, batch_size=1_000)
    PartnerIndicator.objects.bulk_create(
        indicators,
        batch_size=1_000,
        update_conflicts=True,
        unique_fields=["partner"],
        update_fields=["traffic_light", "traffic_light_since"],
    )
    return len(changes), held


def refresh_after_import(sender: Any, *, kind: str, run: ImportRun, **_: Any) -> None:
    """When payments or complaints arrive, the traffic lights of their partners follow."""
    from tenure.customerdata.models import Complaint, Payment

    model = {ImportRun.Kind.PAYMENTS: Payment, ImportRun.Kind.COMPLAINTS: Complaint}.get(kind)  # type: ignore[call-overload]
    if model is None:
        return
    partner_ids = set(
        model.objects.filter(import_run_id=run.pk).values_list("partner_id", flat=True)
    )
    if partner_ids:
        traffic_lights_refresh(partner_ids=partner_ids)
