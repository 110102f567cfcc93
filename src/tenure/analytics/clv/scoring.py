"""Scoring a customer base with fitted lifetime-value models, and the rules that turn scores into
the customer value 1..10, the segment and the churn risk class of a customer value dataset.

Everything is vectorised over NumPy arrays (10 million customers score in seconds); the rules are
plain data (cut points, lower bounds) so that an administrator can edit them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import rankdata

from tenure.analytics.clv.base import Array, TransactionModel, as_column, check_rfm
from tenure.analytics.clv.gammagamma import GammaGammaModel
from tenure.analytics.clv.value import customer_lifetime_value

VALUE_LEVELS = 10


@dataclass(frozen=True)
class CustomerScores:
    """Per-customer predictions, aligned with the input arrays.

    ``clv`` and ``expected_spend`` are NaN when no spend model was given (count-only data).
    """

    expected_purchases: Array
    probability_alive: Array
    expected_spend: Array
    clv: Array

    @property
    def churn_score(self) -> Array:
        """0..100: the probability that the customer is no longer active, in percent, rounded."""
        return churn_score(self.probability_alive)

    @property
    def value_basis(self) -> Array:
        """What the customer value ranks by: CLV, or expected purchases without spend data."""
        return self.expected_purchases if np.isnan(self.clv).all() else self.clv


def score_customers(
    transaction_model: TransactionModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    spend_model: GammaGammaModel | None = None,
    monetary_value: ArrayLike | None = None,
    horizon_months: int = 12,
    discount_rate_monthly: float = 0.01,
    time_unit_days: float = 7.0,
) -> CustomerScores:
    """Expected purchases over the horizon, P(alive), expected spend and discounted CLV.

    ``transaction_model`` must be fitted and offer ``predict_probability_alive`` (BG/NBD,
    Pareto/NBD). With a ``spend_model`` (fitted Gamma-Gamma) and ``monetary_value`` the expected
    spend per purchase shrinks each customer's mean towards the population mean, and CLV is
    :func:`~tenure.analytics.clv.customer_lifetime_value` over ``horizon_months``.
    """
    x, t_x, age = check_rfm(frequency, recency, T)
    horizon = horizon_months * (365.25 / 12) / time_unit_days
    expected = np.asarray(transaction_model.predict_purchases(horizon, x, t_x, age), np.float64)
    alive_method = getattr(transaction_model, "predict_probability_alive", None)
    if alive_method is None:
        raise TypeError(f"{type(transaction_model).__name__} cannot predict P(alive)")
    alive = np.asarray(alive_method(x, t_x, age), dtype=np.float64)
    if spend_model is None:
        nan = np.full_like(expected, np.nan)
        return CustomerScores(expected, alive, nan, nan)
    if monetary_value is None:
        raise ValueError("monetary_value is required with a spend model")
    spend = np.asarray(spend_model.predict_spend(x, as_column("monetary_value", monetary_value)))
    clv = customer_lifetime_value(
        transaction_model,
        x,
        t_x,
        age,
        spend,
        horizon_months=horizon_months,
        discount_rate_monthly=discount_rate_monthly,
        time_unit_days=time_unit_days,
    )
    return CustomerScores(expected, alive, spend, np.asarray(clv, dtype=np.float64))


def churn_score(probability_alive: ArrayLike) -> Array:
    """Churn score 0..100 = (1 − P(alive)) × 100, rounded half up, as integers."""
    alive = as_column("probability_alive", probability_alive)
    if np.any((alive < 0) | (alive > 1)):
        raise ValueError("probability_alive must lie in [0, 1]")
    return np.floor((1.0 - alive) * 100.0 + 0.5).astype(np.int64)


def value_by_deciles(basis: ArrayLike) -> Array:
    """Customer value 1..10 by decile of ``basis`` (10 = the top tenth); equal values share one."""
    values = as_column("basis", basis)
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    rank = rankdata(values, method="max")  # ties take the highest rank, so they share a decile
    return np.ceil(rank * VALUE_LEVELS / values.size).astype(np.int64).clip(1, VALUE_LEVELS)


def value_by_thresholds(basis: ArrayLike, cut_points: Sequence[float]) -> Array:
    """Customer value 1..10: 1 below the first of nine ascending cut points, 10 from the last."""
    cuts = np.asarray(cut_points, dtype=np.float64)
    check_cut_points(cuts)
    values = as_column("basis", basis)
    return (1 + np.searchsorted(cuts, values, side="right")).astype(np.int64)


def check_cut_points(cut_points: Sequence[float] | Array) -> None:
    """Nine finite, strictly ascending numbers, else ValueError saying what is wrong."""
    cuts = np.asarray(cut_points, dtype=np.float64)
    if cuts.shape != (VALUE_LEVELS - 1,):
        raise ValueError(f"expected {VALUE_LEVELS - 1} cut points, got {cuts.size}")
    if not np.isfinite(cuts).all():
        raise ValueError("cut points must be finite numbers")
    if np.any(np.diff(cuts) <= 0):
        raise ValueError("cut points must be strictly ascending")


def classify(values: ArrayLike, lower_bounds: Mapping[str, float]) -> Array:
    """The key whose lower bound is the greatest one ≤ value, per value (an array of keys).

    E.g. segments ``{"A": 9, "B": 7, "C": 4, "D": 1}`` over customer values, or risk classes
    ``{"1": 0, "2": 25, "3": 50, "4": 75}`` over churn scores. A value below every bound is
    an error: the rules must cover the whole range.
    """
    if not lower_bounds:
        raise ValueError("no classes given")
    ordered = sorted(lower_bounds.items(), key=lambda item: item[1])
    bounds = np.array([bound for _, bound in ordered], dtype=np.float64)
    if np.any(np.diff(bounds) == 0):
        raise ValueError("two classes have the same lower bound")
    keys = np.array([key for key, _ in ordered], dtype=object)
    array = as_column("values", values)
    position = np.searchsorted(bounds, array, side="right") - 1
    if np.any(position < 0):
        lowest = array[position < 0].min()
        raise ValueError(f"value {lowest:g} is below every lower bound (lowest {bounds[0]:g})")
    return keys[position]
