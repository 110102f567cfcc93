"""API shapes for the customer value tile and dataset deliveries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema


class DatasetOut(Schema):
    as_of: dt.date
    segment: str
    customer_value: int | None
    risk_class: str
    risk_class_label: str
    churn_score: int | None
    bad_debt_score: float | None
    source: str
    clv: float | None = None
    probability_alive: float | None = None
    expected_purchases: float | None = None
    reasons: list[str] | None = None


class RecommendationOut(Schema):
    key: str
    option: str
    text: str
    discount: Decimal | None


class FailedConditionOut(Schema):
    condition: str
    expected: str
    actual: str


class RuleExplanationOut(Schema):
    key: str
    matched: bool
    failed: list[FailedConditionOut]


class TileOut(Schema):
    partner: str
    dataset: DatasetOut | None
    recommendations: list[RecommendationOut]
    message: str | None
    explanation: list[RuleExplanationOut] | None = None


Loose = str | int | float | None


class DatasetIn(Schema):
    """One delivered dataset; values are checked row by row so one bad row rejects only itself."""

    partner: Loose = None
    as_of: Loose = None
    segment: Loose = None
    customer_value: Loose = None
    risk_class: Loose = None
    churn_score: Loose = None
    bad_debt_score: Loose = None
    source: Loose = None
    clv: Loose = None
    probability_alive: Loose = None
    expected_purchases: Loose = None
    reasons: list[str] | None = None


class RejectedOut(Schema):
    index: int
    field: str
    error: str


class DeliveryOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[RejectedOut]


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, Any]] = []


class ModelRunOut(Schema):
    id: int
    source: str
    kind: str
    model: str
    status: str
    input: dict[str, Any]
    time_unit: str
    first_purchase: dt.date
    calibration_end: dt.date
    holdout_end: dt.date | None
    customers: int
    parameters: dict[str, float]
    log_likelihood: float
    spend_model: dict[str, Any] | None
    holdout: dict[str, Any] | None
    created_by: str
    created_at: dt.datetime
    scored_as_of: dt.date | None
    scored_datasets: int

    @classmethod
    def from_run(cls, run: Any) -> ModelRunOut:
        return cls(
            id=run.pk,
            source=run.source,
            kind=run.kind,
            model=run.model,
            status=run.status,
            input=run.settings,
            time_unit=run.time_unit,
            first_purchase=run.first_purchase,
            calibration_end=run.calibration_end,
            holdout_end=run.holdout_end,
            customers=run.customers,
            parameters=run.parameters,
            log_likelihood=run.log_likelihood,
            spend_model=run.spend_model,
            holdout=run.holdout,
            created_by=run.created_by,
            created_at=run.created_at,
            scored_as_of=run.scored_as_of,
            scored_datasets=run.scored_datasets,
        )
