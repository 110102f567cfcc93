"""Reasons in plain words: the templates of known columns and the fallback for any other."""

from __future__ import annotations

import math

import pytest

from tenure.analytics.propensity import Reason, describe


@pytest.mark.parametrize(
    ("feature", "value", "text"),
    [
        ("late_payments", 3, "3 late payments"),
        ("late_payments", 1.0, "1 late payment"),
        ("late_payments", 0, "no late payments"),
        ("days_since_last_purchase", 140, "no purchase for 140 days"),
        ("days_since_last_purchase", 1, "no purchase for 1 day"),
        ("days_since_last_purchase", 0, "purchased in the last day"),
        ("open_complaints", 2, "2 open complaints"),
        ("tenure_days", 122, "customer for 4 months"),
        ("tenure_days", 20, "customer for 20 days"),
        ("tenure_days", 1100, "customer for 3 years"),
        ("payment_delay_days", 12.4, "payments on average 12.4 days late"),
        ("payment_delay_days", 0, "pays on time"),
        ("interactions_per_month", 2.5, "2.5 service contacts a month"),
        ("nps", 3, "NPS 3 (detractor)"),
        ("nps", 8, "NPS 8 (passive)"),
        ("nps_last", 10, "NPS 10 (promoter)"),
        ("spend_per_month", 45.2, "spends 45.20 a month"),
        ("frequency", 7, "7 repeat purchases"),
        ("spend_change", -0.35, "spend down 35 % on the previous period"),
        ("overdue_invoices", 1, "1 overdue invoice"),
    ],
)
def test_known_columns_read_as_sentences(feature: str, value: float, text: str) -> None:
    assert describe(feature, value, 0.7) == text


def test_other_columns_read_as_column_equals_value_with_the_direction() -> None:
    assert describe("balance", 1850.23, "high") == "balance = 1,850.2 (high)"
    assert describe("balance", 1850.23, 0.9) == "balance = 1,850.2 (raises the score)"
    assert describe("income", 52000, -0.2) == "income = 52,000 (lowers the score)"
    assert describe("student", "Yes") == "student = Yes"
    assert describe("ratio", 0.0345) == "ratio = 0.0345"
    assert describe("student", True, 0.1) == "student = True (raises the score)"


def test_missing_values_say_so() -> None:
    assert describe("balance", None, 0.4) == "balance: no value recorded (raises the score)"
    assert describe("late_payments", math.nan) == "late_payments: no value recorded"


def test_a_models_reason_unpacks_into_describe() -> None:
    assert describe(*Reason("open_complaints", 1, 0.52)) == "1 open complaint"
