"""Whether a recommendation for action fits a customer value dataset, and if not, why (SPEC §1.2).

The conditions are checked in this documented order, and every failing one is reported:
validity (today within valid from..valid until, inclusive), segment, churn risk class, churn score
range (inclusive, empty bounds open; a dataset without churn score fits only a fully open range),
customer value (empty = any, else equal), bad debt score range (inclusive, empty bounds open; a set
bound does not fit a dataset without bad debt score). Pure functions: no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class RuleLike(Protocol):
    segment_id: str
    risk_class_id: str
    customer_value: int | None
    churn_score_from: int | None
    churn_score_to: int | None
    bad_debt_score_from: float | None
    bad_debt_score_to: float | None
    valid_from: dt.date | None
    valid_to: dt.date | None


class DatasetLike(Protocol):
    @property
    def segment_key(self) -> str: ...
    @property
    def risk_class_key(self) -> str: ...
    @property
    def customer_value(self) -> int | None: ...
    @property
    def churn_score(self) -> int | None: ...
    @property
    def bad_debt_score(self) -> float | None: ...


CONDITIONS = (
    "validity",
    "segment",
    "risk_class",
    "churn_score",
    "customer_value",
    "bad_debt_score",
)


@dataclass(frozen=True)
class FailedCondition:
    """One condition of a rule that the dataset does not meet."""

    condition: str
    expected: str
    actual: str


def _range_text(low: object, high: object) -> str:
    return f"{'' if low is None else low}..{'' if high is None else high}"


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def failed_conditions(
    rule: RuleLike, dataset: DatasetLike, today: dt.date
) -> list[FailedCondition]:
    """Every condition of ``rule`` that ``dataset`` fails on ``today``; empty means it fits."""
    failed: list[FailedCondition] = []
    if (rule.valid_from is not None and today < rule.valid_from) or (
        rule.valid_to is not None and today > rule.valid_to
    ):
        failed.append(
            FailedCondition(
                "validity", _range_text(rule.valid_from, rule.valid_to), today.isoformat()
            )
        )
    if dataset.segment_key != rule.segment_id:
        failed.append(FailedCondition("segment", rule.segment_id, dataset.segment_key))
    if dataset.risk_class_key != rule.risk_class_id:
        failed.append(FailedCondition("risk_class", rule.risk_class_id, dataset.risk_class_key))
    churn_open = rule.churn_score_from is None and rule.churn_score_to is None
    if not churn_open and (
        dataset.churn_score is None
        or not _within(dataset.churn_score, rule.churn_score_from, rule.churn_score_to)
    ):
        failed.append(
            FailedCondition(
                "churn_score",
                _range_text(rule.churn_score_from, rule.churn_score_to),
                "" if dataset.churn_score is None else str(dataset.churn_score),
            )
        )
    if rule.customer_value is not None and dataset.customer_value != rule.customer_value:
        failed.append(
            FailedCondition(
                "customer_value",
                str(rule.customer_value),
                "" if dataset.customer_value is None else str(dataset.customer_value),
            )
        )
    bad_debt_open = rule.bad_debt_score_from is None and rule.bad_debt_score_to is None
    if not bad_debt_open and (
        dataset.bad_debt_score is None
        or not _within(dataset.bad_debt_score, rule.bad_debt_score_from, rule.bad_debt_score_to)
    ):
        failed.append(
            FailedCondition(
                "bad_debt_score",
                _range_text(rule.bad_debt_score_from, rule.bad_debt_score_to),
                "" if dataset.bad_debt_score is None else str(dataset.bad_debt_score),
            )
        )
    return failed
