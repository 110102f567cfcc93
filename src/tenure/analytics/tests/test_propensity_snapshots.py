"""Churn snapshots on DuckDB: labels at the horizon's edges, feature values on small tables made by
hand, and that nothing dated after the snapshot date reaches a feature (extreme rows added after
it; the whole synthetic base against the same base cut as it was known on the snapshot date)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tenure.analytics.mart import Complaints, Interactions, Payments, duckdb_connection
from tenure.analytics.propensity.snapshots import (
    LABEL,
    RECENT_FEATURES,
    SNAPSHOT_DATE,
    NpsAnswers,
    churn_features,
    churn_snapshots,
    feature_columns,
    month_ends,
    train_valid_snapshots,
)
from tenure.analytics.propensity.synthetic import SubscriptionBase, synthetic_subscription_base

D = dt.date
T = D(2024, 3, 31)
HORIZON = 90  # T + 90 days = 2024-06-29
DAY = dt.timedelta(days=1)


def run(expr: ir.Table) -> pd.DataFrame:
    """Execute on a fresh in-memory DuckDB; rows by snapshot date and customer."""
    frame = duckdb_connection().to_pandas(expr)
    return frame.sort_values([SNAPSHOT_DATE, "customer_id"], ignore_index=True)


def by_customer(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["customer_id"]: row for row in frame.to_dict("records")}


def assert_same_features(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Same rows and feature columns; floats to 1e-12 (DuckDB may add in another order)."""
    columns = [c for c in ours.columns if c != LABEL]
    assert len(ours) == len(theirs) > 0
    pd.testing.assert_frame_equal(ours[columns], theirs[columns], check_exact=False, rtol=1e-12)


# --- small tables made by hand ------------------------------------------------------------------


def memtable(schema: dict[str, pa.DataType], *rows: tuple[Any, ...]) -> ir.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return ibis.memtable(
        pa.table(
            {
                name: pa.array(values, type=kind)
                for (name, kind), values in zip(schema.items(), columns, strict=True)
            }
        )
    )


TEXT, DATE, NUMBER = pa.string(), pa.date32(), pa.float64()


def customers_table(*extra: tuple[Any, ...]) -> ir.Table:
    """Contracts around T: who is in the snapshot, and who churns within the horizon."""
    return memtable(
        {"customer_id": TEXT, "start_date": DATE, "end_date": DATE, "tariff": TEXT},
        ("ann", D(2023, 1, 1), None, "flex"),
        ("bob", D(2023, 6, 1), T + DAY, "standard"),  # ends the day after T: churned
        ("cid", D(2022, 1, 1), T + (HORIZON + 1) * DAY, "flex"),  # a day after the horizon
        ("dan", D(2022, 1, 1), T + HORIZON * DAY, "premium"),  # on the horizon's last day
        ("eve", D(2022, 1, 1), T, "flex"),  # ended on T: not a customer on T
        ("fay", D(2022, 1, 1), D(2023, 12, 31), "flex"),  # ended before T
        ("gus", T + DAY, None, "flex"),  # starts after T
        ("hal", T, None, "flex"),  # starts on T, nothing billed yet
        *extra,
    )


def transactions_table(*extra: tuple[Any, ...]) -> ir.Table:
    return memtable(
        {"customer_id": TEXT, "date": DATE, "amount": NUMBER},
        ("ann", D(2023, 1, 1), 50.0),
        # previous window (2023-10-01, 2023-12-31]: 120; recent window (2023-12-31, T]: 90
        ("ann", D(2023, 10, 15), 40.0),
        ("ann", D(2023, 11, 15), 40.0),
        ("ann", D(2023, 12, 15), 40.0),
        ("ann", D(2024, 1, 15), 30.0),
        ("ann", D(2024, 2, 15), 30.0),
        ("ann", D(2024, 3, 15), 30.0),
        ("bob", D(2023, 6, 1), 20.0),
        ("bob", D(2024, 3, 1), 20.0),
        ("cid", D(2024, 3, 10), 10.0),
        ("dan", D(2024, 3, 10), 10.0),
        ("eve", D(2024, 3, 10), 10.0),
        *extra,
    )


def payments_table(*extra: tuple[Any, ...]) -> ir.Table:
    return memtable(
        {"customer_id": TEXT, "due_date": DATE, "paid_date": DATE},
        ("ann", D(2023, 9, 1), D(2023, 9, 20)),  # 19 days late, before the recent window
        ("ann", D(2024, 2, 1), D(2024, 2, 5)),  # 4 days late
        ("ann", D(2024, 3, 1), None),  # unpaid: 30 days overdue on T
        ("ann", D(2024, 3, 20), D(2024, 4, 10)),  # paid after T: 11 days overdue on T
        ("ann", D(2024, 4, 15), None),  # not due on T
        ("bob", D(2024, 3, 15), D(2024, 3, 14)),  # on time
        *extra,
    )


def complaints_table(*extra: tuple[Any, ...]) -> ir.Table:
    return memtable(
        {"customer_id": TEXT, "opened": DATE, "closed": DATE, "severity": TEXT},
        ("ann", D(2023, 5, 1), D(2023, 5, 10), "minor"),
        ("ann", D(2024, 2, 1), None, "major"),
        ("ann", D(2024, 3, 1), D(2024, 4, 5), "minor"),  # closed after T: open on T
        ("bob", D(2024, 3, 30), D(2024, 3, 31), "major"),  # closed on T
        *extra,
    )


def interactions_table(*extra: tuple[Any, ...]) -> ir.Table:
    return memtable(
        {"customer_id": TEXT, "date": DATE},
        ("ann", D(2023, 2, 1)),
        ("ann", D(2024, 1, 10)),
        ("ann", T),
        ("bob", D(2024, 3, 1)),
        *extra,
    )


def nps_table(*extra: tuple[Any, ...]) -> ir.Table:
    return memtable(
        {"customer_id": TEXT, "date": DATE, "score": pa.int64()},
        ("ann", D(2023, 6, 1), 9),
        ("ann", D(2024, 2, 1), 4),
        ("ann", D(2024, 2, 1), 6),  # two answers on the last day: their mean
        ("bob", D(2024, 1, 1), 10),
        *extra,
    )


def hand_snapshots(extra: dict[str, list[tuple[Any, ...]]] | None = None, **options: Any) -> Any:
    """``churn_snapshots`` at T on the hand tables, with ``extra`` rows added to them."""
    extra = extra or {}
    options.setdefault("snapshot_dates", [T])
    return churn_snapshots(
        customers_table(*extra.get("customers", [])),
        transactions_table(*extra.get("transactions", [])),
        horizon_days=HORIZON,
        attributes=["tariff"],
        interactions=Interactions(interactions_table(*extra.get("interactions", []))),
        payments=Payments(payments_table(*extra.get("payments", []))),
        complaints=Complaints(complaints_table(*extra.get("complaints", []))),
        severity="severity",
        nps=NpsAnswers(nps_table(*extra.get("nps", []))),
        **options,
    )


def test_the_label_is_an_end_within_the_horizon_and_only_customers_active_on_t_count() -> None:
    snapshot = by_customer(run(hand_snapshots()))

    # eve ended on T, fay before it, gus starts after it: none of them is a customer on T
    assert sorted(snapshot) == ["ann", "bob", "cid", "dan", "hal"]
    churned = {customer: row[LABEL] for customer, row in snapshot.items()}
    assert churned == {"ann": False, "bob": True, "cid": False, "dan": True, "hal": False}
    assert {row[SNAPSHOT_DATE].date() for row in snapshot.values()} == {T}


def test_features_as_of_t_from_the_mart_and_the_recent_windows() -> None:
    frame = run(hand_snapshots())
    ann, hal = by_customer(frame)["ann"], by_customer(frame)["hal"]

    assert list(frame.columns) == [
        "customer_id",
        SNAPSHOT_DATE,
        "tariff",
        "tenure_days",
        "frequency",
        "recency",
        "days_since_last_purchase",
        "monetary_value",
        "total_spend",
        "spend_per_month",
        "interactions",
        "interactions_per_month",
        "late_payments",
        "payment_delay_days",
        "open_complaints",
        "spend_recent",
        "spend_previous",
        "spend_change",
        "interactions_recent",
        "late_payments_recent",
        "payment_delay_days_recent",
        "overdue_invoices",
        "complaints_recent",
        "open_major_complaints",
        "nps_last",
        "nps_answers",
        LABEL,
    ]
    assert feature_columns(hand_snapshots()) == list(frame.columns[2:-1])
    assert list(frame.columns[-12:-1]) == list(RECENT_FEATURES)
    assert ann["tariff"] == "flex"
    assert ann["tenure_days"] == (T - D(2023, 1, 1)).days
    assert (ann["frequency"], ann["total_spend"], ann["days_since_last_purchase"]) == (6, 260.0, 16)
    assert (ann["spend_recent"], ann["spend_previous"]) == (90.0, 120.0)
    assert ann["spend_change"] == pytest.approx(-0.25)
    # due by T: 19, 4, 30 (unpaid) and 11 (paid after T) days late; the recent ones: 4, 30, 11
    assert (ann["late_payments"], ann["payment_delay_days"]) == (4, 16.0)
    assert (ann["late_payments_recent"], ann["payment_delay_days_recent"]) == (3, 15.0)
    assert ann["overdue_invoices"] == 2
    assert (ann["open_complaints"], ann["open_major_complaints"], ann["complaints_recent"]) == (
        2,
        1,
        2,
    )
    assert (ann["interactions"], ann["interactions_recent"]) == (3, 2)
    assert (ann["nps_last"], ann["nps_answers"]) == (5.0, 3)
    # hal started on T: no bill, no event; counts are 0, the NPS unknown
    assert hal["tenure_days"] == 0
    assert hal["days_since_last_purchase"] == 0
    assert hal["frequency"] == hal["interactions"] == hal["overdue_invoices"] == 0
    assert hal["spend_recent"] == hal["spend_change"] == 0.0
    assert np.isnan(hal["nps_last"])
    bob = by_customer(frame)["bob"]
    assert (bob["open_complaints"], bob["open_major_complaints"], bob["complaints_recent"]) == (
        0,
        0,
        1,
    )


def test_nothing_dated_after_t_changes_a_feature() -> None:
    after = T + DAY
    extreme: dict[str, list[tuple[Any, ...]]] = {
        "transactions": [
            ("ann", after, 1e6),
            ("bob", after, 1e6),  # bob churns after T: his later rows must not count either
            ("hal", after, 1e6),
            ("gus", after, 1e6),
        ],
        "payments": [
            ("ann", after, None),
            ("bob", D(2024, 3, 31) + 5 * DAY, None),
            ("hal", after, None),
        ],
        "complaints": [("ann", after, None, "major")] * 5 + [("bob", after, None, "major")],
        "interactions": [("ann", after)] * 10 + [("bob", after)] * 10,
        "nps": [("ann", after, 0), ("bob", after, 0), ("hal", after, 0)],
    }

    plain = run(hand_snapshots())
    with_later_rows = run(hand_snapshots(extreme))

    assert_same_features(plain, with_later_rows)
    assert by_customer(with_later_rows)["bob"][LABEL]


def test_later_payment_and_closing_dates_do_not_change_a_feature() -> None:
    """Facts established after T (an invoice paid, a complaint closed) are unknown on T."""
    plain = run(hand_snapshots())
    base = {
        "customers": customers_table(),
        "transactions": transactions_table(),
        "interactions": Interactions(interactions_table()),
        "nps": NpsAnswers(nps_table()),
    }
    later_facts = churn_snapshots(
        base["customers"],
        base["transactions"],
        snapshot_dates=[T],
        horizon_days=HORIZON,
        attributes=["tariff"],
        interactions=base["interactions"],
        payments=Payments(
            memtable(
                {"customer_id": TEXT, "due_date": DATE, "paid_date": DATE},
                ("ann", D(2023, 9, 1), D(2023, 9, 20)),
                ("ann", D(2024, 2, 1), D(2024, 2, 5)),
                ("ann", D(2024, 3, 1), T + DAY),  # was unpaid, paid the day after T
                ("ann", D(2024, 3, 20), D(2024, 12, 1)),  # paid much later
                ("ann", D(2024, 4, 15), D(2024, 4, 1)),
                ("bob", D(2024, 3, 15), D(2024, 3, 14)),
            )
        ),
        complaints=Complaints(
            memtable(
                {"customer_id": TEXT, "opened": DATE, "closed": DATE, "severity": TEXT},
                ("ann", D(2023, 5, 1), D(2023, 5, 10), "minor"),
                ("ann", D(2024, 2, 1), T + DAY, "major"),  # closed the day after T
                ("ann", D(2024, 3, 1), None, "minor"),  # not closed after all
                ("bob", D(2024, 3, 30), D(2024, 3, 31), "major"),
            )
        ),
        severity="severity",
        nps=base["nps"],
    )

    assert_same_features(plain, run(later_facts))


def as_known_on(base: SubscriptionBase, day: dt.date) -> dict[str, pd.DataFrame]:
    """The synthetic base as it was known on ``day``: later rows gone, later dates unknown."""
    cut = pd.Timestamp(day)

    def unknown_after(column: pd.Series) -> pd.Series:
        return column.where(column <= cut)

    customers = base.customers[base.customers.start_date <= cut].assign(
        end_date=lambda f: unknown_after(f.end_date)
    )
    payments = base.payments[base.payments.due_date <= cut].assign(
        paid_date=lambda f: unknown_after(f.paid_date)
    )
    complaints = base.complaints[base.complaints.opened <= cut].assign(
        closed=lambda f: unknown_after(f.closed)
    )
    return {
        "customers": customers,
        "transactions": base.transactions[base.transactions.date <= cut],
        "payments": payments,
        "complaints": complaints,
        "interactions": base.interactions[base.interactions.date <= cut],
        "nps": base.nps[base.nps.date <= cut],
    }


def synthetic_features(tables: dict[str, pd.DataFrame], day: dt.date) -> ir.Table:
    t = {name: ibis.memtable(frame) for name, frame in tables.items()}
    return churn_features(
        t["customers"],
        t["transactions"],
        as_of=day,
        attributes=["tariff", "region", "monthly_fee"],
        interactions=Interactions(t["interactions"]),
        payments=Payments(t["payments"]),
        complaints=Complaints(t["complaints"]),
        severity="severity",
        nps=NpsAnswers(t["nps"]),
    )


def test_features_from_the_full_history_equal_those_from_the_data_known_on_t() -> None:
    day = D(2023, 12, 31)
    base = synthetic_subscription_base(400, seed=11, as_of=D(2024, 12, 31), years=3)
    full = {name: getattr(base, name) for name in as_known_on(base, day)}

    from_full_history = run(synthetic_features(full, day))
    from_what_was_known = run(synthetic_features(as_known_on(base, day), day))

    assert_same_features(from_full_history, from_what_was_known)
    assert LABEL not in from_full_history.columns
    # the comparison means something: many customers leave after T, and their later rows exist
    ends = base.customers.set_index("customer_id").end_date
    leave_later = ends[from_full_history.customer_id].dropna() > pd.Timestamp(day)
    assert leave_later.sum() > 50
    assert (base.transactions.date > pd.Timestamp(day)).sum() > 1000


def test_snapshot_dates_stack_and_churn_features_is_a_snapshot_without_label() -> None:
    earlier = D(2024, 1, 31)
    both = run(hand_snapshots(snapshot_dates=[T, earlier]))
    one = run(hand_snapshots(snapshot_dates=[earlier]))
    features = run(
        churn_features(
            customers_table(),
            transactions_table(),
            as_of=T,
            attributes=["tariff"],
            interactions=Interactions(interactions_table()),
            payments=Payments(payments_table()),
            complaints=Complaints(complaints_table()),
            severity="severity",
            nps=NpsAnswers(nps_table()),
        )
    )

    # on 2024-01-31 fay has ended, gus and hal have not started; eve churns by T
    assert one.customer_id.tolist() == ["ann", "bob", "cid", "dan", "eve"]
    assert one[LABEL].tolist() == [False, True, False, False, True]
    assert len(both) == len(one) + 5
    assert_same_features(both[both[SNAPSHOT_DATE] == pd.Timestamp(earlier)], one)
    assert LABEL not in features.columns
    assert_same_features(
        both[both[SNAPSHOT_DATE] == pd.Timestamp(T)].reset_index(drop=True), features
    )


def test_training_labels_must_be_known_by_the_first_validation_date() -> None:
    options: dict[str, Any] = {
        "train_dates": [D(2023, 12, 31), D(2023, 9, 30)],
        "horizon_days": HORIZON,
        "attributes": ["tariff"],
    }

    with pytest.raises(ValueError, match=r"ends on 2024-03-30, after the first validation"):
        train_valid_snapshots(
            customers_table(), transactions_table(), valid_dates=[D(2024, 3, 29)], **options
        )
    split = train_valid_snapshots(
        customers_table(), transactions_table(), valid_dates=[T, D(2024, 3, 30)], **options
    )

    assert split.train_dates == (D(2023, 9, 30), D(2023, 12, 31))
    assert split.valid_dates == (D(2024, 3, 30), T)
    train, valid = run(split.train), run(split.valid)
    assert sorted({d.date() for d in train[SNAPSHOT_DATE]}) == list(split.train_dates)
    assert sorted({d.date() for d in valid[SNAPSHOT_DATE]}) == list(split.valid_dates)


def test_a_label_window_not_over_by_the_data_end_is_refused() -> None:
    with pytest.raises(ValueError, match=r"its churn is not known yet .* 2024-03-30\)"):
        hand_snapshots(observed_until=T + HORIZON * DAY - DAY, snapshot_dates=[D(2024, 1, 1), T])
    assert run(hand_snapshots(observed_until=T + HORIZON * DAY)).shape[0] == 5


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"attributes": ["end_date"]}, "the end date is the label"),
        ({"attributes": ["tariff", "tariff"]}, "named twice"),
        ({"attributes": ["tenure_days"]}, "named like a feature"),
        ({"attributes": ["segment"]}, "customers has no column segment"),
        ({"snapshot_dates": []}, "at least one date"),
        ({"snapshot_dates": [T, T]}, "given twice"),
        ({"snapshot_dates": [dt.datetime(2024, 3, 31, 12)]}, "is not a date"),
        ({"horizon_days": 0}, "horizon_days must be at least 1"),
        ({"severity": "severity"}, "pass complaints"),
        ({"recent_days": 0}, "recent_days must be at least 1"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"snapshot_dates": [T], "horizon_days": HORIZON, **options}
    with pytest.raises(ValueError, match=message):
        churn_snapshots(customers_table(), transactions_table(), **arguments)


def test_month_ends() -> None:
    assert month_ends(D(2023, 11, 15), D(2024, 3, 30)) == [
        D(2023, 11, 30),
        D(2023, 12, 31),
        D(2024, 1, 31),
        D(2024, 2, 29),
    ]
    assert month_ends(D(2024, 1, 31), D(2024, 1, 31)) == [D(2024, 1, 31)]
