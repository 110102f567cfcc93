"""The uplift figures render to SVG with their titles, legends and labelled bars."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.patches import Rectangle

from tenure.analytics.uplift import qini_coefficient, uplift_by_decile
from tenure.analytics.uplift.plots import decile_figure, figure_bytes, qini_figure


@pytest.fixture
def campaign() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """400 customers whose uplift is known, and a response score that ignores it."""
    rng = np.random.default_rng(7)
    t = rng.integers(0, 2, 400)
    truth = rng.uniform(-0.2, 0.4, 400)
    base = rng.uniform(0.2, 0.5, 400)
    y = (rng.uniform(size=400) < base + t * truth).astype(int)
    return y, t, truth, base


def svg_text(figure: object) -> str:
    data = figure_bytes(figure, "svg")  # type: ignore[arg-type]
    assert data.startswith(b"<?xml") and b"<svg" in data
    return data.decode("utf-8")


def test_qini_figure_shows_model_baseline_and_random_targeting(
    campaign: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    y, t, truth, base = campaign
    figure = qini_figure(y, t, truth, baseline=base, model="Two-model", baseline_name="Response")
    axes = figure.axes[0]
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert labels[0] == f"Two-model (Qini coefficient {qini_coefficient(y, t, truth):.3f})"
    assert labels[1].startswith("Response (Qini coefficient ")
    assert labels[2] == "Random targeting"
    model, _, random = axes.get_lines()[:3]
    # the curves end where random targeting ends: the whole campaign's effect
    assert np.asarray(model.get_ydata())[-1] == pytest.approx(np.asarray(random.get_ydata())[-1])
    assert np.asarray(model.get_xdata())[-1] == pytest.approx(100)
    assert "Qini curve" in svg_text(figure)


def test_the_uplift_curve_variant(
    campaign: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    y, t, truth, _ = campaign
    figure = qini_figure(y, t, truth, kind="uplift")
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert labels[0].startswith("Model (AUUC ") and labels[1] == "Random targeting"
    assert "Uplift curve" in svg_text(figure)
    with pytest.raises(ValueError, match="kind must be"):
        qini_figure(y, t, truth, kind="gini")  # type: ignore[arg-type]


def test_decile_figure_labels_every_bar_with_its_uplift(
    campaign: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    y, t, truth, _ = campaign
    figure = decile_figure(y, t, truth)
    axes = figure.axes[0]
    table = uplift_by_decile(y, t, truth)
    heights = [bar.get_height() for bar in axes.patches if isinstance(bar, Rectangle)]
    assert heights == pytest.approx((100 * table["uplift"]).tolist())
    bar_labels = [text.get_text() for text in axes.texts]
    assert bar_labels == [f"{100 * v:+.1f}" for v in table["uplift"]]
    assert "Uplift by decile" in svg_text(figure)


def test_a_decile_without_one_group_is_labelled_not_available() -> None:
    y = np.array([1, 0, 1, 0] * 5)
    t = np.array([1] * 10 + [0, 1] * 5)
    figure = decile_figure(y, t, np.linspace(1, 0, 20), bins=2)
    assert figure.axes[0].texts[0].get_text() == "n/a"
