"""REST API of the module "Customer value": the tile of a partner, dataset deliveries, model runs."""

from django.http import HttpRequest
from ninja import Body, Router
from ninja.errors import HttpError

from tenure.accounts.api import require_permission
from tenure.core.decorators import module_required
from tenure.core.models import CUSTOMER_VALUE
from tenure.customervalue.models import ModelRun
from tenure.customervalue.schemas import (
    DatasetIn,
    DatasetOut,
    DeliveryOut,
    ErrorOut,
    FailedConditionOut,
    ModelRunOut,
    RecommendationOut,
    RejectedOut,
    RuleExplanationOut,
    TileOut,
)
from tenure.customervalue.selectors import customer_value_tile
from tenure.customervalue.services import dataset_import_records
from tenure.partners.models import BusinessPartner

router = Router(tags=["customer value"])
MAX_BATCH = 10_000


@router.get(
    "/partners/{number}/customer-value",
    response={200: TileOut, 404: ErrorOut},
    summary="The tile 'Customer value and churn score' of a partner",
)
@module_required(CUSTOMER_VALUE)
def tile(request: HttpRequest, number: str, explain: bool = False) -> TileOut:
    """The most current dataset and the recommendations for action that fit it today.

    With ``explain=1`` every rule is listed with the conditions it failed.
    """
    require_permission(request, "customervalue.view_customervaluedataset")
    partner_id = BusinessPartner.objects.filter(number=number).values_list("id", flat=True).first()
    if partner_id is None:
        raise HttpError(404, f"no business partner {number}")
    content = customer_value_tile(partner_id=partner_id)
    dataset = content.dataset
    out = TileOut(
        partner=number,
        dataset=None
        if dataset is None
        else DatasetOut(
            as_of=dataset.as_of,
            segment=dataset.segment_key,
            customer_value=dataset.customer_value,
            risk_class=dataset.risk_class_key,
            risk_class_label=dataset.risk_class_label,
            churn_score=dataset.churn_score,
            bad_debt_score=dataset.bad_debt_score,
            source=dataset.source,
            clv=dataset.clv,
            probability_alive=dataset.probability_alive,
            expected_purchases=dataset.expected_purchases,
            reasons=dataset.reasons,
        ),
        recommendations=[
            RecommendationOut(key=rec.key, option=rec.option, text=rec.text, discount=rec.discount)
            for rec in content.recommendations
        ],
        message=content.message,
    )
    if explain and dataset is not None:
        from tenure.guidance.services import guidance_explain

        out.explanation = [
            RuleExplanationOut(
                key=item.rule.key,
                matched=item.matched,
                failed=[FailedConditionOut(**vars(failure)) for failure in item.failed],
            )
            for item in guidance_explain(dataset=dataset, today=content.today)
        ]
    return out


@router.post(
    "/customer-value-datasets",
    response={200: DeliveryOut, 413: ErrorOut},
    summary="Deliver customer value datasets (a JSON list)",
)
@module_required(CUSTOMER_VALUE)
def deliver(
    request: HttpRequest,
    datasets: list[DatasetIn] = Body(...),  # type: ignore[type-arg]  # noqa: B008
) -> DeliveryOut:
    """Append datasets; valid ones are kept, rejected ones listed by index, repeats ignored."""
    require_permission(request, "customervalue.add_customervaluedataset")
    if len(datasets) > MAX_BATCH:
        raise HttpError(413, f"at most {MAX_BATCH} datasets per request; split the delivery")
    report = dataset_import_records(
        records=[item.model_dump() for item in datasets],
        user=request.user,  # type: ignore[arg-type]
    )
    return DeliveryOut(
        accepted=report.accepted,
        duplicates=report.duplicates,
        rejected=[
            RejectedOut(index=error.row, field=error.column, error=error.reason)
            for error in report.errors
        ],
    )


@router.get(
    "/model-runs",
    response={200: list[ModelRunOut]},
    summary="Lifetime-value model runs, newest first",
)
def model_runs(request: HttpRequest, limit: int = 50) -> list[ModelRunOut]:
    """Data window, parameters, fit quality and hold-out check of each run (no plots)."""
    require_permission(request, "customervalue.view_modelrun")
    runs = ModelRun.objects.defer("figures")[: max(1, min(limit, 500))]
    return [ModelRunOut.from_run(run) for run in runs]


@router.get(
    "/model-runs/{run_id}",
    response={200: ModelRunOut, 404: ErrorOut},
    summary="One lifetime-value model run",
)
def model_run(request: HttpRequest, run_id: int) -> ModelRunOut:
    require_permission(request, "customervalue.view_modelrun")
    run = ModelRun.objects.defer("figures").filter(pk=run_id).first()
    if run is None:
        raise HttpError(404, f"no model run {run_id}")
    return ModelRunOut.from_run(run)
