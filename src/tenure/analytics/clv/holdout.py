"""Hold-out checks of a fitted purchase model: the comparisons of Fader, Hardie & Lee (2005).

A model is fitted on the calibration period and judged on the hold-out period that follows:

* :func:`holdout_by_frequency` — mean repeat purchases in the hold-out, actual and predicted, of
  the customers grouped by their calibration frequency 0, 1, …, 7+ (the paper's Figure 3);
* :func:`cumulative_tracking` — cumulative repeat transactions per week over calibration and
  hold-out, actual and as the model expects for customers acquired when they were (Figure 2):
  ``Σ_i E[X(t − s_i)]`` over the customers' first-purchase times ``s_i``;
* :func:`holdout_error` — per-customer MAE and RMSE and the total predicted against actual.

The functions take NumPy arrays (any fitted :class:`~tenure.analytics.clv.TransactionModel`);
:func:`purchase_day_counts` gets the daily counts that :func:`cumulative_tracking` needs from a
transactions table with one aggregation in the database, so no per-transaction data is loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol, cast

import ibis
import ibis.expr.types as ir
import numpy as np
from numpy.typing import ArrayLike

from tenure.analytics.clv.base import Array, TransactionModel, as_column, check_rfm


class TrackingModel(TransactionModel, Protocol):
    """A purchase model that also forecasts a new customer's purchases (BG/NBD, Pareto/NBD)."""

    def expected_purchases_new_customer(self, t: ArrayLike) -> Array: ...


@dataclass(frozen=True)
class FrequencyComparison:
    """Hold-out purchases per customer by calibration frequency; the last group is "max or more"."""

    labels: tuple[str, ...]
    customers: Array
    actual: Array
    predicted: Array

    def as_rows(self) -> list[dict[str, float | str]]:
        return [
            {"frequency": label, "customers": int(n), "actual": float(a), "predicted": float(p)}
            for label, n, a, p in zip(
                self.labels, self.customers, self.actual, self.predicted, strict=True
            )
        ]


@dataclass(frozen=True)
class CumulativeTracking:
    """Cumulative repeat transactions at the end of each period 1..n, actual and expected."""

    period: Array
    actual: Array
    predicted: Array
    calibration_periods: float
    """Where the calibration period ends, in periods (a vertical line in the plot)."""


@dataclass(frozen=True)
class HoldoutError:
    """How far the per-customer hold-out predictions are from what happened."""

    customers: int
    mae: float
    rmse: float
    actual_total: float
    predicted_total: float

    @property
    def total_relative_error(self) -> float:
        """(predicted − actual) / actual over all customers; NaN without hold-out purchases."""
        if self.actual_total == 0:
            return float("nan")
        return (self.predicted_total - self.actual_total) / self.actual_total


def holdout_predictions(
    model: TransactionModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    duration_holdout: ArrayLike,
) -> Array:
    """Each customer's expected purchases in the hold-out, of length ``duration_holdout``."""
    x, t_x, age = check_rfm(frequency, recency, T)
    duration = as_column("duration_holdout", duration_holdout)
    return np.asarray(model.predict_purchases(duration, x, t_x, age), dtype=np.float64)


def holdout_by_frequency(
    model: TransactionModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    frequency_holdout: ArrayLike,
    duration_holdout: ArrayLike,
    *,
    max_frequency: int = 7,
) -> FrequencyComparison:
    """Mean actual and predicted hold-out purchases per calibration frequency 0..max_frequency+.

    Groups without customers get NaN means (and 0 customers).
    """
    if max_frequency < 1:
        raise ValueError(f"max_frequency must be at least 1, got {max_frequency}")
    x = np.asarray(frequency, dtype=np.float64)
    actual = as_column("frequency_holdout", frequency_holdout)
    predicted = holdout_predictions(model, x, recency, T, duration_holdout)
    if actual.shape != x.shape:
        raise ValueError("frequency_holdout must have one value per customer")
    group = np.minimum(x, max_frequency).astype(np.int64)
    size = max_frequency + 1
    customers = np.bincount(group, minlength=size).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_actual = np.bincount(group, weights=actual, minlength=size) / customers
        mean_predicted = np.bincount(group, weights=predicted, minlength=size) / customers
    labels = (*(str(f) for f in range(max_frequency)), f"{max_frequency}+")
    return FrequencyComparison(labels, customers, mean_actual, mean_predicted)


def holdout_error(
    model: TransactionModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    frequency_holdout: ArrayLike,
    duration_holdout: ArrayLike,
) -> HoldoutError:
    """MAE and RMSE of the per-customer hold-out predictions, and the totals."""
    actual = as_column("frequency_holdout", frequency_holdout)
    predicted = holdout_predictions(model, frequency, recency, T, duration_holdout)
    if actual.shape != predicted.shape:
        raise ValueError("frequency_holdout must have one value per customer")
    residual = predicted - actual
    return HoldoutError(
        customers=int(actual.size),
        mae=float(np.mean(np.abs(residual))),
        rmse=float(np.sqrt(np.mean(residual**2))),
        actual_total=float(actual.sum()),
        predicted_total=float(predicted.sum()),
    )


def cumulative_tracking(
    model: TrackingModel,
    *,
    birth_days: ArrayLike,
    repeat_days: ArrayLike,
    n_periods: int,
    calibration_days: float,
    birth_counts: ArrayLike | None = None,
    repeat_counts: ArrayLike | None = None,
    period_days: float = 7.0,
    time_unit_days: float = 7.0,
) -> CumulativeTracking:
    """Cumulative repeat transactions at the end of periods 1..``n_periods``, actual and expected.

    Days are counted from the start of period 1 (day 0). ``birth_days`` are the days of the
    customers' first purchases and ``repeat_days`` those of their repeat purchase days, each with
    an optional count (default one per entry). Period k ends with day ``k·period_days − 1``; the
    expected count there is ``Σ_i E[X(age_i)]`` with a customer's age ``(k·period_days − 1 −
    s_i) / time_unit_days`` in the model's time unit (negative ages count nothing), as in the
    mart, whose ``T`` runs from the first purchase day to the (inclusive) calibration end day.
    ``calibration_days`` is the number of days from day 0 to the end of the calibration period.
    """
    if n_periods < 1:
        raise ValueError(f"n_periods must be at least 1, got {n_periods}")
    births = as_column("birth_days", birth_days)
    repeats = as_column("repeat_days", repeat_days)
    n_births = _counts("birth_counts", birth_counts, births)
    n_repeats = _counts("repeat_counts", repeat_counts, repeats)
    period = np.arange(1, n_periods + 1, dtype=np.float64)
    last_day = period * period_days - 1
    actual = np.array([n_repeats[repeats <= day].sum() for day in last_day], dtype=np.float64)
    # one forecast per distinct birth day and period: ages of shape (periods, birth days)
    days, at = np.unique(births, return_inverse=True)
    weight = np.bincount(at.ravel(), weights=n_births)
    age = np.maximum(last_day[:, None] - days[None, :], 0.0) / time_unit_days
    expected = model.expected_purchases_new_customer(age)
    predicted = np.asarray(expected, dtype=np.float64) @ weight
    return CumulativeTracking(period, actual, predicted, calibration_days / period_days)


def _counts(name: str, counts: ArrayLike | None, like: Array) -> Array:
    if counts is None:
        return np.ones_like(like)
    array = as_column(name, counts)
    if array.shape != like.shape:
        raise ValueError(f"{name} must have one value per day")
    return array


@dataclass(frozen=True)
class DayCounts:
    """Daily counts for :func:`cumulative_tracking`: day offsets from ``start``, with counts."""

    start: dt.date
    birth_days: Array
    birth_counts: Array
    repeat_days: Array
    repeat_counts: Array


def purchase_day_counts(
    transactions: ir.Table,
    *,
    calibration_end: dt.date,
    last_day: dt.date,
    customer: str = "customer_id",
    date: str = "date",
) -> DayCounts:
    """First-purchase and repeat-purchase days per calendar day, for the customers of the mart.

    The customers are those whose first purchase is on or before ``calibration_end`` (as in
    :func:`tenure.analytics.mart.customer_mart`); purchases on one day count once, and purchases
    after ``last_day`` are ignored. Day 0 (``start``) is the earliest first purchase.
    """
    day = transactions[date].cast("date")
    kept = transactions.filter(
        transactions[customer].notnull(), day.notnull(), day <= ibis.date(last_day)
    )
    days = kept.group_by([kept[customer].name("_c"), day.name("_d")]).aggregate()
    firsts = days.group_by("_c").aggregate(_first=days._d.min())
    firsts = firsts.filter(firsts._first <= ibis.date(calibration_end))
    births = firsts.group_by("_first").aggregate(_n=firsts.count()).order_by("_first")
    joined = days.inner_join(firsts, "_c")
    repeat = joined.filter(joined._d > joined._first)
    repeats = repeat.group_by("_d").aggregate(_n=repeat.count()).order_by("_d")
    birth_table = births.to_pyarrow()
    repeat_table = repeats.to_pyarrow()
    birth_dates = (
        birth_table.column("_first").to_numpy(zero_copy_only=False).astype("datetime64[D]")
    )
    repeat_dates = repeat_table.column("_d").to_numpy(zero_copy_only=False).astype("datetime64[D]")
    if birth_dates.size == 0:
        raise ValueError(f"no customer has a first purchase on or before {calibration_end}")
    start = birth_dates.min()
    return DayCounts(
        start=cast(dt.date, start.astype(dt.date)),
        birth_days=(birth_dates - start).astype(np.float64),
        birth_counts=birth_table.column("_n").to_numpy().astype(np.float64),
        repeat_days=(repeat_dates - start).astype(np.float64),
        repeat_counts=repeat_table.column("_n").to_numpy().astype(np.float64),
    )
