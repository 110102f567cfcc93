"""Qini and uplift curves, their normalised areas, the decile table and the segments, checked by
hand on tiny campaigns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.uplift import (
    SEGMENTS,
    area_under,
    auuc,
    evaluate,
    qini_coefficient,
    qini_curve,
    segment,
    uplift_by_decile,
    uplift_curve,
)

# six customers, ranked as given: treated responder, treated non-responder, control responder,
# control non-responder, treated responder, control non-responder
Y = np.array([1, 0, 1, 0, 1, 0])
T = np.array([1, 1, 0, 0, 1, 0])
U = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])


def test_qini_curve_by_hand() -> None:
    curve = qini_curve(Y, T, U)
    assert curve["customers"].tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert curve["treated"].tolist() == [0, 1, 2, 2, 2, 3, 3]
    assert curve["control"].tolist() == [0, 0, 0, 1, 2, 2, 3]
    assert curve["treated_positives"].tolist() == [0, 1, 1, 1, 1, 2, 2]
    assert curve["control_positives"].tolist() == [0, 0, 0, 1, 1, 1, 1]
    # Q(k) = r_t − r_c · n_t / n_c, the control term 0 while no control is above the cut
    assert curve["incremental"].tolist() == pytest.approx([0, 1, 1, 1 - 2, 1 - 1, 2 - 1.5, 2 - 1])
    assert curve["share"].tolist() == pytest.approx(np.arange(7) / 6)
    assert curve["random"].tolist() == pytest.approx(np.arange(7) / 6 * 1.0)


def test_uplift_curve_by_hand() -> None:
    curve = uplift_curve(Y, T, U)
    # U(k) = (r_t / n_t − r_c / n_c) · k
    expected = [
        0,
        1,
        1,
        (1 / 2 - 1) * 3,
        (1 / 2 - 1 / 2) * 4,
        (2 / 3 - 1 / 2) * 5,
        (2 / 3 - 1 / 3) * 6,
    ]
    assert curve["incremental"].tolist() == pytest.approx(expected)
    assert curve["random"].iloc[-1] == pytest.approx(2)


def test_areas_and_normalised_coefficients_by_hand() -> None:
    # Qini: trapezoids over shares of 1/6: (0+1)/2 + (1+1)/2 + 0 − 1/2 + 1/4 + 3/4 = 2, area 1/3;
    # random 1/2; the perfect ranking (treated responders, then the non-responders, then the
    # control responder) gives points (0, 0), (2/6, 2), (5/6, 2), (1, 1), area 19/12
    assert area_under(qini_curve(Y, T, U)) == pytest.approx(1 / 3)
    assert qini_coefficient(Y, T, U) == pytest.approx((1 / 3 - 1 / 2) / (19 / 12 - 1 / 2))
    assert qini_coefficient(Y, T, U) == pytest.approx(-2 / 13)
    # uplift curve: area 7/18, random 1, perfect 43/18
    assert auuc(Y, T, U, normalize=False) == pytest.approx(7 / 18)
    assert auuc(Y, T, U) == pytest.approx((7 / 18 - 1) / (43 / 18 - 1))
    assert auuc(Y, T, U) == pytest.approx(-11 / 25)


def test_the_perfect_ranking_scores_one_and_no_ranking_scores_zero() -> None:
    perfect = Y * T - Y * (1 - T)
    assert qini_coefficient(Y, T, perfect) == pytest.approx(1)
    assert qini_coefficient(Y, T, np.zeros(6)) == pytest.approx(0)
    assert auuc(Y, T, np.full(6, 0.3)) == pytest.approx(0)
    flat = qini_curve(Y, T, np.zeros(6))
    assert flat["customers"].tolist() == [0, 6]  # one block: the random line itself
    assert flat["incremental"].tolist() == pytest.approx(flat["random"].tolist())


def test_tied_predictions_form_one_block_whatever_the_input_order() -> None:
    tied = np.array([0.5, 0.5, 0.5, 0.1, 0.1, 0.0])
    curve = qini_curve(Y, T, tied)
    assert curve["customers"].tolist() == [0, 3, 5, 6]
    # top block: 2 treated (1 responder), 1 control responder: 1 − 1 · 2/1; then 2 − 1 · 3/2
    assert curve["incremental"].tolist() == pytest.approx([0, -1, 0.5, 1])
    order = np.array([5, 3, 1, 0, 4, 2])
    shuffled = qini_curve(Y[order], T[order], tied[order])
    pd.testing.assert_frame_equal(curve, shuffled)
    assert qini_coefficient(Y[order], T[order], tied[order]) == pytest.approx(
        qini_coefficient(Y, T, tied)
    )


def test_booleans_and_series_are_accepted() -> None:
    value = qini_coefficient(pd.Series(Y.astype(bool)), T.astype(bool), pd.Series(U))
    assert value == pytest.approx(-2 / 13)


def test_uplift_by_decile_counts_rates_and_uplift() -> None:
    # 20 customers, two groups of ten by predicted uplift
    top_y, top_t = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1], [1, 1, 1, 1, 0, 0, 0, 0, 0, 1]
    rest_y, rest_t = [0, 1, 0, 0, 1, 0, 0, 1, 0, 0], [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    y, t = np.array([*top_y, *rest_y]), np.array([*top_t, *rest_t])
    u = np.linspace(1, 0, 20)
    table = uplift_by_decile(y, t, u, bins=2)
    assert table["decile"].tolist() == [1, 2]
    assert table["customers"].tolist() == [10, 10]
    assert table["treated"].tolist() == [5, 5]
    assert table["control"].tolist() == [5, 5]
    assert table["treated_positives"].tolist() == [4, 2]
    assert table["control_positives"].tolist() == [2, 1]
    assert table["treated_rate"].tolist() == pytest.approx([0.8, 0.4])
    assert table["control_rate"].tolist() == pytest.approx([0.4, 0.2])
    assert table["uplift"].tolist() == pytest.approx([0.4, 0.2])
    assert table["predicted_uplift"].tolist() == pytest.approx([u[:10].mean(), u[10:].mean()])


def test_a_decile_without_controls_has_no_observed_uplift() -> None:
    y = np.array([1, 0, 1, 0] * 5)
    t = np.array([1] * 10 + [0, 1] * 5)
    table = uplift_by_decile(y, t, np.linspace(1, 0, 20), bins=2)
    assert table["control"].tolist() == [0, 5]
    assert np.isnan(table.loc[0, "control_rate"]) and np.isnan(table.loc[0, "uplift"])
    assert table.loc[0, "treated_rate"] == pytest.approx(0.5)


def test_evaluate_collects_the_measures() -> None:
    rng = np.random.default_rng(3)
    t = rng.integers(0, 2, 400)
    truth = rng.uniform(-0.2, 0.4, 400)
    y = (rng.uniform(size=400) < 0.3 + t * truth).astype(int)
    result = evaluate(y, t, truth)
    assert result.qini_coefficient == pytest.approx(qini_coefficient(y, t, truth))
    assert result.auuc == pytest.approx(auuc(y, t, truth))
    assert result.treated + result.control == 400
    assert result.average_uplift == pytest.approx(y[t == 1].mean() - y[t == 0].mean())
    assert len(result.deciles) == 10
    assert set(result.as_dict()) >= {"qini_coefficient", "auuc", "average_uplift"}
    assert result.qini_coefficient > 0  # ranking by the true uplift beats random


def test_segments_by_uplift_and_by_the_chance_without_contact() -> None:
    uplift = np.array([0.10, 0.02, 0.0, -0.05, 0.01, -0.02])
    plain = segment(uplift)
    assert plain.tolist() == [
        "persuadable",
        "persuadable",
        "sure_thing_or_lost_cause",
        "do_not_disturb",
        "sure_thing_or_lost_cause",
        "do_not_disturb",
    ]
    assert list(plain.cat.categories) == list(SEGMENTS)
    p_control = np.array([0.2, 0.2, 0.9, 0.9, 0.3, 0.5])
    full = segment(uplift, thresholds=(-0.03, 0.05), p_control=p_control)
    assert full.tolist() == [
        "persuadable",
        "lost_cause",
        "sure_thing",
        "do_not_disturb",
        "lost_cause",
        "sure_thing",
    ]
    indexed = segment(pd.Series(uplift, index=list("abcdef")))
    assert indexed.index.tolist() == list("abcdef")


@pytest.mark.parametrize(
    ("y", "t", "u", "message"),
    [
        ([1, 0, 1], [1, 1, 1], [0.1, 0.2, 0.3], "only treated customers"),
        ([1, 0, 1], [0, 0, 0], [0.1, 0.2, 0.3], "only controls"),
        ([1, 2, 0], [1, 0, 1], [0.1, 0.2, 0.3], "y must be 0/1"),
        (["yes", "no", "no"], [1, 0, 1], [0.1, 0.2, 0.3], "y must be 0/1"),
        ([1, 0, None], [1, 0, 1], [0.1, 0.2, 0.3], "y has 1 missing values"),
        ([1, 0, 1], [1, 0, "t"], [0.1, 0.2, 0.3], "treatment must be 0/1"),
        ([1, 0, 1], [1, 0], [0.1, 0.2, 0.3], "treatment has 2 values for 3 outcomes"),
        ([1, 0, 1], [1, 0, 1], [0.1, 0.2], "uplift has shape"),
        ([1, 0, 1], [1, 0, 1], [0.1, np.nan, 0.3], "missing or infinite"),
        ([], [], [], "no customers"),
    ],
)
def test_bad_campaign_data_is_refused_with_the_reason(
    y: list[object], t: list[object], u: list[float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        qini_curve(y, t, u)  # type: ignore[arg-type]


def test_normalised_areas_need_a_customer_with_the_outcome() -> None:
    with pytest.raises(ValueError, match="no better than random"):
        qini_coefficient([0, 0, 0, 0], [1, 0, 1, 0], [0.4, 0.3, 0.2, 0.1])


def test_bad_bins_thresholds_and_probabilities_are_refused() -> None:
    with pytest.raises(ValueError, match="bins must be"):
        uplift_by_decile(Y, T, U, bins=0)
    with pytest.raises(ValueError, match="need at least 10 customers"):
        uplift_by_decile(Y, T, U)
    with pytest.raises(ValueError, match="low ≤ high"):
        segment(U, thresholds=(0.1, -0.1))
    with pytest.raises(ValueError, match="p_control must be probabilities"):
        segment(U, p_control=U + 1)
    with pytest.raises(ValueError, match="p_control has 2 values"):
        segment(U, p_control=[0.1, 0.2])
