"""The customer mart on DuckDB: the published CDNOW summary, its hold-out period, and small tables
made by hand for same-day purchases, single purchases, late starters and the optional inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pytest

from tenure.analytics.mart import (
    Complaints,
    Interactions,
    Payments,
    customer_mart,
    duckdb_connection,
)
from tenure.analytics.tests.conftest import CDNOW, Summary

CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT_END = dt.date(1998, 6, 30)


def read_cdnow_transactions() -> pa.Table:
    """``CDNOW_sample.txt`` as customer_id (the sample's 1..2357), date and amount."""
    raw = np.loadtxt(CDNOW / "CDNOW_sample.txt", dtype=str)
    days = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in raw[:, 2]], dtype="datetime64[D]")
    return pa.table(
        {
            "customer_id": raw[:, 1].astype(np.int64),
            "date": pa.array(days),
            "amount": raw[:, 4].astype(np.float64),
        }
    )


def run(expr: ir.Table, key: str = "customer_id") -> dict[str, list[Any]]:
    """Execute on a fresh in-memory DuckDB; columns as lists, rows sorted by ``key``."""
    return duckdb_connection().to_pyarrow(expr).sort_by(key).to_pydict()


def assert_same_marts(ours: pa.Table, theirs: pa.Table) -> None:
    """Same columns and rows; floats to 1e-12, as sums may add in another order."""
    assert theirs.column_names == ours.column_names
    assert theirs.num_rows == ours.num_rows > 0
    for name in ours.column_names:
        expected, actual = ours[name].to_pylist(), theirs[name].to_pylist()
        if pa.types.is_floating(ours.schema.field(name).type):
            np.testing.assert_allclose(actual, expected, rtol=1e-12, err_msg=name)
        else:
            assert actual == expected, name


def to_cents(values: list[float]) -> np.ndarray:
    """Round half up to 2 decimals, as the published summary file is printed."""
    return np.floor(np.asarray(values, dtype=np.float64) * 100 + 0.5 + 1e-6) / 100


@pytest.fixture(scope="module")
def cdnow_transactions() -> ir.Table:
    return ibis.memtable(read_cdnow_transactions())


def test_cdnow_mart_reproduces_the_published_summary(
    cdnow_transactions: ir.Table, cdnow: Summary
) -> None:
    mart = run(customer_mart(cdnow_transactions, calibration_end=CALIBRATION_END, time_unit="W"))

    np.testing.assert_array_equal(mart["customer_id"], cdnow.id)
    np.testing.assert_array_equal(mart["frequency"], cdnow.x)
    for column, published in (("recency", cdnow.t_x), ("T", cdnow.T), ("zbar", cdnow.zbar)):
        ours = mart["monetary_value" if column == "zbar" else column]
        # the file prints 2 decimals, rounded half up: rounded so, every value is the same
        np.testing.assert_allclose(to_cents(ours), published, rtol=0, atol=1e-9, err_msg=column)
        np.testing.assert_allclose(ours, published, rtol=0, atol=0.005 + 1e-9, err_msg=column)


def test_cdnow_mart_spend_and_tenure(cdnow_transactions: ir.Table) -> None:
    mart = run(customer_mart(cdnow_transactions, calibration_end=CALIBRATION_END, time_unit="D"))

    assert len(mart["customer_id"]) == 2357
    assert mart["first_purchase"][0] == dt.date(1997, 1, 1)
    np.testing.assert_array_equal(mart["T"], mart["tenure_days"])
    repeat = np.asarray(mart["monetary_value"]) * np.asarray(mart["frequency"])
    assert np.all(np.asarray(mart["total_spend"]) >= repeat - 1e-9)
    # customers of the first 12 weeks of 1997 have 8 to 9 months of tenure by the end of September
    months = np.asarray(mart["tenure_days"]) / (365.25 / 12)
    np.testing.assert_allclose(mart["spend_per_month"], np.asarray(mart["total_spend"]) / months)
    assert np.all(np.asarray(mart["days_since_last_purchase"]) <= np.asarray(mart["tenure_days"]))


def test_cdnow_holdout_counts_purchase_days_after_calibration(
    cdnow_transactions: ir.Table,
) -> None:
    calibration = run(customer_mart(cdnow_transactions, calibration_end=CALIBRATION_END))
    mart = run(
        customer_mart(cdnow_transactions, calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END)
    )

    for column, values in calibration.items():
        if values and isinstance(values[0], float):  # DuckDB sums in parallel, in any order
            np.testing.assert_allclose(mart[column], values, rtol=1e-12, err_msg=column)
        else:
            assert mart[column] == values, column
    raw = read_cdnow_transactions().to_pydict()
    holdout: dict[int, dict[dt.date, float]] = {}
    for customer, day, amount in zip(raw["customer_id"], raw["date"], raw["amount"], strict=True):
        if CALIBRATION_END < day <= HOLDOUT_END:
            spent = holdout.setdefault(customer, {})
            spent[day] = spent.get(day, 0.0) + amount
    expected_days = [len(holdout.get(c, {})) for c in mart["customer_id"]]
    expected_mean = [
        sum(holdout[c].values()) / len(holdout[c]) if c in holdout else 0.0
        for c in mart["customer_id"]
    ]
    assert mart["frequency_holdout"] == expected_days
    np.testing.assert_allclose(mart["monetary_holdout"], expected_mean, rtol=1e-12)
    assert set(mart["duration_holdout"]) == {39.0}  # weeks


def test_holdout_duration_is_a_float_in_written_files(
    cdnow_transactions: ir.Table, tmp_path
) -> None:
    """A bare float literal became DECIMAL(17,15) in DuckDB's SQL: 10M Python Decimals later."""
    import pyarrow.parquet as pq

    mart = customer_mart(
        cdnow_transactions, calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END
    )
    path = tmp_path / "mart.parquet"
    duckdb_connection().to_parquet(mart, path)
    assert pq.read_schema(path).field("duration_holdout").type == pa.float64()


# --- small tables made by hand ----------------------------------------------------------------

D = dt.date


def table(columns: str, *rows: tuple[Any, ...]) -> ir.Table:
    """A memtable from space-separated column names and rows."""
    return ibis.memtable(dict(zip(columns.split(), zip(*rows, strict=True), strict=True)))


def purchases(*rows: tuple[str, dt.date | dt.datetime, float | None]) -> ir.Table:
    return table("customer day spent", *rows)


def small_mart(transactions: ir.Table, **options: Any) -> dict[str, list[Any]]:
    options.setdefault("calibration_end", D(2024, 3, 31))
    options.setdefault("time_unit", "D")
    expr = customer_mart(transactions, customer="customer", date="day", amount="spent", **options)
    return run(expr, key="customer")


def row(mart: dict[str, list[Any]], customer: str) -> dict[str, Any]:
    at = mart["customer"].index(customer)
    return {column: values[at] for column, values in mart.items()}


def test_purchases_on_one_day_count_once() -> None:
    mart = small_mart(
        purchases(
            ("ann", D(2024, 1, 1), 10.0),
            ("ann", D(2024, 1, 1), 5.0),
            ("ann", D(2024, 1, 8), 20.0),
            ("ann", D(2024, 1, 15), 3.0),
            ("ann", D(2024, 1, 15), 7.0),
        )
    )

    assert row(mart, "ann") == {
        "customer": "ann",
        "first_purchase": D(2024, 1, 1),
        "last_purchase": D(2024, 1, 15),
        "frequency": 2,
        "recency": 14.0,
        "T": 90.0,
        "tenure_days": 90,
        "days_since_last_purchase": 76,
        "monetary_value": 15.0,  # (20 + 3 + 7) / 2: the first day's 15 is not a repeat purchase
        "total_spend": 45.0,
        "spend_per_month": pytest.approx(45.0 / (90 / 30.4375)),
    }


def test_timestamps_on_one_day_merge_and_weeks_divide_days_by_seven() -> None:
    mart = small_mart(
        purchases(
            ("bob", dt.datetime(2024, 3, 3, 9, 0), 1.0),
            ("bob", dt.datetime(2024, 3, 3, 18, 30), 2.0),
            ("bob", dt.datetime(2024, 3, 10, 12, 0), 4.0),
        ),
        time_unit="W",
    )

    bob = row(mart, "bob")
    assert (bob["frequency"], bob["recency"], bob["T"]) == (1, 1.0, 4.0)
    assert (bob["monetary_value"], bob["total_spend"]) == (4.0, 7.0)


def test_a_single_purchase_has_no_repeats_and_a_month_at_least() -> None:
    mart = small_mart(
        purchases(("cid", D(2024, 3, 21), 30.0), ("cid", D(2024, 3, 21), None)),
    )

    assert row(mart, "cid") == {
        "customer": "cid",
        "first_purchase": D(2024, 3, 21),
        "last_purchase": D(2024, 3, 21),
        "frequency": 0,
        "recency": 0.0,
        "T": 10.0,
        "tenure_days": 10,
        "days_since_last_purchase": 10,
        "monetary_value": 0.0,
        "total_spend": 30.0,  # a missing amount counts as 0
        "spend_per_month": 30.0,  # 10 days of tenure count as a whole month
    }


def test_customers_starting_after_calibration_end_and_later_purchases_are_left_out() -> None:
    transactions = purchases(
        ("dan", D(2024, 3, 1), 1.0),
        ("dan", D(2024, 4, 2), 2.0),  # hold-out
        ("dan", D(2024, 6, 1), 4.0),  # after the hold-out
        ("eve", D(2024, 4, 1), 8.0),  # starts in the hold-out
    )

    calibration = small_mart(transactions)
    assert calibration["customer"] == ["dan"]
    assert (calibration["frequency"], calibration["total_spend"]) == ([0], [1.0])

    mart = small_mart(transactions, holdout_end=D(2024, 4, 30))
    assert mart["customer"] == ["dan"]
    assert (mart["frequency_holdout"], mart["monetary_holdout"]) == ([1], [2.0])
    assert mart["duration_holdout"] == [30.0]


def test_without_amounts_the_spend_columns_are_left_out() -> None:
    transactions = ibis.memtable(
        {"customer_id": [1, 1, 2], "date": ["2024-01-01", "2024-01-05", "2024-02-01"]}
    )

    mart = run(
        customer_mart(
            transactions,
            calibration_end=D(2024, 1, 31),
            holdout_end=D(2024, 2, 29),
            amount=None,
            time_unit="D",
        )
    )

    assert mart == {
        "customer_id": [1],
        "first_purchase": [D(2024, 1, 1)],
        "last_purchase": [D(2024, 1, 5)],
        "frequency": [1],
        "recency": [4.0],
        "T": [30.0],
        "tenure_days": [30],
        "days_since_last_purchase": [26],
        "frequency_holdout": [0],
        "duration_holdout": [29.0],
    }


def event_tables() -> dict[str, Any]:
    """Interactions, payments and complaints for ann and bob; cid has none, zed no purchase."""
    contacts = table(
        "who at",
        ("ann", dt.datetime(2023, 12, 1, 9)),  # before her first purchase
        ("ann", dt.datetime(2024, 1, 2, 9)),
        ("ann", dt.datetime(2024, 3, 31, 23)),
        ("ann", dt.datetime(2024, 4, 1, 0)),  # after the calibration end
        ("bob", dt.datetime(2024, 3, 1, 12)),
        ("zed", dt.datetime(2024, 3, 1, 12)),
    )
    invoices = table(
        "customer_id due_date paid_date",
        ("ann", D(2024, 2, 1), D(2024, 1, 30)),  # on time
        ("ann", D(2024, 3, 1), D(2024, 3, 11)),  # 10 days late
        ("ann", D(2024, 4, 15), None),  # not due by the calibration end
        ("bob", D(2024, 3, 1), None),  # 30 days overdue at the calibration end
        ("bob", D(2024, 3, 21), D(2024, 4, 10)),  # paid after it: 10 days late by then
    )
    complaints = table(
        "customer_id opened closed",
        ("ann", D(2024, 1, 5), D(2024, 1, 9)),
        ("ann", D(2024, 3, 1), D(2024, 4, 3)),  # closed only after the calibration end
        ("bob", D(2024, 2, 1), None),
        ("bob", D(2024, 4, 2), None),  # opened after the calibration end
    )
    return {
        "interactions": Interactions(contacts, customer="who", date="at"),
        "payments": Payments(invoices),
        "complaints": Complaints(complaints),
    }


def event_purchases() -> ir.Table:
    return purchases(
        ("ann", D(2024, 1, 1), 10.0),
        ("ann", D(2024, 2, 1), 10.0),
        ("bob", D(2024, 3, 1), 5.0),
        ("cid", D(2024, 3, 21), 30.0),
    )


def test_optional_inputs_add_interactions_payment_delays_and_open_complaints() -> None:
    mart = small_mart(event_purchases(), **event_tables())

    assert mart["customer"] == ["ann", "bob", "cid"]
    # ann: 2 contacts in 90 days; bob: 1 in 30 days; cid: none
    assert mart["interactions"] == [2, 1, 0]
    np.testing.assert_allclose(mart["interactions_per_month"], [2 / (90 / 30.4375), 1.0, 0.0])
    # ann: 0 and 10 days late (a third invoice not yet due); bob: 30 and 10 days late
    assert mart["late_payments"] == [1, 2, 0]
    assert mart["payment_delay_days"] == [5.0, 20.0, 0.0]
    assert mart["open_complaints"] == [1, 1, 0]


def test_each_optional_input_adds_only_its_columns() -> None:
    events = event_tables()
    plain = small_mart(event_purchases())

    for name, columns in (
        ("interactions", ["interactions", "interactions_per_month"]),
        ("payments", ["late_payments", "payment_delay_days"]),
        ("complaints", ["open_complaints"]),
    ):
        mart = small_mart(event_purchases(), **{name: events[name]})
        assert list(mart) == [*plain, *columns]
        assert {c: mart[c] for c in plain} == plain


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"holdout_end": D(2024, 3, 31)}, "must be after calibration_end"),
        ({"time_unit": "M"}, "time_unit must be"),
        ({"amount": "price"}, "transactions has no column price"),
        ({"payments": ["customer_id", "due_date"]}, "payments has no column paid_date"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    transactions = table("customer_id date amount", (1, D(2024, 1, 1), 1.0))
    if "payments" in options:
        options = {"payments": Payments(table(" ".join(options["payments"]), (1, D(2024, 1, 1))))}

    with pytest.raises(ValueError, match=message):
        customer_mart(transactions, calibration_end=D(2024, 3, 31), **options)
