"""The figures of a propensity model run: ROC curve, cumulative gains, reliability, importance.

Drawn like :mod:`tenure.analytics.clv.plots` (and encoded with its :func:`figure_bytes`, e.g. as
SVG for a page): matplotlib's object API on the non-interactive Agg canvas, so no display and no
global pyplot state are involved. Every curve is labelled and the reference lines (chance, perfect
calibration) are drawn dashed and named in the legend, so the figures read without colour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score, roc_curve

from tenure.analytics.clv.plots import figure_bytes, save_figure
from tenure.analytics.propensity.evaluation import binary_outcome, probabilities, reliability

MODEL, BASELINE, REFERENCE = "#1f4e79", "#c0504d", "grey"

__all__ = [
    "figure_bytes",
    "gains_figure",
    "importance_figure",
    "reliability_figure",
    "roc_figure",
    "save_figure",
]


def _figure() -> Figure:
    figure = Figure(figsize=(6, 4.5))
    FigureCanvasAgg(figure)
    return figure


def roc_figure(
    y_true: ArrayLike,
    p: ArrayLike,
    *,
    baseline: ArrayLike | None = None,
    model: str = "Model",
    baseline_name: str = "Baseline",
) -> Figure:
    """ROC curve of the model (and of a baseline's predictions on the same rows), AUC in the legend.

    ``y_true`` is 0/1 (or booleans).
    """
    y = binary_outcome(y_true)
    figure = _figure()
    axes = figure.add_subplot()
    curves = [(p, model, MODEL, "-")]
    if baseline is not None:
        curves.append((baseline, baseline_name, BASELINE, "--"))
    for scores, name, colour, style in curves:
        predicted = probabilities(scores, len(y))
        fpr, tpr, _ = roc_curve(y, predicted)
        auc = roc_auc_score(y, predicted)
        axes.plot(fpr, tpr, style, color=colour, label=f"{name} (AUC {auc:.3f})")
    axes.plot([0, 1], [0, 1], ":", color=REFERENCE, label="Chance")
    axes.set_xlabel("False positive rate")
    axes.set_ylabel("True positive rate")
    axes.set_title("ROC curve")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.01)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    return figure


def gains_figure(
    y_true: ArrayLike,
    p: ArrayLike,
    *,
    baseline: ArrayLike | None = None,
    model: str = "Model",
    baseline_name: str = "Baseline",
) -> Figure:
    """Cumulative gains: the share of all positives found when working the customers with the
    highest predicted probability first, against the share of customers worked."""
    y = binary_outcome(y_true)
    figure = _figure()
    axes = figure.add_subplot()
    curves = [(p, model, MODEL, "-")]
    if baseline is not None:
        curves.append((baseline, baseline_name, BASELINE, "--"))
    share = np.arange(len(y) + 1) / len(y)
    for scores, name, colour, style in curves:
        order = np.argsort(-probabilities(scores, len(y)), kind="stable")
        found = np.concatenate([[0.0], np.cumsum(y[order]) / max(y.sum(), 1)])
        axes.plot(share, found, style, color=colour, label=name)
    axes.plot([0, 1], [0, 1], ":", color=REFERENCE, label="Random order")
    axes.set_xlabel("Share of customers contacted (highest probability first)")
    axes.set_ylabel("Share of all positives found")
    axes.set_title("Cumulative gains")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.01)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right")
    figure.tight_layout()
    return figure


def reliability_figure(y_true: ArrayLike, p: ArrayLike, *, bins: int = 10) -> Figure:
    """Reliability diagram: observed rate against mean predicted probability per equal-width bin,
    with the diagonal of perfect calibration; each point is labelled with its customer count."""
    table = reliability(y_true, p, bins=bins)
    figure = _figure()
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], ":", color=REFERENCE, label="Perfect calibration")
    axes.plot(
        table["mean_predicted"],
        table["observed_rate"],
        "-o",
        color=MODEL,
        label="Model",
    )
    for _, row in table.iterrows():
        axes.annotate(
            f"{int(row['customers']):,}",
            (row["mean_predicted"], row["observed_rate"]),
            xytext=(4, -10),
            textcoords="offset points",
            fontsize=7,
            color="#444444",
        )
    axes.set_xlabel("Mean predicted probability")
    axes.set_ylabel("Observed rate")
    axes.set_title("Reliability (customers per bin at each point)")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.01)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left")
    figure.tight_layout()
    return figure


def importance_figure(importance: pd.Series, *, top: int = 15, label: str | None = None) -> Figure:
    """Horizontal bars of the ``top`` most important features (from ``feature_importance()``),
    the most important at the top."""
    if int(top) < 1:
        raise ValueError(f"top must be ≥ 1, got {top}")
    shown = importance.sort_values(ascending=False, kind="stable").head(int(top))[::-1]
    figure = Figure(figsize=(6, 0.6 + 0.32 * max(len(shown), 3)))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = np.arange(len(shown))
    axes.barh(positions, shown.to_numpy(dtype=float), color=MODEL)
    axes.set_yticks(positions, [str(name) for name in shown.index])
    axes.set_xlabel(label or _importance_label(importance.name))
    axes.set_title(f"Feature importance (top {len(shown)})")
    axes.grid(alpha=0.3, axis="x")
    figure.tight_layout()
    return figure


def _importance_label(name: object) -> str:
    return {
        "gain": "Total gain of the feature's splits",
        "coefficient": "Size of the standardised coefficients",
    }.get(str(name), "Importance")
