"""REST API for business partners: search and read, contact consents."""

from django.http import HttpRequest
from ninja import Body, Query, Router
from ninja.errors import HttpError

from tenure.accounts.api import require_permission
from tenure.core.apierrors import InvalidRequest
from tenure.partners import consents
from tenure.partners.models import BusinessPartner, Channel
from tenure.partners.schemas import (
    ConsentDeliveryIn,
    ConsentDeliveryOut,
    ConsentIn,
    ConsentOut,
    ConsentRejectedOut,
    PartnerOut,
    PartnerPage,
)
from tenure.partners.selectors import partner_by_number, partner_search

router = Router(tags=["partners"])
MAX_CONSENT_BATCH = 10_000


def _out(partner: BusinessPartner) -> PartnerOut:
    return PartnerOut(
        number=partner.number,
        name=partner.name,
        kind=partner.kind,
        street=partner.street,
        postcode=partner.postcode,
        city=partner.city,
        country=partner.country,
        email=partner.email,
        phones=[phone.e164 for phone in partner.phone_numbers.all()],
        customer_since=partner.customer_since,
        left_on=partner.left_on,
    )


@router.get("", response=PartnerPage, summary="Search business partners")
def search(
    request: HttpRequest,
    q: str = "",
    limit: int = Query(25, ge=1, le=200),  # type: ignore[type-arg]
    offset: int = Query(0, ge=0),  # type: ignore[type-arg]
) -> PartnerPage:
    """Partners whose number, name, city or e-mail matches ``q``, or with that phone number."""
    require_permission(request, "partners.view_businesspartner")
    partners = partner_search(query=q)
    page = partners.prefetch_related("phone_numbers")[offset : offset + limit]
    return PartnerPage(count=partners.count(), results=[_out(partner) for partner in page])


@router.post("/consents", response=ConsentDeliveryOut,
             summary="Deliver contact consents (a JSON list of partner, channel, granted)")  # fmt: skip
def deliver_consents(
    request: HttpRequest,
    items: list[ConsentDeliveryIn] = Body(...),  # type: ignore[type-arg]  # noqa: B008
) -> ConsentDeliveryOut:
    require_permission(request, "partners.change_channelconsent")
    if len(items) > MAX_CONSENT_BATCH:
        raise HttpError(413, f"at most {MAX_CONSENT_BATCH} consents per request")
    records = [{k: v for k, v in item.model_dump().items() if v is not None} for item in items]
    report = consents.consent_import_records(records=records, user=request.user)  # type: ignore[arg-type]
    return ConsentDeliveryOut(
        created=report.accepted,
        updated=report.updated,
        unchanged=report.duplicates,
        rejected=[
            ConsentRejectedOut(index=e.row, field=e.column, error=e.reason) for e in report.errors
        ],
    )


@router.get("/{number}", response=PartnerOut, summary="Read a business partner")
def read(request: HttpRequest, number: str) -> PartnerOut:
    require_permission(request, "partners.view_businesspartner")
    partner = partner_by_number(number=number)
    if partner is None:
        raise HttpError(404, f"no business partner {number}")
    return _out(partner)


@router.get("/{number}/consents", response=list[ConsentOut], summary="A partner's contact consents")
def read_consents(request: HttpRequest, number: str) -> list[ConsentOut]:
    require_permission(request, "partners.view_channelconsent")
    partner = _partner_or_404(number)
    return [
        ConsentOut(channel=c.channel, granted=c.granted, recorded_at=c.recorded_at, source=c.source)
        for c in partner.consents.order_by("channel")
    ]


@router.put("/{number}/consents/{channel}", response=ConsentOut,
            summary="Record a partner's consent for a channel")  # fmt: skip
def set_consent(request: HttpRequest, number: str, channel: str, body: ConsentIn) -> ConsentOut:
    require_permission(request, "partners.change_channelconsent")
    partner = _partner_or_404(number)
    if channel not in Channel.values:
        expected = ", ".join(Channel.values)
        raise InvalidRequest(
            [{"field": "channel", "error": f"expected one of {expected}"}],
            f"channel: expected one of {expected}",
        )
    consent = consents.consent_set(
        partner=partner, channel=channel, granted=body.granted, source=body.source or "API"
    )
    return ConsentOut(
        channel=consent.channel,
        granted=consent.granted,
        recorded_at=consent.recorded_at,
        source=consent.source,
    )


def _partner_or_404(number: str) -> BusinessPartner:
    partner = partner_by_number(number=number)
    if partner is None:
        raise HttpError(404, f"no business partner {number}")
    return partner
