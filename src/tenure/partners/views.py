"""Business partner pages: search, create, and the partner page (customer on a page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tenure.core.http import HtmxHttpRequest
from tenure.partners.forms import PartnerForm
from tenure.partners.page import interactions_context, partner_page_context
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
def detail(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """Customer on a page; the interactions filter asks for its card alone (htmx)."""
    partner = partner_by_number(number=number)
    if partner is None:
        raise Http404("No such business partner")
    kind = request.GET.get("kind", "")
    if request.htmx and request.htmx.target == "interactions":
        context = interactions_context(user=request.user, partner=partner, kind=kind)
        return render(request, "partners/partials/interactions.html", context)
    context = partner_page_context(user=request.user, partner=partner, kind=kind)
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
