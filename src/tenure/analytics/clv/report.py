"""A self-contained HTML report of a lifetime-value fit: parameters, hold-out error, plots."""

from __future__ import annotations

import html
import math
from typing import Any

from tenure.analytics.clv.workflow import MODEL_NAMES, ClvFit

FIGURE_TITLES = {
    "frequency": "Hold-out purchases by calibration frequency",
    "tracking": "Cumulative repeat transactions",
}
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;margin-bottom:1rem}th,td{padding:.2rem .8rem;"
    "border-bottom:1px solid #ddd;text-align:left}td{text-align:right}"
    "figure{margin:1rem 0}svg{max-width:100%;height:auto}"
)


def parameter_rows(parameters: dict[str, float], log_likelihood: float) -> list[tuple[str, str]]:
    """(name, formatted value) rows for a parameter table."""
    rows = [(name, f"{value:.4g}") for name, value in parameters.items()]
    rows.append(("log-likelihood", f"{log_likelihood:.2f}"))
    return rows


def holdout_rows(holdout: dict[str, Any]) -> list[tuple[str, str]]:
    """(measure, formatted value) rows of the hold-out error."""
    relative = holdout.get("total_relative_error")
    bad = relative is None or (isinstance(relative, float) and math.isnan(relative))
    return [
        ("MAE per customer", f"{holdout['mae']:.3f}"),
        ("RMSE per customer", f"{holdout['rmse']:.3f}"),
        ("actual repeat purchases", f"{holdout['actual_total']:.0f}"),
        ("predicted repeat purchases", f"{holdout['predicted_total']:.0f}"),
        ("total error", "–" if bad else f"{relative:+.1%}"),
    ]


def render_report(fit: ClvFit, source_name: str) -> str:
    """The whole report as one HTML document (plots inline as SVG)."""
    e = html.escape
    summary = fit.as_dict()
    sections = [
        f"<h2>{e(MODEL_NAMES[fit.model])}</h2>"
        + _table(parameter_rows(summary["parameters"], summary["log_likelihood"]))
    ]
    spend = summary["spend_model"]
    if spend:
        sections.append(
            f"<h2>Gamma-Gamma ({spend['customers']} repeat customers)</h2>"
            + _table(parameter_rows(spend["parameters"], spend["log_likelihood"]))
        )
    if fit.holdout:
        sections.append("<h2>Hold-out error</h2>" + _table(holdout_rows(fit.holdout)))
    for key, title in FIGURE_TITLES.items():
        if key in fit.figures:
            sections.append(
                f'<figure class="plot" id="{key}"><h2>{e(title)}</h2>{fit.figures[key]}</figure>'
            )
    window = f"{fit.first_purchase} – {fit.calibration_end} calibration"
    if fit.holdout_end:
        window += f", hold-out to {fit.holdout_end}"
    unit = "weeks" if fit.time_unit == "W" else "days"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Customer lifetime value: {e(source_name)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>Customer lifetime value: {e(source_name)}</h1>"
        f"<p>{fit.customers} customers, {e(window)}, times in {unit}.</p>"
        + "".join(sections)
        + "</body></html>\n"
    )


def _table(rows: list[tuple[str, str]]) -> str:
    e = html.escape
    return (
        "<table>"
        + "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
        + "</table>"
    )
