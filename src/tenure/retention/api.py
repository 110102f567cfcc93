"""REST API of the Customer Retention & Loyalty indicators: read them with their history, set the
traffic light (with a reason), record an NPS, deliver traffic lights in bulk."""

import datetime as dt
from typing import NoReturn

from django.http import HttpRequest
from ninja import Body, Router, Schema
from ninja.errors import HttpError

from tenure.accounts.api import require_permission
from tenure.core.apierrors import InvalidRequest
from tenure.partners.models import BusinessPartner
from tenure.retention import indicators as service

router = Router(tags=["CRL indicators"])
MAX_BATCH = 10_000


class LightChangeOut(Schema):
    changed_at: dt.datetime
    previous: str
    light: str
    origin: str
    reason: str
    rule: str
    changed_by: str


class NpsOut(Schema):
    recorded_at: dt.datetime
    score: int
    band: str
    comment: str
    recorded_by: str | None


class IndicatorsOut(Schema):
    partner: str
    traffic_light: str | None
    traffic_light_since: dt.datetime | None
    nps: int | None
    nps_band: str | None
    retention: bool
    caring: bool
    traffic_light_history: list[LightChangeOut]
    nps_history: list[NpsOut]


class LightIn(Schema):
    light: str
    reason: str


class NpsIn(Schema):
    score: int
    comment: str = ""


class LightDeliveryIn(Schema):
    partner: str | int | None = None
    traffic_light: str | None = None
    reason: str | None = None


class RejectedOut(Schema):
    index: int
    field: str
    error: str


class LightDeliveryOut(Schema):
    accepted: int
    unchanged: int
    rejected: list[RejectedOut]


def _partner(number: str) -> BusinessPartner:
    partner = BusinessPartner.objects.filter(number=number).first()
    if partner is None:
        raise HttpError(404, f"no business partner {number}")
    return partner


def _indicators(partner: BusinessPartner) -> IndicatorsOut:
    shown = service.partner_indicators(partner_id=partner.pk)
    return IndicatorsOut(
        partner=partner.number,
        traffic_light=shown.traffic_light or None,
        traffic_light_since=shown.traffic_light_since,
        nps=shown.nps,
        nps_band=shown.nps_band or None,
        retention=shown.retention,
        caring=shown.caring,
        traffic_light_history=[
            LightChangeOut(
                changed_at=c.changed_at,
                previous=c.previous,
                light=c.light,
                origin=c.origin,
                reason=c.reason,
                rule=c.rule,
                changed_by=c.changed_by,
            )
            for c in service.traffic_light_history(partner_id=partner.pk)
        ],
        nps_history=[
            NpsOut(
                recorded_at=r.recorded_at,
                score=r.score,
                band=r.band,
                comment=r.comment,
                recorded_by=r.recorded_by.username if r.recorded_by else None,
            )
            for r in service.nps_history(partner_id=partner.pk)
        ],
    )


@router.get("/partners/{number}/indicators", response=IndicatorsOut,
            summary="A partner's four CRL indicators with their history")  # fmt: skip
def indicators(request: HttpRequest, number: str) -> IndicatorsOut:
    require_permission(request, "retention.view_partnerindicator")
    return _indicators(_partner(number))


@router.post("/partners/{number}/traffic-light", response=IndicatorsOut,
             summary="Set the traffic light, with a reason")  # fmt: skip
def set_traffic_light(request: HttpRequest, number: str, body: LightIn) -> IndicatorsOut:
    require_permission(request, "retention.add_trafficlightchange")
    partner = _partner(number)
    try:
        service.traffic_light_set(partner=partner, light=body.light, reason=body.reason,
                                  user=request.user)  # type: ignore[arg-type]  # fmt: skip
    except ValueError as exc:
        field = "reason" if "reason" in str(exc) else "light"
        raise_invalid(field, str(exc))
    return _indicators(partner)


@router.post("/partners/{number}/nps", response=IndicatorsOut,
             summary="Record the NPS (0..10) the customer gave")  # fmt: skip
def record_nps(request: HttpRequest, number: str, body: NpsIn) -> IndicatorsOut:
    require_permission(request, "retention.add_npsrecord")
    partner = _partner(number)
    try:
        service.nps_record(partner=partner, score=body.score, comment=body.comment,
                           user=request.user)  # type: ignore[arg-type]  # fmt: skip
    except ValueError as exc:
        raise_invalid("score", str(exc))
    return _indicators(partner)


@router.post("/traffic-lights", response=LightDeliveryOut,
             summary="Deliver traffic lights (a JSON list of partner, traffic_light, reason)")  # fmt: skip
def deliver_traffic_lights(
    request: HttpRequest,
    lights: list[LightDeliveryIn] = Body(...),  # type: ignore[type-arg]  # noqa: B008
) -> LightDeliveryOut:
    require_permission(request, "retention.change_partnerindicator")
    if len(lights) > MAX_BATCH:
        raise HttpError(413, f"at most {MAX_BATCH} traffic lights per request")
    report = service.traffic_light_import_records(
        records=[item.model_dump() for item in lights],
        user=request.user,  # type: ignore[arg-type]
    )
    return LightDeliveryOut(
        accepted=report.accepted,
        unchanged=report.duplicates,
        rejected=[RejectedOut(index=e.row, field=e.column, error=e.reason) for e in report.errors],
    )


def raise_invalid(field: str, reason: str) -> NoReturn:
    raise InvalidRequest([{"field": field, "error": reason}], f"{field}: {reason}")
