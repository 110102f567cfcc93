"""Customer lifetime value: expected purchases × expected spend, discounted month by month."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from tenure.analytics.clv.base import Array, TransactionModel, as_column


def customer_lifetime_value(
    transaction_model: TransactionModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    spend_per_purchase: ArrayLike,
    *,
    horizon_months: int = 12,
    discount_rate_monthly: float = 0.01,
    time_unit_days: float = 7,
    days_per_month: float = 365.25 / 12,
) -> Array:
    """Present value of each customer's expected purchases over the next ``horizon_months``.

    ``CLV = Σ_{k=1..K} s · (E[Y(k·u)] − E[Y((k−1)·u)]) / (1 + d)^k``, where ``E[Y(t)]`` is
    ``transaction_model.predict_purchases(t, frequency, recency, T)``, u the number of model time
    units in a month, s the spend per purchase and d the monthly discount rate: each month's
    expected purchases are valued at its end, as in lifetimes' ``customer_lifetime_value``.
    (Fader, Hardie & Lee 2005, "RFM and CLV", discount continuously instead: DERT.)

    Parameters
    ----------
    transaction_model : a fitted model with ``predict_purchases`` (BG/NBD, Pareto/NBD).
    frequency, recency, T : the customers' purchase histories in the model's time unit.
    spend_per_purchase : expected amount per future purchase, e.g. ``GammaGammaModel.predict_spend``.
    horizon_months : number of months to sum over.
    discount_rate_monthly : d, e.g. 0.01 for 1% a month (≈ 12.7% a year).
    time_unit_days : length of the model's time unit in days (7 for weeks, 1 for days).
    days_per_month : 365.25/12 by default; lifetimes uses 30 for daily data (``freq="D"``) and
        4.345 weeks (30.415 days) for weekly data (``freq="W"``) — pass those to match it exactly.
    """
    if horizon_months < 0 or int(horizon_months) != horizon_months:
        raise ValueError("horizon_months must be a whole number ≥ 0")
    if not math.isfinite(discount_rate_monthly) or discount_rate_monthly <= -1:
        raise ValueError("discount_rate_monthly must be a finite number > -1")
    if not (time_unit_days > 0 and days_per_month > 0):
        raise ValueError("time_unit_days and days_per_month must be > 0")
    spend = as_column("spend_per_purchase", spend_per_purchase)
    units_per_month = days_per_month / time_unit_days
    shapes = (np.shape(frequency), np.shape(recency), np.shape(T), spend.shape)
    total: Array = np.zeros(np.broadcast_shapes(*shapes))
    previous: Array | float = 0.0
    for month in range(1, int(horizon_months) + 1):
        cumulative = transaction_model.predict_purchases(
            month * units_per_month, frequency, recency, T
        )
        total = total + spend * (cumulative - previous) / (1 + discount_rate_monthly) ** month
        previous = cumulative
    return total
