"""Named tests over a customer context, checked one customer at a time or column-wise.

A *context* is a mapping of what is known about one customer when a decision is made: mart
features, indicators, customer value dataset fields, campaign history flags, consents, the call's
stated intent. The same context as a table (one row per customer, one column per field) feeds the
batch mode, and every condition here gives the same answer both ways.

:class:`Rule` is data (an administrator's "field operator value", stored as JSON with
:meth:`Rule.to_dict`) and is evaluated column-wise with NumPy; :class:`Predicate` wraps code for
what a single comparison cannot say, with an optional column-wise twin (else the batch mode calls
it row by row, which is slow at scale).

A value is *missing* when the field is absent, ``None``, NaN, ``pd.NA`` or ``NaT``; a rule then
gives ``when_missing`` (False by default: a rule cannot be met by a value nobody knows), except
the operators ``present`` and ``missing``, which are about exactly that.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

Mask = NDArray[np.bool_]
OPERATORS = (
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
    "between",
    "is true",
    "is false",
    "present",
    "missing",
)
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_SHOWN = {"==": "=", "<=": "≤", ">=": "≥", "!=": "≠"}


class Condition(Protocol):
    """What the engine needs of a rule: a name, a test per customer, per column, and why it failed."""

    @property
    def name(self) -> str: ...
    def check(self, context: Mapping[str, Any]) -> bool: ...
    def mask(self, frame: pd.DataFrame) -> Mask: ...
    def why(self, context: Mapping[str, Any]) -> str: ...
    def describe(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...


def is_missing(value: Any) -> bool:
    """True for ``None``, NaN, ``pd.NA`` and ``NaT`` (the values a table cannot tell apart)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def show(value: Any) -> str:
    """A value as an explanation prints it: 35 for 35.0, true / false, text as it is."""
    if is_missing(value):
        return "missing"
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else f"{float(value):g}"
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


@dataclass(frozen=True)
class Rule:
    """``field operator value``, e.g. ``Rule("high churn", "churn_score", ">=", 50)``.

    ``in`` and ``not in`` take a collection; ``between`` takes ``(low, high)``, inclusive, either
    bound ``None`` for open; ``is true``, ``is false``, ``present`` and ``missing`` take no value.
    """

    name: str
    field: str
    op: str
    value: Any = None
    when_missing: bool = False

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(f"rule {self.name!r}: unknown operator {self.op!r}")
        if self.op in ("in", "not in"):
            if isinstance(self.value, str) or not hasattr(self.value, "__iter__"):
                raise ValueError(f"rule {self.name!r}: {self.op!r} needs a collection of values")
            object.__setattr__(self, "value", tuple(self.value))
        if self.op == "between":
            low, high = self.value
            object.__setattr__(self, "value", (low, high))

    def check(self, context: Mapping[str, Any]) -> bool:
        """Whether this customer meets the rule."""
        value = context.get(self.field)
        if self.op in ("present", "missing"):
            return is_missing(value) == (self.op == "missing")
        if is_missing(value):
            return self.when_missing
        if self.op in _COMPARE:
            return bool(_COMPARE[self.op](value, self.value))
        if self.op in ("in", "not in"):
            return (value in self.value) == (self.op == "in")
        if self.op == "between":
            low, high = self.value
            return (low is None or low <= value) and (high is None or value <= high)
        return bool(value) == (self.op == "is true")

    def mask(self, frame: pd.DataFrame) -> Mask:
        """Whether each row of ``frame`` meets the rule (an absent column is missing everywhere)."""
        if self.field not in frame.columns:
            missing = np.ones(len(frame), dtype=bool)
            return missing if self.op == "missing" else missing & self.when_missing
        column = frame[self.field]
        missing = column.isna().to_numpy()
        if self.op in ("present", "missing"):
            return missing if self.op == "missing" else ~missing
        result = np.full(len(frame), self.when_missing, dtype=bool)
        known = ~missing
        if self.op in ("in", "not in"):
            hit = column.isin(self.value).to_numpy()
            result[known] = hit[known] == (self.op == "in")
            return result
        values = column.to_numpy()[known]
        if self.op in _COMPARE:
            compared = np.asarray(_COMPARE[self.op](values, self.value), dtype=bool)
            result[known] = np.broadcast_to(compared, values.shape)
        elif self.op == "between":
            low, high = self.value
            inside = np.ones(len(values), dtype=bool)
            if low is not None:
                inside &= np.asarray(values >= low, dtype=bool)
            if high is not None:
                inside &= np.asarray(values <= high, dtype=bool)
            result[known] = inside
        else:
            result[known] = values.astype(bool) == (self.op == "is true")
        return result

    def describe(self) -> str:
        """The rule as an administrator reads it, e.g. ``churn_score ≥ 50``."""
        if self.op in ("is true", "is false", "present", "missing"):
            return f"{self.field} {self.op}"
        if self.op in ("in", "not in"):
            return f"{self.field} {self.op} {', '.join(show(v) for v in self.value)}"
        if self.op == "between":
            low, high = self.value
            if low is None:
                return f"{self.field} ≤ {show(high)}"
            if high is None:
                return f"{self.field} ≥ {show(low)}"
            return f"{self.field} between {show(low)} and {show(high)}"
        return f"{self.field} {_SHOWN.get(self.op, self.op)} {show(self.value)}"

    def why(self, context: Mapping[str, Any]) -> str:
        """Why this customer does not meet the rule: the value seen and what the rule needs."""
        value = context.get(self.field)
        seen = f"{self.field} is missing" if is_missing(value) else f"{self.field} is {show(value)}"
        return f"{seen}; the rule needs {self.describe()}"

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON-ready data (inverse of :meth:`from_dict`)."""
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        data = {"name": self.name, "field": self.field, "op": self.op, "value": value}
        if self.when_missing:
            data["when_missing"] = True
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        return cls(
            name=data["name"],
            field=data["field"],
            op=data["op"],
            value=data.get("value"),
            when_missing=bool(data.get("when_missing", False)),
        )


@dataclass(frozen=True, eq=False)
class Predicate:
    """A test written as code, e.g. "no purchase in the last 90 days" from two dates.

    ``test`` takes one customer's context; ``columns``, if given, takes the whole table and
    returns one boolean per row, and must agree with ``test`` (the batch mode uses it).
    ``fields`` are the context fields shown when explaining a failure.
    """

    name: str
    test: Callable[[Mapping[str, Any]], bool]
    columns: Callable[[pd.DataFrame], ArrayLike] | None = None
    description: str = ""
    fields: tuple[str, ...] = field(default=())

    def check(self, context: Mapping[str, Any]) -> bool:
        return bool(self.test(context))

    def mask(self, frame: pd.DataFrame) -> Mask:
        if self.columns is not None:
            return np.asarray(self.columns(frame), dtype=bool).reshape(len(frame))
        rows = frame.to_dict("records")
        return np.fromiter((bool(self.test(row)) for row in rows), dtype=bool, count=len(rows))

    def describe(self) -> str:
        return self.description or self.name

    def why(self, context: Mapping[str, Any]) -> str:
        seen = ", ".join(f"{name} is {show(context.get(name))}" for name in self.fields)
        return f"{seen}; the rule needs {self.describe()}" if seen else f"not {self.describe()}"

    def to_dict(self) -> dict[str, Any]:
        raise TypeError(f"predicate {self.name!r} is code, not data: it cannot be stored as JSON")
