"""Propensity model runs: record a trained model, publish it, score the customer base with it.

Scoring appends one customer value dataset per business partner (source ``propensity-run-N``):
a churn model sets the churn score (calibrated probability × 100), the risk class by the
administrators' thresholds and, for customers in the two highest risk classes (or from the class
the caller names), the reasons; a bad-debt model sets the bad-debt score (probability × 100).
The reasons are TreeSHAP contributions, ~50x the cost of a score: explaining everyone above the
lowest class would take most of the time of a 1M-customer run, and an agent needs them most where
the risk is high (docs/benchmarks.md, section 6). Customer value, segment and lifetime value are
carried over from the partner's most current dataset, so a partner needs one first (delivered, or
from a lifetime-value scoring run). Chunks are committed one by one: an interrupted scoring keeps
what it wrote and the same scoring run again completes it, adding nothing twice.

Speed (≥ 1,000,000 customers in < 2 min): one query per chunk for the partners and their current
values, scores and risk classes as arrays, rows built from values that need no parsing again
(:class:`~tenure.customervalue.services.ScoredDatasetWriter`, with the fingerprints a delivered
file of the same datasets would have), and the model's work on the next chunk in a second thread.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.analytics.clv.scoring import classify
from tenure.core.importing import Progress, run_import
from tenure.core.models import ImportRun
from tenure.core.tabular import ImportReport, Record
from tenure.customervalue.models import (
    CurrentCustomerValue,
    CustomerValueDataset,
    RiskClassRule,
)
from tenure.customervalue.services import SCORED, ScoredDatasetWriter, scored_dataset_values
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
    explained: int = 0
    reasons_from: str | None = None


def propensity_run_score(
    *,
    run: PropensityRun,
    features: pd.DataFrame,
    id_col: str,
    as_of: dt.date,
    user: User | None = None,
    progress: Progress | None = None,
    reasons: int = 3,
    reasons_from: str | None = None,
    chunk_size: int = CHUNK,
) -> ScoringResult:
    """Score the customers in ``features`` (one row each, ``id_col`` = partner number) with a
    published run and append their datasets; refuses a run that is not published.

    A churn run gives reasons to the customers from risk class ``reasons_from`` upwards (default:
    the two highest risk classes, :func:`default_reasons_from`)."""
    if not run.is_published:
        raise ValueError(f"{run.source} is not published: only a published model scores")
    if id_col not in features.columns:
        raise ValueError(f"no column {id_col!r} with the partner numbers")
    risk_bounds = dict(RiskClassRule.objects.values_list("risk_class_id", "min_churn_score"))
    explain_from: float | None = None
    if run.target == PropensityRun.Target.CHURN:
        if reasons_from is None:
            reasons_from = default_reasons_from(risk_bounds)
        if reasons_from not in risk_bounds:
            known = ", ".join(sorted(risk_bounds, key=risk_bounds.__getitem__))
            raise ValueError(f"no risk class {reasons_from!r} (risk classes: {known})")
        explain_from = risk_bounds[reasons_from]
    else:
        reasons_from = None
    model = run_model(run)
    explained = [0]
    chunks = _score_chunks(
        run,
        model,
        features,
        id_col,
        as_of,
        risk_bounds,
        reasons,
        explain_from,
        explained,
        chunk_size,
    )
    file_name = f"{run.source} as of {as_of}"
    try:
        report = run_import(
            kind=ImportRun.Kind.CUSTOMER_VALUES,
            origin=ImportRun.Origin.MODEL,
            chunks=chunks,
            write_chunk=ScoredDatasetWriter(),
            file_name=file_name,
            total_rows=len(features),
            user=user,
            progress=progress,
        )
    except BaseException:  # interrupted: the chunks written so far count too
        stopped = ImportRun.objects.filter(file_name=file_name).order_by("-pk").first()
        if stopped is not None and stopped.status == ImportRun.Status.INTERRUPTED:
            run.scored_datasets += stopped.accepted
            run.save(update_fields=["scored_datasets"])
        raise
    report.errors.sort(key=lambda error: error.row)
    run.scored_as_of, run.scored_at = as_of, timezone.now()
    run.scored_datasets += report.accepted
    run.message = (
        f"scored {len(features)} customers as of {as_of}: {report.accepted} datasets added, "
        f"{report.duplicates} already there, {report.rejected} rejected"
    )
    if reasons_from is not None:
        run.message += f"; reasons from risk class {reasons_from} ({explained[0]} customers)"
    run.save(update_fields=["scored_as_of", "scored_at", "scored_datasets", "message"])
    return ScoringResult(run, as_of, len(features), report, explained[0], reasons_from)


def default_reasons_from(risk_bounds: dict[str, int]) -> str:
    """The risk class from which a churn scoring run explains its scores by default: the
    second-highest (so the two highest classes get reasons; with one class, that one).

    The reasons (TreeSHAP contributions) cost ~50x a score: explaining every customer above the
    lowest class would take most of a 1M-customer run (docs/benchmarks.md, section 6), while the
    agent needs them most where the risk is high."""
    ordered = sorted(risk_bounds, key=risk_bounds.__getitem__)
    return ordered[-2] if len(ordered) > 1 else ordered[-1]


def _score_chunks(
    run: PropensityRun,
    model: Any,
    features: pd.DataFrame,
    id_col: str,
    as_of: dt.date,
    risk_bounds: dict[str, int],
    top: int,
    explain_from: float | None,
    explained: list[int],
    size: int,
) -> Iterator[list[tuple[int, Record]]]:
    """Per chunk of customers: the scores and risk classes (vectorised), the reasons where wanted
    and the rows as :class:`ScoredDatasetWriter` takes them, without a Python step per field.

    The model's work on the next chunk runs in a second thread while this one builds and writes
    the rows of the current chunk: LightGBM releases the GIL, so the two overlap on two cores."""
    churn = run.target == PropensityRun.Target.CHURN
    source = run.source

    def model_part(frame: pd.DataFrame) -> tuple[list[int], list[str], dict[int, str | None]]:
        return _predict_chunk(model, frame.drop(columns=[id_col]), risk_bounds, top, explain_from)

    starts = range(0, len(features), size)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring-model")
    try:
        ahead = [pool.submit(model_part, features.iloc[s : s + size]) for s in starts[:1]]
        for start in starts:
            if start + size < len(features):
                following = features.iloc[start + size : start + 2 * size]
                ahead.append(pool.submit(model_part, following))
            frame = features.iloc[start : start + size]
            numbers = [str(number).strip() for number in frame[id_col].tolist()]
            current = current_values(numbers)
            scores, risks, why = ahead.pop(0).result()
            chunk: list[tuple[int, Record]] = []
            for i, number in enumerate(numbers):
                row = start + i + 1
                found = current.get(number)
                if found is None or found[1] is None:
                    reason = "unknown business partner" if found is None else NO_DATASET
                    chunk.append((row, {"partner": number, "__reject__": ("partner", reason)}))
                    continue
                partner_id, carried = found[0], found[1]
                segment, value, risk, churn_score, bad_debt, clv, alive, expected, reasons = carried
                if churn:
                    churn_score, risk, reasons = scores[i], risks[i], why.get(i)
                    explained[0] += i in why
                else:
                    bad_debt = float(scores[i])
                scored = scored_dataset_values(
                    partner_id,
                    (as_of, segment, value, risk, churn_score, bad_debt, source),
                    (clv, alive, expected, reasons),
                )
                chunk.append((row, {"partner": number, SCORED: scored}))
            yield chunk
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _predict_chunk(
    model: Any,
    X: pd.DataFrame,
    risk_bounds: dict[str, int],
    top: int,
    explain_from: float | None,
) -> tuple[list[int], list[str], dict[int, str | None]]:
    """Scores 0..100 of one chunk; for a churn run (``explain_from`` given) also the risk classes
    and, by row position, the reasons of the scores from ``explain_from`` up (as stored)."""
    from tenure.analytics.propensity.explain import describe

    probability = np.asarray(model.predict_proba(X))
    score = np.floor(probability * 100 + 0.5).astype(int).clip(0, 100)
    if explain_from is None:
        return score.tolist(), [], {}
    risks = classify(score, risk_bounds).tolist()
    wanted = np.flatnonzero(score >= explain_from)  # the reasons cost most: only where wanted
    why: dict[int, str | None] = {}
    if wanted.size:
        found = model.reasons(X.iloc[wanted], top=top)
        why = {
            i: _reasons_json([describe(*reason) for reason in row])
            for i, row in zip(wanted.tolist(), found, strict=True)
        }
    return score.tolist(), risks, why


def _reasons_json(phrases: list[str]) -> str | None:
    """Reasons as the dataset stores them (as :func:`tenure.core.fields.parse_text_list` does)."""
    return json.dumps(phrases, ensure_ascii=False) if phrases else None


CURRENT_VALUES_SQL = """
SELECT p.number, p.id, d.segment_id, d.customer_value, d.risk_class_id, d.churn_score,
       d.bad_debt_score, d.clv, d.probability_alive, d.expected_purchases, d.reasons
FROM {partners} p
LEFT JOIN {current} c ON c.partner_id = p.id
LEFT JOIN {datasets} d ON d.id = c.dataset_id
WHERE p.number {match}
"""


def current_values(numbers: Sequence[str]) -> dict[str, tuple[int, tuple[Any, ...] | None]]:
    """Per known partner number: the partner id and the values a scoring run carries over from
    the partner's most current dataset (``CARRIED``; None without a dataset).

    One query per 10,000 numbers, through the partner's current row (``CurrentCustomerValue``) to
    its dataset; values are normalised as the import's parsers would give them, so the
    fingerprints match a delivered file's."""
    from tenure.partners.models import BusinessPartner

    tables = {
        "partners": connection.ops.quote_name(BusinessPartner._meta.db_table),
        "datasets": connection.ops.quote_name(CustomerValueDataset._meta.db_table),
        "current": connection.ops.quote_name(CurrentCustomerValue._meta.db_table),
    }
    found: dict[str, tuple[int, tuple[Any, ...] | None]] = {}
    unique = list(dict.fromkeys(numbers))
    with connection.cursor() as cursor:
        for start in range(0, len(unique), 10_000):
            part = unique[start : start + 10_000]
            if connection.vendor == "postgresql":
                sql = CURRENT_VALUES_SQL.format(**tables, match="= ANY(%s)")
                cursor.execute(sql, [part])
            else:
                placeholders = ", ".join(["%s"] * len(part))
                cursor.execute(
                    CURRENT_VALUES_SQL.format(**tables, match=f"IN ({placeholders})"), part
                )
            for number, partner_id, *values in cursor.fetchall():
                found[number] = (partner_id, None if values[0] is None else _carried(values))
    return found


def _carried(values: list[Any]) -> tuple[Any, ...]:
    segment, value, risk, churn_score, bad_debt, clv, alive, expected, reasons = values
    if isinstance(reasons, str):
        reasons = json.loads(reasons)
    return (
        segment,
        None if value is None else int(value),
        risk,
        None if churn_score is None else int(churn_score),
        None if bad_debt is None else float(bad_debt),
        None if clv is None else float(clv),
        None if alive is None else float(alive),
        None if expected is None else float(expected),
        _reasons_json(reasons) if reasons else None,
    )


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
