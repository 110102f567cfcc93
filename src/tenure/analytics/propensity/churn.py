"""Churn from a subscription base kept as files: honest training tables and scoring features.

A base is a directory of Parquet files (``customers``, ``transactions``, ``payments``,
``complaints``, ``interactions``, ``nps``; the columns of
:class:`~tenure.analytics.propensity.synthetic.SubscriptionBase`). Training uses monthly
snapshots whose label windows end on or before the test snapshot, so nothing the test judges was
known in training (:func:`~tenure.analytics.propensity.snapshots.train_valid_snapshots`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from tenure.analytics.mart import Complaints, Interactions, Payments, duckdb_connection
from tenure.analytics.propensity.snapshots import (
    LABEL,
    SNAPSHOT_DATE,
    NpsAnswers,
    churn_features,
    month_ends,
    train_valid_snapshots,
)
from tenure.analytics.propensity.synthetic import SubscriptionBase

TABLES = ("customers", "transactions", "payments", "complaints", "interactions", "nps")
ATTRIBUTES = ("tariff", "region", "monthly_fee")
ID = "customer_id"


def write_base(base: SubscriptionBase, directory: Path) -> Path:
    """Write the base's tables as Parquet files into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        getattr(base, name).to_parquet(directory / f"{name}.parquet", index=False)
    return directory


def read_base(directory: Path) -> dict[str, ir.Table]:
    """The base's tables on a DuckDB connection; a missing file is a clear ValueError."""
    missing = [name for name in TABLES if not (directory / f"{name}.parquet").is_file()]
    if missing:
        raise ValueError(f"{directory}: missing {', '.join(f'{m}.parquet' for m in missing)}")
    con = duckdb_connection()
    return {name: con.read_parquet(directory / f"{name}.parquet") for name in TABLES}


def _options(tables: dict[str, ir.Table]) -> dict[str, Any]:
    return {
        "attributes": list(ATTRIBUTES),
        "interactions": Interactions(tables["interactions"]),
        "payments": Payments(tables["payments"]),
        "complaints": Complaints(tables["complaints"]),
        "severity": "severity",
        "nps": NpsAnswers(tables["nps"]),
    }


@dataclass(frozen=True)
class ChurnTables:
    train: pd.DataFrame
    test: pd.DataFrame
    train_dates: list[dt.date]
    test_date: dt.date
    horizon_days: int


def churn_training_tables(
    tables: dict[str, ir.Table], *, as_of: dt.date, horizon_days: int = 90, snapshots: int = 6
) -> ChurnTables:
    """Monthly training snapshots up to the test snapshot ``as_of − horizon`` (the last one whose
    outcome is known on ``as_of``); every training label window ends by the test date."""
    test_date = as_of - dt.timedelta(days=horizon_days)
    latest_train = test_date - dt.timedelta(days=horizon_days)
    ends = month_ends(latest_train - dt.timedelta(days=31 * 2 * snapshots), latest_train)
    train_dates = ends[-1::-2][:snapshots][::-1]  # every other month end, newest last
    if not train_dates:
        raise ValueError("the base is too short for training snapshots before the test date")
    split = train_valid_snapshots(
        tables["customers"],
        tables["transactions"],
        train_dates=train_dates,
        valid_dates=[test_date],
        horizon_days=horizon_days,
        observed_until=as_of,
        **_options(tables),
    )
    order = [SNAPSHOT_DATE, ID]  # DuckDB's row order varies; the models' input must not
    train = split.train.to_pandas().sort_values(order, ignore_index=True)
    test = split.valid.to_pandas().sort_values(order, ignore_index=True)
    return ChurnTables(
        _steady(train.drop(columns=[SNAPSHOT_DATE])),
        _steady(test.drop(columns=[SNAPSHOT_DATE])),
        train_dates,
        test_date,
        horizon_days,
    )


def churn_scoring_features(tables: dict[str, ir.Table], *, as_of: dt.date) -> pd.DataFrame:
    """One row per customer active on ``as_of`` with the features the churn model reads."""
    features = churn_features(
        tables["customers"], tables["transactions"], as_of=as_of, **_options(tables)
    )
    frame = features.to_pandas().sort_values(ID, ignore_index=True)
    return _steady(frame.drop(columns=[SNAPSHOT_DATE, LABEL], errors="ignore"))


def _steady(frame: pd.DataFrame) -> pd.DataFrame:
    """Floats rounded to 9 decimals: DuckDB sums in parallel, in any order, and the last bits of
    a sum must not move a score (scoring the same day twice must write the same datasets)."""
    floats = frame.select_dtypes("floating").columns
    return frame.assign(**{column: frame[column].round(9) for column in floats})
