"""Gamma-Gamma: how much a customer spends per purchase.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for
customer base analysis. *Journal of Marketing Research* 42(4), 415–430; and Fader, P. S. &
Hardie, B. G. S. (2013), "The Gamma-Gamma model of monetary value" (brucehardie.com note 025),
whose equation numbers are cited below.

A customer's purchase amounts are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, independent
of when and how often they buy. The data per customer are the number of repeat purchases x and
their average amount m̄ (``monetary_value``); customers without repeat purchases carry no
information and are left out of the fit.

The fit is written for speed (``benchmarks/clv_fit.py``: ≥ 10× faster than ``lifetimes``): the
likelihood's Γ terms depend on the data only through x, which takes few distinct values (36 among
CDNOW's 9,450 repeat buyers), and its other terms through a few weighted sums, so an evaluation
costs one logarithm and one division per customer (:class:`_Sums`); and Newton's method with the
analytic Hessian (trigamma) reaches the maximum in about 7 steps (:func:`_newton`), where BFGS
needed about 23 evaluations of the per-customer terms. The shared BFGS of :class:`CLVModel` then
only confirms the maximum, and takes over if Newton's method stops early.
"""

from __future__ import annotations

import math
from typing import Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, gammaln, zeta

from tenure.analytics.clv.base import (
    Array,
    CLVModel,
    Columns,
    TransactionModel,
    as_column,
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
    x_values, x_index = np.unique(frequency, return_inverse=True)
    return _log_likelihood(params, frequency, monetary_value, x_values, x_index, gradient=gradient)


def _log_likelihood(
    params: ArrayLike,
    x: Array,
    m: Array,
    x_values: Array,
    x_index: NDArray[np.intp],
    *,
    gradient: bool,
) -> tuple[Array, Array | None]:
    """:func:`log_likelihood` with the special functions of px evaluated once per distinct x."""
    p, q, gamma = np.asarray(params, dtype=np.float64)
    px, px_values = p * x, p * x_values
    log_gamma_mx = np.log(gamma + m * x)
    log_x_m = np.log(x) + np.log(m)
    ll = (
        (gammaln(px_values + q) - gammaln(px_values))[x_index]
        - gammaln(q)
        + q * np.log(gamma)
        + px * log_x_m
        - np.log(m)
        - (px + q) * log_gamma_mx
    )
    if not gradient:
        return ll, None
    psi_pxq = digamma(px_values + q)
    grad = np.empty((len(ll), 3))
    grad[:, 0] = x * ((psi_pxq - digamma(px_values))[x_index] + log_x_m - log_gamma_mx)
    grad[:, 1] = psi_pxq[x_index] - digamma(q) + np.log(gamma) - log_gamma_mx
    grad[:, 2] = q / gamma - (px + q) / (gamma + m * x)
    return ll, grad


class _Sums:
    """A fit's data reduced to what the mean log-likelihood and its derivatives need.

    With weights w summing to 1, the distinct frequencies x_k and their total weights n_k, the mean
    of equation (1a) is

    ``ℓ = Σₖ nₖ [ln Γ(pxₖ+q) − ln Γ(pxₖ)] − ln Γ(q) + q ln γ + p Σ wx ln(m̄x) − Σ w ln m̄
    − p Σ wx ln(γ+m̄x) − q Σ w ln(γ+m̄x)``:

    the special functions are evaluated once per distinct x, the sums without γ once per fit, and
    what is left per customer is ln(γ+m̄x) and 1/(γ+m̄x) in a few dot products.
    """

    def __init__(
        self, x: Array, m: Array, x_values: Array, x_index: NDArray[np.intp], weights: Array
    ) -> None:
        w = weights / weights.sum()
        self.x_values = x_values
        self.n = np.bincount(x_index, weights=w, minlength=len(x_values))
        self.nx = self.n * x_values
        self.nxx = self.nx * x_values
        self.w, self.wx = w, w * x
        self.spend = m * x  # m̄x: the customer's total spend on repeat purchases
        self.wx_log_spend = float(self.wx @ np.log(self.spend))
        self.w_log_m = float(w @ np.log(m))

    def evaluate(self, params: Array) -> tuple[float, Array, Array]:
        """Mean log-likelihood ℓ, its gradient and its Hessian with respect to (p, q, γ)."""
        p, q, gamma = (float(v) for v in params)
        px = p * self.x_values
        pxq = px + q
        s = gamma + self.spend
        log_s, inv_s = np.log(s), 1.0 / s
        inv_s2 = inv_s * inv_s
        wx_log, w_log = float(self.wx @ log_s), float(self.w @ log_s)
        wx_inv, w_inv = float(self.wx @ inv_s), float(self.w @ inv_s)
        wx_inv2, w_inv2 = float(self.wx @ inv_s2), float(self.w @ inv_s2)
        log_gamma = np.log(gamma)
        value = (
            float(self.n @ (gammaln(pxq) - gammaln(px)))
            - float(gammaln(q))
            + q * log_gamma
            + p * (self.wx_log_spend - wx_log)
            - self.w_log_m
            - q * w_log
        )
        psi_pxq = digamma(pxq)
        gradient = np.array(
            [
                self.nx @ (psi_pxq - digamma(px)) + self.wx_log_spend - wx_log,
                self.n @ psi_pxq - digamma(q) + log_gamma - w_log,
                q / gamma - p * wx_inv - q * w_inv,
            ]
        )
        trigamma_pxq = zeta(2, pxq)  # the trigamma function ψ′(z) is ζ(2, z)
        h_pq = float(self.nx @ trigamma_pxq)
        h_pg = -wx_inv
        h_qg = 1 / gamma - w_inv
        hessian = np.array(
            [
                [float(self.nxx @ (trigamma_pxq - zeta(2, px))), h_pq, h_pg],
                [h_pq, float(self.n @ trigamma_pxq - zeta(2, q)), h_qg],
                [h_pg, h_qg, -q / gamma**2 + p * wx_inv2 + q * w_inv2],
            ]
        )
        return value, gradient, hessian


_NEWTON_STEPS = 50
"""Newton's method takes under 20 steps to an interior maximum; more means the estimates are
running off towards 0 or infinity, and BFGS takes over (and warns)."""


def _newton(
    sums: _Sums, start: Array, *, penalizer: float, tol: float, max_iter: int
) -> tuple[Array, int]:
    """Minimise the objective of :meth:`CLVModel._maximise` by Newton's method, from ``start``.

    The objective is the mean negative log-likelihood plus ``penalizer · Σ (log θ)²``, over the
    log-parameters u = log θ. Returns u and the number of steps taken. It stops when the largest
    gradient component is at most ``tol``, BFGS's own test, so that BFGS then has nothing left to
    do; otherwise after ``min(max_iter, 50)`` steps, or when no step improves the objective, and
    BFGS carries on from there.
    """

    def objective(u: Array) -> tuple[float, Array, Array]:
        theta = np.exp(u)
        with np.errstate(all="ignore"):
            ll, grad, hess = sums.evaluate(theta)
        value = -ll + penalizer * float(u @ u)
        gradient = -theta * grad + 2 * penalizer * u  # chain rule: ∂/∂u = θ ∂/∂θ
        hessian = -(np.outer(theta, theta) * hess + np.diag(theta * grad))
        hessian += 2 * penalizer * np.eye(len(u))
        if not (math.isfinite(value) and np.all(np.isfinite(hessian))):
            return math.inf, gradient, hessian
        return value, gradient, hessian

    u = np.log(start)
    value, gradient, hessian = objective(u)
    steps = min(max_iter, _NEWTON_STEPS)
    for iteration in range(steps):
        if not math.isfinite(value):
            return u, iteration
        if np.max(np.abs(gradient)) <= tol:
            return u, iteration
        # Newton's step, along the Hessian's eigenvectors. Far from the minimum the Hessian can
        # have negative curvatures, where Newton's step would go uphill: they count as positive.
        curvatures, axes = np.linalg.eigh(hessian)
        curvatures = np.maximum(np.abs(curvatures), 1e-8 * np.max(np.abs(curvatures)))
        step = -axes @ ((axes.T @ gradient) / curvatures)
        step *= min(1.0, 1.0 / np.max(np.abs(step)))  # at most a factor e per parameter and step
        # Halve the step until the objective does not get worse. Near the minimum the changes are
        # down at the objective's rounding error (about 1e-14 of it), hence the allowance.
        allowance = 1e-12 * (1 + abs(value))
        for _ in range(30):
            trial = objective(u + step)
            if trial[0] <= value + allowance:
                break
            step /= 2
        else:
            return u, iteration
        u = u + step
        value, gradient, hessian = trial
        if np.max(np.abs(step)) < 1e-12:  # stalled at the limit of floating point
            return u, iteration + 1
    return u, steps


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
    only ones used), ``n_iter_`` (Newton steps, plus BFGS iterations if BFGS had to carry on). See
    :class:`CLVModel` for the hyperparameters.

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
        # One row per customer: merging identical (x, m̄) rows (``compress``) costs a sort and
        # gains little, as the per-customer work of an evaluation is one logarithm and a division.
        x, m, w = x[repeat], m[repeat], w[repeat]
        x_values, x_index = np.unique(x, return_inverse=True)
        columns = (x, m, x_values, x_index)
        start = np.array([1.0, 2.0, float(w @ m / w.sum())])
        log_params, newton_iterations = _newton(
            _Sums(*columns, weights=w),
            start,
            penalizer=self.penalizer,
            tol=self.tol,
            max_iter=self.max_iter,
        )
        self._maximise(columns, w, start=np.exp(log_params).tolist())
        self.n_iter_ += newton_iterations
        return self

    def _log_likelihood(self, params: Array, columns: Columns) -> Array:
        return _log_likelihood(params, *columns, gradient=False)[0]

    def _log_likelihood_and_gradient(self, params: Array, columns: Columns) -> tuple[Array, Array]:
        ll, grad = _log_likelihood(params, *columns, gradient=True)
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
