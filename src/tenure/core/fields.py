"""Parsers for delivered values (text from CSV, typed values from Parquet or JSON).

Each returns the clean value or raises :class:`ValueError` with a reason a data provider understands.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

_EMPTY = {"", "null", "none", "nan", "n/a", "na", "-"}


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and value.strip().lower() in _EMPTY


def parse_int(value: Any, *, low: int, high: int) -> int | None:
    """A whole number within [low, high]; empty is None."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number {low}..{high}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float | Decimal):
        if value != int(value):
            raise ValueError(f"expected a whole number {low}..{high}, got a fraction")
        number = int(value)
    else:
        text = str(value).strip()
        try:
            number = int(text)
        except ValueError:
            # "7.0" from spreadsheet exports is a whole number; "7.5" is not
            try:
                as_decimal = Decimal(text)
            except ArithmeticError:
                raise ValueError(f"expected a whole number {low}..{high}") from None
            if not as_decimal.is_finite():
                raise ValueError(f"expected a whole number {low}..{high}") from None
            return parse_int(as_decimal, low=low, high=high)
    if not low <= number <= high:
        raise ValueError(f"out of range: must be {low}..{high}")
    return number


def parse_number(
    value: Any, *, low: float | None = None, high: float | None = None
) -> float | None:
    """A finite decimal number within [low, high] if given; a decimal comma is accepted; empty is
    None."""
    if is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    else:
        text = str(value).strip()
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError("expected a number such as 12.5") from None
    if not math.isfinite(number):
        raise ValueError("expected a finite number")
    if low is not None and high is not None and not low <= number <= high:
        raise ValueError(f"out of range: must be {low:g}..{high:g}")
    if low is not None and number < low:
        raise ValueError(f"out of range: must be at least {low:g}")
    if high is not None and number > high:
        raise ValueError(f"out of range: must be at most {high:g}")
    return number


def parse_date(value: Any) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) or a German date (DD.MM.YYYY); empty is None."""
    if is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if "." in text:
            return dt.datetime.strptime(text, "%d.%m.%Y").date()
        return dt.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)
    except ValueError:
        raise ValueError("expected a date as YYYY-MM-DD") from None


def parse_text(value: Any, *, max_length: int) -> str:
    """Trimmed text, at most max_length characters; empty is ''."""
    if is_empty(value):
        return ""
    text = str(value).strip()
    if len(text) > max_length:
        raise ValueError(f"too long: {len(text)} characters, at most {max_length}")
    return text


def parse_key(value: Any, *, allowed: dict[str, Any], what: str) -> str:
    """A key from a key table (case-insensitive); empty keys are not allowed."""
    if is_empty(value):
        raise ValueError(f"{what} is required; the empty key is not allowed")
    text = str(value).strip()
    if isinstance(value, float) and value == int(value):
        text = str(int(value))
    for candidate in (text, text.upper()):
        if candidate in allowed:
            return candidate
    raise ValueError(f"unknown {what} {text!r}; allowed: {', '.join(sorted(allowed))}")


def required(parse: Callable[[Any], Any], message: str) -> Callable[[Any], Any]:
    """A parser that also refuses an empty value, with ``message`` as the reason."""

    def parse_required(value: Any) -> Any:
        if is_empty(value):
            raise ValueError(message)
        return parse(value)

    return parse_required


class Remembering:
    """A column parser that remembers the result for each distinct delivered text.

    Deliveries repeat the same dates, keys and scores across millions of rows; parsing each distinct
    text once roughly halves the time an import spends validating.
    """

    def __init__(self, parse: Callable[[Any], Any], *, max_size: int = 100_000) -> None:
        self.parse = parse
        self.max_size = max_size
        self.results: dict[str, tuple[bool, Any]] = {}

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str):
            return self.parse(value)
        result = self.results.get(value)
        if result is None:
            try:
                result = (True, self.parse(value))
            except ValueError as exc:
                result = (False, str(exc))
            if len(self.results) < self.max_size:
                self.results[value] = result
        if result[0]:
            return result[1]
        raise ValueError(result[1])


def parse_text_list(value: Any, *, max_items: int = 10, max_length: int = 200) -> str | None:
    """A short list of texts (a list, or JSON text of one) as JSON text; empty is None."""
    if value is None or (not isinstance(value, list) and is_empty(value)):
        return None
    items = value
    if isinstance(value, str):
        try:
            items = json.loads(value)
        except ValueError:
            raise ValueError('expected a JSON list of texts, e.g. ["3 late payments"]') from None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError('expected a list of texts, e.g. ["3 late payments"]')
    if len(items) > max_items or any(len(item) > max_length for item in items):
        raise ValueError(f"at most {max_items} texts of at most {max_length} characters")
    return json.dumps(items, ensure_ascii=False) if items else None
