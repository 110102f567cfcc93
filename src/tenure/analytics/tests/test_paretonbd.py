"""Pareto/NBD: the published CDNOW fit, the likelihood against numerical integration, the edges."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from tenure.analytics.clv import NotFittedError, ParetoNBDModel
from tenure.analytics.clv.paretonbd import log_likelihood
from tenure.analytics.tests.conftest import Summary

# Fader, Hardie & Lee (2005), "Counting your customers the easy way", section 4
PUBLISHED = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}


def model_with(**params: float) -> ParetoNBDModel:
    model = ParetoNBDModel()
    model.params_ = {k: params[k] for k in ("r", "alpha", "s", "beta")}
    return model


def test_comes_within_one_percent_of_the_published_cdnow_fit(paretonbd: ParetoNBDModel) -> None:
    # found: r = 0.5533, α = 10.578, s = 0.6062, β = 11.669 (each within 0.7% of the paper)
    for name, value in PUBLISHED.items():
        assert paretonbd.params_[name] == pytest.approx(value, rel=0.01)
    assert round(paretonbd.log_likelihood_, 1) == -9595.0  # FHL (2005) report −9595.0
    assert paretonbd.n_customers_ == 2357
    assert (paretonbd.r_, paretonbd.alpha_, paretonbd.s_, paretonbd.beta_) == tuple(
        paretonbd.params_.values()
    )
    estimates = paretonbd.summary().parameters
    assert all(p.lower_95 < p.estimate < p.upper_95 for p in estimates)


def _integrals(params: tuple[float, float, float, float], x: int, t_x: float, T: float):
    """Likelihood, P(alive) and E[Y(t)] by numerical integration of the individual-level model.

    Individual level (Fader & Hardie, note 009, section 3):
    L(λ, μ) = λ^x μ/(λ+μ) e^(−(λ+μ)t_x) + λ^(x+1)/(λ+μ) e^(−(λ+μ)T); the customer is alive at T
    with probability λ^x e^(−(λ+μ)T) / L(λ, μ) and then expects λ/μ (1 − e^(−μt)) purchases in t.
    The likelihood is a double integral over λ ~ Gamma(r, α), μ ~ Gamma(s, β); the other two
    factorise into single integrals.
    """

    def gamma_pdf(shape: float, rate: float):
        log_norm = shape * math.log(rate) - math.lgamma(shape)
        return lambda v: math.exp(log_norm + (shape - 1) * math.log(v) - rate * v) if v > 0 else 0.0

    r, alpha, s, beta = params
    g_lambda, g_mu = gamma_pdf(r, alpha), gamma_pdf(s, beta)

    def individual(mu: float, lam: float) -> float:
        return (
            lam**x * mu / (lam + mu) * math.exp(-(lam + mu) * t_x)
            + lam ** (x + 1) / (lam + mu) * math.exp(-(lam + mu) * T)
        ) * (g_lambda(lam) * g_mu(mu))

    likelihood = integrate.dblquad(individual, 0, np.inf, 0, np.inf, epsabs=0, epsrel=1e-9)[0]

    def single(f) -> float:
        return integrate.quad(f, 0, np.inf, epsabs=0, epsrel=1e-11, limit=200)[0]

    purchases_alive = single(lambda lam: lam**x * math.exp(-lam * T) * g_lambda(lam))
    p_alive = purchases_alive * single(lambda mu: math.exp(-mu * T) * g_mu(mu)) / likelihood

    def expected(t: float) -> float:
        rate = single(lambda lam: lam ** (x + 1) * math.exp(-lam * T) * g_lambda(lam))
        life = single(lambda mu: -math.expm1(-mu * t) / mu * math.exp(-mu * T) * g_mu(mu))
        return rate * life / likelihood

    return likelihood, p_alive, expected


@pytest.mark.parametrize(
    ("params", "x", "t_x", "T"),
    [
        ((0.55, 10.58, 0.61, 11.67), 0, 0.0, 38.86),  # α < β
        ((0.55, 10.58, 0.61, 11.67), 2, 30.43, 38.86),
        ((0.55, 10.58, 0.61, 11.67), 6, 10.0, 38.86),
        ((1.8, 12.0, 2.5, 3.0), 3, 5.0, 30.0),  # α > β
        ((1.8, 12.0, 2.5, 3.0), 1, 29.9, 30.0),
        ((1.2, 5.0, 1.0, 5.0), 4, 12.0, 20.0),  # α = β, s = 1
    ],
)
def test_likelihood_alive_and_expectation_match_numerical_integration(
    params: tuple, x: int, t_x: float, T: float
) -> None:
    likelihood, p_alive, expected = _integrals(params, x, t_x, T)
    ll = log_likelihood(np.array(params), np.array([x]), np.array([t_x]), np.array([T]))
    assert ll[0] == pytest.approx(math.log(likelihood), rel=1e-7)
    model = model_with(**dict(zip(("r", "alpha", "s", "beta"), params, strict=True)))
    assert float(model.predict_probability_alive(x, t_x, T)) == pytest.approx(p_alive, rel=1e-6)
    for t in (1.0, 39.0):
        assert float(model.predict_purchases(t, x, t_x, T)) == pytest.approx(expected(t), rel=1e-6)


def _likelihood_by_time_of_death(params: tuple, x: float, t_x: float, T: float) -> float:
    """L via the lifetime integral: alive at T, or died at τ in (t_x, T] (gamma moments in λ, μ).

    L = Γ(r+x)α^r β^s/Γ(r) · [(α+T)^−(r+x) (β+T)^−s + s ∫_{t_x}^T (α+τ)^−(r+x) (β+τ)^−(s+1) dτ]
    """
    r, alpha, s, beta = params
    log_c = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha) + s * math.log(beta)
    scale = (r + x) * math.log(alpha + t_x) + s * math.log(beta + t_x)  # keep numbers near 1
    alive = math.exp(scale - (r + x) * math.log(alpha + T) - s * math.log(beta + T))
    died = integrate.quad(
        lambda tau: math.exp(
            scale - (r + x) * math.log(alpha + tau) - (s + 1) * math.log(beta + tau)
        ),
        t_x,
        T,
        epsabs=0,
        epsrel=1e-12,
    )[0]
    return log_c - scale + math.log(alive + s * died)


@pytest.mark.parametrize("x", [0, 1, 10, 100, 1000])
@pytest.mark.parametrize(
    "params", [(0.55, 10.58, 0.61, 11.67), (0.6, 0.01, 1.5, 100.0), (3.0, 50.0, 0.2, 0.05)]
)
def test_likelihood_stays_accurate_for_extreme_frequencies_and_rates(params: tuple, x: int) -> None:
    t_x, T = (0.0, 39.0) if x == 0 else (20.0, 39.0)
    ll = log_likelihood(np.array(params), np.array([x]), np.array([t_x]), np.array([T]))
    assert np.isfinite(ll[0])
    assert ll[0] == pytest.approx(
        _likelihood_by_time_of_death(params, x, t_x, T), rel=1e-9, abs=1e-9
    )


def test_expected_purchases_of_a_new_customer(paretonbd: ParetoNBDModel) -> None:
    """E[X(t)] = (r/α) E[(1 − e^(−μt))/μ] over μ ~ Gamma(s, β) (note 009, equation 27)."""
    r, alpha, s, beta = paretonbd.params_.values()
    g_mu = stats.gamma(s, scale=1 / beta).pdf
    for t in (0.5, 39.0, 78.0):
        direct = (
            r
            / alpha
            * integrate.quad(
                lambda mu, t=t: -math.expm1(-mu * t) / mu * g_mu(mu),
                0,
                np.inf,
                epsabs=0,
                epsrel=1e-11,
            )[0]
        )
        assert float(paretonbd.expected_purchases_new_customer(t)) == pytest.approx(
            direct, rel=1e-8
        )
    curve = paretonbd.expected_purchases_new_customer(np.arange(0, 79))
    assert curve[0] == 0 and np.all(np.diff(curve) > 0)
    at_one = model_with(r=r, alpha=alpha, s=1.0, beta=beta).expected_purchases_new_customer(39.0)
    near_one = model_with(
        r=r, alpha=alpha, s=1.0 + 1e-7, beta=beta
    ).expected_purchases_new_customer(39.0)
    assert float(at_one) == pytest.approx(float(near_one), rel=1e-6)


def test_probability_alive_and_forecasts_behave(cdnow: Summary, paretonbd: ParetoNBDModel) -> None:
    alive = paretonbd.predict_probability_alive(cdnow.x, cdnow.t_x, cdnow.T)
    assert np.all((alive > 0) & (alive <= 1))
    repeat = cdnow.x > 0  # just bought: certainly alive
    assert np.all(
        paretonbd.predict_probability_alive(cdnow.x[repeat], cdnow.T[repeat], cdnow.T[repeat]) == 1
    )
    silence = paretonbd.predict_probability_alive(3, 10.0, np.array([10.0, 20.0, 40.0, 80.0]))
    assert silence[0] == 1 and np.all(np.diff(silence) < 0)
    forecasts = paretonbd.predict_purchases(
        np.array([[0.0], [1.0], [39.0]]), cdnow.x, cdnow.t_x, cdnow.T
    )
    assert forecasts.shape == (3, 2357)
    assert np.all(forecasts[0] == 0) and np.all(np.diff(forecasts, axis=0) > 0)
    assert 0.8 < forecasts[2].sum() / 1882 < 1.2  # see the BG/NBD test: weeks 40–78


def test_recovers_the_parameters_of_simulated_customers() -> None:
    """Simulate the Pareto/NBD story for 8,000 customers (daily resolution) and fit it back."""
    rng = np.random.default_rng(1987)
    n, true = 8_000, {"r": 0.8, "alpha": 8.0, "s": 0.9, "beta": 15.0}
    lam = rng.gamma(true["r"], 1 / true["alpha"], n)
    mu = rng.gamma(true["s"], 1 / true["beta"], n)
    T = 39 - rng.integers(0, 84, n) / 7
    active_until = np.minimum(rng.exponential(1 / mu), T)
    x = rng.poisson(lam * active_until).astype(float)
    last = active_until * rng.random(n) ** (1 / np.maximum(x, 1))  # the maximum of x uniforms
    t_x = np.where(x > 0, np.minimum(np.round(last * 7) / 7, T), 0.0)
    model = ParetoNBDModel().fit(x, t_x, T)
    for estimate in model.summary().parameters:
        assert abs(estimate.estimate - true[estimate.name]) < 4 * estimate.std_error


def test_predictions_need_a_fitted_model() -> None:
    with pytest.raises(NotFittedError):
        ParetoNBDModel().predict_purchases(1, 0, 0, 1)
    with pytest.raises(NotFittedError):
        ParetoNBDModel().s_  # noqa: B018


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([], [], [], "empty"),
        ([1, 1], [1, 3], [2, 2], "must not exceed T"),
        ([0.5, 1], [1, 1], [2, 2], "whole number"),
        ([1, 1], [np.nan, 1], [2, 2], "NaN"),
        ([0, 0], [0, 0], [2, 2], "at least one customer with a repeat purchase"),
    ],
)
def test_fit_refuses_degenerate_input(frequency, recency, T, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ParetoNBDModel().fit(frequency, recency, T)
