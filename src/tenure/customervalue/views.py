"""Customer value pages: a partner's dataset history, the model runs; the tile context shared."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from tenure.core.decorators import module_required
from tenure.core.models import CUSTOMER_VALUE
from tenure.customervalue.models import (
    CustomerValueDataset,
    CustomerValueRule,
    ModelRun,
    RiskClassRule,
    SegmentRule,
)
from tenure.customervalue.selectors import customer_value_tile, partner_dataset_history
from tenure.partners.models import BusinessPartner


def tile_context(*, partner_id: int, explain: bool = False) -> dict[str, Any]:
    """Template context for the tile, the trend tiles and (optionally) the rule explanation."""
    from tenure.guidance.services import guidance_explain

    tile = customer_value_tile(partner_id=partner_id)
    history = partner_dataset_history(partner_id=partner_id)
    context: dict[str, Any] = {
        "tile": tile,
        "trend": {
            "dates": [point.as_of.isoformat() for point in history],
            "customer_value": [point.customer_value for point in history],
            "churn_score": [point.churn_score for point in history],
        },
    }
    if explain and tile.dataset is not None:
        context["explanation"] = guidance_explain(dataset=tile.dataset, today=tile.today)
    return context


@module_required(CUSTOMER_VALUE)
@permission_required("customervalue.view_customervaluedataset", raise_exception=True)
def history(request: HttpRequest, number: str) -> HttpResponse:
    partner = get_object_or_404(BusinessPartner, number=number)
    datasets = (
        CustomerValueDataset.objects.filter(partner=partner)
        .select_related("segment", "risk_class")
        .order_by("-as_of", "-id")
    )
    page = Paginator(datasets, 50).get_page(request.GET.get("page"))
    return render(request, "customervalue/history.html", {"partner": partner, "page": page})


@permission_required("customervalue.view_modelrun", raise_exception=True)
def model_runs(request: HttpRequest) -> HttpResponse:
    """The lifetime-value model runs, newest first, with the scoring rules they apply."""
    page = Paginator(ModelRun.objects.defer("figures"), 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "value_rule": CustomerValueRule.objects.filter(pk=1).first(),
        "segment_rules": SegmentRule.objects.select_related("segment"),
        "risk_rules": RiskClassRule.objects.select_related("risk_class"),
    }
    return render(request, "customervalue/model_runs.html", context)


@permission_required("customervalue.view_modelrun", raise_exception=True)
def model_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One model run: data window, parameters, fit quality, hold-out plots, scoring."""
    from tenure.analytics.clv.report import FIGURE_TITLES, holdout_rows, parameter_rows

    run = get_object_or_404(ModelRun, pk=pk)
    spend = run.spend_model
    context = {
        "run": run,
        "parameters": parameter_rows(run.parameters, run.log_likelihood),
        "spend": spend,
        "spend_parameters": parameter_rows(spend["parameters"], spend["log_likelihood"])
        if spend
        else None,
        "holdout": holdout_rows(run.holdout) if run.holdout else None,
        "by_frequency": (run.holdout or {}).get("by_frequency", []),
        "figures": [
            (key, title, run.figures[key])
            for key, title in FIGURE_TITLES.items()
            if key in run.figures
        ],
        "datasets": CustomerValueDataset.objects.filter(source=run.source).count()
        if run.scored_datasets
        else 0,
    }
    return render(request, "customervalue/model_run_detail.html", context)
