"""Per-customer analytics mart: one row of metrics per customer, built from transaction tables.

The mart is an Ibis expression (pure functions from tables to tables), so the same code runs on
DuckDB, the default, and on Spark for data that does not fit one machine::

    con = duckdb_connection()
    transactions = read_transactions("sales.parquet", connection=con)
    mart = customer_mart(transactions, calibration_end=date(1997, 9, 30), time_unit="W")
    con.to_pyarrow(mart)  # or: spark_connection(session).to_pyarrow(mart)

``frequency``, ``recency``, ``T`` and ``monetary_value`` are the inputs of the lifetime-value
models in :mod:`tenure.analytics.clv`.
"""

from tenure.analytics.mart.backends import (
    duckdb_connection,
    local_spark_session,
    read_transactions,
    spark_connection,
)
from tenure.analytics.mart.build import DAYS_PER_MONTH, customer_mart
from tenure.analytics.mart.events import Complaints, Interactions, Payments

__all__ = [
    "DAYS_PER_MONTH",
    "Complaints",
    "Interactions",
    "Payments",
    "customer_mart",
    "duckdb_connection",
    "local_spark_session",
    "read_transactions",
    "spark_connection",
]
