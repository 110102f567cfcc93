"""The "Next best actions" card (partner page, inbound-call dialog) and the response rates page."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from tenure.nextbest import services
from tenure.nextbest.fields import INTENTS
from tenure.nextbest.models import Decision, Response
from tenure.nextbest.recommender import latest_run
from tenure.partners.models import BusinessPartner


@permission_required("nextbest.view_decision", raise_exception=True)
def card(request: HttpRequest, number: str) -> HttpResponse:
    """Decide now (stored) and render the card; ``asked_by`` cti from the call dialog, the
    channel (phone unless given) and the caller's stated intent as the agent chose them."""
    partner = get_object_or_404(BusinessPartner, number=number)
    intent = request.GET.get("intent") or None
    channel = request.GET.get("channel") or "phone"
    if (intent is not None and intent not in INTENTS) or channel not in services.CHANNELS:
        return HttpResponse(status=400)
    asked_by = "cti" if request.GET.get("asked_by") == "cti" else "agent"
    context = services.card_context(
        partner, request.user, asked_by=asked_by, channel=channel, intent=intent
    )
    return render(request, "nextbest/partials/card.html", {"partner": partner, **context})


@permission_required("nextbest.add_response", raise_exception=True)
@require_POST
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    """Record Accepted / Refused / Later for an action of the decision, then show a fresh card."""
    decision = get_object_or_404(Decision.objects.select_related("partner"), pk=pk)
    answer = request.POST.get("response", "")
    if answer not in Response.Answer.values:
        return HttpResponse(status=400)
    try:
        saved = services.record_response(
            decision, action=request.POST.get("action", ""), response=answer, agent=request.user
        )
    except LookupError:
        raise Http404("the action was not offered in this decision") from None
    context = services.card_context(
        decision.partner,
        request.user,
        asked_by=decision.asked_by,
        channel=decision.channel or "phone",
        intent=decision.intent or None,
    )
    context["recorded"] = saved
    return render(request, "nextbest/partials/card.html", {"partner": decision.partner, **context})


@permission_required("nextbest.view_response", raise_exception=True)
def rates(request: HttpRequest) -> HttpResponse:
    """Each action's learned response rate, overall and per segment, with its count; and the
    product recommender's latest evaluation and calibration."""
    table = services.rates_table()
    context: dict[str, object] = {"rows": table.to_dict("records")}
    if request.user.has_perm("nextbest.view_recommenderrun"):
        context["recommender"] = latest_run()
    return render(request, "nextbest/rates.html", context)
