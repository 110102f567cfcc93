"""The operator desktop: the agent's worklist (filter, sort, page; htmx swaps the table and the URL
keeps the state) and the campaign contact worked from it (offer, call script, customer value
tile, indicator strip, outcome form, the CRM summary, and "next contact")."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.campaigns.models import CampaignType, Contact
from tenure.campaigns.scripts import render_script, script_values
from tenure.campaigns.selectors import contact_changes
from tenure.campaigns.services import (
    KEEP,
    CampaignError,
    CampaignNotRunning,
    contact_update,
    may_work,
)
from tenure.campaigns.worklist import (
    CALLBACKS,
    COLUMNS,
    LIGHTS,
    PAGE_SIZES,
    SCOPES,
    SNAPSHOT,
    STATUS_LABELS,
    WorklistError,
    WorklistQuery,
    may_see_all,
    next_contact,
    parse_worklist_query,
    visible_contacts,
    worklist_campaigns,
    worklist_page,
)
from tenure.core.http import HtmxHttpRequest
from tenure.core.models import CUSTOMER_VALUE
from tenure.core.selectors import module_is_active
from tenure.customervalue.models import ChurnRiskClass, CustomerSegment
from tenure.retention.models import TrafficLight

WORK = "campaigns.change_contact"
HEADERS = (("name", "partner"), ("city",), ("campaign", "type"), ("status",), ("outcome",),
           ("segment",), ("risk",), ("churn",), ("light",), ("callback",), ("agent",), ("added",))  # fmt: skip
"""The worklist's columns; a column with two keys (name and number) has a sort link for each."""


def _query(request: HttpRequest) -> tuple[WorklistQuery, str]:
    """The worklist state from the URL, or the default one and the error in words."""
    try:
        return parse_worklist_query(dict(request.GET.lists())), ""
    except WorklistError as exc:
        return WorklistQuery(), str(exc)


def _url(name: str, query: WorklistQuery, *args: Any, **changes: Any) -> str:
    params = urlencode(query.params(**changes))
    return reverse(f"campaigns:{name}", args=args) + (f"?{params}" if params else "")


def _toggled(key: str, sort: str) -> str:
    """Sorting by a column: ascending first, a second click descending."""
    return f"-{key}" if sort == key else key


def _columns(query: WorklistQuery) -> list[dict[str, Any]]:
    current, descending = query.sort.lstrip("-"), query.sort.startswith("-")
    columns = []
    for keys in HEADERS:
        if keys == ("agent",) and query.scope == "mine":
            continue
        links = [
            {
                "key": key,
                "label": _("Indicators") if key == "light" else COLUMNS[key],
                "url": _url("desktop", query, sort=_toggled(key, query.sort), page=1),
                "sorted": key == current,
            }
            for key in keys
        ]
        sorted_here = current in keys
        direction = "descending" if descending else "ascending"
        # the worklist shows the customer as they were when targeted (the contact's snapshot)
        note = _("when targeted") if keys[0] in SNAPSHOT else ""
        columns.append({"links": links, "sorted": direction if sorted_here else "", "note": note})
    return columns


@permission_required(WORK, raise_exception=True)
def desktop(request: HtmxHttpRequest) -> HttpResponse:
    """The worklist; htmx requests aimed at the table get the table only."""
    query, error = _query(request)
    try:
        page = worklist_page(request.user, query)
    except WorklistError as exc:
        error = str(exc)
        query = WorklistQuery()
        page = worklist_page(request.user, query)
    context = {
        "page": page,
        "query": query,
        "error": error,
        "columns": _columns(query),
        "state": urlencode(query.params(page=page.page)),
        "previous_url": _url("desktop", query, page=page.page - 1),
        "next_url": _url("desktop", query, page=page.page + 1),
    }
    status = 400 if error else 200
    if request.htmx and request.htmx.target == "worklist":
        response = render(request, "campaigns/desktop_table.html", context, status=status)
        # the URL without the form's empty fields; a refused request leaves the URL alone
        response["HX-Push-Url"] = "false" if error else _url("desktop", query, page=page.page)
        return response
    scopes = {
        key: label for key, label in SCOPES.items() if key != "all" or may_see_all(request.user)
    }
    context.update(
        {
            "scopes": scopes,
            "campaigns": worklist_campaigns(),
            "types": CampaignType.choices,
            "statuses": list(STATUS_LABELS.items()),
            "outcomes": [(value or "none", label) for value, label in Contact.Outcome.choices],
            "segments": CustomerSegment.objects.values_list("key", "label"),
            "risk_classes": ChurnRiskClass.objects.values_list("key", "label"),
            "lights": [
                (key, TrafficLight(key).label if key != "none" else _("not set")) for key in LIGHTS
            ],
            "callbacks": CALLBACKS,
            "page_sizes": PAGE_SIZES,
        }
    )
    return render(request, "campaigns/desktop.html", context, status=status)


def _contact(request: HttpRequest, pk: int) -> Contact:
    """A contact the user may open from the desktop (control group and others' contacts: 404)."""
    contacts = visible_contacts(request.user).select_related("campaign", "partner", "agent")
    return get_object_or_404(contacts, pk=pk)


def _form_context(contact: Contact, user: Any, **extra: Any) -> dict[str, Any]:
    callback = timezone.localtime(contact.callback_at) if contact.callback_at else None
    values = {
        "status": contact.status,
        "outcome": contact.outcome,
        "notes": contact.notes,
        "callback_at": callback.strftime("%Y-%m-%dT%H:%M") if callback else "",
    }
    return {
        "contact": contact,
        "editable": may_work(contact, user),
        "values": {**values, **extra.pop("values", {})},
        "statuses": list(STATUS_LABELS.items()),
        "outcomes": Contact.Outcome.choices,
        "changes": contact_changes(contact),
        **extra,
    }


@permission_required(WORK, raise_exception=True)
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign contact to work: the offer, the script for this customer, tile, strip, form."""
    from tenure.partners.page import contact_card_context
    from tenure.retention.indicators import partner_indicators

    item = _contact(request, pk)
    query, _error = _query(request)
    user = request.user
    agent_name = user.get_full_name() or user.get_username()  # type: ignore[union-attr]
    context = _form_context(item, user)
    context.update(contact_card_context(item.partner, channel=item.campaign.channel))
    context.update(
        {
            "campaign": item.campaign,
            "partner": item.partner,
            "script": render_script(item.campaign.script, script_values(item, agent_name)),
            "indicators": partner_indicators(partner_id=item.partner_id),
            "desktop_url": _url("desktop", query),
            "next_url": _url("contact-next", query, item.pk),
            "summary_url": reverse("retention:crm-summary", args=[item.partner.number])
            + "?"
            + urlencode({"contact": item.pk}),
        }
    )
    if module_is_active(CUSTOMER_VALUE) and user.has_perm(
        "customervalue.view_customervaluedataset"
    ):
        from tenure.customervalue.selectors import customer_value_tile

        context["tile"] = customer_value_tile(partner_id=item.partner_id)
    return render(request, "campaigns/contact.html", context)


def _callback(raw: str) -> dt.datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CampaignError(
            _("Call back at: give a date and time such as 2026-12-24 09:30."), field="callback_at"
        ) from None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


@require_POST
@permission_required(WORK, raise_exception=True)
def contact_work(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Record status, outcome, notes and call-back (htmx: the form is swapped with the result)."""
    item = _contact(request, pk)
    submitted = {name: request.POST.get(name, "") for name in ("status", "outcome", "notes")}
    submitted["callback_at"] = request.POST.get("callback_at", "")
    message = error = error_field = ""
    status = 200
    try:
        contact_update(
            item,
            actor=request.user,  # type: ignore[arg-type]
            status=submitted["status"] or None,
            outcome=submitted["outcome"] if "outcome" in request.POST else None,
            notes=submitted["notes"] if "notes" in request.POST else None,
            # the form always sends the field: emptied, it clears the call-back time
            callback_at=_callback(submitted["callback_at"])
            if "callback_at" in request.POST
            else KEEP,
        )
    except CampaignNotRunning as exc:
        error, status = str(exc), 409
    except CampaignError as exc:
        error, error_field, status = str(exc), exc.field or "", 422
    except PermissionDenied as exc:
        error, status = str(exc), 403
    else:
        message = _("Saved: %(status)s%(outcome)s.") % {
            "status": STATUS_LABELS[item.status],
            "outcome": f" · {item.get_outcome_display()}" if item.outcome else "",
        }
    if not request.htmx:
        if message:
            messages.success(request, message)
        if error:
            messages.error(request, error)
        return redirect(item.get_absolute_url())
    extra: dict[str, Any] = {"message": message, "error": error, "error_field": error_field}
    if error:
        item.refresh_from_db()
        extra["values"] = submitted
    return render(request, "campaigns/contact_form.html",
                  _form_context(item, request.user, **extra), status=status)  # fmt: skip


@permission_required(WORK, raise_exception=True)
def contact_next(request: HttpRequest, pk: int) -> HttpResponse:
    """Move on: the contact after this one in the worklist (same filters and order)."""
    item = _contact(request, pk)
    query, _error = _query(request)
    try:
        following = next_contact(request.user, query, item)
    except WorklistError as exc:
        messages.error(request, str(exc))
        following = None
    if following is None:
        messages.info(request, _("That was the last contact of this worklist."))
        return redirect(_url("desktop", query))
    return redirect(_url("contact", query, following))


urlpatterns = [
    path("desktop/", desktop, name="desktop"),
    path("contacts/<int:pk>/", contact, name="contact"),
    path("contacts/<int:pk>/work/", contact_work, name="contact-work"),
    path("contacts/<int:pk>/next/", contact_next, name="contact-next"),
]
