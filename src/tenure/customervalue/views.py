"""Customer value pages: the dataset history of a partner; the tile context shared with others."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from tenure.core.decorators import module_required
from tenure.core.models import CUSTOMER_VALUE
from tenure.customervalue.models import CustomerValueDataset
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
