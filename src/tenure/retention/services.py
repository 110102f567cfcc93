"""Propensity model runs: record a trained model, publish it, score the customer base with it.

Scoring appends one customer value dataset per business partner (source ``propensity-run-N``):
a churn model sets the churn score (calibrated probability × 100), the risk class by the
administrators' thresholds and, for customers above the lowest risk class, the reasons (the
per-customer feature contributions are the costliest part of scoring, and a low-risk customer's
"why" helps nobody); a bad-debt model sets the bad-debt score (probability ×
100). Customer value, segment and lifetime value are carried over from the partner's most current
dataset, so a partner needs one first (delivered, or from a lifetime-value scoring run). Chunks are
committed one by one: an interrupted scoring keeps what it wrote and the same scoring run again
completes it, adding nothing twice.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.analytics.clv.scoring import classify
from tenure.core.importing import Progress, run_import
from tenure.core.models import ImportRun
from tenure.core.tabular import ImportReport, Record
from tenure.customervalue.models import CustomerValueDataset, RiskClassRule
from tenure.customervalue.services import DatasetChunkWriter
from tenure.partners.selectors import partner_ids_by_number
from tenure.retention.models import PropensityRun

if TYPE_CHECKING:
    import pandas as pd

    from tenure.analytics.propensity.workflow import TrainedPropensity

METRIC_LABELS = [
    ("roc_auc", _("ROC AUC")),
    ("pr_auc", _("PR AUC (average precision)")),
    ("brier", _("Brier score")),
    ("ece", _("Expected calibration error")),
    ("top_decile_lift", _("Lift in the top decile")),
]
CHUNK = 10_000
NO_DATASET = (
    "no customer value dataset yet: the score needs the partner's segment "
    "(import datasets or run a lifetime-value scoring first)"
)
CARRIED = (
    "segment_id",
    "customer_value",
    "risk_class_id",
    "churn_score",
    "bad_debt_score",
    "clv",
    "probability_alive",
    "expected_purchases",
    "reasons",
)
"""What a scoring run takes over from the partner's most current dataset (and may replace)."""


def propensity_run_publish(*, run: PropensityRun, user: User | None) -> PropensityRun | None:
    """Publish the run for its target; returns the run it replaces (now retired), if any."""
    with transaction.atomic():
        previous = (
            PropensityRun.objects.select_for_update()
            .filter(target=run.target, published_at__isnull=False, retired_at__isnull=True)
            .exclude(pk=run.pk)
            .first()
        )
        now = timezone.now()
        if previous is not None:
            previous.retired_at = now
            previous.save(update_fields=["retired_at"])
        if not run.is_published:
            run.published_at, run.retired_at = now, None
            run.published_by = user.username if user else ""
            run.save(update_fields=["published_at", "retired_at", "published_by"])
    return previous


def published_run(target: str) -> PropensityRun | None:
    """The run that scores ``target`` now, if one is published."""
    return PropensityRun.objects.filter(
        target=target, published_at__isnull=False, retired_at__isnull=True
    ).first()


def model_bytes(model: Any) -> bytes:
    """The fitted model as stored in a run (joblib, compressed)."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    return buffer.getvalue()


def run_model(run: PropensityRun) -> Any:
    """The run's fitted model, loaded from the database."""
    return joblib.load(io.BytesIO(bytes(run.artifact)))


@dataclass(frozen=True)
class ScoringResult:
    run: PropensityRun
    as_of: dt.date
    customers: int
    report: ImportReport


def propensity_run_score(
    *,
    run: PropensityRun,
    features: pd.DataFrame,
    id_col: str,
    as_of: dt.date,
    user: User | None = None,
    progress: Progress | None = None,
    reasons: int = 3,
) -> ScoringResult:
    """Score the customers in ``features`` (one row each, ``id_col`` = partner number) with a
    published run and append their datasets; refuses a run that is not published."""
    if not run.is_published:
        raise ValueError(f"{run.source} is not published: only a published model scores")
    if id_col not in features.columns:
        raise ValueError(f"no column {id_col!r} with the partner numbers")
    model = run_model(run)
    risk_bounds = dict(RiskClassRule.objects.values_list("risk_class_id", "min_churn_score"))
    chunks = _score_chunks(run, model, features, id_col, as_of, risk_bounds, reasons)
    report = run_import(
        kind=ImportRun.Kind.CUSTOMER_VALUES,
        origin=ImportRun.Origin.MODEL,
        chunks=chunks,
        write_chunk=DatasetChunkWriter(),
        file_name=f"{run.source} as of {as_of}",
        total_rows=len(features),
        user=user,
        progress=progress,
    )
    report.errors.sort(key=lambda error: error.row)
    run.scored_as_of, run.scored_at = as_of, timezone.now()
    run.scored_datasets += report.accepted
    run.message = (
        f"scored {len(features)} customers as of {as_of}: {report.accepted} datasets added, "
        f"{report.duplicates} already there, {report.rejected} rejected"
    )
    run.save(update_fields=["scored_as_of", "scored_at", "scored_datasets", "message"])
    return ScoringResult(run, as_of, len(features), report)


def _score_chunks(
    run: PropensityRun,
    model: Any,
    features: pd.DataFrame,
    id_col: str,
    as_of: dt.date,
    risk_bounds: dict[str, int],
    top: int,
) -> Iterator[list[tuple[int, Record]]]:
    from tenure.analytics.propensity.explain import describe

    bounds = sorted(risk_bounds.values())
    explain_from = bounds[1] if len(bounds) > 1 else 0

    for start in range(0, len(features), CHUNK):
        frame = features.iloc[start : start + CHUNK]
        numbers = [str(number).strip() for number in frame[id_col].tolist()]
        current = current_datasets(numbers)
        known = partner_ids_by_number(set(numbers)) if len(current) < len(numbers) else {}
        X = frame.drop(columns=[id_col])
        probability = np.asarray(model.predict_proba(X))
        score = np.floor(probability * 100 + 0.5).astype(int).clip(0, 100)
        why: dict[int, Any] = {}
        if run.target == PropensityRun.Target.CHURN:
            risks = classify(score, risk_bounds)
            at_risk = np.flatnonzero(score >= explain_from)  # reasons cost most: only where useful
            if at_risk.size:
                why = dict(
                    zip(at_risk.tolist(), model.reasons(X.iloc[at_risk], top=top), strict=True)
                )
        chunk: list[tuple[int, Record]] = []
        for i, number in enumerate(numbers):
            row = start + i + 1
            carried = current.get(number)
            if carried is None:
                reason = NO_DATASET if number in known else "unknown business partner"
                chunk.append((row, {"partner": number, "__reject__": ("partner", reason)}))
                continue
            record: dict[str, Any] = {
                "partner": number,
                "as_of": as_of,
                "source": run.source,
                **{key.removesuffix("_id"): value for key, value in carried.items()},
            }
            if run.target == PropensityRun.Target.CHURN:
                record["churn_score"] = int(score[i])
                record["risk_class"] = str(risks[i])
                record["reasons"] = [describe(*reason) for reason in why[i]] if i in why else None
            else:
                record["bad_debt_score"] = float(score[i])
            chunk.append((row, record))
        yield chunk


def current_datasets(numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each partner's most current dataset (the values a scoring run carries over), by number."""
    ranked = (
        CustomerValueDataset.objects.filter(partner__number__in=list(numbers))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("partner_id")],
                order_by=[F("as_of").desc(), F("id").desc()],
            )
        )
        .filter(rank=1)
        .values_list("partner__number", *CARRIED)
    )
    return {row[0]: dict(zip(CARRIED, row[1:], strict=True)) for row in ranked}


def propensity_run_record(
    trained: TrainedPropensity, *, target: str, name: str, data: dict[str, Any], started_by: str
) -> PropensityRun:
    """Store a trained model with its metrics, figures and the fitted model itself (audited)."""
    if target not in PropensityRun.Target.values:
        raise ValueError(f"predicts must be one of {', '.join(PropensityRun.Target.values)}")
    model = trained.model
    return PropensityRun.objects.create(
        target=target,
        name=name[:200],
        model=model.kind,
        data=data,
        data_from=data.get("from"),
        data_to=data.get("to"),
        features=trained.features,
        parameters={k: v for k, v in model.get_params().items() if _json_scalar(v)},
        rows_train=trained.rows_train,
        rows_valid=trained.rows_test,
        metrics=trained.metrics(),
        figures=trained.figures,
        artifact=model_bytes(model),
        train_seconds=trained.seconds,
        created_by=started_by,
    )


def _json_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
