"""Model runs: record a lifetime-value fit, and score the customer base with it.

Scoring appends one customer value dataset per business partner (source = the run's
``model-run-N``) with CLV, P(alive), expected purchases, and customer value, segment and risk class
from the administrators' rules. It is all or nothing: one transaction, so an interrupted run
leaves no datasets behind; re-running the same scoring adds nothing (dataset fingerprints).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from tenure.analytics.clv.scoring import classify, value_by_deciles, value_by_thresholds
from tenure.analytics.clv.workflow import (
    ClvFit,
    ScoredBase,
    TransactionSource,
    date_range,
    load_transactions,
    restore_models,
    score_base,
)
from tenure.core.importing import Progress, run_import
from tenure.core.models import ImportRun
from tenure.core.tabular import ImportReport, Record
from tenure.customervalue.models import CustomerValueRule, ModelRun, RiskClassRule, SegmentRule
from tenure.customervalue.services import DatasetChunkWriter


@dataclass(frozen=True)
class ScoringRules:
    """The administrators' rules, read once per scoring run."""

    method: str
    cut_points: list[float]
    horizon_months: int
    monthly_discount_rate: float
    segment_from_value: dict[str, int]
    risk_class_from_score: dict[str, int]


def scoring_rules() -> ScoringRules:
    """The current rules; refuses rules that do not cover every value 1..10 and score 0..100."""
    rule, _ = CustomerValueRule.objects.get_or_create(pk=1)
    segments = dict(SegmentRule.objects.values_list("segment_id", "min_customer_value"))
    risks = dict(RiskClassRule.objects.values_list("risk_class_id", "min_churn_score"))
    if not segments or min(segments.values()) > 1:
        raise ValueError("the segment rules must give a segment from customer value 1 upwards")
    if not risks or min(risks.values()) > 0:
        raise ValueError("the risk class rules must give a risk class from churn score 0 upwards")
    rule.full_clean()
    return ScoringRules(
        method=rule.method,
        cut_points=[float(c) for c in rule.cut_points],
        horizon_months=rule.horizon_months,
        monthly_discount_rate=rule.monthly_discount_rate,
        segment_from_value=segments,
        risk_class_from_score=risks,
    )


def model_run_record(fit: ClvFit, source: TransactionSource, *, started_by: str) -> ModelRun:
    """Store a fit as a model run (audited)."""
    summary = fit.as_dict()
    return ModelRun.objects.create(
        kind=ModelRun.Kind.CLV,
        model=fit.model,
        settings=source.settings(),
        time_unit=fit.time_unit,
        first_purchase=fit.first_purchase,
        calibration_end=fit.calibration_end,
        holdout_end=fit.holdout_end,
        customers=fit.customers,
        parameters=summary["parameters"],
        log_likelihood=summary["log_likelihood"],
        spend_model=summary["spend_model"],
        holdout=summary["holdout"],
        figures=fit.figures,
        fit_seconds=fit.fit_seconds,
        created_by=started_by,
    )


@dataclass(frozen=True)
class ScoringResult:
    run: ModelRun
    as_of: dt.date
    customers: int
    report: ImportReport


def model_run_score(
    run: ModelRun,
    *,
    transactions: Path | None = None,
    as_of: dt.date | None = None,
    user: User | None = None,
    progress: Progress | None = None,
) -> ScoringResult:
    """Score every customer in the transactions (the run's file unless given) as of a date
    (default: the last purchase) and append their customer value datasets, all or nothing."""
    settings = run.settings
    source = TransactionSource(
        path=transactions or Path(settings["file"]),
        customer=settings["customer_col"],
        date=settings["date_col"],
        amount=settings.get("amount_col"),
        date_format=settings.get("date_format"),
    )
    rules = scoring_rules()
    table = load_transactions(source)
    if as_of is None:
        as_of = date_range(table, source.date)[1]
    spend_parameters = (run.spend_model or {}).get("parameters")
    transaction_model, spend_model = restore_models(run.model, run.parameters, spend_parameters)
    scored = score_base(
        table,
        source,
        transaction_model=transaction_model,
        spend_model=spend_model,
        as_of=as_of,
        time_unit=run.time_unit,
        horizon_months=rules.horizon_months,
        discount_rate_monthly=rules.monthly_discount_rate,
    )
    ModelRun.objects.filter(pk=run.pk).update(status=ModelRun.Status.SCORING)
    try:
        with transaction.atomic():
            report = run_import(
                kind=ImportRun.Kind.CUSTOMER_VALUES,
                origin=ImportRun.Origin.MODEL,
                chunks=_chunks(dataset_records(scored, rules, run.source)),
                write_chunk=DatasetChunkWriter(),
                file_name=f"{run.source} as of {as_of}",
                total_rows=len(scored.customer_ids),
                user=user,
                progress=progress,
            )
    except BaseException:
        run.status = ModelRun.Status.INTERRUPTED
        run.message = f"scoring as of {as_of} was interrupted and rolled back; run it again"
        run.save(update_fields=["status", "message"])
        raise
    run.status = ModelRun.Status.SCORED
    run.scored_as_of, run.scored_at = as_of, timezone.now()
    run.scored_datasets += report.accepted
    run.message = (
        f"scored {len(scored.customer_ids)} customers as of {as_of}: {report.accepted} datasets "
        f"added, {report.duplicates} already there, {report.rejected} rejected"
    )
    run.save(update_fields=["status", "scored_as_of", "scored_at", "scored_datasets", "message"])
    return ScoringResult(run, as_of, len(scored.customer_ids), report)


def customer_values(scored: ScoredBase, rules: ScoringRules) -> np.ndarray:
    """Customer value 1..10 of every scored customer by the rule's method."""
    basis = scored.scores.value_basis
    if rules.method == CustomerValueRule.Method.THRESHOLDS:
        return value_by_thresholds(basis, rules.cut_points)
    return value_by_deciles(basis)


def dataset_records(scored: ScoredBase, rules: ScoringRules, source: str) -> Iterator[Record]:
    """One customer value dataset record per scored customer."""
    values = customer_values(scored, rules)
    segments = classify(values, rules.segment_from_value)
    churn = scored.scores.churn_score
    risks = classify(churn, rules.risk_class_from_score)
    scores = scored.scores
    for i, customer in enumerate(scored.customer_ids):
        yield {
            "partner": customer,
            "as_of": scored.as_of,
            "segment": segments[i],
            "customer_value": int(values[i]),
            "risk_class": risks[i],
            "churn_score": int(churn[i]),
            "bad_debt_score": None,
            "source": source,
            "clv": _rounded(scores.clv[i], 2),
            "probability_alive": _rounded(scores.probability_alive[i], 4),
            "expected_purchases": _rounded(scores.expected_purchases[i], 4),
        }


def _rounded(value: Any, digits: int) -> float | None:
    number = float(value)
    return None if math.isnan(number) else round(number, digits)


def _chunks(records: Iterator[Record], size: int = 10_000) -> Iterator[list[tuple[int, Record]]]:
    chunk: list[tuple[int, Record]] = []
    for row, record in enumerate(records, start=1):
        chunk.append((row, record))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
