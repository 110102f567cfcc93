"""Rules: each operator per customer and column-wise, missing values, descriptions, JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.nba import Predicate, Rule
from tenure.analytics.nba.rules import OPERATORS, show

FRAME = pd.DataFrame(
    {
        "score": [10.0, 50.0, np.nan, 70.0, 50.0],
        "segment": ["A", "B", None, "C", "A"],
        "consent": [True, False, True, False, True],
        "count": [0, 1, 2, 3, 4],
    }
)
CASES = [
    (Rule("r", "score", "==", 50), [False, True, False, False, True]),
    (Rule("r", "score", "!=", 50), [True, False, False, True, False]),
    (Rule("r", "score", "<", 50), [True, False, False, False, False]),
    (Rule("r", "score", "<=", 50), [True, True, False, False, True]),
    (Rule("r", "score", ">", 50), [False, False, False, True, False]),
    (Rule("r", "score", ">=", 50, when_missing=True), [False, True, True, True, True]),
    (Rule("r", "segment", "in", ["A", "C"]), [True, False, False, True, True]),
    (Rule("r", "segment", "not in", ("A",)), [False, True, False, True, False]),
    (Rule("r", "score", "between", (20, 60)), [False, True, False, False, True]),
    (Rule("r", "score", "between", (None, 60)), [True, True, False, False, True]),
    (Rule("r", "consent", "is true"), [True, False, True, False, True]),
    (Rule("r", "count", "is false"), [True, False, False, False, False]),
    (Rule("r", "segment", "present"), [True, True, False, True, True]),
    (Rule("r", "score", "missing"), [False, False, True, False, False]),
    (Rule("r", "absent", "missing"), [True] * 5),
    (Rule("r", "absent", "==", 1), [False] * 5),
]


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[f"{r.field} {r.op}" for r, _ in CASES])
def test_each_operator_per_customer_and_per_column(rule: Rule, expected: list[bool]) -> None:
    assert rule.mask(FRAME).tolist() == expected
    rows = FRAME.to_dict("records")
    assert [rule.check(row) for row in rows] == expected
    # an absent key is the same as a missing value
    sparse = [{k: v for k, v in row.items() if not pd.isna(v)} for row in rows]
    assert [rule.check(row) for row in sparse] == expected


def test_every_operator_is_covered() -> None:
    assert {rule.op for rule, _ in CASES} == set(OPERATORS)


def test_descriptions_and_reasons_read_as_sentences() -> None:
    assert Rule("r", "score", ">=", 50).describe() == "score ≥ 50"
    assert Rule("r", "segment", "in", ("A", "B")).describe() == "segment in A, B"
    assert Rule("r", "score", "between", (20, 60.5)).describe() == "score between 20 and 60.5"
    assert Rule("r", "score", "between", (20, None)).describe() == "score ≥ 20"
    assert (
        Rule("r", "score", ">=", 50).why({"score": 35.0})
        == "score is 35; the rule needs score ≥ 50"
    )
    assert Rule("r", "score", ">=", 50).why({}) == "score is missing; the rule needs score ≥ 50"
    assert show(np.float64(0.25)) == "0.25" and show(np.bool_(True)) == "true"


def test_a_predicate_with_and_without_its_column_twin() -> None:
    def test(context: Mapping[str, Any]) -> bool:
        return bool(context["count"] >= 2 and context["consent"])

    slow = Predicate(
        "busy and consenting",
        test,
        description="count ≥ 2 and consent",
        fields=("count", "consent"),
    )
    fast = Predicate(
        "busy and consenting",
        test,
        lambda f: (f["count"] >= 2) & f["consent"],
        "count ≥ 2 and consent",
        ("count", "consent"),
    )
    assert (
        slow.mask(FRAME).tolist() == fast.mask(FRAME).tolist() == [False, False, True, False, True]
    )
    assert slow.why({"count": 1, "consent": True}) == (
        "count is 1, consent is true; the rule needs count ≥ 2 and consent"
    )


def test_rules_round_trip_through_json_data() -> None:
    for rule, _ in CASES:
        assert Rule.from_dict(rule.to_dict()) == rule


def test_comparing_text_with_a_number_raises_both_ways() -> None:
    rule = Rule("r", "segment", ">", 3)
    with pytest.raises(TypeError):
        rule.check({"segment": "A"})
    with pytest.raises(TypeError):
        rule.mask(FRAME)
