"""The figures of an uplift model: Qini (or uplift) curve against random targeting, uplift by decile.

Drawn like :mod:`tenure.analytics.propensity.plots` (and encoded with
:func:`~tenure.analytics.clv.plots.figure_bytes`, e.g. as SVG for a page): matplotlib's object API
on the non-interactive Agg canvas. Curves are labelled with their coefficient, random targeting is
dashed and named in the legend, and every decile bar carries its value, so the figures read
without colour.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from tenure.analytics.clv.plots import figure_bytes, save_figure
from tenure.analytics.uplift.evaluation import (
    DECILES,
    auuc,
    qini_coefficient,
    qini_curve,
    uplift_by_decile,
    uplift_curve,
)

MODEL, BASELINE, REFERENCE = "#1f4e79", "#c0504d", "grey"
NEGATIVE = "#c0504d"

__all__ = ["decile_figure", "figure_bytes", "qini_figure", "save_figure"]


def _figure() -> Figure:
    figure = Figure(figsize=(6, 4.5))
    FigureCanvasAgg(figure)
    return figure


def qini_figure(
    y: ArrayLike,
    treatment: ArrayLike,
    uplift: ArrayLike,
    *,
    baseline: ArrayLike | None = None,
    model: str = "Model",
    baseline_name: str = "Baseline",
    kind: Literal["qini", "uplift"] = "qini",
) -> Figure:
    """The Qini curve (``kind="uplift"``: the uplift curve) of the ranking by ``uplift`` against
    random targeting, and of a ``baseline`` ranking (e.g. a response model) on the same customers;
    the legend gives each ranking's Qini coefficient (normalised AUUC)."""
    if kind not in ("qini", "uplift"):
        raise ValueError(f"kind must be 'qini' or 'uplift', got {kind!r}")
    curve, score, measure = (
        (qini_curve, qini_coefficient, "Qini coefficient")
        if kind == "qini"
        else (uplift_curve, auuc, "AUUC")
    )
    figure = _figure()
    axes = figure.add_subplot()
    rankings = [(uplift, model, MODEL, "-")]
    if baseline is not None:
        rankings.append((baseline, baseline_name, BASELINE, "--"))
    for scores, name, colour, style in rankings:
        points = curve(y, treatment, scores)
        value = score(y, treatment, scores)
        axes.plot(
            100 * points["share"],
            points["incremental"],
            style,
            color=colour,
            label=f"{name} ({measure} {value:.3f})",
        )
    last = points["incremental"].iloc[-1]
    axes.plot([0, 100], [0, last], ":", color=REFERENCE, label="Random targeting")
    axes.axhline(0, color=REFERENCE, linewidth=0.8)
    axes.set_xlabel("Customers targeted, highest predicted uplift first (%)")
    axes.set_ylabel("Extra customers with the outcome")
    axes.set_title("Qini curve" if kind == "qini" else "Uplift curve")
    axes.set_xlim(0, 100)
    axes.grid(alpha=0.3)
    axes.legend(loc="best")
    figure.tight_layout()
    return figure


def decile_figure(
    y: ArrayLike, treatment: ArrayLike, uplift: ArrayLike, *, bins: int = DECILES
) -> Figure:
    """Observed uplift (treated rate − control rate, in percentage points) per decile of predicted
    uplift as labelled bars, negative ones marked, with the mean prediction per decile as points."""
    table = uplift_by_decile(y, treatment, uplift, bins=bins)
    figure = _figure()
    axes = figure.add_subplot()
    observed = 100 * table["uplift"].to_numpy(dtype=float)
    shown = np.nan_to_num(observed)
    colours = [NEGATIVE if value < 0 else MODEL for value in shown]
    bars = axes.bar(table["decile"], shown, color=colours, label="Observed uplift")
    axes.bar_label(
        bars,
        labels=["n/a" if np.isnan(v) else f"{v:+.1f}" for v in observed],
        padding=2,
        fontsize=7,
    )
    axes.plot(
        table["decile"],
        100 * table["predicted_uplift"],
        "D",
        color="black",
        markersize=4,
        label="Mean predicted uplift",
    )
    axes.axhline(0, color=REFERENCE, linewidth=0.8)
    axes.set_xticks(table["decile"].tolist())
    axes.set_xlabel(f"Group of customers by predicted uplift (1 = highest, {len(table)} groups)")
    axes.set_ylabel("Uplift (percentage points, treated − control)")
    axes.set_title("Uplift by decile")
    axes.grid(alpha=0.3, axis="y")
    axes.legend(loc="upper right")
    figure.tight_layout()
    return figure
