"""The same mart expression gives the same table on local Spark as on DuckDB.

One small local Spark session serves the module (a JVM start costs seconds). Spark needs pyspark
(the dev extra) and Java (``scripts/install-system-packages`` installs Debian's
openjdk-17-jre-headless when ``java`` is missing): a missing one fails the test, with the reason.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from tenure.analytics.mart import (
    customer_mart,
    duckdb_connection,
    local_spark_session,
    spark_connection,
)
from tenure.analytics.tests.test_mart import (
    CALIBRATION_END,
    HOLDOUT_END,
    assert_same_marts,
    event_purchases,
    event_tables,
    read_cdnow_transactions,
)

if TYPE_CHECKING:
    from ibis.backends.pyspark import Backend as PySparkBackend


def missing_requirements() -> list[str]:
    missing = []
    if importlib.util.find_spec("pyspark") is None:
        missing.append("pyspark (pip install -e '.[dev]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing.append("Java (apt-get install openjdk-17-jre-headless)")
    return missing


@pytest.fixture(scope="module")
def spark() -> Iterator[PySparkBackend]:
    if missing := missing_requirements():
        pytest.fail(f"local Spark needs {' and '.join(missing)}; run make test to install them")
    session = local_spark_session(cores=1, shuffle_partitions=1)
    try:
        yield spark_connection(session)
    finally:
        session.stop()


def run_on_both(expr: ir.Table, spark: PySparkBackend, key: str) -> pa.Table:
    """Run ``expr`` on DuckDB and on Spark, check they agree and return the DuckDB result."""
    on_duckdb = duckdb_connection().to_pyarrow(expr).sort_by(key)
    assert_same_marts(on_duckdb, spark.to_pyarrow(expr).sort_by(key))
    return on_duckdb


def test_cdnow_mart_with_holdout_is_the_same_on_spark(spark: PySparkBackend) -> None:
    transactions = ibis.memtable(read_cdnow_transactions())
    expr = customer_mart(
        transactions, calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END, time_unit="W"
    )

    mart = run_on_both(expr, spark, key="customer_id")
    assert mart.num_rows == 2357


def test_optional_inputs_and_timestamps_are_the_same_on_spark(spark: PySparkBackend) -> None:
    expr = customer_mart(
        event_purchases(),
        calibration_end=dt.date(2024, 3, 31),
        holdout_end=dt.date(2024, 6, 30),
        customer="customer",
        date="day",
        amount="spent",
        time_unit="D",
        **event_tables(),
    )

    mart = run_on_both(expr, spark, key="customer")
    assert mart["interactions"].to_pylist() == [2, 1, 0]
