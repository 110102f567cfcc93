"""Every boundary of every condition of SPEC §1.2, table-driven, on the pure matcher."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from tenure.guidance.matching import CONDITIONS, failed_conditions

TODAY = dt.date(2026, 11, 25)


@dataclasses.dataclass
class Rule:
    segment_id: str = "A"
    risk_class_id: str = "1"
    customer_value: int | None = None
    churn_score_from: int | None = None
    churn_score_to: int | None = None
    bad_debt_score_from: float | None = None
    bad_debt_score_to: float | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclasses.dataclass
class Dataset:
    segment_key: str = "A"
    risk_class_key: str = "1"
    customer_value: int | None = 7
    churn_score: int | None = 40
    bad_debt_score: float | None = 2.5


def failed(rule: dict[str, Any], dataset: dict[str, Any]) -> list[str]:
    return [f.condition for f in failed_conditions(Rule(**rule), Dataset(**dataset), TODAY)]


DAY = dt.timedelta(days=1)

CASES = [
    # validity: inclusive on both ends, empty bounds unlimited
    ("no validity set", {}, {}, []),
    ("valid from today", {"valid_from": TODAY}, {}, []),
    ("valid from tomorrow", {"valid_from": TODAY + DAY}, {}, ["validity"]),
    ("valid until today", {"valid_to": TODAY}, {}, []),
    ("valid until yesterday", {"valid_to": TODAY - DAY}, {}, ["validity"]),
    ("valid one day only", {"valid_from": TODAY, "valid_to": TODAY}, {}, []),
    ("valid 1970 open end", {"valid_from": dt.date(1970, 1, 1)}, {}, []),
    # segment and risk class: equal
    ("segment differs", {"segment_id": "B"}, {}, ["segment"]),
    ("risk class differs", {"risk_class_id": "2"}, {}, ["risk_class"]),
    # churn score: inclusive, open bounds, missing score only for a fully open range
    ("churn at lower bound", {"churn_score_from": 40, "churn_score_to": 60}, {}, []),
    ("churn at upper bound", {"churn_score_from": 20, "churn_score_to": 40}, {}, []),
    ("churn below lower", {"churn_score_from": 41}, {}, ["churn_score"]),
    ("churn above upper", {"churn_score_to": 39}, {}, ["churn_score"]),
    ("churn open lower bound", {"churn_score_to": 40}, {}, []),
    ("churn open upper bound", {"churn_score_from": 40}, {}, []),
    ("churn 0..100 with score 0", {"churn_score_from": 0, "churn_score_to": 100},
     {"churn_score": 0}, []),
    ("churn 0..100 with score 100", {"churn_score_from": 0, "churn_score_to": 100},
     {"churn_score": 100}, []),
    ("no churn score, open range", {}, {"churn_score": None}, []),
    ("no churn score, range 0..100", {"churn_score_from": 0, "churn_score_to": 100},
     {"churn_score": None}, ["churn_score"]),
    ("no churn score, only lower bound", {"churn_score_from": 0}, {"churn_score": None},
     ["churn_score"]),
    # customer value: empty = any, else equal
    ("value any", {}, {"customer_value": 1}, []),
    ("value any, not maintained", {}, {"customer_value": None}, []),
    ("value equal", {"customer_value": 7}, {}, []),
    ("value one off", {"customer_value": 8}, {}, ["customer_value"]),
    ("value set, not maintained", {"customer_value": 7}, {"customer_value": None},
     ["customer_value"]),
    # bad debt score: inclusive, open bounds, a set bound needs a score
    ("bad debt at lower bound", {"bad_debt_score_from": 2.5}, {}, []),
    ("bad debt at upper bound", {"bad_debt_score_to": 2.5}, {}, []),
    ("bad debt just below", {"bad_debt_score_from": 2.51}, {}, ["bad_debt_score"]),
    ("bad debt just above", {"bad_debt_score_to": 2.49}, {}, ["bad_debt_score"]),
    ("no bad debt, open range", {}, {"bad_debt_score": None}, []),
    ("no bad debt, lower bound set", {"bad_debt_score_from": 0}, {"bad_debt_score": None},
     ["bad_debt_score"]),
    ("no bad debt, upper bound set", {"bad_debt_score_to": 9}, {"bad_debt_score": None},
     ["bad_debt_score"]),
    # several failures are all reported, in the documented order
    ("everything fails",
     {"segment_id": "D", "risk_class_id": "4", "customer_value": 1, "churn_score_from": 90,
      "bad_debt_score_to": 1.0, "valid_to": TODAY - DAY}, {},
     ["validity", "segment", "risk_class", "churn_score", "customer_value", "bad_debt_score"]),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "dataset", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_conditions(rule: dict[str, Any], dataset: dict[str, Any], expected: list[str]) -> None:
    assert failed(rule, dataset) == expected


def test_documented_order_is_the_order_reported() -> None:
    assert list(CONDITIONS) == CASES[-1][3]


def test_explanation_names_expected_and_actual_values() -> None:
    (failure,) = failed_conditions(Rule(churn_score_from=50), Dataset(churn_score=40), TODAY)
    assert (failure.expected, failure.actual) == ("50..", "40")
