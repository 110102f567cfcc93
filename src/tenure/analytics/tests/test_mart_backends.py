"""Reading transactions from CSV and Parquet files into the mart on DuckDB."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tenure.analytics.mart import customer_mart, duckdb_connection, read_transactions
from tenure.analytics.tests.test_mart import (
    CALIBRATION_END,
    HOLDOUT_END,
    assert_same_marts,
    read_cdnow_transactions,
)

# ibis 12 calls a DuckDB method that DuckDB 1.5 deprecates; nothing to do with the mart
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table\\(\\) is deprecated")


@pytest.fixture(scope="module")
def cdnow() -> pa.Table:
    return read_cdnow_transactions()


@pytest.fixture(scope="module")
def expected(cdnow: pa.Table) -> pa.Table:
    """The mart of the CDNOW transactions handed over in memory."""
    return mart_of(ibis.memtable(cdnow))


def mart_of(transactions: ibis.Table) -> pa.Table:
    """The mart, run where the transactions are (a memtable: Ibis's default, DuckDB)."""
    expr = customer_mart(transactions, calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END)
    return expr.to_pyarrow().sort_by("customer_id")


def write_csv(path: Path, cdnow: pa.Table) -> None:
    """The CDNOW columns with dates as digits, YYYYMMDD, as in the original file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["customer_id", "date", "amount"])
        for customer, day, amount in zip(*cdnow.to_pydict().values(), strict=True):
            writer.writerow([customer, day.strftime("%Y%m%d"), amount])


@pytest.mark.parametrize("name", ["sales.csv", "sales.csv.gz"])
def test_csv_with_digit_dates_gives_the_same_mart(
    name: str, tmp_path: Path, cdnow: pa.Table, expected: pa.Table
) -> None:
    write_csv(tmp_path / name, cdnow)

    transactions = read_transactions(tmp_path / name, date="date", date_format="%Y%m%d")

    assert transactions.schema()["date"].is_date()
    assert_same_marts(expected, mart_of(transactions))


def test_parquet_gives_the_same_mart(tmp_path: Path, cdnow: pa.Table, expected: pa.Table) -> None:
    pq.write_table(cdnow, tmp_path / "sales.parquet")
    con = duckdb_connection(threads=1)

    transactions = read_transactions(tmp_path / "sales.parquet", connection=con)

    assert transactions.count().execute() == 6919
    assert_same_marts(expected, mart_of(transactions))


def test_duckdb_connection_takes_limits(tmp_path: Path) -> None:
    con = duckdb_connection(tmp_path / "mart.duckdb", threads=1, memory_limit="1GB")

    settings = con.raw_sql("select current_setting('threads'), current_setting('memory_limit')")
    assert settings.fetchall() == [(1, "953.6 MiB")]
    assert (tmp_path / "mart.duckdb").exists()


def test_unknown_files_and_a_format_without_its_column_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"expected a \.csv"):
        read_transactions(tmp_path / "sales.xlsx")
    write_csv(tmp_path / "sales.csv", read_cdnow_transactions().slice(0, 3))
    with pytest.raises(ValueError, match="date_format needs the date column"):
        read_transactions(tmp_path / "sales.csv", date_format="%Y%m%d")
