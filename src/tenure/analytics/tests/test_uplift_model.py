"""The uplift estimators on a synthetic retention campaign whose true uplift is known
(:func:`~tenure.analytics.uplift.synthetic_campaign`): persuadables and sleeping dogs defined by
features the baseline chance of staying does not depend on."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.model_selection import train_test_split

from tenure.analytics.clv.base import NotFittedError
from tenure.analytics.propensity import PropensityModel
from tenure.analytics.uplift import (
    ClassTransformationUplift,
    TwoModelUplift,
    UpliftModel,
    qini_coefficient,
    segment,
    synthetic_campaign,
)
from tenure.analytics.uplift.synthetic import FEATURES

FAST: dict[str, Any] = {"n_estimators": 300, "n_jobs": 1}
COLUMNS = list(FEATURES)
ESTIMATORS = {
    "two-model lightgbm": lambda: TwoModelUplift("lightgbm", **FAST),
    "class transformation lightgbm": lambda: ClassTransformationUplift("lightgbm", **FAST),
    "two-model logistic": lambda: TwoModelUplift("logistic"),
    "class transformation logistic": lambda: ClassTransformationUplift("logistic"),
}


def split(campaign: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """70 % to fit, 30 % held out, both groups in proportion."""
    train, test = train_test_split(
        campaign, test_size=0.3, stratify=campaign["treated"], random_state=1
    )
    return train, test


@pytest.fixture(scope="module")
def halves() -> tuple[pd.DataFrame, pd.DataFrame]:
    """20,000 customers, half of them in the control group."""
    return split(synthetic_campaign(20_000, control_share=0.5, random_state=0))


@pytest.fixture(scope="module")
def fitted(halves: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, UpliftModel]:
    train, _ = halves
    return {
        name: make().fit(train[COLUMNS], train["treated"], train["stayed"])
        for name, make in ESTIMATORS.items()
    }


@pytest.fixture(scope="module")
def predicted(
    fitted: dict[str, UpliftModel], halves: tuple[pd.DataFrame, pd.DataFrame]
) -> dict[str, np.ndarray]:
    _, test = halves
    return {name: model.predict_uplift(test[COLUMNS]) for name, model in fitted.items()}


@pytest.fixture(scope="module")
def response_scores(halves: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, np.ndarray]:
    """What a campaign targets without an uplift model: the classic response model (P(stayed)
    among the treated), the plain propensity to stay (all customers) and the churn risk."""
    train, test = halves
    treated = train["treated"] == 1
    response = PropensityModel(**FAST).fit(
        train.loc[treated, COLUMNS], train.loc[treated, "stayed"]
    )
    plain = PropensityModel(**FAST).fit(train[COLUMNS], train["stayed"])
    stay = plain.predict_proba(test[COLUMNS])
    return {
        "response": response.predict_proba(test[COLUMNS]),
        "propensity": stay,
        "churn risk": 1 - stay,
    }


@pytest.mark.parametrize("name", ESTIMATORS)
def test_both_estimators_rank_the_true_uplift_of_held_out_customers(
    name: str, predicted: dict[str, np.ndarray], halves: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = halves
    rho = spearmanr(predicted[name], test["true_uplift"]).statistic
    assert rho > 0.5


@pytest.mark.parametrize("name", [n for n in ESTIMATORS if "lightgbm" in n])
def test_targeting_by_predicted_uplift_beats_targeting_by_response(
    name: str,
    predicted: dict[str, np.ndarray],
    response_scores: dict[str, np.ndarray],
    halves: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    _, test = halves
    y, t = test["stayed"], test["treated"]
    model = qini_coefficient(y, t, predicted[name])
    oracle = qini_coefficient(y, t, test["true_uplift"])  # the best any model can expect
    assert model > 0.6 * oracle > 0
    for scores in response_scores.values():
        assert model > qini_coefficient(y, t, scores) + 0.01
    assert abs(qini_coefficient(y, t, response_scores["propensity"])) < 0.02  # ≈ random


@pytest.mark.parametrize("name", ESTIMATORS)
def test_predicted_uplift_averages_to_the_observed_campaign_effect(
    name: str, fitted: dict[str, UpliftModel], predicted: dict[str, np.ndarray]
) -> None:
    model = fitted[name]
    assert model.average_uplift_ == pytest.approx(model.treated_rate_ - model.control_rate_)
    assert abs(predicted[name].mean() - model.average_uplift_) < 0.02
    assert np.all((predicted[name] >= -1) & (predicted[name] <= 1))


def test_the_two_models_predict_with_and_without_contact(
    fitted: dict[str, UpliftModel], halves: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = halves
    model = fitted["two-model lightgbm"]
    assert isinstance(model, TwoModelUplift)
    treated = model.predict_proba_treated(test[COLUMNS])
    control = model.predict_proba_control(test[COLUMNS])
    np.testing.assert_allclose(model.predict_uplift(test[COLUMNS]), treated - control)
    # each calibrated model matches its group's outcome rate on held-out customers
    in_treated = test["treated"].to_numpy() == 1
    assert treated[in_treated].mean() == pytest.approx(test["stayed"][in_treated].mean(), abs=0.02)
    assert control[~in_treated].mean() == pytest.approx(
        test["stayed"][~in_treated].mean(), abs=0.02
    )
    assert model.treated_model_.calibration_ == model.control_model_.calibration_ == "sigmoid"
    assert model.n_treated_ + model.n_control_ == 14_000
    assert model.treatment_share_ == pytest.approx(0.5)


def test_segments_find_the_persuadables_and_the_sleeping_dogs(
    fitted: dict[str, UpliftModel], halves: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = halves
    model = fitted["two-model lightgbm"]
    assert isinstance(model, TwoModelUplift)
    segments = segment(
        model.predict_uplift(test[COLUMNS]),
        thresholds=(-0.05, 0.05),
        p_control=model.predict_proba_control(test[COLUMNS]),
    )
    truth = test["true_uplift"].groupby(segments.to_numpy(), observed=True).mean()
    assert truth["persuadable"] > 0.1
    assert truth["do_not_disturb"] < -0.05
    assert abs(truth["sure_thing"]) < 0.02 and abs(truth["lost_cause"]) < 0.03
    # most true persuadables and sleeping dogs land in their segment (the two-model difference
    # is noisy, so customers the offer does not move come along)
    group, found = test["group"].to_numpy(), segments.to_numpy()
    assert (found[group == "persuadable"] == "persuadable").mean() > 0.8
    assert (found[group == "sleeping_dog"] == "do_not_disturb").mean() > 0.8


def test_the_class_transformation_corrects_an_unequal_treated_share() -> None:
    """With 20 % treated, 2 · P(z = 1 | x) − 1 without the correction measures mostly the
    controls' chance of staying; the balancing weights restore the uplift."""
    train, test = split(synthetic_campaign(20_000, control_share=0.8, random_state=2))
    model = ClassTransformationUplift(**FAST).fit(train[COLUMNS], train["treated"], train["stayed"])
    assert model.treatment_share_ == pytest.approx(0.2)
    assert model.weights_ == pytest.approx((2.5, 0.625))  # ½ / 0.2, ½ / 0.8
    corrected = model.predict_uplift(test[COLUMNS])

    z = train["stayed"] * train["treated"] + (1 - train["stayed"]) * (1 - train["treated"])
    naive = 2 * PropensityModel(**FAST).fit(train[COLUMNS], z).predict_proba(test[COLUMNS]) - 1

    truth = test["true_uplift"]
    assert spearmanr(corrected, truth).statistic > 0.6
    assert spearmanr(naive, truth).statistic < 0.3
    assert abs(corrected.mean() - model.average_uplift_) < 0.02
    assert naive.mean() < model.average_uplift_ - 0.15  # ≈ 0.4 P₁ − 1.6 P₀ + 0.6 on average
    y, t = test["stayed"], test["treated"]
    assert qini_coefficient(y, t, corrected) > qini_coefficient(y, t, naive) + 0.02


def test_the_two_model_estimator_with_a_small_treated_group() -> None:
    train, test = split(synthetic_campaign(20_000, control_share=0.8, random_state=2))
    model = TwoModelUplift(**FAST).fit(train[COLUMNS], train["treated"], train["stayed"])
    predicted = model.predict_uplift(test[COLUMNS])
    assert spearmanr(predicted, test["true_uplift"]).statistic > 0.5
    assert abs(predicted.mean() - model.average_uplift_) < 0.02


@pytest.mark.parametrize("make", [TwoModelUplift, ClassTransformationUplift])
def test_fitting_is_deterministic_and_takes_column_names(make: type[UpliftModel]) -> None:
    campaign = synthetic_campaign(3_000, control_share=0.3, random_state=4)
    table = campaign[[*COLUMNS, "treated", "stayed"]]
    by_name = make(**FAST).fit(table, "treated", "stayed")
    by_array = make(**FAST).fit(campaign[COLUMNS], campaign["treated"], campaign["stayed"])
    np.testing.assert_array_equal(
        by_name.predict_uplift(table), by_array.predict_uplift(campaign[COLUMNS])
    )
    assert "treated" not in repr(by_name.get_params())
    assert repr(by_name).endswith("# 2100 treated, 900 controls")


def test_booleans_are_accepted_for_treatment_and_outcome() -> None:
    campaign = synthetic_campaign(2_000, random_state=5)
    model = ClassTransformationUplift("logistic").fit(
        campaign[COLUMNS], campaign["treated"] == 1, campaign["stayed"].astype(bool)
    )
    assert model.n_treated_ == 1_000


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return synthetic_campaign(1_000, random_state=6)


@pytest.mark.parametrize("make", [TwoModelUplift, ClassTransformationUplift])
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.assign(treated=1), "only treated customers"),
        (lambda c: c.assign(treated=0), "only controls"),
        (lambda c: c.assign(stayed=c["stayed"] * 2), "y must be 0/1"),
        (lambda c: c.assign(stayed=np.where(c["stayed"] == 1, "yes", "no")), "y must be 0/1"),
        (lambda c: c.assign(treated=c["treated"].astype(float).mask(c.index == 7)), "missing"),
        (
            lambda c: c.assign(treated=(c.index < 150).astype(int)),
            "the treated group has 150 customers, fewer than min_group_rows=200",
        ),
        (
            lambda c: c.assign(stayed=np.where(c["treated"] == 0, (c.index < 5).astype(int), 1)),
            "the treated group has 500 customers with y = 1 and 0 with y = 0",
        ),
        (
            lambda c: c.assign(stayed=np.where(c["treated"] == 1, c["stayed"], 0)),
            "the control group has 0 customers with y = 1",
        ),
    ],
)
def test_unusable_campaigns_are_refused_with_the_reason(
    make: type[UpliftModel], change: Any, message: str, small: pd.DataFrame
) -> None:
    campaign = change(small.reset_index(drop=True))
    with pytest.raises(ValueError, match=message):
        make(**FAST).fit(campaign[COLUMNS], campaign["treated"], campaign["stayed"])


def test_inputs_of_the_wrong_shape_are_refused(small: pd.DataFrame) -> None:
    model = TwoModelUplift(**FAST)
    with pytest.raises(ValueError, match=r"treatment has shape \(999,\) for 1000 rows of X"):
        model.fit(small[COLUMNS], small["treated"].iloc[:-1], small["stayed"])
    with pytest.raises(ValueError, match=r"y has shape \(1001,\)"):
        model.fit(small[COLUMNS], small["treated"], np.r_[small["stayed"], 1])
    with pytest.raises(ValueError, match="no treatment column 'offer' in X"):
        model.fit(small, "offer", "stayed")
    with pytest.raises(ValueError, match="X must be a pandas DataFrame"):
        model.fit(small[COLUMNS].to_numpy(), small["treated"], small["stayed"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TwoModelUplift("forest"), "base must be 'lightgbm' or 'logistic'"),  # type: ignore[arg-type]
        (
            lambda: ClassTransformationUplift(calibration="isotonic"),
            "calibration must be one of sigmoid, none for ClassTransformationUplift",
        ),
        (lambda: TwoModelUplift(calibration="platt"), "calibration must be one of"),
        (lambda: TwoModelUplift(min_group_rows=5), "min_group_rows=5"),
        (lambda: ClassTransformationUplift(validation_share=1.5), "validation_share=1.5"),
        (lambda: TwoModelUplift(learning_rate=0, C=-1), "learning_rate=0, C=-1"),
        (
            lambda: TwoModelUplift(lightgbm_params={"objective": "regression"}),
            "objective is 'binary'",
        ),
    ],
)
def test_invalid_parameters_are_refused_at_fit(
    make: Any, message: str, small: pd.DataFrame
) -> None:
    with pytest.raises(ValueError, match=message):
        make().fit(small[COLUMNS], small["treated"], small["stayed"])


@pytest.mark.parametrize("make", [TwoModelUplift, ClassTransformationUplift])
def test_an_unfitted_model_says_so(make: type[UpliftModel], small: pd.DataFrame) -> None:
    model = make()
    assert repr(model).startswith(f"{make.__name__}(base='lightgbm'")
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict_uplift(small[COLUMNS])
    with pytest.raises(NotFittedError):
        _ = model.average_uplift_
