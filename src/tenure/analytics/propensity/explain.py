"""Reasons in plain words: "3 late payments", "no purchase for 140 days", "NPS 3 (detractor)".

A model's reasons (:meth:`~tenure.analytics.propensity.model.PropensityModel.reasons`) name a
column, the customer's value and its push on the score; :func:`describe` turns one into a short
phrase an agent can say back to the customer. The known columns of the customer mart
(:mod:`tenure.analytics.mart`) and the retention indicators have a template each, in the small
table ``TEMPLATES``; any other column reads "column = value", with the direction in brackets.

The phrases are English on purpose: they are data-driven sentences stored with each scored dataset,
not interface labels. The interface translates its labels through gettext; translating these would
need the numbers and plural forms inside the template, which is the place to add it when needed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

DAYS_PER_MONTH = 365.25 / 12
"""As in :data:`tenure.analytics.mart.DAYS_PER_MONTH` (not imported: the mart loads Ibis)."""


def _number(value: float) -> str:
    """1850.23 → "1,850.2"; 3.0 → "3"; 2.5 → "2.5"; 0.0345 → "0.0345"."""
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.1f}"
    return f"{value:,.3g}"


def _count(value: float, one: str, many: str, none: str) -> str:
    if value == 0:
        return none
    return f"{_number(value)} {one if value == 1 else many}"


def _tenure(days: float) -> str:
    months = days / DAYS_PER_MONTH
    if months < 2:
        return "customer for " + _count(round(days), "day", "days", "less than a day")
    if months < 24:
        return f"customer for {round(months)} months"
    return f"customer for {round(months / 12)} years"


def _since_purchase(days: float) -> str:
    if days < 1:
        return "purchased in the last day"
    return "no purchase for " + _count(round(days), "day", "days", "")


def _nps(score: float) -> str:
    group = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
    return f"NPS {_number(score)} ({group})"


def _delay(days: float) -> str:
    if days <= 0:
        return "pays on time"
    return "payments on average " + _count(days, "day", "days", "") + " late"


def _spend_change(change: float) -> str:
    percent = round(100 * change)
    if percent == 0:
        return "spend unchanged on the previous period"
    return f"spend {'down' if percent < 0 else 'up'} {abs(percent)} % on the previous period"


TEMPLATES: dict[str, Callable[[float], str]] = {
    "late_payments": lambda v: _count(v, "late payment", "late payments", "no late payments"),
    "payment_delay_days": _delay,
    "open_complaints": lambda v: _count(
        v, "open complaint", "open complaints", "no open complaints"
    ),
    "days_since_last_purchase": _since_purchase,
    "tenure_days": _tenure,
    "interactions": lambda v: _count(
        v, "service contact", "service contacts", "no service contacts"
    ),
    "interactions_per_month": lambda v: f"{_number(v)} service contacts a month",
    "frequency": lambda v: _count(v, "repeat purchase", "repeat purchases", "no repeat purchases"),
    "spend_per_month": lambda v: f"spends {v:,.2f} a month",
    "monetary_value": lambda v: f"average repeat purchase {v:,.2f}",
    "total_spend": lambda v: f"total spend {v:,.2f}",
    "nps": _nps,
    # the recent-behaviour columns of the churn snapshots (tenure.analytics.propensity.snapshots)
    "nps_last": _nps,
    "late_payments_recent": lambda v: _count(
        v, "late payment recently", "late payments recently", "no recent late payments"
    ),
    "overdue_invoices": lambda v: _count(
        v, "overdue invoice", "overdue invoices", "nothing overdue"
    ),
    "complaints_recent": lambda v: _count(
        v, "recent complaint", "recent complaints", "no recent complaints"
    ),
    "open_major_complaints": lambda v: _count(
        v, "open major complaint", "open major complaints", "no open major complaints"
    ),
    "spend_change": _spend_change,
}
"""Phrase per known column, given its (numeric) value."""


def describe(feature: str, value: Any, direction: float | str | None = None) -> str:
    """A short phrase for one reason.

    Parameters
    ----------
    feature : the column name.
    value : the customer's value (None or NaN: not recorded).
    direction : optional
        Only the fallback phrase shows it. A number is read by its sign, e.g. a reason's
        contribution: positive "raises the score", negative "lowers the score"; a text such as
        "high" or "low" is shown as given. So ``describe(*reason)`` works for a model's reasons.

    Examples
    --------
    >>> describe("late_payments", 3, 0.8)
    '3 late payments'
    >>> describe("balance", 1850.23, "high")
    'balance = 1,850.2 (high)'
    """
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    number = None if missing or isinstance(value, bool) else _as_number(value)
    template = TEMPLATES.get(feature)
    if template is not None and number is not None:
        return template(number)
    if missing:
        text = f"{feature}: no value recorded"
    elif number is not None:
        text = f"{feature} = {_number(number)}"
    else:
        text = f"{feature} = {value}"
    note = _direction(direction)
    return f"{text} ({note})" if note else text


def _as_number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _direction(direction: float | str | None) -> str:
    if direction is None:
        return ""
    if isinstance(direction, str):
        return direction.strip()
    if direction > 0:
        return "raises the score"
    if direction < 0:
        return "lowers the score"
    return ""
