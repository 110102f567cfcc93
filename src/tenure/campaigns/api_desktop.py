"""REST API of the operator desktop: the worklist (same filters, sort and paging as the page), a
campaign contact with its script and indicators, and recording the work on it."""

import datetime as dt
from typing import NoReturn

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import field_validator

from tenure.accounts.api import require_permission
from tenure.campaigns.models import Contact
from tenure.campaigns.scripts import fill_placeholders, script_values
from tenure.campaigns.services import KEEP, CampaignError, CampaignNotRunning, contact_update
from tenure.campaigns.worklist import (
    WorklistError,
    parse_worklist_query,
    visible_contacts,
    worklist_page,
)
from tenure.core.apierrors import InvalidRequest
from tenure.customervalue.schemas import ErrorOut

router = Router(tags=["operator desktop"])
WORK = "campaigns.change_contact"


class WorklistRowOut(Schema):
    id: int
    partner: str
    partner_name: str
    city: str
    campaign_id: int
    campaign: str
    campaign_type: str
    status: str
    outcome: str | None
    agent: str | None
    callback_at: dt.datetime | None
    callback_due: bool
    added_at: dt.datetime
    segment: str | None
    risk_class: str | None
    churn_score: int | None
    traffic_light: str | None
    nps: int | None
    nps_band: str | None
    retention: bool
    caring: bool


class WorklistOut(Schema):
    total: int
    in_scope: int
    page: int
    pages: int
    size: int
    sort: str
    items: list[WorklistRowOut]


class CampaignBriefOut(Schema):
    id: int
    name: str
    type: str
    action_kind: str
    action_object: str
    channel: str
    starts_on: dt.date
    ends_on: dt.date | None


class ContactOut(Schema):
    id: int
    partner: str
    partner_name: str
    campaign: CampaignBriefOut
    status: str
    outcome: str | None
    notes: str
    agent: str | None
    callback_at: dt.datetime | None
    added_at: dt.datetime
    worked_at: dt.datetime | None
    closed_at: dt.datetime | None
    script: str
    traffic_light: str | None
    nps: int | None
    retention: bool
    caring: bool


class ContactPatchIn(Schema):
    status: str | None = None
    outcome: str | None = None
    notes: str | None = None
    callback_at: dt.datetime | None = None

    @field_validator("status")
    @classmethod
    def known_status(cls, value: str | None) -> str | None:
        if value is not None and value not in Contact.Status.values:
            raise ValueError(f"must be one of {', '.join(Contact.Status.values)}")
        return value

    @field_validator("outcome")
    @classmethod
    def known_outcome(cls, value: str | None) -> str | None:
        if value is not None and value not in Contact.Outcome.values:
            known = ", ".join(repr(v) for v in Contact.Outcome.values)
            raise ValueError(f"must be one of {known} ('' = no outcome yet)")
        return value


def _invalid(field: str, reason: str) -> NoReturn:
    raise InvalidRequest([{"field": field, "error": reason}], f"{field}: {reason}")


@router.get(
    "/worklist",
    response={200: WorklistOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="The operator's worklist: filtered, sorted and paged like the desktop page",
)
def worklist(
    request: HttpRequest,
    scope: str = "mine",
    q: str = "",
    city: str = "",
    campaign: str = "",
    type: str = "",
    status: list[str] = Query([]),  # type: ignore[type-arg]  # noqa: B008
    outcome: list[str] = Query([]),  # type: ignore[type-arg]  # noqa: B008
    segment: list[str] = Query([]),  # type: ignore[type-arg]  # noqa: B008
    risk: list[str] = Query([]),  # type: ignore[type-arg]  # noqa: B008
    light: list[str] = Query([]),  # type: ignore[type-arg]  # noqa: B008
    churn_min: str = "",
    churn_max: str = "",
    callback: str = "",
    sort: str = "",
    page: str = "",
    size: str = "",
) -> WorklistOut:
    """``scope``: mine (default), unassigned, or all (retention team). ``q`` matches the beginning
    of the partner number or name (any case), ``city`` the beginning of the city; ``status``, ``outcome`` (``none`` = no outcome yet),
    ``segment``, ``risk`` and ``light`` (red, yellow, green, none) may repeat; ``churn_min`` /
    ``churn_max`` 0..100; ``callback``: due, today or planned; ``sort``: a column, ``-`` for
    descending; ``size`` 1..500. Segment, risk class and churn score are the values when the
    customer was targeted (docs/campaigns.md §4)."""
    require_permission(request, WORK)
    data = {
        "scope": [scope], "q": [q], "city": [city], "campaign": [campaign], "type": [type], "status": status,
        "outcome": outcome, "segment": segment, "risk": risk, "light": light,
        "churn_min": [churn_min], "churn_max": [churn_max], "callback": [callback],
        "sort": [sort], "page": [page], "size": [size],
    }  # fmt: skip
    try:
        query = parse_worklist_query(data)
        result = worklist_page(request.user, query)
    except WorklistError as exc:
        _invalid(exc.field, exc.reason)
    return WorklistOut(
        total=result.total,
        in_scope=result.in_scope,
        page=result.page,
        pages=result.pages,
        size=result.size,
        sort=query.sort,
        items=[
            WorklistRowOut(
                id=row.id,
                partner=row.partner_number,
                partner_name=row.partner_name,
                city=row.city,
                campaign_id=row.campaign_id,
                campaign=row.campaign_name,
                campaign_type=row.campaign_type,
                status=row.status,
                outcome=row.outcome or None,
                agent=row.agent,
                callback_at=row.callback_at,
                callback_due=row.callback_due,
                added_at=row.added_at,
                segment=row.segment,
                risk_class=row.risk_class,
                churn_score=row.churn_score,
                traffic_light=row.indicators.traffic_light or None,
                nps=row.indicators.nps,
                nps_band=row.indicators.nps_band or None,
                retention=row.indicators.retention,
                caring=row.indicators.caring,
            )
            for row in result.rows
        ],
    )


def _contact(request: HttpRequest, contact_id: int) -> Contact:
    contact = (
        visible_contacts(request.user)
        .select_related("campaign", "partner", "agent")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise HttpError(404, f"no campaign contact {contact_id} on your desktop")
    return contact


def _contact_out(request: HttpRequest, contact: Contact) -> ContactOut:
    from tenure.retention.indicators import partner_indicators

    user = request.user
    agent_name = user.get_full_name() or user.get_username()  # type: ignore[union-attr]
    campaign = contact.campaign
    shown = partner_indicators(partner_id=contact.partner_id)
    return ContactOut(
        id=contact.pk,
        partner=contact.partner.number,
        partner_name=contact.partner.name,
        campaign=CampaignBriefOut(
            id=campaign.pk,
            name=campaign.name,
            type=campaign.type,
            action_kind=campaign.action_kind,
            action_object=campaign.action_object,
            channel=campaign.channel,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
        ),
        status=contact.status,
        outcome=contact.outcome or None,
        notes=contact.notes,
        agent=contact.agent.get_username() if contact.agent else None,
        callback_at=contact.callback_at,
        added_at=contact.added_at,
        worked_at=contact.worked_at,
        closed_at=contact.closed_at,
        script=fill_placeholders(campaign.script, script_values(contact, agent_name)),
        traffic_light=shown.traffic_light or None,
        nps=shown.nps,
        retention=shown.retention,
        caring=shown.caring,
    )


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="A campaign contact: campaign, offer, the call script for this customer, indicators",
)
def contact_detail(request: HttpRequest, contact_id: int) -> ContactOut:
    """``script`` is the campaign's Markdown with this customer's values filled in."""
    require_permission(request, "campaigns.view_contact")
    return _contact_out(request, _contact(request, contact_id))


@router.patch(
    "/contacts/{contact_id}",
    response={
        200: ContactOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Record the work on a campaign contact: status, outcome, notes, call-back time",
)
def contact_patch(request: HttpRequest, contact_id: int, body: ContactPatchIn) -> ContactOut:
    """Only the fields sent change. An outcome on an open contact makes it reached; the outcome
    ``callback`` needs ``callback_at`` (``null`` clears it); a contact not reached has no outcome
    but a call-back. A contact of a campaign no longer running is read-only for agents (409)."""
    require_permission(request, WORK)
    contact = _contact(request, contact_id)
    sent = body.model_fields_set
    try:
        contact_update(
            contact,
            actor=request.user,  # type: ignore[arg-type]
            status=body.status if "status" in sent else None,
            outcome=body.outcome if "outcome" in sent else None,
            notes=body.notes if "notes" in sent else None,
            callback_at=body.callback_at if "callback_at" in sent else KEEP,
        )
    except CampaignNotRunning as exc:
        raise HttpError(409, str(exc)) from None
    except CampaignError as exc:
        _invalid(exc.field or "outcome", str(exc))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    return _contact_out(request, contact)
