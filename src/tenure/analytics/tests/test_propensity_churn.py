"""A churn model from a base kept as files: honest training tables, the scoring features."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tenure.analytics.propensity.churn import (
    churn_scoring_features,
    churn_training_tables,
    read_base,
    write_base,
)
from tenure.analytics.propensity.synthetic import synthetic_subscription_base

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = synthetic_subscription_base(600, seed=3, as_of=AS_OF)
    return write_base(base, tmp_path_factory.mktemp("base"))


def test_training_labels_are_known_before_the_test_snapshot(base_dir: Path) -> None:
    tables = churn_training_tables(read_base(base_dir), as_of=AS_OF, horizon_days=90)
    assert tables.test_date == AS_OF - dt.timedelta(days=90)
    assert all(d + dt.timedelta(days=90) <= tables.test_date for d in tables.train_dates)
    assert len(tables.train_dates) == 6 and tables.train_dates == sorted(tables.train_dates)
    assert list(tables.train.columns) == list(tables.test.columns)
    assert tables.train["churned"].any() and "snapshot_date" not in tables.train.columns


def test_scoring_features_cover_the_customers_active_that_day(base_dir: Path) -> None:
    customers = pd.read_parquet(base_dir / "customers.parquet")
    day = pd.Timestamp(AS_OF)
    active = customers[
        (customers.start_date <= day) & (customers.end_date.isna() | (customers.end_date > day))
    ]
    features = churn_scoring_features(read_base(base_dir), as_of=AS_OF)
    assert sorted(features["customer_id"]) == sorted(active["customer_id"])
    assert "churned" not in features.columns and "late_payments" in features.columns


def test_a_directory_without_the_base_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"missing customers\.parquet"):
        read_base(tmp_path)
