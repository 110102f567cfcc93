"""Scoring a base with fitted models, and the rules from scores to value, segment, risk class."""

from __future__ import annotations

import numpy as np
import pytest

from tenure.analytics.clv import BetaGeoModel, GammaGammaModel, NotFittedError
from tenure.analytics.clv.scoring import (
    churn_score,
    classify,
    score_customers,
    value_by_deciles,
    value_by_thresholds,
)
from tenure.analytics.clv.value import customer_lifetime_value
from tenure.analytics.tests.conftest import Summary

CUTS = [10, 20, 30, 40, 50, 60, 70, 80, 90]


def test_deciles_give_each_value_a_tenth_and_the_top_tenth_ten() -> None:
    basis = np.random.default_rng(7).gamma(2.0, 50.0, 10_000)
    values = value_by_deciles(basis)
    assert np.bincount(values, minlength=11)[1:].tolist() == [1000] * 10
    assert values[np.argmax(basis)] == 10 and values[np.argmin(basis)] == 1
    order = np.argsort(basis)
    assert np.all(np.diff(values[order]) >= 0)  # a higher CLV never gets a lower value


def test_deciles_give_equal_values_the_same_decile() -> None:
    values = value_by_deciles([5.0] * 6 + [1.0, 2.0, 3.0, 9.0])
    assert values[:6].tolist() == [9] * 6
    assert values[6:].tolist() == [1, 2, 3, 10]
    assert value_by_deciles([]).size == 0


def test_thresholds_start_a_value_at_its_cut_point() -> None:
    values = value_by_thresholds([0, 9.99, 10, 55, 90, 1e9], CUTS)
    assert values.tolist() == [1, 1, 2, 6, 10, 10]


@pytest.mark.parametrize(
    ("cuts", "message"),
    [
        (CUTS[:8], "expected 9 cut points, got 8"),
        ([*CUTS[:8], 80], "strictly ascending"),
        ([*CUTS[:8], float("nan")], "finite"),
    ],
)
def test_bad_thresholds_are_refused(cuts: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        value_by_thresholds([1.0], cuts)


def test_classify_takes_the_greatest_lower_bound() -> None:
    risk = {"1": 0, "2": 25, "3": 50, "4": 75}
    assert classify([0, 24, 25, 74, 75, 100], risk).tolist() == ["1", "1", "2", "3", "4", "4"]
    segments = {"A": 9, "B": 7, "C": 4, "D": 1}
    assert classify([10, 9, 8, 7, 4, 3, 1], segments).tolist() == list("AABBCDD")
    with pytest.raises(ValueError, match="below every lower bound"):
        classify([0], segments)
    with pytest.raises(ValueError, match="same lower bound"):
        classify([5], {"A": 1, "B": 1})


def test_churn_score_is_the_rounded_probability_of_having_left() -> None:
    assert churn_score([1.0, 0.996, 0.994, 0.5, 0.0]).tolist() == [0, 0, 1, 50, 100]
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        churn_score([1.2])


def test_scores_are_the_models_predictions(cdnow: Summary, bgnbd: BetaGeoModel) -> None:
    spend = GammaGammaModel().fit(cdnow.x, cdnow.zbar)
    scores = score_customers(
        bgnbd, cdnow.x, cdnow.t_x, cdnow.T, spend_model=spend, monetary_value=cdnow.zbar
    )
    weeks_in_a_year = 365.25 / 7
    expected = bgnbd.predict_purchases(weeks_in_a_year, cdnow.x, cdnow.t_x, cdnow.T)
    np.testing.assert_allclose(scores.expected_purchases, expected)
    alive = bgnbd.predict_probability_alive(cdnow.x, cdnow.t_x, cdnow.T)
    np.testing.assert_allclose(scores.probability_alive, alive)
    clv = customer_lifetime_value(
        bgnbd, cdnow.x, cdnow.t_x, cdnow.T, spend.predict_spend(cdnow.x, cdnow.zbar)
    )
    np.testing.assert_allclose(scores.clv, clv)
    np.testing.assert_array_equal(scores.value_basis, scores.clv)
    assert scores.churn_score.min() >= 0 and scores.churn_score.max() <= 100


def test_without_spend_data_the_value_ranks_by_expected_purchases(
    cdnow: Summary, bgnbd: BetaGeoModel
) -> None:
    scores = score_customers(bgnbd, cdnow.x, cdnow.t_x, cdnow.T)
    assert np.isnan(scores.clv).all() and np.isnan(scores.expected_spend).all()
    np.testing.assert_array_equal(scores.value_basis, scores.expected_purchases)
    with pytest.raises(ValueError, match="monetary_value is required"):
        score_customers(bgnbd, cdnow.x, cdnow.t_x, cdnow.T, spend_model=GammaGammaModel())


def test_a_model_restored_from_its_parameters_predicts_the_same(
    cdnow: Summary, bgnbd: BetaGeoModel
) -> None:
    restored = BetaGeoModel.from_params(bgnbd.params_)
    np.testing.assert_array_equal(
        restored.predict_probability_alive(cdnow.x, cdnow.t_x, cdnow.T),
        bgnbd.predict_probability_alive(cdnow.x, cdnow.t_x, cdnow.T),
    )
    assert "restored" in repr(restored)
    with pytest.raises(NotFittedError, match="no data for a summary"):
        restored.summary()
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        BetaGeoModel.from_params({"r": 1, "alpha": 1, "a": 1})
    with pytest.raises(ValueError, match="finite and > 0"):
        BetaGeoModel.from_params({"r": 1, "alpha": -1, "a": 1, "b": 1})
