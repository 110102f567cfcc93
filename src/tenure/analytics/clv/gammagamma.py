"""Gamma-Gamma: how much a customer spends per purchase.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for
customer base analysis. *Journal of Marketing Research* 42(4), 415–430; and Fader, P. S. &
Hardie, B. G. S. (2013), "The Gamma-Gamma model of monetary value" (brucehardie.com note 025),
whose equation numbers are cited below.

A customer's purchase amounts are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, independent
of when and how often they buy. The data per customer are the number of repeat purchases x and
their average amount m̄ (``monetary_value``); customers without repeat purchases carry no
information and are left out of the fit.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from tenure.analytics.clv.base import (
    Array,
    CLVModel,
    Columns,
    TransactionModel,
    as_column,
    compress,
)
from tenure.analytics.clv.value import customer_lifetime_value


def log_likelihood(
    params: ArrayLike, frequency: Array, monetary_value: Array, *, gradient: bool = False
) -> tuple[Array, Array | None]:
    """Per-customer log-density of the average amount m̄ given x, note 025 equation (1a).

    ``f(m̄ | p, q, γ; x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q m̄^(px−1) x^px / (γ + m̄x)^(px+q)``.

    Parameters
    ----------
    params : (p, q, gamma)
    frequency, monetary_value : x > 0 and m̄ > 0, already validated.
    gradient : also return ∂ ln f / ∂(p, q, γ), shape (n, 3).
    """
    p, q, gamma = np.asarray(params, dtype=np.float64)
    x, m = frequency, monetary_value
    px = p * x
    log_gamma_mx = np.log(gamma + m * x)
    log_x_m = np.log(x) + np.log(m)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + px * log_x_m
        - np.log(m)
        - (px + q) * log_gamma_mx
    )
    if not gradient:
        return ll, None
    psi_pxq = digamma(px + q)
    grad = np.empty((len(ll), 3))
    grad[:, 0] = x * (psi_pxq - digamma(px) + log_x_m - log_gamma_mx)
    grad[:, 1] = psi_pxq - digamma(q) + np.log(gamma) - log_gamma_mx
    grad[:, 2] = q / gamma - (px + q) / (gamma + m * x)
    return ll, grad


def _check_spend(frequency: ArrayLike, monetary_value: ArrayLike) -> tuple[Array, Array]:
    x = as_column("frequency", frequency)
    m = as_column("monetary_value", monetary_value)
    try:
        x, m = np.broadcast_arrays(x, m)
    except ValueError as error:
        raise ValueError("frequency and monetary_value must have the same length") from error
    if x.size == 0:
        raise ValueError("no customers: frequency and monetary_value are empty")
    if np.any(x != np.round(x)):
        raise ValueError("frequency must be a whole number of repeat purchases")
    if np.any((x > 0) & (m <= 0)):
        raise ValueError("monetary_value must be > 0 for customers with repeat purchases")
    return x, m


class GammaGammaModel(CLVModel):
    """Gamma-Gamma model of the average amount per purchase (Fader, Hardie & Lee 2005).

    Learned attributes: ``params_`` (``p``, ``q``, ``gamma``; also as ``p_``, ``q_``,
    ``gamma_``), ``log_likelihood_``, ``n_customers_`` (customers with repeat purchases, the
    only ones used), ``n_iter_``. See :class:`CLVModel` for the hyperparameters.

    The model assumes that spend per purchase is independent of purchase frequency; check the
    correlation between x and m̄ among repeat buyers before relying on it.
    """

    param_names = ("p", "q", "gamma")

    def fit(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Maximum-likelihood fit on the customers with at least one repeat purchase.

        Parameters
        ----------
        frequency : number of repeat purchases x (whole numbers ≥ 0); rows with x = 0 are ignored.
        monetary_value : average amount m̄ of those repeat purchases (> 0 when x > 0).
        weights : optional number of customers each row stands for.
        """
        x, m = _check_spend(frequency, monetary_value)
        w = np.ones_like(x) if weights is None else as_column("weights", weights)
        if w.shape != x.shape:
            raise ValueError("weights must have one value per customer")
        repeat = (x > 0) & (w > 0)
        if np.count_nonzero(repeat) < 2:
            raise ValueError("Gamma-Gamma needs at least 2 customers with repeat purchases")
        columns, counts = compress(x[repeat], m[repeat], weights=w[repeat])
        mean_m = float(counts @ columns[1] / counts.sum())
        return self._maximise(columns, counts, start=[1.0, 2.0, mean_m])

    def _log_likelihood(self, params: Array, columns: Columns) -> Array:
        return log_likelihood(params, *columns)[0]

    def _log_likelihood_and_gradient(self, params: Array, columns: Columns) -> tuple[Array, Array]:
        ll, grad = log_likelihood(params, *columns, gradient=True)
        assert grad is not None
        return ll, grad

    @property
    def p_(self) -> float:
        return self._param("p")

    @property
    def q_(self) -> float:
        return self._param("q")

    @property
    def gamma_(self) -> float:
        return self._param("gamma")

    def predict_spend(self, frequency: ArrayLike, monetary_value: ArrayLike) -> Array:
        """Expected average amount of the customer's future purchases, given x and m̄.

        Note 025 equation (5): ``E[M | p, q, γ; m̄, x] = p(γ + m̄x) / (px + q − 1)``, a weighted
        average of the population mean pγ/(q−1) and the customer's own m̄ with weight
        px/(px+q−1) on m̄. Customers without repeat purchases (x = 0) get the population mean,
        whatever their ``monetary_value``.
        """
        p, q, gamma = self._fitted_params()
        if q <= 1:
            raise ValueError(f"the fitted q = {q:.3g} ≤ 1: the model's mean spend is infinite")
        x, m = _check_spend(frequency, monetary_value)
        return np.asarray(p * (gamma + m * x) / (p * x + q - 1), dtype=np.float64)

    def customer_lifetime_value(
        self,
        transaction_model: TransactionModel,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary_value: ArrayLike,
        horizon_months: int = 12,
        discount_rate_monthly: float = 0.01,
        time_unit_days: float = 7,
        *,
        days_per_month: float = 365.25 / 12,
    ) -> Array:
        """Discounted expected spend of each customer over the next ``horizon_months`` months.

        Expected purchases from ``transaction_model`` (a fitted BG/NBD or Pareto/NBD) times the
        expected spend per purchase from :meth:`predict_spend`, summed over the months and
        discounted as in :func:`tenure.analytics.clv.value.customer_lifetime_value`, which
        documents the arguments.
        """
        spend = self.predict_spend(frequency, monetary_value)
        return customer_lifetime_value(
            transaction_model,
            frequency,
            recency,
            T,
            spend,
            horizon_months=horizon_months,
            discount_rate_monthly=discount_rate_monthly,
            time_unit_days=time_unit_days,
            days_per_month=days_per_month,
        )
