"""BG/NBD: the published CDNOW fit, the formulas against direct integration, and the edges."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import gammaln, hyp2f1

from tenure.analytics.clv import BetaGeoModel, ConvergenceWarning, NotFittedError
from tenure.analytics.clv.bgnbd import log_likelihood
from tenure.analytics.tests.conftest import Summary, three_significant_digits

PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee (2005)


def model_with(**params: float) -> BetaGeoModel:
    model = BetaGeoModel()
    model.params_ = {k: params[k] for k in ("r", "alpha", "a", "b")}
    return model


def test_reproduces_the_published_cdnow_fit(bgnbd: BetaGeoModel) -> None:
    """FHL (2005), section 4: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4."""
    assert {k: three_significant_digits(v) for k, v in bgnbd.params_.items()} == {
        "r": 0.243,
        "alpha": 4.41,
        "a": 0.793,
        "b": 2.43,
    }
    for name, value in PUBLISHED.items():  # and to the published 4 significant digits
        assert bgnbd.params_[name] == pytest.approx(value, abs=0.0006)
    assert round(bgnbd.log_likelihood_, 1) == -9582.4
    assert bgnbd.n_customers_ == 2357
    assert (bgnbd.r_, bgnbd.alpha_, bgnbd.a_, bgnbd.b_) == tuple(bgnbd.params_.values())


def test_conditional_expectation_of_the_papers_example_customer(bgnbd: BetaGeoModel) -> None:
    """FHL (2005): x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks."""
    assert round(float(bgnbd.predict_purchases(39, 2, 30.43, 38.86)), 3) == 1.226


def test_standard_errors_and_summary(bgnbd: BetaGeoModel) -> None:
    summary = bgnbd.summary()
    assert [p.name for p in summary.parameters] == ["r", "alpha", "a", "b"]
    for p in summary.parameters:
        assert p.lower_95 < p.estimate < p.upper_95 and p.std_error > 0
    # observed-information standard errors (lifetimes' README shows the same for this fit)
    assert [round(p.std_error, 2) for p in summary.parameters] == [0.01, 0.38, 0.19, 0.71]
    text = str(summary)
    assert "BetaGeoModel: 2357 customers, log-likelihood -9582.43" in text and "alpha" in text
    assert repr(bgnbd).startswith("BetaGeoModel(penalizer=0.0, tol=1e-09, max_iter=1000)  # fitted")


@pytest.mark.parametrize(
    "params",
    [(0.243, 4.414, 0.793, 2.426), (2.5, 0.7, 3.0, 0.4), (0.05, 40.0, 1.2, 15.0)],
)
def test_analytic_gradient_matches_finite_differences(cdnow: Summary, params: tuple) -> None:
    theta = np.array(params)
    _, grad = log_likelihood(theta, cdnow.x, cdnow.t_x, cdnow.T, gradient=True)
    assert grad is not None
    for i in range(4):
        h = 1e-6 * theta[i]
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        numeric = (
            log_likelihood(up, cdnow.x, cdnow.t_x, cdnow.T)[0]
            - log_likelihood(down, cdnow.x, cdnow.t_x, cdnow.T)[0]
        ) / (2 * h)
        np.testing.assert_allclose(grad[:, i], numeric, rtol=1e-5, atol=1e-7)


def _individual_integrals(r: float, alpha: float, a: float, b: float, x: int, t_x: float, T: float):
    """L and E[Y(t)] by integrating the individual-level model over Beta(a, b) numerically.

    Individual level (FHL 2005, section 3): L(λ, p) = (1−p)^x λ^x e^(−λT)
    + δ_{x>0} p (1−p)^(x−1) λ^x e^(−λ t_x); while active, E[Y(t) | λ, p] = (1 − e^(−λpt)) / p.
    The λ-integrals are the gamma function's ∫ λ^k e^(−λc) Gamma(λ; r, α) dλ.
    """

    def gamma_moment(k: float, c: float) -> float:  # E[λ^k e^(−λc)] for λ ~ Gamma(r, α)
        return math.exp(
            gammaln(r + k) - gammaln(r) + r * math.log(alpha) - (r + k) * math.log(alpha + c)
        )

    beta_pdf = stats.beta(a, b).pdf
    alive = integrate.quad(lambda p: (1 - p) ** x * beta_pdf(p), 0, 1, epsabs=0, epsrel=1e-10)[0]
    died = (
        integrate.quad(
            lambda p: p * (1 - p) ** (x - 1) * beta_pdf(p), 0, 1, epsabs=0, epsrel=1e-10
        )[0]
        if x > 0
        else 0.0
    )
    likelihood = alive * gamma_moment(x, T) + died * gamma_moment(x, t_x)

    def expected(t: float) -> float:
        def integrand(p: float) -> float:
            gap = gamma_moment(x, T) - math.exp(
                gammaln(r + x)
                - gammaln(r)
                + r * math.log(alpha)
                - (r + x) * math.log(alpha + T + p * t)
            )
            return (1 - p) ** x / p * gap * beta_pdf(p)

        return integrate.quad(integrand, 0, 1, epsabs=0, epsrel=1e-10, limit=200)[0] / likelihood

    return likelihood, expected


@pytest.mark.parametrize(
    ("x", "t_x", "T"),
    [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 29.43, 32.71), (29, 35.0, 35.0)],
)
def test_likelihood_and_conditional_expectation_match_numerical_integration(
    x: int, t_x: float, T: float
) -> None:
    r, alpha, a, b = PUBLISHED.values()
    likelihood, expected = _individual_integrals(r, alpha, a, b, x, t_x, T)
    ll, _ = log_likelihood(
        np.array([r, alpha, a, b]), np.array([x]), np.array([t_x]), np.array([T])
    )
    assert ll[0] == pytest.approx(math.log(likelihood), rel=1e-9)
    model = model_with(r=r, alpha=alpha, a=a, b=b)
    for t in (1.0, 39.0, 520.0):
        assert float(model.predict_purchases(t, x, t_x, T)) == pytest.approx(expected(t), rel=1e-7)


def test_euler_transformed_formula_equals_equation_10_as_printed() -> None:
    r, alpha, a, b = PUBLISHED.values()
    model = model_with(r=r, alpha=alpha, a=a, b=b)
    x, t_x, T, t = np.array([0, 1, 3, 10]), np.array([0, 5.0, 20.0, 30.0]), 38.0, 39.0
    printed = (
        (a + b + x - 1)
        / (a - 1)
        * (
            1
            - ((alpha + T) / (alpha + T + t)) ** (r + x)
            * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        )
        / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    )
    np.testing.assert_allclose(model.predict_purchases(t, x, t_x, T), printed, rtol=1e-10)
    new = (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
    )
    assert float(model.expected_purchases_new_customer(t)) == pytest.approx(new, rel=1e-10)


def test_expected_purchases_of_a_new_customer_match_integration(bgnbd: BetaGeoModel) -> None:
    """E[X(t)] = E[(1 − (α/(α+pt))^r) / p] over p ~ Beta(a, b) (FHL 2005, equation 9)."""
    r, alpha, a, b = bgnbd.params_.values()
    beta_pdf = stats.beta(a, b).pdf
    for t in (0.5, 39.0, 78.0):
        direct = integrate.quad(
            lambda p, t=t: (1 - (alpha / (alpha + p * t)) ** r) / p * beta_pdf(p),
            0,
            1,
            epsabs=0,
            epsrel=1e-10,
        )[0]
        assert float(bgnbd.expected_purchases_new_customer(t)) == pytest.approx(direct, rel=1e-8)
    curve = bgnbd.expected_purchases_new_customer(np.arange(0, 79))
    assert curve[0] == 0 and np.all(np.diff(curve) > 0)


def test_probability_alive_and_forecasts_behave(cdnow: Summary, bgnbd: BetaGeoModel) -> None:
    alive = bgnbd.predict_probability_alive(cdnow.x, cdnow.t_x, cdnow.T)
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(alive[cdnow.x == 0] == 1)  # BG/NBD customers only drop out after a purchase
    # a longer silence since the last purchase makes the customer less likely to be alive
    silence = bgnbd.predict_probability_alive(3, 10.0, np.array([10.0, 20.0, 40.0, 80.0]))
    assert np.all(np.diff(silence) < 0)
    horizons = np.array([[0.0], [1.0], [10.0], [39.0], [100.0]])
    forecasts = bgnbd.predict_purchases(horizons, cdnow.x, cdnow.t_x, cdnow.T)
    assert forecasts.shape == (5, 2357)
    assert np.all(forecasts[0] == 0) and np.all(np.diff(forecasts, axis=0) > 0)
    # the cohort's expected purchases in weeks 40–78 against the 1,882 purchase days that
    # CDNOW_sample.txt holds for 1997-10-01..1998-06-30 (a sanity check, not a published figure)
    assert 0.8 < forecasts[3].sum() / 1882 < 1.2


def test_large_frequencies_stay_finite() -> None:
    model = model_with(**PUBLISHED)
    x, t_x, T = np.array([500.0, 2000.0]), np.array([100.0, 100.0]), np.array([100.0, 100.0])
    ll, grad = log_likelihood(np.array(list(PUBLISHED.values())), x, t_x, T, gradient=True)
    assert np.all(np.isfinite(ll)) and grad is not None and np.all(np.isfinite(grad))
    rate = (PUBLISHED["r"] + x) / (PUBLISHED["alpha"] + T)  # posterior mean purchase rate
    expected = model.predict_purchases(10.0, x, t_x, T)
    assert np.all(expected < 10 * rate) and np.all(expected > 0.9 * 10 * rate)
    assert np.all(model.predict_probability_alive(x, t_x, T) > 0.99)


def test_a_equal_to_one_is_handled() -> None:
    near = model_with(r=0.5, alpha=5.0, a=1.0 + 1e-4, b=2.0)
    at = model_with(r=0.5, alpha=5.0, a=1.0, b=2.0)
    np.testing.assert_allclose(
        at.predict_purchases(39.0, [0, 3], [0, 20], [30, 30]),
        near.predict_purchases(39.0, [0, 3], [0, 20], [30, 30]),
        rtol=1e-3,
    )


def test_weights_time_units_and_the_penalizer(cdnow: Summary, bgnbd: BetaGeoModel) -> None:
    rows, _, counts = np.unique(
        np.c_[cdnow.x, cdnow.t_x, cdnow.T], axis=0, return_inverse=True, return_counts=True
    )
    weighted = BetaGeoModel().fit(rows[:, 0], rows[:, 1], rows[:, 2], weights=counts)
    assert weighted.n_customers_ == 2357
    for name in PUBLISHED:
        assert weighted.params_[name] == pytest.approx(bgnbd.params_[name], rel=1e-6)
    in_days = BetaGeoModel().fit(cdnow.x, cdnow.t_x * 7, cdnow.T * 7)
    assert in_days.alpha_ == pytest.approx(7 * bgnbd.alpha_, rel=1e-5)
    for name in ("r", "a", "b"):
        assert in_days.params_[name] == pytest.approx(bgnbd.params_[name], rel=1e-5)
    shrunk = BetaGeoModel(penalizer=0.1).fit(cdnow.x, cdnow.t_x, cdnow.T)
    size = lambda m: sum(math.log(v) ** 2 for v in m.params_.values())  # noqa: E731
    assert size(shrunk) < size(bgnbd)
    assert shrunk.get_params() == {"penalizer": 0.1, "tol": 1e-9, "max_iter": 1000}


def test_recovers_the_parameters_of_simulated_customers() -> None:
    """Simulate the BG/NBD story (FHL 2005, section 2) for 20,000 customers and fit it back."""
    rng = np.random.default_rng(2005)
    n, true = 20_000, dict(r=0.5, alpha=6.0, a=0.7, b=2.5)
    lam = rng.gamma(true["r"], 1 / true["alpha"], n)
    p = rng.beta(true["a"], true["b"], n)
    T = 39 - rng.integers(0, 84, n) / 7  # acquired on one of 12 weeks' days, like CDNOW
    x, t_x, now = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        now[active] += rng.exponential(1 / lam[active])
        buys = active & (now <= T)
        x[buys] += 1
        t_x[buys] = now[buys]
        active = buys & (rng.random(n) >= p)  # drop out right after a purchase with prob. p
    t_x = np.minimum(np.round(t_x * 7) / 7, T)
    model = BetaGeoModel().fit(x, t_x, T)
    for estimate in model.summary().parameters:
        assert abs(estimate.estimate - true[estimate.name]) < 4 * estimate.std_error


def test_warns_when_the_data_cannot_identify_the_model() -> None:
    """Three customers who all bought just now: the likelihood grows as p → 0 and λ → constant."""
    with pytest.warns(ConvergenceWarning, match="penalizer"):
        BetaGeoModel().fit([1, 2, 3], [5, 6, 7], [5, 6, 7])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shrunk = BetaGeoModel(penalizer=0.01).fit([1, 2, 3], [5, 6, 7], [5, 6, 7])
    assert all(1e-3 < v < 1e3 for v in shrunk.params_.values())


def test_predictions_need_a_fitted_model() -> None:
    model = BetaGeoModel()
    assert repr(model) == "BetaGeoModel(penalizer=0.0, tol=1e-09, max_iter=1000)"
    for call in (
        lambda: model.predict_purchases(1, 0, 0, 1),
        lambda: model.predict_probability_alive(0, 0, 1),
        lambda: model.expected_purchases_new_customer(1),
        model.summary,
        lambda: model.r_,
    ):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            call()
    assert issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([], [], [], "empty"),
        ([1, -1], [1, 0], [2, 2], "negative"),
        ([1, 1], [1, 3], [2, 2], "must not exceed T"),
        ([1.5, 1], [1, 1], [2, 2], "whole number"),
        ([1, np.nan], [1, 1], [2, 2], "NaN"),
        ([1, 1], [1, np.inf], [2, 2], "NaN or infinite"),
        ([0, 0], [0, 0], [2, 2], "at least one customer with a repeat purchase"),
        ([0, 1], [1, 1], [2, 2], "recency must be 0"),
        ([1, 1, 1], [1, 1], [2, 2], "same length"),
        ([[1], [1]], [1, 1], [2, 2], "one-dimensional"),
    ],
)
def test_fit_refuses_degenerate_input(frequency, recency, T, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BetaGeoModel().fit(frequency, recency, T)


def test_fit_refuses_bad_hyperparameters_and_weights(cdnow: Summary, bgnbd: BetaGeoModel) -> None:
    with pytest.raises(ValueError, match="penalizer"):
        BetaGeoModel(penalizer=-1).fit(cdnow.x, cdnow.t_x, cdnow.T)
    with pytest.raises(ValueError, match="tol"):
        BetaGeoModel(tol=0).fit(cdnow.x, cdnow.t_x, cdnow.T)
    with pytest.raises(ValueError, match="one value per customer"):
        BetaGeoModel().fit(cdnow.x, cdnow.t_x, cdnow.T, weights=[1, 2])
    with pytest.raises(ValueError, match="all weights are zero"):
        BetaGeoModel().fit(cdnow.x, cdnow.t_x, cdnow.T, weights=np.zeros(2357))
    with pytest.raises(ValueError, match="negative"):
        bgnbd.predict_purchases(-1, 1, 1, 2)
