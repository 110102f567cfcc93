"""REST API for business partners: search and read."""

from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import HttpError

from tenure.accounts.api import require_permission
from tenure.partners.models import BusinessPartner
from tenure.partners.schemas import PartnerOut, PartnerPage
from tenure.partners.selectors import partner_by_number, partner_search

router = Router(tags=["partners"])


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


@router.get("/{number}", response=PartnerOut, summary="Read a business partner")
def read(request: HttpRequest, number: str) -> PartnerOut:
    require_permission(request, "partners.view_businesspartner")
    partner = partner_by_number(number=number)
    if partner is None:
        raise HttpError(404, f"no business partner {number}")
    return _out(partner)
