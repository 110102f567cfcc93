"""Retention pages: propensity model runs (list, compare, publish) and the CRM summary with the
Customer Retention & Loyalty indicators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.core.http import HtmxHttpRequest
from tenure.core.models import CUSTOMER_VALUE
from tenure.core.selectors import module_is_active
from tenure.partners.models import BusinessPartner
from tenure.retention.models import PropensityRun, TrafficLight
from tenure.retention.services import METRIC_LABELS, propensity_run_publish

FIGURE_TITLES = {
    "roc": "ROC curve",
    "gains": "Cumulative gains",
    "reliability": "Calibration (reliability diagram)",
    "importance": "Feature importance",
}


@permission_required("retention.view_propensityrun", raise_exception=True)
def run_list(request: HttpRequest) -> HttpResponse:
    """All runs, newest first; ticked runs are compared side by side."""
    runs = PropensityRun.objects.defer("figures", "artifact")
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    chosen = [int(pk) for pk in request.GET.getlist("compare") if pk.isdigit()][:6]
    compared = list(runs.filter(pk__in=chosen)) if chosen else []
    comparison = [
        (label, [_metric_pair(run, key) for run in compared]) for key, label in METRIC_LABELS
    ]
    return render(
        request,
        "retention/run_list.html",
        {"page": page, "compared": compared, "comparison": comparison},
    )


@permission_required("retention.view_propensityrun", raise_exception=True)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(PropensityRun.objects.defer("artifact"), pk=pk)
    figures = [
        (key, _(title), run.figures[key])
        for key, title in FIGURE_TITLES.items()
        if key in run.figures
    ]
    metrics = [(label, *_metric_pair(run, key)) for key, label in METRIC_LABELS]
    context = {"run": run, "figures": figures, "metrics": metrics}
    return render(request, "retention/run_detail.html", context)


@require_POST
@permission_required("retention.change_propensityrun", raise_exception=True)
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the run: from now on it scores its target; the one published before retires."""
    run = get_object_or_404(PropensityRun.objects.defer("artifact"), pk=pk)
    previous = propensity_run_publish(run=run, user=request.user)  # type: ignore[arg-type]
    text = _("%(run)s is published and scores from now on.") % {"run": run.source}
    if previous is not None:
        text += " " + _("%(run)s is retired.") % {"run": previous.source}
    messages.success(request, text)
    return redirect("retention:run", pk=run.pk)


def _metric_pair(run: PropensityRun, key: str) -> tuple[float | None, float | None]:
    """A validation metric of the run's model and of its baseline (None where missing)."""
    model = (run.metrics or {}).get("model") or {}
    baseline = (run.metrics or {}).get("baseline") or {}
    return model.get(key), baseline.get(key)


def _panel_context(request: HttpRequest, partner: BusinessPartner) -> dict[str, Any]:
    from tenure.retention.indicators import nps_history, partner_indicators, traffic_light_history

    return {
        "partner": partner,
        "indicators": partner_indicators(partner_id=partner.pk),
        "light_history": traffic_light_history(partner_id=partner.pk),
        "nps_history": nps_history(partner_id=partner.pk),
        "light_choices": TrafficLight.choices,
        "may_set_light": request.user.has_perm("retention.add_trafficlightchange"),
        "may_record_nps": request.user.has_perm("retention.add_npsrecord"),
    }


@permission_required("partners.view_businesspartner", raise_exception=True)
def crm_summary(request: HttpRequest, number: str) -> HttpResponse:
    """The CRM summary ("CRM sintesi"): the indicators with their update actions and histories,
    the customer value tile, and the partner's Customer Retention & Loyalty campaigns with their
    measured results. Reached from a campaign contact (``?contact=<pk>``), it links back to it."""
    from tenure.campaigns.history import partner_campaigns_with_results
    from tenure.campaigns.worklist import visible_contacts

    partner = get_object_or_404(BusinessPartner, number=number)
    context = _panel_context(request, partner)
    if module_is_active(CUSTOMER_VALUE) and request.user.has_perm(
        "customervalue.view_customervaluedataset"
    ):
        from tenure.customervalue.views import tile_context

        context.update(tile_context(partner_id=partner.pk))
    context["campaigns"] = partner_campaigns_with_results(partner_id=partner.pk)
    contact = request.GET.get("contact", "")
    if contact.isdigit() and request.user.has_perm("campaigns.change_contact"):
        context["from_contact"] = (
            visible_contacts(request.user)
            .select_related("campaign")
            .filter(pk=int(contact), partner=partner)
            .first()
        )
    return render(request, "retention/crm_summary.html", context)


@require_POST
@permission_required("retention.add_trafficlightchange", raise_exception=True)
def set_light(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """The operator sets the traffic light with a reason (htmx: the panel is swapped)."""
    from tenure.retention.indicators import traffic_light_set

    partner = get_object_or_404(BusinessPartner, number=number)
    message = error = ""
    try:
        change = traffic_light_set(
            partner=partner,
            light=request.POST.get("light", ""),
            reason=request.POST.get("reason", ""),
            user=request.user,  # type: ignore[arg-type]
        )
    except ValueError as exc:
        error = str(exc)
    else:
        message = (
            _("Traffic light set to %(light)s.") % {"light": change.get_light_display()}
            if change
            else _("The traffic light already had this value; nothing changed.")
        )
    return _panel_response(request, partner, message, error)


@require_POST
@permission_required("retention.add_npsrecord", raise_exception=True)
def record_nps(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """The operator records the NPS the customer gave (htmx: the panel is swapped)."""
    from tenure.retention.indicators import nps_record

    partner = get_object_or_404(BusinessPartner, number=number)
    message = error = ""
    try:
        raw = request.POST.get("score", "").strip()
        if not raw.isdigit():
            raise ValueError(_("the NPS is a whole number 0..10"))
        record = nps_record(
            partner=partner,
            score=int(raw),
            comment=request.POST.get("comment", ""),
            user=request.user,  # type: ignore[arg-type]
        )
    except ValueError as exc:
        error = str(exc)
    else:
        message = _("NPS %(score)s recorded.") % {"score": record.score}
    return _panel_response(request, partner, message, error)


def _panel_response(
    request: HtmxHttpRequest, partner: BusinessPartner, message: str, error: str
) -> HttpResponse:
    if not request.htmx:
        if message:
            messages.success(request, message)
        if error:
            messages.error(request, error)
        return redirect("retention:crm-summary", number=partner.number)
    context = {**_panel_context(request, partner), "message": message, "error": error}
    context["posted"] = request.POST if error else {}  # a refused form keeps what was typed
    return render(
        request, "retention/partials/indicator_panel.html", context, status=422 if error else 200
    )


@permission_required("retention.view_npsrecord", raise_exception=True)
def nps(request: HttpRequest) -> HttpResponse:
    """The classic NPS (% promoters − % detractors) by month, segment or agent for a period."""
    from tenure.retention.indicators import NPS_GROUPS, nps_report

    today = timezone.localdate()
    group_by = request.GET.get("group_by", "month")
    error = ""
    try:
        start = dt.date.fromisoformat(
            request.GET.get("start") or f"{today.year - 1}-{today.month:02d}-01"
        )
        end = dt.date.fromisoformat(request.GET.get("end") or today.isoformat())
        rows = nps_report(group_by=group_by, start=start, end=end)
    except ValueError as exc:
        error, rows, start, end = str(exc), [], today, today
    total = NpsRowTotal(rows) if rows else None
    context = {"rows": rows, "total": total, "group_by": group_by, "groups": NPS_GROUPS,
               "start": start, "end": end, "error": error}  # fmt: skip
    return render(request, "retention/nps.html", context)


class NpsRowTotal:
    """All groups together."""

    def __init__(self, rows: list[Any]) -> None:
        self.answers = sum(r.answers for r in rows)
        self.promoters = sum(r.promoters for r in rows)
        self.passives = sum(r.passives for r in rows)
        self.detractors = sum(r.detractors for r in rows)
        self.nps = round((self.promoters - self.detractors) * 100 / self.answers, 1)
