"""Propensity model runs for analysts: list and compare runs, read one, publish it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.retention.models import PropensityRun
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
