"""Where the mart runs: a DuckDB connection (the default), files read into Ibis tables, and a
local or existing Spark session for the same expressions.

DuckDB is in-process and reads CSV and Parquet directly, so an analyst needs no server. Spark is
optional (``pyspark`` and a Java runtime come with the development install only) and is imported
only when asked for; ``ibis.pyspark.connect`` takes any session, local or on a cluster.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

if TYPE_CHECKING:
    from ibis.backends.duckdb import Backend as DuckDBBackend
    from ibis.backends.pyspark import Backend as PySparkBackend
    from pyspark.sql import SparkSession

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


def duckdb_connection(
    database: str | Path = ":memory:",
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> DuckDBBackend:
    """A DuckDB connection (in memory unless a database file is named), optionally limited to
    ``threads`` and ``memory_limit`` (e.g. ``"8GB"``; DuckDB spills to disk beyond it)."""
    config: dict[str, Any] = {}
    if threads is not None:
        config["threads"] = threads
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    return ibis.duckdb.connect(str(database), **config)


def read_transactions(
    path: str | Path,
    *,
    connection: DuckDBBackend | None = None,
    date: str | None = None,
    date_format: str | None = None,
    **options: Any,
) -> ir.Table:
    """A CSV or Parquet file (compressed CSV too, by its inner suffix) as an Ibis table on DuckDB.

    ``options`` go to DuckDB's ``read_csv`` (``delim``, ``header``, ``columns``…) or
    ``read_parquet``. With ``date`` and ``date_format`` (strftime codes, e.g. ``"%Y%m%d"``) the
    ``date`` column is parsed from text or digits into a date.
    """
    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes]
    kind = next((s for s in reversed(suffixes) if s in CSV_SUFFIXES | PARQUET_SUFFIXES), None)
    if kind is None:
        raise ValueError(f"{path.name}: expected a .csv, .tsv, .txt or .parquet file")
    con = connection if connection is not None else duckdb_connection()
    if kind in PARQUET_SUFFIXES:
        table = con.read_parquet(path, **options)
    else:
        table = con.read_csv(path, **options)
    if date_format is not None:
        if date is None or date not in table.columns:
            raise ValueError(f"date_format needs the date column, got {date!r}")
        text = table[date].cast("string")
        table = table.mutate(**{date: text.as_date(date_format)})
    return table


def local_spark_session(
    *, cores: int = 1, shuffle_partitions: int = 1, app_name: str = "tenure-mart"
) -> SparkSession:
    """A small local Spark session (needs ``pyspark`` and Java): no web UI, few partitions, bound
    to the loopback address. Stop it with ``session.stop()``."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.default.parallelism", str(cores))
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_connection(session: SparkSession | None = None) -> PySparkBackend:
    """An Ibis backend on ``session``, or on a new :func:`local_spark_session`."""
    return ibis.pyspark.connect(session if session is not None else local_spark_session())
