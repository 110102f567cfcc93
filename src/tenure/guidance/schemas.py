"""API shapes for recommendations for action; empty optional fields are null."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

_OPTIONAL = (
    "customer_value",
    "churn_score_from",
    "churn_score_to",
    "bad_debt_score_from",
    "bad_debt_score_to",
    "discount",
    "valid_from",
    "valid_to",
    "priority",
)


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

    @field_validator(*_OPTIONAL, mode="before")
    @classmethod
    def empty_means_null(cls, value: Any) -> Any:
        """An empty string in an optional field is "not set", as on the form."""
        return None if value == "" else value


class RecommendationIn(RecommendationBody):
    key: str = Field(..., min_length=1, max_length=40)


class RecommendationOut(RecommendationIn):
    pass
