"""Parsing delivered values: what is accepted, and the reason given for what is not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tenure.core import fields


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", 7), (" 10 ", 10), ("1", 1), ("7.0", 7), (7, 7), (7.0, 7), (Decimal("3"), 3), ("", None),
     (None, None), ("NA", None), (float("nan"), None)],
)  # fmt: skip
def test_parse_int_accepts(raw: object, expected: int | None) -> None:
    assert fields.parse_int(raw, low=1, high=10) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("0", "out of range: must be 1..10"), ("11", "out of range: must be 1..10"),
     ("7.5", "got a fraction"), (7.5, "got a fraction"), ("seven", "expected a whole number"),
     ("inf", "expected a whole number"), (True, "expected a whole number")],
)  # fmt: skip
def test_parse_int_rejects(raw: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        fields.parse_int(raw, low=1, high=10)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2.5", 2.5), ("2,5", 2.5), ("-1", -1.0), (3, 3.0), ("", None)],
)
def test_parse_number(raw: object, expected: float | None) -> None:
    assert fields.parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1,000.5,3", "inf", "-inf"])
def test_parse_number_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="number"):
        fields.parse_number(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2026-11-01", dt.date(2026, 11, 1)), ("01.11.2026", dt.date(2026, 11, 1)),
     (dt.date(2026, 11, 1), dt.date(2026, 11, 1)), ("", None)],
)  # fmt: skip
def test_parse_date(raw: object, expected: dt.date | None) -> None:
    assert fields.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2026-13-01", "2026-02-30", "11/01/2026", "yesterday"])
def test_parse_date_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="expected a date"):
        fields.parse_date(raw)


def test_parse_key_names_the_allowed_keys() -> None:
    allowed = dict.fromkeys(["A", "B"])
    assert fields.parse_key(" A ", allowed=allowed, what="customer segment") == "A"
    assert fields.parse_key("b", allowed=allowed, what="customer segment") == "B"
    with pytest.raises(ValueError, match="unknown customer segment 'E'; allowed: A, B"):
        fields.parse_key("E", allowed=allowed, what="customer segment")
    with pytest.raises(ValueError, match="the empty key is not allowed"):
        fields.parse_key(" ", allowed=allowed, what="customer segment")


def test_parse_text_limits_length() -> None:
    assert fields.parse_text("  x  ", max_length=3) == "x"
    with pytest.raises(ValueError, match="too long: 4 characters, at most 3"):
        fields.parse_text("abcd", max_length=3)
