"""API shapes for recommendations for action; empty optional fields are null."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class RecommendationBody(Schema):
    option: str
    segment: str
    risk_class: str
    customer_value: int | None = Field(None, ge=1, le=10)
    churn_score_from: int | None = Field(None, ge=0, le=100)
    churn_score_to: int | None = Field(None, ge=0, le=100)
    bad_debt_score_from: float | None = None
    bad_debt_score_to: float | None = None
    text: str = Field(..., min_length=1)
    discount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    priority: int | None = Field(None, ge=0)


class RecommendationIn(RecommendationBody):
    key: str = Field(..., min_length=1, max_length=40)


class RecommendationOut(RecommendationIn):
    pass
