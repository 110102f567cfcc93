"""The propensity figures render to SVG with their titles and labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.propensity.plots import (
    figure_bytes,
    gains_figure,
    importance_figure,
    reliability_figure,
    roc_figure,
)


@pytest.fixture
def predictions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    p = rng.uniform(0, 1, 400)
    y = (rng.uniform(0, 1, 400) < p).astype(int)
    baseline = np.clip(p + rng.normal(0, 0.3, 400), 0, 1)
    return y, p, baseline


def svg_text(figure: object) -> str:
    data = figure_bytes(figure, "svg")  # type: ignore[arg-type]
    assert data.startswith(b"<?xml") and b"<svg" in data
    return data.decode("utf-8")


def test_roc_figure_shows_model_baseline_and_chance(
    predictions: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    y, p, baseline = predictions
    figure = roc_figure(y, p, baseline=baseline, model="LightGBM", baseline_name="Logistic")
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert labels[0].startswith("LightGBM (AUC 0.") and labels[1].startswith("Logistic (AUC")
    assert labels[2] == "Chance"
    assert "ROC curve" in svg_text(figure)


def test_gains_figure_ends_with_all_positives_found(
    predictions: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    y, p, _ = predictions
    figure = gains_figure(y, p)
    line = figure.axes[0].get_lines()[0]
    x, y_found = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    assert x[-1] == pytest.approx(1) and y_found[-1] == pytest.approx(1)
    assert "Cumulative gains" in svg_text(figure)


def test_reliability_figure_has_the_diagonal_and_one_point_per_bin(
    predictions: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    y, p, _ = predictions
    figure = reliability_figure(y, p, bins=10)
    diagonal, model = figure.axes[0].get_lines()[:2]
    assert np.asarray(diagonal.get_xdata()).tolist() == [0, 1]
    assert np.asarray(diagonal.get_ydata()).tolist() == [0, 1]
    assert len(np.asarray(model.get_xdata())) == 10
    assert "Reliability" in svg_text(figure)


def test_importance_figure_shows_the_top_features_largest_on_top() -> None:
    importance = pd.Series(np.arange(20.0), index=[f"feature_{i}" for i in range(20)], name="gain")
    figure = importance_figure(importance)
    ticks = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert len(ticks) == 15 and ticks[-1] == "feature_19" and ticks[0] == "feature_5"
    assert figure.axes[0].get_xlabel() == "Total gain of the feature's splits"
    assert "feature_19" in svg_text(figure)
    with pytest.raises(ValueError, match="top must be"):
        importance_figure(importance, top=0)
