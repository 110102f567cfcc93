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
