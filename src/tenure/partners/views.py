"""Business partner pages: search and the partner page with the customer value tile and trends."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tenure.core.http import HtmxHttpRequest
from tenure.core.models import CUSTOMER_VALUE
from tenure.core.selectors import module_is_active
from tenure.partners.forms import PartnerForm
from tenure.partners.phones import display
from tenure.partners.selectors import partner_by_number, partner_search
from tenure.partners.services import PartnerInvalid, partner_create


@permission_required("partners.view_businesspartner", raise_exception=True)
def search(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = Paginator(partner_search(query=query), 25).get_page(request.GET.get("page"))
    context = {"query": query, "page": page}
    if request.htmx and request.htmx.target == "results":
        return render(request, "partners/partials/results.html", context)
    return render(request, "partners/search.html", context)


@permission_required("partners.view_businesspartner", raise_exception=True)
def detail(request: HttpRequest, number: str) -> HttpResponse:
    partner = partner_by_number(number=number)
    if partner is None:
        raise Http404("No such business partner")
    context: dict[str, object] = {
        "partner": partner,
        "phones": [display(phone.e164) for phone in partner.phone_numbers.all()],
    }
    if module_is_active(CUSTOMER_VALUE) and request.user.has_perm(
        "customervalue.view_customervaluedataset"
    ):
        from tenure.customervalue.views import tile_context

        context.update(tile_context(partner_id=partner.pk, explain=True))
    from tenure.retention.indicators import partner_indicators

    context["indicators"] = partner_indicators(partner_id=partner.pk)
    if request.user.has_perm("cti.view_call"):
        from tenure.cti.selectors import partner_recent_calls

        context["recent_calls"] = partner_recent_calls(partner=partner)
    return render(request, "partners/detail.html", context)


@permission_required("partners.add_businesspartner", raise_exception=True)
def create(request: HttpRequest) -> HttpResponse:
    """Create a business partner; from an unknown caller's dialog the call is linked to it."""
    call = request.POST.get("call") or request.GET.get("call") or ""
    form = PartnerForm(request.POST or None, initial={"phone": request.GET.get("phone", "")})
    if request.method == "POST" and form.is_valid():
        try:
            partner = partner_create(values=form.cleaned_data)
        except PartnerInvalid as exc:
            for name, reason in exc.errors.items():
                form.add_error(name if name in form.fields else None, reason)
        else:
            if call.isdigit():
                from tenure.cti.services import call_partner_link

                call_partner_link(call_pk=int(call), partner=partner)
            messages.success(
                request, _("Business partner %(number)s created.") % {"number": partner.number}
            )
            return redirect("partners:detail", number=partner.number)
    return render(request, "partners/create.html", {"form": form, "call": call})
