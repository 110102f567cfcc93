"""BG/NBD: the beta-geometric / negative binomial model of repeat purchasing.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way: An
alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275–284. Equation numbers below
are the paper's.

While active, a customer buys at a Poisson rate λ ~ Gamma(r, α); after each repeat purchase they
become inactive for good with probability p ~ Beta(a, b). Data per customer: ``frequency`` x (repeat
purchases), ``recency`` t_x (time of the last one after the first purchase) and ``T`` (time since
the first purchase), all in one time unit (the CDNOW examples use weeks).
"""

from __future__ import annotations

from typing import Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma, expit, gammaln, hyp2f1

from tenure.analytics.clv.base import (
    Array,
    CLVModel,
    Columns,
    check_horizon,
    check_rfm,
    compress,
)


def log_likelihood(
    params: ArrayLike, frequency: Array, recency: Array, T: Array, *, gradient: bool = False
) -> tuple[Array, Array | None]:
    """Per-customer BG/NBD log-likelihood, equation (6), and optionally its gradient.

    With A₁ = ln Γ(r+x) − ln Γ(r) + r ln α, A₂ = ln B(a, b+x) − ln B(a, b),
    A₃ = −(r+x) ln(α+T) and A₄ = ln a − ln(b+x−1) − (r+x) ln(α+tₓ) (only when x > 0),
    ``ln L = A₁ + A₂ + ln(e^A₃ + δ_{x>0} e^A₄)``; the last term is a ``logaddexp``.

    Parameters
    ----------
    params : (r, alpha, a, b)
    frequency, recency, T : arrays of one length, already validated.
    gradient : also return ∂ ln L / ∂(r, α, a, b), shape (n, 4).
    """
    x_values, x_index = np.unique(frequency, return_inverse=True)
    return _log_likelihood(params, frequency, recency, T, x_values, x_index, gradient=gradient)


def _log_likelihood(
    params: ArrayLike,
    x: Array,
    t_x: Array,
    T: Array,
    x_values: Array,
    x_index: NDArray[np.intp],
    *,
    gradient: bool,
) -> tuple[Array, Array | None]:
    """:func:`log_likelihood` with the special functions of x evaluated once per distinct x."""
    r, alpha, a, b = np.asarray(params, dtype=np.float64)
    # terms that depend on x only: A₁ + A₂, and ln(b+x−1)
    a12 = (
        gammaln(r + x_values)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + x_values)
        - gammaln(b)
        - gammaln(a + b + x_values)
    )
    b_x_1 = np.where(x_values > 0, b + x_values - 1, 1.0)
    rx = r + x
    log_alpha_T = np.log(alpha + T)
    log_alpha_tx = np.log(alpha + t_x)
    a3 = -rx * log_alpha_T
    a4 = np.where(x > 0, np.log(a) - np.log(b_x_1)[x_index] - rx * log_alpha_tx, -np.inf)
    mix = np.logaddexp(a3, a4)
    ll = a12[x_index] + mix
    if not gradient:
        return ll, None
    w3 = np.exp(a3 - mix)  # share of the "still active at T" branch
    w4 = np.exp(a4 - mix)  # share of the "became inactive right after t_x" branch
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + x_values)
    d_r = digamma(r + x_values) - digamma(r) + np.log(alpha)
    d_b = psi_ab + digamma(b + x_values) - digamma(b) - psi_abx
    grad = np.empty((len(ll), 4))
    grad[:, 0] = d_r[x_index] - w3 * log_alpha_T - w4 * log_alpha_tx
    grad[:, 1] = r / alpha - rx * (w3 / (alpha + T) + w4 / (alpha + t_x))
    grad[:, 2] = (psi_ab - psi_abx)[x_index] + w4 / a
    grad[:, 3] = d_b[x_index] - w4 / b_x_1[x_index]
    return ll, grad


class BetaGeoModel(CLVModel):
    """BG/NBD model of how many purchases each customer will make (Fader, Hardie & Lee 2005).

    Learned attributes: ``params_`` (``r``, ``alpha``, ``a``, ``b``; also as ``r_``, ``alpha_``,
    ``a_``, ``b_``), ``log_likelihood_``, ``n_customers_``, ``n_iter_``. See :class:`CLVModel`
    for the hyperparameters.

    Examples
    --------
    >>> model = BetaGeoModel().fit(frequency, recency, T)            # doctest: +SKIP
    >>> model.predict_purchases(39, frequency, recency, T)           # doctest: +SKIP
    """

    param_names = ("r", "alpha", "a", "b")

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Maximum-likelihood fit on one row per customer (or per group, with ``weights``).

        Parameters
        ----------
        frequency : number of repeat purchases x (whole numbers ≥ 0).
        recency : time of the last repeat purchase t_x after the first purchase (0 when x = 0).
        T : time since the first purchase (≥ recency).
        weights : optional number of customers each row stands for.
        """
        x, t_x, age = check_rfm(frequency, recency, T)
        if not np.any(x > 0):
            raise ValueError("BG/NBD needs at least one customer with a repeat purchase")
        columns, w = compress(x, t_x, age, weights=weights)
        mean_x = float(w @ columns[0] / w.sum())
        mean_T = float(w @ columns[2] / w.sum())
        x_values, x_index = np.unique(columns[0], return_inverse=True)
        return self._maximise(
            (*columns, x_values, x_index), w, start=[1.0, max(mean_T, 1e-3) / mean_x, 1.0, 1.0]
        )

    def _log_likelihood(self, params: Array, columns: Columns) -> Array:
        return _log_likelihood(params, *columns, gradient=False)[0]

    def _log_likelihood_and_gradient(self, params: Array, columns: Columns) -> tuple[Array, Array]:
        ll, grad = _log_likelihood(params, *columns, gradient=True)
        assert grad is not None
        return ll, grad

    @property
    def r_(self) -> float:
        return self._param("r")

    @property
    def alpha_(self) -> float:
        return self._param("alpha")

    @property
    def a_(self) -> float:
        return self._param("a")

    @property
    def b_(self) -> float:
        return self._param("b")

    # --- predictions -----------------------------------------------------------------------
    def predict_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Array:
        """P(the customer is still active at T | x, t_x, T).

        Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model" (brucehardie.com
        note 021), from Bayes' theorem on equation (6):
        ``1 / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))``. It is 1 when x = 0, because
        in the BG/NBD a customer can only drop out right after a repeat purchase.
        """
        r, alpha, a, b = self._fitted_params()
        x, t_x, age = check_rfm(frequency, recency, T)
        return _probability_alive(r, alpha, a, b, x, t_x, age)

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Array:
        """Expected number of purchases in the next ``t`` periods, given x, t_x and T.

        Fader, Hardie & Lee (2005) equation (10):

        ``E[Y(t) | x, t_x, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x)
        ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] · P(alive | x, t_x, T)``.

        The hypergeometric term is evaluated after Euler's transformation,
        ``(1−z)^(r+x) ₂F₁(r+x, b+x; c; z) = (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; c; z)`` with
        c = a+b+x−1, whose small numerator parameters keep it accurate for large x.
        ``t`` broadcasts against the customers (a scalar, or e.g. shape (m, 1) for m horizons).
        """
        r, alpha, a, b = self._fitted_params()
        x, t_x, age = check_rfm(frequency, recency, T)
        horizon = check_horizon(t)
        alive = _probability_alive(r, alpha, a, b, x, t_x, age)
        return _expected_if_alive(r, alpha, a, b, horizon, x, age) * alive

    def expected_purchases_new_customer(self, t: ArrayLike) -> Array:
        """Expected number of repeat purchases by a new customer in their first ``t`` periods.

        Fader, Hardie & Lee (2005) equation (9):
        ``E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]``, used for
        cumulative tracking plots (multiply by the number of customers acquired at each time).
        It is equation (10) with x = t_x = T = 0.
        """
        r, alpha, a, b = self._fitted_params()
        horizon = check_horizon(t)
        return _expected_if_alive(r, alpha, a, b, horizon, np.zeros(()), np.zeros(()))


def _probability_alive(
    r: float, alpha: float, a: float, b: float, x: Array, t_x: Array, T: Array
) -> Array:
    repeat = x > 0
    log_odds_inactive = np.where(
        repeat,
        np.log(a)
        - np.log(np.where(repeat, b + x - 1, 1.0))
        + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)),
        -np.inf,
    )
    return np.asarray(expit(-log_odds_inactive), dtype=np.float64)


def _expected_if_alive(
    r: float, alpha: float, a: float, b: float, t: Array, x: Array, T: Array
) -> Array:
    """The bracketed part of equation (10): expected purchases in (T, T+t] for an active customer."""
    if abs(a - 1) < 1e-7:  # removable singularity at a = 1: step off it (relative error ~1e-7)
        a = 1 + 1e-7
    c = a + b + x - 1
    log_one_minus_z = np.log(alpha + T) - np.log(alpha + T + t)
    z = -np.expm1(log_one_minus_z)  # t / (α+T+t) without cancellation
    tail = np.exp((a - 1) * log_one_minus_z) * hyp2f1(a + b - 1 - r, a - 1, c, z)
    return np.asarray(c / (a - 1) * (1 - tail) + 0.0, dtype=np.float64)  # + 0.0: no -0.0
