"""Gamma-Gamma: the published CDNOW fit, the density and the conditional mean, the fit's Newton
steps on summed terms against BFGS on the per-customer terms, the edges."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from tenure.analytics.clv import ConvergenceWarning, GammaGammaModel, NotFittedError
from tenure.analytics.clv.gammagamma import _Sums, log_likelihood
from tenure.analytics.tests.conftest import Summary, three_significant_digits


def model_with(p: float, q: float, gamma: float) -> GammaGammaModel:
    model = GammaGammaModel()
    model.params_ = {"p": p, "q": q, "gamma": gamma}
    return model


def test_reproduces_the_published_cdnow_fit(gammagamma: GammaGammaModel) -> None:
    """FHL (2005) "RFM and CLV" / note 025: p = 6.25, q = 3.74, γ = 15.44 on the 946 repeat buyers.

    To 4 significant digits the maximum is p = 6.249, q = 3.745, γ = 15.45; at the published
    values the log-likelihood is only 0.0015 lower (−4055.9247 against −4055.9232).
    """
    assert gammagamma.n_customers_ == 946
    assert {k: three_significant_digits(v) for k, v in gammagamma.params_.items()} == {
        "p": 6.25,
        "q": 3.74,
        "gamma": 15.4,
    }
    assert gammagamma.params_ == pytest.approx({"p": 6.25, "q": 3.74, "gamma": 15.44}, rel=0.002)
    assert (gammagamma.p_, gammagamma.q_, gammagamma.gamma_) == tuple(gammagamma.params_.values())
    assert gammagamma.log_likelihood_ == pytest.approx(-4055.9232, abs=1e-3)


def test_analytic_gradient_matches_finite_differences(cdnow: Summary) -> None:
    repeat = cdnow.x > 0
    x, m = cdnow.x[repeat], cdnow.zbar[repeat]
    for params in ([6.25, 3.74, 15.44], [0.8, 1.5, 200.0], [40.0, 12.0, 2.0]):
        theta = np.array(params)
        _, grad = log_likelihood(theta, x, m, gradient=True)
        assert grad is not None
        for i in range(3):
            h = 1e-6 * theta[i]
            up, down = theta.copy(), theta.copy()
            up[i] += h
            down[i] -= h
            numeric = (log_likelihood(up, x, m)[0] - log_likelihood(down, x, m)[0]) / (2 * h)
            np.testing.assert_allclose(grad[:, i], numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("x", [1, 2, 7])
def test_density_integrates_to_one_and_matches_the_mixture(x: int) -> None:
    """f(m̄ | x) is a proper density, equal to ∫ Gamma(m̄; px, νx) Gamma(ν; q, γ) dν."""
    p, q, gamma = 6.25, 3.74, 15.44

    def density(m: float) -> float:
        return math.exp(log_likelihood(np.array([p, q, gamma]), np.array([x]), np.array([m]))[0][0])

    assert integrate.quad(density, 0, np.inf, epsabs=0, epsrel=1e-10)[0] == pytest.approx(
        1, rel=1e-8
    )
    for m in (5.0, 35.0, 200.0):
        mixture = integrate.quad(
            lambda nu, m=m: (
                stats.gamma.pdf(m, p * x, scale=1 / (nu * x))
                * stats.gamma.pdf(nu, q, scale=1 / gamma)
            ),
            0,
            np.inf,
            epsabs=0,
            epsrel=1e-10,
        )[0]
        assert density(m) == pytest.approx(mixture, rel=1e-7)


def test_predicted_spend_is_the_posterior_mean(gammagamma: GammaGammaModel) -> None:
    """E[M | m̄, x] = E[p/ν | m̄, x], ν | m̄, x ~ Gamma(px+q, γ+m̄x) (note 025, equation 5)."""
    p, q, gamma = gammagamma.params_.values()
    for x, m in ((1, 10.0), (2, 22.35), (10, 80.0)):
        posterior = stats.gamma(p * x + q, scale=1 / (gamma + m * x))
        direct = integrate.quad(
            lambda nu, f=posterior.pdf: p / nu * f(nu), 0, np.inf, epsabs=0, epsrel=1e-11
        )[0]
        assert float(gammagamma.predict_spend(x, m)) == pytest.approx(direct, rel=1e-8)


def test_predicted_spend_shrinks_towards_the_population_mean(
    cdnow: Summary, gammagamma: GammaGammaModel
) -> None:
    p, q, gamma = gammagamma.params_.values()
    population_mean = p * gamma / (q - 1)
    spend = gammagamma.predict_spend(cdnow.x, cdnow.zbar)
    assert np.all(spend[cdnow.x == 0] == pytest.approx(population_mean))
    repeat = cdnow.x > 0
    low, high = np.minimum(cdnow.zbar, population_mean), np.maximum(cdnow.zbar, population_mean)
    assert np.all((low[repeat] <= spend[repeat]) & (spend[repeat] <= high[repeat]))
    # the more purchases, the more the customer's own average counts
    by_frequency = gammagamma.predict_spend(np.array([1, 5, 50, 5000]), 100.0)
    assert np.all(np.diff(by_frequency) > 0) and by_frequency[-1] == pytest.approx(100, rel=1e-3)


def test_currency_scale_and_weights(cdnow: Summary, gammagamma: GammaGammaModel) -> None:
    in_cents = GammaGammaModel().fit(cdnow.x, cdnow.zbar * 100)
    assert in_cents.gamma_ == pytest.approx(100 * gammagamma.gamma_, rel=1e-5)
    assert in_cents.p_ == pytest.approx(gammagamma.p_, rel=1e-5)
    doubled = GammaGammaModel().fit(cdnow.x, cdnow.zbar, weights=np.full(2357, 2.0))
    assert doubled.n_customers_ == 2 * 946
    assert doubled.params_ == pytest.approx(gammagamma.params_, rel=1e-5)


def simulated_spend(
    n: int, p: float, q: float, gamma: float, seed: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """x repeat purchases (1 to 19) and their mean amount m̄ | ν ~ Gamma(px, νx), ν ~ Gamma(q, γ)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 20, n).astype(np.float64)
    nu = rng.gamma(q, 1 / gamma, n)
    return x, rng.gamma(p * x, 1 / (nu * x))


def bfgs_on_each_customer(
    x: np.ndarray, m: np.ndarray, penalizer: float = 0.0
) -> tuple[np.ndarray, float]:
    """The maximum found the plain way: SciPy's BFGS on the mean per-customer log-likelihood."""

    def objective(u: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = log_likelihood(np.exp(u), x, m, gradient=True)
        assert grad is not None
        value = -ll.mean() + penalizer * u @ u
        return value, -grad.mean(axis=0) * np.exp(u) + 2 * penalizer * u

    start = np.log([1.0, 2.0, m.mean()])
    result = optimize.minimize(objective, start, jac=True, method="BFGS", options={"gtol": 1e-10})
    return np.exp(result.x), float(log_likelihood(np.exp(result.x), x, m)[0].sum())


def test_summed_terms_match_the_per_customer_likelihood(cdnow: Summary) -> None:
    """The fit's sums give the weighted mean of equation (1a), its gradient and its Hessian."""
    repeat = cdnow.x > 0
    x, m = cdnow.x[repeat], cdnow.zbar[repeat]
    w = np.random.default_rng(3).integers(1, 4, len(x)).astype(np.float64)
    x_values, x_index = np.unique(x, return_inverse=True)
    sums = _Sums(x, m, x_values, x_index, w)
    for params in ([6.25, 3.74, 15.44], [0.8, 1.5, 200.0], [40.0, 12.0, 2.0]):
        theta = np.array(params)
        value, gradient, hessian = sums.evaluate(theta)
        ll, grad = log_likelihood(theta, x, m, gradient=True)
        assert grad is not None
        assert value == pytest.approx(w @ ll / w.sum(), rel=1e-12)
        np.testing.assert_allclose(gradient, w @ grad / w.sum(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(hessian, hessian.T)
        for i in range(3):
            h = 1e-5 * theta[i]
            up, down = theta.copy(), theta.copy()
            up[i] += h
            down[i] -= h
            numeric = (sums.evaluate(up)[1] - sums.evaluate(down)[1]) / (2 * h)
            np.testing.assert_allclose(hessian[i], numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("data", "penalizer"),
    [
        ("cdnow", 0.0),
        ("cdnow", 0.01),
        ("q below 1", 0.0),  # from the start, the Hessian has a negative curvature (q < 1)
        ("p = 30", 0.0),  # a negative curvature on the way
    ],
)
def test_newton_reaches_the_maximum_bfgs_finds(cdnow: Summary, data: str, penalizer: float) -> None:
    if data == "cdnow":
        x, m = cdnow.x[cdnow.x > 0], cdnow.zbar[cdnow.x > 0]
    elif data == "q below 1":
        x, m = simulated_spend(2000, p=2.0, q=0.7, gamma=1.0)
    else:
        x, m = simulated_spend(1000, p=30.0, q=6.0, gamma=100.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GammaGammaModel(penalizer=penalizer).fit(x, m)
    expected, expected_ll = bfgs_on_each_customer(x, m, penalizer)
    assert model.n_iter_ <= 15  # Newton steps; BFGS had nothing left to do
    assert list(model.params_.values()) == pytest.approx(expected, rel=1e-6)
    assert model.log_likelihood_ == pytest.approx(expected_ll, rel=1e-9)
    for estimate in model.summary().parameters:  # the information matrix is positive definite
        assert 0 < estimate.std_error < math.inf


def test_warns_when_the_data_cannot_identify_the_model() -> None:
    """Everyone spends the same: the likelihood grows without bound as p, q → ∞ (no variance)."""
    with pytest.warns(ConvergenceWarning) as caught:
        GammaGammaModel().fit([1, 2, 3, 4, 5], [10.0] * 5)
    assert any("ran off towards 0 or infinity" in str(w.message) for w in caught)


def test_predictions_need_a_fitted_model_with_a_finite_mean() -> None:
    with pytest.raises(NotFittedError):
        GammaGammaModel().predict_spend(1, 10.0)
    with pytest.raises(ValueError, match="infinite"):
        model_with(p=2.0, q=0.9, gamma=10.0).predict_spend(1, 10.0)


@pytest.mark.parametrize(
    ("frequency", "monetary_value", "message"),
    [
        ([], [], "empty"),
        ([0, 0, 3], [0, 0, 10], "at least 2 customers with repeat purchases"),
        ([1, 2], [10, 0], "monetary_value must be > 0"),
        ([1, 2], [10, -5], "negative"),
        ([1, 2], [10, np.nan], "NaN"),
        ([1, 2.5], [10, 20], "whole number"),
        ([1, 2, 3], [10, 20], "same length"),
    ],
)
def test_fit_refuses_degenerate_input(frequency, monetary_value, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GammaGammaModel().fit(frequency, monetary_value)
