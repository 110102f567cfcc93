"""Evaluation metrics against scikit-learn and hand computation; time splits never look back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from tenure.analytics.propensity import (
    compare,
    evaluate,
    expected_calibration_error,
    reliability,
    time_split,
)

# 20 customers, listed by falling probability; 5 positives (overall rate 0.25)
RANKED_OUTCOMES = [1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]


@pytest.fixture
def example() -> tuple[np.ndarray, np.ndarray]:
    p = np.linspace(0.95, 0.0, 20)
    y = np.array(RANKED_OUTCOMES)
    shuffle = np.random.default_rng(3).permutation(20)
    return y[shuffle], p[shuffle]


def test_metrics_agree_with_scikit_learn(example: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = example
    result = evaluate(y, p)
    assert result.roc_auc == pytest.approx(roc_auc_score(y, p))
    assert result.pr_auc == pytest.approx(average_precision_score(y, p))
    assert result.brier == pytest.approx(brier_score_loss(y, p))
    assert (result.positives, result.rows, result.positive_rate) == (5, 20, 0.25)


def test_the_gains_table_by_decile(example: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = example
    gains = evaluate(y, p).gains
    assert list(gains.columns) == [
        "decile",
        "customers",
        "positives",
        "rate",
        "lift",
        "cumulative_gain",
    ]
    assert gains["decile"].tolist() == list(range(1, 11))
    assert gains["customers"].tolist() == [2] * 10
    assert gains["positives"].tolist() == [2, 1, 1, 0, 1, 0, 0, 0, 0, 0]
    assert gains["rate"].tolist() == pytest.approx([1, 0.5, 0.5, 0, 0.5, 0, 0, 0, 0, 0])
    assert gains["lift"].tolist() == pytest.approx([4, 2, 2, 0, 2, 0, 0, 0, 0, 0])
    assert gains["cumulative_gain"].tolist() == pytest.approx(
        [0.4, 0.6, 0.8, 0.8, 1, 1, 1, 1, 1, 1]
    )
    assert evaluate(y, p).top_decile_lift == pytest.approx(4)


def test_uneven_deciles_differ_by_at_most_one_customer() -> None:
    y = np.array([1, 0] * 11 + [0])
    gains = evaluate(y, np.linspace(1, 0, 23)).gains
    # the customer ranked i-th (from 0) is in decile ⌊10 i / 23⌋ + 1
    assert gains["customers"].tolist() == [3, 2, 2, 3, 2, 2, 3, 2, 2, 2]


def test_expected_calibration_error_by_hand() -> None:
    y = [0, 0, 1, 1, 1]
    p = [0.05, 0.15, 0.15, 0.85, 0.95]
    # bins [0, .1): |.05 − 0|; [.1, .2): |.15 − .5| for two; [.8, .9): |.85 − 1|; [.9, 1]: |.95 − 1|
    assert expected_calibration_error(y, p) == pytest.approx((0.05 + 2 * 0.35 + 0.15 + 0.05) / 5)
    table = reliability(y, p)
    assert table["bin"].tolist() == [1, 2, 9, 10]
    assert table["lower"].tolist() == pytest.approx([0, 0.1, 0.8, 0.9])
    assert table["customers"].tolist() == [1, 2, 1, 1]
    assert table["observed_rate"].tolist() == pytest.approx([0, 0.5, 1, 1])
    assert table["mean_predicted"].tolist() == pytest.approx([0.05, 0.15, 0.85, 0.95])
    assert reliability([1, 0], [1.0, 0.0], bins=4)["bin"].tolist() == [1, 4]


def test_labels_other_than_zero_and_one(example: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = example
    labels = np.where(y == 1, "Yes", "No")
    assert evaluate(labels, p, positive_label="Yes").roc_auc == evaluate(y, p).roc_auc
    with pytest.raises(ValueError, match=r"positive label 1 does not occur.*'No', 'Yes'"):
        evaluate(labels, p)


def test_bad_input_is_refused(example: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = example
    with pytest.raises(ValueError, match="only one class"):
        evaluate(np.zeros(20), p)
    with pytest.raises(ValueError, match="expected 20 probabilities"):
        evaluate(y, p[:5])
    with pytest.raises(ValueError, match="within"):
        evaluate(y, p + 0.5)
    with pytest.raises(ValueError, match="at least 10 rows"):
        evaluate([0, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="3 distinct values"):
        evaluate([0, 1, 2] * 5, np.full(15, 0.5))


def test_compare_says_which_side_is_better() -> None:
    rows = compare(
        {"roc_auc": 0.9, "brier": 0.05, "ece": 0.01, "top_decile_lift": 5.0},
        {"roc_auc": 0.8, "brier": 0.04, "ece": 0.01, "pr_auc": 0.3, "top_decile_lift": 4.0},
    )
    assert [(r.metric, r.better) for r in rows] == [
        ("roc_auc", "model"),
        ("brier", "baseline"),
        ("ece", "equal"),
        ("top_decile_lift", "model"),
    ]
    assert rows[0].difference == pytest.approx(0.1)


def test_a_time_split_never_validates_on_a_row_earlier_than_a_training_row() -> None:
    rng = np.random.default_rng(7)
    dates = pd.to_datetime("2024-01-31") + pd.to_timedelta(rng.integers(0, 12, 1000) * 30, "D")
    table = pd.DataFrame({"as_of": dates, "x": rng.normal(size=1000)})
    for share in (0.1, 0.25, 0.5, 0.9):
        train, valid = time_split(table, "as_of", valid_share=share)
        assert len(train) + len(valid) == len(table)
        assert not train.empty and not valid.empty
        assert train["as_of"].max() < valid["as_of"].min()
        assert abs(len(valid) / len(table) - share) < 1 / 12 + 0.02  # one month is ~1/12 of rows


def test_a_time_split_keeps_ties_together_and_picks_the_nearest_share() -> None:
    table = pd.DataFrame({"t": [1, 1, 1, 1, 2, 3, 3, 3]})
    train, valid = time_split(table, "t", valid_share=0.25)
    assert train["t"].tolist() == [1, 1, 1, 1, 2]
    assert valid["t"].tolist() == [3, 3, 3]  # 3/8 is nearer 0.25 than 4/8
    train, valid = time_split(pd.DataFrame({"t": [1] * 9 + [2]}), "t", valid_share=0.5)
    assert len(train) == 9 and len(valid) == 1  # the earliest time always trains


def test_a_time_split_needs_two_times_and_no_gaps() -> None:
    with pytest.raises(ValueError, match="single value"):
        time_split(pd.DataFrame({"t": [5, 5, 5]}), "t")
    with pytest.raises(ValueError, match="1 missing values"):
        time_split(pd.DataFrame({"t": [1, None, 3]}), "t")
    with pytest.raises(ValueError, match="no time column 'when'"):
        time_split(pd.DataFrame({"t": [1, 2]}), "when")
    with pytest.raises(ValueError, match="valid_share must be between 0 and 1"):
        time_split(pd.DataFrame({"t": [1, 2]}), "t", valid_share=0)
