"""From a transactions file to fitted lifetime-value models, hold-out checks and customer scores.

The steps the CLI, the services and the benchmarks share: read and type the file with DuckDB,
build the customer mart, fit BG/NBD or Pareto/NBD (and Gamma-Gamma with amounts), compare the
hold-out with the model (figures as SVG) and score every customer as of a date.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import numpy as np

from tenure.analytics.clv.base import Array, CLVModel
from tenure.analytics.clv.bgnbd import BetaGeoModel
from tenure.analytics.clv.gammagamma import GammaGammaModel
from tenure.analytics.clv.paretonbd import ParetoNBDModel
from tenure.analytics.clv.scoring import CustomerScores, score_customers

MODELS: dict[str, type[BetaGeoModel] | type[ParetoNBDModel]] = {
    "bgnbd": BetaGeoModel,
    "paretonbd": ParetoNBDModel,
}
MODEL_NAMES = {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD"}
TIME_UNIT_DAYS = {"W": 7.0, "D": 1.0}
Step = Callable[[str], None]


class InputError(ValueError):
    """The input cannot be used; the message says which option or column and why."""


@dataclass(frozen=True)
class TransactionSource:
    """Where the transactions are and which columns hold customer, date and amount."""

    path: Path
    customer: str
    date: str
    amount: str | None = None
    date_format: str | None = None

    def settings(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "customer_col": self.customer,
            "date_col": self.date,
            "amount_col": self.amount,
            "date_format": self.date_format,
        }


@dataclass
class ClvFit:
    """A fitted purchase model (and spend model), with its checks and figures."""

    model: str
    time_unit: str
    first_purchase: dt.date
    calibration_end: dt.date
    holdout_end: dt.date | None
    transaction_model: CLVModel
    spend_model: GammaGammaModel | None
    fit_seconds: float
    holdout: dict[str, Any] | None = None
    figures: dict[str, str] = field(default_factory=dict)

    @property
    def customers(self) -> int:
        return int(self.transaction_model.n_customers_)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no figures); non-finite numbers become None."""
        spend = self.spend_model
        return _finite(
            {
                "model": self.model,
                "time_unit": self.time_unit,
                "first_purchase": self.first_purchase.isoformat(),
                "calibration_end": self.calibration_end.isoformat(),
                "holdout_end": self.holdout_end.isoformat() if self.holdout_end else None,
                "customers": self.customers,
                "parameters": dict(self.transaction_model.params_),
                "log_likelihood": self.transaction_model.log_likelihood_,
                "fit_seconds": self.fit_seconds,
                "spend_model": None
                if spend is None
                else {
                    "model": "gammagamma",
                    "customers": spend.n_customers_,
                    "parameters": dict(spend.params_),
                    "log_likelihood": spend.log_likelihood_,
                },
                "holdout": self.holdout,
            }
        )


def load_transactions(source: TransactionSource) -> ir.Table:
    """The file as an Ibis table on DuckDB with typed date (and amount) columns."""
    from tenure.analytics.mart import read_transactions

    path = source.path
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        table = read_transactions(path)
    except Exception as exc:  # DuckDB's errors have no common base class
        raise InputError(
            f"{path.name} is not readable as CSV or Parquet: {_first_line(exc)}"
        ) from None
    wanted = {"--customer-col": source.customer, "--date-col": source.date}
    wanted["--amount-col"] = source.amount or ""
    for option, column in wanted.items():
        if column and column not in table.columns:
            raise InputError(
                f"{option}: no column {column!r} in {path.name} (columns: {', '.join(table.columns)})"
            )
    date = table[source.date]
    try:
        if source.date_format is not None:
            typed = {source.date: date.cast("string").as_date(source.date_format)}
        else:
            typed = {source.date: date.cast("date")}
        if source.amount is not None:
            typed[source.amount] = table[source.amount].cast("float64")
        table = table.mutate(**typed)
        table.head(1).to_pyarrow()
    except Exception as exc:
        raise InputError(
            f"cannot read dates or amounts in {path.name}: {_first_line(exc)}"
        ) from None
    return table


def date_range(table: ir.Table, date: str) -> tuple[dt.date, dt.date]:
    """First and last purchase date in the table."""
    try:
        row = table.aggregate(first=table[date].min(), last=table[date].max()).to_pyarrow()
    except Exception as exc:
        raise InputError(
            f"cannot read the dates in --date-col {date!r}: {_first_line(exc)}"
        ) from None
    first, last = row.column("first")[0].as_py(), row.column("last")[0].as_py()
    if first is None:
        raise InputError(f"no dates in --date-col {date!r}")
    return first, last


def build_mart(
    table: ir.Table,
    source: TransactionSource,
    *,
    calibration_end: dt.date,
    holdout_end: dt.date | None = None,
    time_unit: str = "W",
) -> dict[str, Array]:
    """The customer mart as NumPy columns (the customer column under its own name)."""
    from tenure.analytics.mart import customer_mart

    try:
        arrow = customer_mart(
            table,
            calibration_end=calibration_end,
            holdout_end=holdout_end,
            customer=source.customer,
            date=source.date,
            amount=source.amount,
            time_unit=time_unit,  # type: ignore[arg-type]
        ).to_pyarrow()
    except Exception as exc:
        raise InputError(f"cannot build the customer mart: {_first_line(exc)}") from None
    return {
        name: np.asarray(arrow.column(name).to_numpy(zero_copy_only=False))
        for name in arrow.column_names
    }


def fit_clv(
    table: ir.Table,
    source: TransactionSource,
    *,
    calibration_end: dt.date,
    holdout_end: dt.date | None = None,
    model: str = "bgnbd",
    time_unit: str = "W",
    step: Step = lambda _: None,
) -> ClvFit:
    """Fit the purchase model (and Gamma-Gamma with amounts) on the calibration period and check
    it on the hold-out, with the two figures of Fader, Hardie & Lee (2005) as SVG."""
    if model not in MODELS:
        raise InputError(f"--model must be one of {', '.join(MODELS)}, got {model!r}")
    if time_unit not in TIME_UNIT_DAYS:
        raise InputError(f"--time-unit must be W (weeks) or D (days), got {time_unit!r}")
    if holdout_end is not None and holdout_end <= calibration_end:
        raise InputError(
            f"--holdout-end {holdout_end} must be after --calibration-end {calibration_end}"
        )
    first, last = date_range(table, source.date)
    if not first <= calibration_end < last:
        raise InputError(
            f"--calibration-end {calibration_end} is outside the data: the purchases run from "
            f"{first} to {last}, so it must be on or after {first} and before {last}"
        )
    step("Building the customer mart")
    mart = build_mart(
        table, source, calibration_end=calibration_end, holdout_end=holdout_end, time_unit=time_unit
    )
    step(f"Fitting {MODEL_NAMES[model]} on {len(mart['frequency'])} customers")
    started = time.perf_counter()
    estimator = MODELS[model]()
    try:
        estimator.fit(mart["frequency"], mart["recency"], mart["T"])
    except ValueError as exc:
        raise InputError(f"{MODEL_NAMES[model]} cannot be fitted: {exc}") from None
    spend = None
    if source.amount is not None:
        try:
            spend = GammaGammaModel().fit(mart["frequency"], mart["monetary_value"])
        except ValueError as exc:
            raise InputError(f"Gamma-Gamma cannot be fitted: {exc}") from None
    fit = ClvFit(
        model=model,
        time_unit=time_unit,
        first_purchase=first,
        calibration_end=calibration_end,
        holdout_end=holdout_end,
        transaction_model=estimator,
        spend_model=spend,
        fit_seconds=time.perf_counter() - started,
    )
    step("Checking the hold-out and drawing the plots")
    _check_holdout(fit, mart, table, source, holdout_end or last)
    return fit


def _check_holdout(
    fit: ClvFit, mart: dict[str, Array], table: ir.Table, source: TransactionSource, last: dt.date
) -> None:
    from tenure.analytics.clv.holdout import (
        cumulative_tracking,
        holdout_by_frequency,
        holdout_error,
        purchase_day_counts,
    )
    from tenure.analytics.clv.plots import figure_bytes, frequency_figure, tracking_figure

    model: Any = fit.transaction_model
    name = MODEL_NAMES[fit.model]
    rfm = (mart["frequency"], mart["recency"], mart["T"])
    if fit.holdout_end is not None:
        holdout = (mart["frequency_holdout"], mart["duration_holdout"])
        error = holdout_error(model, *rfm, *holdout)
        by_frequency = holdout_by_frequency(model, *rfm, *holdout)
        fit.holdout = {
            "customers": error.customers,
            "mae": error.mae,
            "rmse": error.rmse,
            "actual_total": error.actual_total,
            "predicted_total": error.predicted_total,
            "total_relative_error": error.total_relative_error,
            "by_frequency": by_frequency.as_rows(),
        }
        svg = figure_bytes(frequency_figure(by_frequency, model=name), "svg")
        fit.figures["frequency"] = _inline_svg(svg)
    counts = purchase_day_counts(
        table,
        calibration_end=fit.calibration_end,
        last_day=last,
        customer=source.customer,
        date=source.date,
    )
    days = (last - counts.start).days + 1
    tracking = cumulative_tracking(
        model,
        birth_days=counts.birth_days,
        birth_counts=counts.birth_counts,
        repeat_days=counts.repeat_days,
        repeat_counts=counts.repeat_counts,
        n_periods=max(1, math.ceil(days / 7)),
        calibration_days=(fit.calibration_end - counts.start).days + 1,
        time_unit_days=TIME_UNIT_DAYS[fit.time_unit],
    )
    fit.figures["tracking"] = _inline_svg(
        figure_bytes(tracking_figure(tracking, model=name), "svg")
    )


def _inline_svg(svg: bytes) -> str:
    """The SVG element alone (no XML prolog or doctype), ready to be placed in an HTML page."""
    text = svg.decode("utf-8")
    return text[text.index("<svg") :]


@dataclass(frozen=True)
class ScoredBase:
    """Scores for every customer of the mart as of a date; ``customer_ids`` as text."""

    as_of: dt.date
    customer_ids: list[str]
    scores: CustomerScores


def score_base(
    table: ir.Table,
    source: TransactionSource,
    *,
    transaction_model: CLVModel,
    spend_model: GammaGammaModel | None,
    as_of: dt.date,
    time_unit: str = "W",
    horizon_months: int = 12,
    discount_rate_monthly: float = 0.01,
) -> ScoredBase:
    """Every customer with a purchase on or before ``as_of``, scored with fitted models."""
    mart = build_mart(table, source, calibration_end=as_of, time_unit=time_unit)
    use_spend = spend_model is not None and "monetary_value" in mart
    scores = score_customers(
        transaction_model,  # type: ignore[arg-type]
        mart["frequency"],
        mart["recency"],
        mart["T"],
        spend_model=spend_model if use_spend else None,
        monetary_value=mart.get("monetary_value") if use_spend else None,
        horizon_months=horizon_months,
        discount_rate_monthly=discount_rate_monthly,
        time_unit_days=TIME_UNIT_DAYS[time_unit],
    )
    ids = [str(value) for value in mart[source.customer].tolist()]
    return ScoredBase(as_of, ids, scores)


def restore_models(
    model: str, parameters: dict[str, float], spend_parameters: dict[str, float] | None
) -> tuple[CLVModel, GammaGammaModel | None]:
    """Fitted models rebuilt from stored parameters."""
    if model not in MODELS:
        raise InputError(f"unknown model {model!r}")
    spend = GammaGammaModel.from_params(spend_parameters) if spend_parameters else None
    return MODELS[model].from_params(parameters), spend


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _finite(value: Any) -> Any:
    """JSON has no NaN: such values become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
