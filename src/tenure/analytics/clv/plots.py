"""The hold-out plots of Fader, Hardie & Lee (2005) with matplotlib, as PNG or SVG.

Figures are drawn on matplotlib's object API with the non-interactive Agg canvas, so no display,
no global pyplot state and no backend switch are needed (safe in a server or a test run).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tenure.analytics.clv.holdout import CumulativeTracking, FrequencyComparison

ImageFormat = Literal["png", "svg"]
ACTUAL, MODEL = "#1f4e79", "#c0504d"


def frequency_figure(comparison: FrequencyComparison, *, model: str = "Model") -> Figure:
    """Mean hold-out purchases by calibration frequency, actual against predicted (Figure 3)."""
    figure = Figure(figsize=(7, 4.2))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = np.arange(len(comparison.labels))
    axes.plot(positions, comparison.actual, "-o", color=ACTUAL, label="Actual")
    axes.plot(positions, comparison.predicted, "--s", color=MODEL, label=model)
    axes.set_xticks(positions, comparison.labels)
    axes.set_xlabel("Repeat transactions in the calibration period")
    axes.set_ylabel("Mean repeat transactions in the hold-out")
    axes.set_title("Conditional expectations: hold-out purchases by calibration frequency")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    return figure


def tracking_figure(
    tracking: CumulativeTracking, *, model: str = "Model", period_name: str = "Week"
) -> Figure:
    """Cumulative repeat transactions per period, actual against expected (Figure 2)."""
    figure = Figure(figsize=(7, 4.2))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(tracking.period, tracking.actual, "-", color=ACTUAL, label="Actual")
    axes.plot(tracking.period, tracking.predicted, "--", color=MODEL, label=model)
    axes.axvline(tracking.calibration_periods, color="grey", linestyle=":", linewidth=1)
    axes.annotate(
        "end of calibration",
        (tracking.calibration_periods, 0),
        xytext=(4, 4),
        textcoords="offset points",
        color="grey",
        fontsize=8,
    )
    axes.set_xlabel(period_name)
    axes.set_ylabel("Cumulative repeat transactions")
    axes.set_title("Tracking cumulative repeat transactions")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    return figure


def figure_bytes(figure: Figure, image_format: ImageFormat = "png", *, dpi: int = 100) -> bytes:
    """The figure encoded as PNG or SVG."""
    if image_format not in ("png", "svg"):
        raise ValueError(f"image_format must be 'png' or 'svg', got {image_format!r}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format, dpi=dpi)
    return buffer.getvalue()


def save_figure(figure: Figure, path: str | Path, *, dpi: int = 100) -> Path:
    """Write the figure to ``path``; its suffix, ``.png`` or ``.svg``, picks the format."""
    path = Path(path)
    image_format = path.suffix.lower().lstrip(".")
    if image_format not in ("png", "svg"):
        raise ValueError(f"{path.name}: expected a .png or .svg file name")
    path.write_bytes(figure_bytes(figure, image_format, dpi=dpi))  # type: ignore[arg-type]
    return path
