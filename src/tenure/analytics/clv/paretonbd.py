"""Pareto/NBD: Poisson purchasing with an exponential lifetime, both with gamma heterogeneity.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: Who are they
and what will they do next? *Management Science* 33(1), 1–24; in the notation and with the
expressions of Fader, P. S. & Hardie, B. G. S. (2005), "A note on deriving the Pareto/NBD model and
related expressions" (brucehardie.com note 009, version of 2005-11-05), whose equation numbers
are cited below.

While alive, a customer buys at a Poisson rate λ ~ Gamma(r, α); they stay alive for an exponential
time with rate μ ~ Gamma(s, β). Data per customer as for the BG/NBD: ``frequency`` x, ``recency`` t_x
and ``T``, in one time unit.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln, hyp2f1

from tenure.analytics.clv.base import Array, CLVModel, Columns, check_horizon, check_rfm, compress


def _log_h(r: float, alpha: float, s: float, beta: float, x: Array, t: Array) -> Array:
    """ln of the hypergeometric terms of equations (19)–(20) at time t, multiplied out.

    The note's A₀ is ``H(t_x) − H(T)`` over (r+s+x), with, for α ≥ β,
    ``H(t) = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) / (α+t)^(r+s+x)`` and the roles of (α, s+1)
    and (β, r+x) swapped for α < β. Euler's transformation ``₂F₁(A, B; C; z) =
    (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z)`` with C − A = 1 turns these into

    * α ≥ β: ``H(t) = (α+t)^−(r+x) (β+t)^−s · ₂F₁(1, r+x; r+s+x+1; (α−β)/(α+t))``
    * α < β: ``H(t) = (α+t)^−(r+x) (β+t)^−s · (α+t)/(β+t) · ₂F₁(1, s+1; r+s+x+1; (β−α)/(β+t))``

    where ₂F₁(1, b; c; z) with c > b is ≥ 1, grows with z and stays moderate unless z is close to 1
    (α or β near 0). So large x neither overflows nor costs the hypergeometric function its
    accuracy, and everything else is summed as logarithms.
    """
    log_alpha_t, log_beta_t = np.log(alpha + t), np.log(beta + t)
    log_h = -(r + x) * log_alpha_t - s * log_beta_t
    c = r + s + x + 1
    if alpha >= beta:
        return log_h + np.log(hyp2f1(1.0, r + x, c, (alpha - beta) / (alpha + t)))
    return (
        log_h
        + log_alpha_t
        - log_beta_t
        + np.log(hyp2f1(1.0, s + 1, c, (beta - alpha) / (beta + t)))
    )


def _log_parts(params: ArrayLike, x: Array, t_x: Array, T: Array) -> tuple[Array, Array, Array]:
    """(ln of the constant, ln of "alive at T" branch, ln of "died in (t_x, T]" branch)."""
    r, alpha, s, beta = np.asarray(params, dtype=np.float64)
    constant = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    h_tx, h_T = _log_h(r, alpha, s, beta, x, t_x), _log_h(r, alpha, s, beta, x, T)
    # ln(H(t_x) − H(T)); H(T) ≤ H(t_x) exactly, rounding can only make the gap 0 (→ −inf)
    with np.errstate(divide="ignore"):
        gap = h_tx + np.log(-np.expm1(np.minimum(h_T - h_tx, 0.0)))
    died = np.log(s) - np.log(r + s + x) + gap
    return constant, alive, died


def log_likelihood(params: ArrayLike, frequency: Array, recency: Array, T: Array) -> Array:
    """Per-customer Pareto/NBD log-likelihood, equation (18) of Fader & Hardie's note 009.

    ``L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀ ]``: the first term is
    the customer still being alive at T, the second dying between t_x and T (see :func:`_log_h`).

    Parameters
    ----------
    params : (r, alpha, s, beta)
    frequency, recency, T : arrays of one length, already validated.
    """
    constant, alive, died = _log_parts(params, frequency, recency, T)
    return np.asarray(constant + np.logaddexp(alive, died), dtype=np.float64)


class ParetoNBDModel(CLVModel):
    """Pareto/NBD model of how many purchases each customer will make (Schmittlein et al. 1987).

    Learned attributes: ``params_`` (``r``, ``alpha``, ``s``, ``beta``; also as ``r_``,
    ``alpha_``, ``s_``, ``beta_``), ``log_likelihood_``, ``n_customers_``, ``n_iter_``. The
    gradient for fitting is taken by central differences (the ₂F₁ terms have no handy parameter
    derivatives). See :class:`CLVModel` for the hyperparameters.
    """

    param_names = ("r", "alpha", "s", "beta")

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
            raise ValueError("Pareto/NBD needs at least one customer with a repeat purchase")
        columns, w = compress(x, t_x, age, weights=weights)
        mean_x = float(w @ columns[0] / w.sum())
        mean_T = max(float(w @ columns[2] / w.sum()), 1e-3)
        return self._maximise(columns, w, start=[1.0, mean_T / mean_x, 1.0, mean_T])

    def _log_likelihood(self, params: Array, columns: Columns) -> Array:
        return log_likelihood(params, *columns)

    @property
    def r_(self) -> float:
        return self._param("r")

    @property
    def alpha_(self) -> float:
        return self._param("alpha")

    @property
    def s_(self) -> float:
        return self._param("s")

    @property
    def beta_(self) -> float:
        return self._param("beta")

    # --- predictions -----------------------------------------------------------------------
    def predict_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Array:
        """P(the customer is still alive at T | x, t_x, T).

        Note 009, section 5.1, equations (36)–(37): the "alive at T" share of the likelihood,
        ``(α+T)^−(r+x) (β+T)^−s / [ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀ ]``.
        """
        params = self._fitted_params()
        x, t_x, age = check_rfm(frequency, recency, T)
        _, alive, died = _log_parts(params, x, t_x, age)
        return np.asarray(np.exp(alive - np.logaddexp(alive, died)), dtype=np.float64)

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Array:
        """Expected number of purchases in the next ``t`` periods, given x, t_x and T.

        Note 009, equation (41):
        ``E[Y(t) | x, t_x, T] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)]
        · P(alive | x, t_x, T)``, with its limit ``(r+x)(β+T)/(α+T) · ln(1 + t/(β+T))`` at s = 1.
        ``t`` broadcasts against the customers.
        """
        r, alpha, s, beta = self._fitted_params()
        x, t_x, age = check_rfm(frequency, recency, T)
        horizon = check_horizon(t)
        alive = self.predict_probability_alive(x, t_x, age)
        per_alive = (
            (r + x) / (alpha + age) * (beta + age) * _one_minus_power(s - 1, horizon / (beta + age))
        )
        return np.asarray(per_alive * alive, dtype=np.float64)

    def expected_purchases_new_customer(self, t: ArrayLike) -> Array:
        """Expected number of repeat purchases by a new customer in their first ``t`` periods.

        Note 009, equation (27): ``E[X(t)] = rβ / (α(s−1)) · [1 − (β/(β+t))^(s−1)]``.
        """
        r, alpha, s, beta = self._fitted_params()
        horizon = check_horizon(t)
        return np.asarray(
            r * beta / alpha * _one_minus_power(s - 1, horizon / beta), dtype=np.float64
        )


def _one_minus_power(k: float, u: Array) -> Array:
    """``(1 − (1+u)^−k) / k``, continuous at k = 0 where it is ``ln(1+u)``."""
    log1p_u = np.log1p(u)
    if abs(k) < 1e-12:
        return log1p_u
    return np.asarray(-np.expm1(-k * log1p_u) / k, dtype=np.float64)
