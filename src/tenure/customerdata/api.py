"""REST API of payments, complaints and product holdings: a partner's, and deliveries (JSON lists)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Body, Query, Router
from ninja.errors import HttpError

from tenure.accounts.api import require_permission
from tenure.core.tabular import ImportReport
from tenure.customerdata.schemas import (
    ComplaintIn,
    ComplaintOut,
    CustomerDataDeliveryOut,
    HoldingIn,
    HoldingOut,
    PaymentIn,
    PaymentOut,
)
from tenure.customerdata.selectors import (
    partner_holdings,
    partner_recent_complaints,
    partner_recent_payments,
)
from tenure.customerdata.services import (
    complaint_import_records,
    holding_import_records,
    payment_import_records,
)
from tenure.customervalue.schemas import ErrorOut, RejectedOut
from tenure.partners.models import BusinessPartner

router = Router(tags=["payments, complaints and products"])
MAX_BATCH = 10_000


def _partner_id(number: str) -> int:
    partner_id = BusinessPartner.objects.filter(number=number).values_list("id", flat=True).first()
    if partner_id is None:
        raise HttpError(404, f"no business partner {number}")
    return partner_id


@router.get(
    "/partners/{number}/payments",
    response={200: list[PaymentOut], 404: ErrorOut},
    summary="A partner's latest payments, newest due date first",
)
def payments(
    request: HttpRequest,
    number: str,
    limit: int = Query(24, ge=1, le=500),  # type: ignore[type-arg]
) -> list[PaymentOut]:
    """``days_late``: days after the due date it was paid, or, still unpaid, days overdue today."""
    require_permission(request, "customerdata.view_payment")
    entries = partner_recent_payments(partner_id=_partner_id(number), limit=limit)
    return [PaymentOut(**vars(entry)) for entry in entries]


@router.get(
    "/partners/{number}/complaints",
    response={200: list[ComplaintOut], 404: ErrorOut},
    summary="A partner's latest complaints, newest first",
)
def complaints(
    request: HttpRequest,
    number: str,
    limit: int = Query(24, ge=1, le=500),  # type: ignore[type-arg]
) -> list[ComplaintOut]:
    """``is_open``: not closed today (closed empty or after today)."""
    require_permission(request, "customerdata.view_complaint")
    entries = partner_recent_complaints(partner_id=_partner_id(number), limit=limit)
    return [ComplaintOut(**vars(entry)) for entry in entries]


@router.get(
    "/partners/{number}/holdings",
    response={200: list[HoldingOut], 404: ErrorOut},
    summary="A partner's product holdings, held ones first, newest first",
)
def holdings(request: HttpRequest, number: str) -> list[HoldingOut]:
    """``is_held``: not ended today (ended empty or after today)."""
    require_permission(request, "customerdata.view_productholding")
    return [HoldingOut(**vars(entry)) for entry in partner_holdings(_partner_id(number))]


def _deliver(
    request: HttpRequest,
    items: list[Any],
    importer: Callable[..., ImportReport],
    what: str,
) -> CustomerDataDeliveryOut:
    if len(items) > MAX_BATCH:
        raise HttpError(413, f"at most {MAX_BATCH} {what} per request; split the delivery")
    report = importer(
        records=[item.model_dump() for item in items],
        user=request.user,
    )
    return CustomerDataDeliveryOut(
        accepted=report.accepted,
        updated=report.updated,
        duplicates=report.duplicates,
        rejected=[
            RejectedOut(index=error.row, field=error.column, error=error.reason)
            for error in report.errors
        ],
    )


@router.post(
    "/payments",
    response={200: CustomerDataDeliveryOut, 413: ErrorOut},
    summary="Deliver payments (a JSON list); a known reference is updated",
)
def deliver_payments(
    request: HttpRequest,
    payments: list[PaymentIn] = Body(...),  # type: ignore[type-arg]  # noqa: B008
) -> CustomerDataDeliveryOut:
    """New references are added, changed ones updated (e.g. the paid date filled in), equal ones
    ignored; rejected rows are listed by their index in the list."""
    require_permission(request, "customerdata.add_payment", "customerdata.change_payment")
    return _deliver(request, payments, payment_import_records, "payments")


@router.post(
    "/complaints",
    response={200: CustomerDataDeliveryOut, 413: ErrorOut},
    summary="Deliver complaints (a JSON list); a known reference is updated",
)
def deliver_complaints(
    request: HttpRequest,
    complaints: list[ComplaintIn] = Body(...),  # type: ignore[type-arg]  # noqa: B008
) -> CustomerDataDeliveryOut:
    """New references are added, changed ones updated (e.g. the complaint closed), equal ones
    ignored; rejected rows are listed by their index in the list."""
    require_permission(request, "customerdata.add_complaint", "customerdata.change_complaint")
    return _deliver(request, complaints, complaint_import_records, "complaints")


@router.post(
    "/holdings",
    response={200: CustomerDataDeliveryOut, 413: ErrorOut},
    summary="Deliver product holdings (a JSON list); a known contract reference is updated",
)
def deliver_holdings(
    request: HttpRequest,
    holdings: list[HoldingIn] = Body(...),  # type: ignore[type-arg]  # noqa: B008
) -> CustomerDataDeliveryOut:
    """New contracts are added, changed ones updated (e.g. ended filled in), equal ones ignored;
    rejected rows are listed by their index in the list (e.g. an unknown product)."""
    require_permission(
        request, "customerdata.add_productholding", "customerdata.change_productholding"
    )
    return _deliver(request, holdings, holding_import_records, "holdings")
