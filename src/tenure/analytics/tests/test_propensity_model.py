"""PropensityModel on ISLR's Default credit data (``tests/data/default/``): a bad-debt model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.model_selection import train_test_split

from tenure.analytics.clv.base import NotFittedError
from tenure.analytics.propensity import (
    BASE_VALUE,
    PropensityModel,
    Reason,
    compare,
    describe,
    evaluate,
    stratified_cv,
)
from tenure.analytics.propensity.model import Kind

DEFAULT = Path(__file__).resolve().parents[4] / "tests" / "data" / "default"
KINDS: tuple[Kind, ...] = ("lightgbm", "logistic")
FAST: dict[str, Any] = {"n_estimators": 300, "n_jobs": 1}


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    return pd.read_csv(DEFAULT / "Default.csv")


@pytest.fixture(scope="module")
def split(credit: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """70 % to fit (the model holds out a quarter of it for calibration), 30 % to test."""
    train, test = train_test_split(
        credit, test_size=0.3, stratify=credit["default"], random_state=1
    )
    return train, test


@pytest.fixture(scope="module")
def models(split: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, PropensityModel]:
    train, _ = split
    return {kind: PropensityModel(kind, **FAST).fit(train, "default") for kind in KINDS}


@pytest.fixture(scope="module")
def test_probabilities(
    models: dict[str, PropensityModel], split: tuple[pd.DataFrame, pd.DataFrame]
) -> dict[str, np.ndarray]:
    _, test = split
    return {kind: model.predict_proba(test) for kind, model in models.items()}


def test_the_data_is_islr_default(credit: pd.DataFrame) -> None:
    assert credit.shape == (10_000, 4)
    assert list(credit.columns) == ["default", "student", "balance", "income"]
    assert (credit["default"] == "Yes").sum() == 333


@pytest.mark.parametrize("kind", KINDS)
def test_both_models_rank_defaulters_well_on_held_out_customers(
    kind: str, split: tuple[pd.DataFrame, pd.DataFrame], test_probabilities: dict[str, np.ndarray]
) -> None:
    _, test = split
    result = evaluate(test["default"], test_probabilities[kind], positive_label="Yes")
    assert result.roc_auc > 0.93
    assert result.pr_auc > 0.4  # the base rate is 0.033
    assert result.top_decile_lift > 6


@pytest.mark.parametrize("kind", KINDS)
def test_calibrated_probabilities_come_true_on_held_out_customers(
    kind: str, split: tuple[pd.DataFrame, pd.DataFrame], test_probabilities: dict[str, np.ndarray]
) -> None:
    _, test = split
    p = test_probabilities[kind]
    observed = (test["default"] == "Yes").mean()
    result = evaluate(test["default"], p, positive_label="Yes")
    assert result.ece < 0.02
    assert abs(p.mean() - observed) < 0.005
    assert p.ndim == 1 and np.all((p >= 0) & (p <= 1))


@pytest.mark.parametrize(
    ("outcome", "classes"),
    [
        ([0, 1], (0, 1)),
        ([False, True], (False, True)),
        (["active", "churned"], ("active", "churned")),
        (["no", "Yes"], ("no", "Yes")),  # by the word: sorted, "Yes" would come first
    ],
)
def test_the_positive_outcome_is_recognised(
    outcome: list[object], classes: tuple[object, object], credit: pd.DataFrame
) -> None:
    y = (credit["default"] == "Yes").map({False: outcome[0], True: outcome[1]}).to_numpy()
    model = PropensityModel("logistic").fit(credit.drop(columns=["default"]), y)
    assert model.classes_ == classes
    assert model.positives_train_ + model.positives_valid_ == 333
    assert type(model.positive_label_) is type(classes[1])  # a plain value, JSON-ready


def test_the_model_records_what_it_learned_from(models: dict[str, PropensityModel]) -> None:
    model = models["lightgbm"]
    assert model.target_ == "default"
    assert model.classes_ == ("No", "Yes") and model.positive_label_ == "Yes"
    assert model.pipeline_.features_ == ["student", "balance", "income"]
    assert model.pipeline_.feature_types_ == {
        "student": "categorical",
        "balance": "numeric",
        "income": "numeric",
    }
    assert model.validation_ == "stratified"
    assert (model.n_train_, model.n_valid_) == (5250, 1750)
    assert model.positives_train_ + model.positives_valid_ == 233
    assert 0 < model.best_iteration_ < 300  # early stopping ended it
    assert "training rows" in repr(model)


def test_auto_calibration_uses_sigmoid_with_few_validation_positives(
    models: dict[str, PropensityModel],
) -> None:
    for model in models.values():
        assert model.calibration_ == "sigmoid"
        assert model.calibration_scores_ == {}
        assert f"{model.positives_valid_} validation positives" in model.calibration_note_
        assert "at least 200" in model.calibration_note_


def test_auto_calibration_picks_the_lower_cross_validated_brier_score(
    split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, _ = split
    model = PropensityModel(min_isotonic_positives=50, **FAST).fit(train, "default")
    scores = model.calibration_scores_
    assert set(scores) == {"isotonic", "sigmoid"}
    assert model.calibration_ == min(scores, key=scores.__getitem__)
    assert "cross-validated Brier score" in model.calibration_note_


@pytest.mark.parametrize("calibration", ["isotonic", "sigmoid", "none"])
def test_a_requested_calibration_is_used(
    calibration: str, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, test = split
    model = PropensityModel("logistic", calibration=calibration).fit(train, "default")  # type: ignore[arg-type]
    assert model.calibration_ == calibration
    p = model.predict_proba(test)
    if calibration == "none":
        assert np.allclose(p, expit(model.decision_function(test)))
    else:
        assert not np.allclose(p, expit(model.decision_function(test)))


@pytest.mark.parametrize("kind", KINDS)
def test_contributions_and_base_value_add_up_to_the_raw_log_odds(
    kind: str, models: dict[str, PropensityModel], split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = split
    model = models[kind]
    contributions = model.contributions(test)
    assert list(contributions.columns) == ["student", "balance", "income", BASE_VALUE]
    assert contributions.index.equals(test.index)
    assert np.allclose(contributions.sum(axis=1), model.decision_function(test), atol=1e-9)
    assert contributions[BASE_VALUE].nunique() == 1


@pytest.mark.parametrize("kind", KINDS)
def test_balance_is_the_first_reason_for_the_highest_risk_customers(
    kind: str,
    models: dict[str, PropensityModel],
    split: tuple[pd.DataFrame, pd.DataFrame],
    test_probabilities: dict[str, np.ndarray],
) -> None:
    _, test = split
    riskiest = test.iloc[np.argsort(-test_probabilities[kind])[:25]]
    reasons = models[kind].reasons(riskiest, top=2)
    assert len(reasons) == 25
    assert all(row[0].feature == "balance" for row in reasons)
    first = reasons[0][0]
    assert isinstance(first, Reason) and first.contribution > 0
    assert first.value == riskiest["balance"].iloc[0]
    assert all(len(row) <= 2 for row in reasons)
    assert all(
        row[i].contribution >= row[i + 1].contribution
        for row in reasons
        for i in range(len(row) - 1)
    )
    assert describe(*first).startswith("balance = ")


@pytest.mark.parametrize("kind", KINDS)
def test_feature_importance_puts_balance_first(
    kind: str, models: dict[str, PropensityModel]
) -> None:
    importance = models[kind].feature_importance()
    assert importance.index[0] == "balance"
    assert set(importance.index) == {"student", "balance", "income"}
    assert importance.name == ("gain" if kind == "lightgbm" else "coefficient")
    assert (importance >= 0).all()


@pytest.mark.parametrize("kind", KINDS)
def test_missing_values_and_an_unseen_category_are_scored(
    kind: str, models: dict[str, PropensityModel], split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = split
    model = models[kind]
    odd = test.head(6).copy()
    odd["balance"] = [np.nan, 1500.0, None, 2000.0, 10.0, np.nan]
    odd["student"] = ["Maybe", None, "Yes", "Maybe", "No", None]
    odd = odd.drop(columns=["default"]).assign(customer_id=range(6))  # extra columns are ignored
    p = model.predict_proba(odd)
    assert p.shape == (6,) and np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    reasons = model.reasons(odd)
    assert len(reasons) == 6
    assert all(r.value is None for row in reasons[:1] for r in row if r.feature == "balance")
    if kind == "lightgbm":  # an unseen category is scored like a missing one
        unseen, missing = odd.iloc[[3]].copy(), odd.iloc[[3]].copy()
        missing["student"] = None
        assert model.predict_proba(unseen)[0] == model.predict_proba(missing)[0]


def test_an_internal_time_split_validates_on_the_latest_rows(credit: pd.DataFrame) -> None:
    timed = credit.assign(month=np.arange(len(credit)) % 12 + 1)
    model = PropensityModel("logistic", time_column="month").fit(timed, "default")
    assert model.validation_ == "time"
    assert "month" not in model.pipeline_.features_
    assert model.n_valid_ == (timed["month"] >= 10).sum() == 2499  # months 10 to 12
    assert model.n_train_ == 7501


def test_given_validation_data_are_used_for_calibration_and_early_stopping(
    split: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, test = split
    X, y = train.drop(columns=["default"]), train["default"]
    model = PropensityModel(**FAST).fit(X, y, test.drop(columns=["default"]), test["default"])
    assert model.validation_ == "given"
    assert (model.n_train_, model.n_valid_) == (7000, 3000)
    assert model.target_ == "default"


def test_save_and_load_predict_identically(
    models: dict[str, PropensityModel], split: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    _, test = split
    for kind, model in models.items():
        metrics = evaluate(test["default"], model.predict_proba(test), positive_label="Yes")
        directory = model.save(tmp_path / kind, metrics=metrics)
        loaded = PropensityModel.load(directory)
        assert np.array_equal(loaded.predict_proba(test), model.predict_proba(test))
        assert loaded.reasons(test.head(20)) == model.reasons(test.head(20))
        metadata = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        assert metadata["kind"] == kind
        assert metadata["target"] == "default"
        assert metadata["positive_label"] == "Yes"
        assert metadata["calibration"] == "sigmoid"
        assert [f["name"] for f in metadata["features"]] == ["student", "balance", "income"]
        assert metadata["features"][0]["categories"] == ["No", "Yes"]
        assert metadata["feature_names"]["logistic"] == [
            "student=No",
            "student=Yes",
            "balance",
            "income",
        ]
        assert metadata["metrics"]["roc_auc"] == pytest.approx(metrics.roc_auc)
        assert metadata["parameters"]["n_estimators"] == 300


def test_load_refuses_a_directory_without_a_model(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a saved propensity model"):
        PropensityModel.load(tmp_path)


def test_cross_validation_and_comparison_with_the_baseline(
    credit: pd.DataFrame,
    split: tuple[pd.DataFrame, pd.DataFrame],
    test_probabilities: dict[str, np.ndarray],
) -> None:
    result = stratified_cv(
        credit, "default", make_model=lambda: PropensityModel("logistic"), folds=3
    )
    assert len(result.folds) == 3
    assert result.mean["roc_auc"] > 0.93 and 0 < result.std["roc_auc"] < 0.05
    assert set(result.mean) == {"roc_auc", "pr_auc", "brier", "ece", "top_decile_lift"}

    _, test = split
    boosted, baseline = (
        evaluate(test["default"], test_probabilities[kind], positive_label="Yes") for kind in KINDS
    )
    rows = {row.metric: row for row in compare(boosted, baseline)}
    assert list(rows) == ["roc_auc", "pr_auc", "brier", "ece", "top_decile_lift"]
    auc = rows["roc_auc"]
    assert auc.difference == pytest.approx(boosted.roc_auc - baseline.roc_auc)
    assert auc.better == ("model" if auc.difference > 0 else "baseline")
    brier = rows["brier"]
    assert brier.better == ("model" if brier.difference < 0 else "baseline")


# --- bad input -------------------------------------------------------------------------------------
def test_a_target_with_one_class_is_refused(credit: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="only one class"):
        PropensityModel().fit(credit.head(50).assign(default="No"), "default")


def test_a_target_with_three_values_is_refused(credit: pd.DataFrame) -> None:
    three = credit.head(60).assign(default=["No", "Yes", "Maybe"] * 20)
    with pytest.raises(ValueError, match="3 distinct values"):
        PropensityModel().fit(three, "default")


def test_a_missing_target_value_is_refused(credit: pd.DataFrame) -> None:
    gap = credit.head(60).copy()
    gap.loc[gap.index[4], "default"] = None
    with pytest.raises(ValueError, match=r"1 missing values \(first in row 5\)"):
        PropensityModel().fit(gap, "default")


def test_a_table_without_feature_columns_is_refused(credit: pd.DataFrame) -> None:
    table = credit[["default"]].assign(customer_id=range(len(credit)), constant=1.0)
    with pytest.raises(ValueError, match=r"no feature columns.*constant"):
        PropensityModel(id_columns=["customer_id"]).fit(table, "default")


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"kind": "forest"}, "kind must be 'lightgbm' or 'logistic', got 'forest'"),
        ({"calibration": "beta"}, "calibration must be one of"),
        ({"validation_share": 1.5}, "validation_share must be between 0 and 1"),
        ({"n_estimators": 0}, r"invalid parameters: n_estimators=0"),
        ({"lightgbm_params": {"objective": "regression"}}, "objective is 'binary'"),
    ],
)
def test_invalid_parameters_are_refused(
    parameters: dict[str, object], message: str, credit: pd.DataFrame
) -> None:
    with pytest.raises(ValueError, match=message):
        PropensityModel(**parameters).fit(credit, "default")  # type: ignore[arg-type]


def test_missing_feature_columns_at_predict_time_are_named(
    models: dict[str, PropensityModel], split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    _, test = split
    for model in models.values():
        with pytest.raises(ValueError, match="X lacks the feature columns balance"):
            model.predict_proba(test.drop(columns=["balance"]))
        with pytest.raises(ValueError, match=r"column income: 'n/a' .* is not a number"):
            model.predict_proba(test.head(3).assign(income=["1", "n/a", "3"]))


def test_an_unfitted_model_says_so(split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, test = split
    with pytest.raises(NotFittedError, match="not fitted yet"):
        PropensityModel().predict_proba(test)


def test_mismatched_lengths_and_validation_labels_are_refused(credit: pd.DataFrame) -> None:
    X, y = credit.drop(columns=["default"]), credit["default"]
    with pytest.raises(ValueError, match="y has 10 values for 10000 rows"):
        PropensityModel().fit(X, y.head(10))
    with pytest.raises(ValueError, match="y_valid is required with X_valid"):
        PropensityModel().fit(X, y, X_valid=X)
    with pytest.raises(ValueError, match="y_valid has 1 missing values"):
        PropensityModel().fit(X, y, X.head(3), np.array(["No", "Yes", None]))
    with pytest.raises(ValueError, match="y_valid has values maybe"):
        PropensityModel().fit(X, y, X.head(3), ["No", "Yes", "maybe"])
    with pytest.raises(ValueError, match="positive_label 'Defaulted' does not occur"):
        PropensityModel(positive_label="Defaulted").fit(X, y)
