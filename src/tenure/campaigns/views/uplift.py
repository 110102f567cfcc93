"""Campaign pages: uplift models learned from finished campaigns (for analysts and marketing).

The list of runs with their Qini coefficient beside the churn-score ranking's, and one run's Qini
and uplift curves, uplift by decile and the four segments of its campaign's targets. Training
runs on the command line (``tenure uplift train``); targeting by a run is a
:func:`~tenure.campaigns.uplift.source_from_uplift` target source.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.campaigns.models import UpliftRun

FIGURE_TITLES = {
    "qini": gettext_lazy("Qini curve"),
    "uplift": gettext_lazy("Uplift curve"),
    "deciles": gettext_lazy("Uplift by decile"),
}
SEGMENT_LABELS = {
    "persuadable": (
        gettext_lazy("Persuadables"),
        gettext_lazy("The contact makes them stay: target them."),
    ),
    "sure_thing": (
        gettext_lazy("Sure things"),
        gettext_lazy("Stay with or without the contact: save the cost."),
    ),
    "lost_cause": (
        gettext_lazy("Lost causes"),
        gettext_lazy("Leave with or without the contact."),
    ),
    "sure_thing_or_lost_cause": (
        gettext_lazy("Sure things or lost causes"),
        gettext_lazy("The contact hardly changes what they do (this method cannot tell which)."),
    ),
    "do_not_disturb": (
        gettext_lazy("Do not disturb"),
        gettext_lazy("The contact puts them off: leave them alone."),
    ),
}


@permission_required("campaigns.view_upliftrun", raise_exception=True)
def run_list(request: HttpRequest) -> HttpResponse:
    runs = UpliftRun.objects.select_related("campaign").defer("figures", "artifact")
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    return render(request, "campaigns/uplift_runs.html", {"page": page})


@permission_required("campaigns.view_upliftrun", raise_exception=True)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(UpliftRun.objects.select_related("campaign").defer("artifact"), pk=pk)
    figures = [
        (key, title, run.figures[key]) for key, title in FIGURE_TITLES.items() if key in run.figures
    ]
    counts = run.metrics.get("segments", {})
    total = sum(counts.values()) or 1
    keys = ["persuadable", "sure_thing", "lost_cause", "do_not_disturb"]
    if not run.metrics.get("segments_have_sure_things", True):
        keys = ["persuadable", "sure_thing_or_lost_cause", "do_not_disturb"]
    segments = [
        (key, *SEGMENT_LABELS[key], counts.get(key, 0), 100 * counts.get(key, 0) / total)
        for key in keys
    ]
    low, high = run.metrics.get("segment_thresholds", [-0.02, 0.02])
    context = {
        "run": run,
        "figures": figures,
        "segments": segments,
        "threshold_note": _(
            "Persuadable: predicted uplift of at least %(high)s percentage points; do not "
            "disturb: at most %(low)s."
        )
        % {"high": f"{100 * high:+.0f}", "low": f"{100 * low:+.0f}"},
    }
    return render(request, "campaigns/uplift_run.html", context)


urlpatterns: list[URLPattern] = [
    path("uplift/", run_list, name="uplift-runs"),
    path("uplift/<int:pk>/", run_detail, name="uplift-run"),
]
