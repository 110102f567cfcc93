"""The customer mart as one Ibis expression: transactions (and optional event tables) in, one row of
metrics per customer out.

Why this shape: the transactions are aggregated twice, first per customer and day (purchases on
one day count as one transaction, as in Fader & Hardie's CDNOW summary), then per customer with
conditional aggregates for the calibration and the hold-out period. That is one scan of the input
and two hash aggregations, with no window function and no Python loop over rows, so DuckDB builds
the mart for 10^8 transactions in one pass, and the expression compiles unchanged for Spark.

The optional inputs, service interactions, payments and complaints, are separate tables with their
own grain and dates (see :mod:`tenure.analytics.mart.events`); each is aggregated per customer and
left-joined.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, cast

import ibis
import ibis.expr.types as ir

from tenure.analytics.mart.events import KEY, Complaints, Interactions, Payments, require_columns

TimeUnit = Literal["D", "W"]
UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0}
DAYS_PER_MONTH = 365.25 / 12
"""Average length of a month; "per month" metrics divide by tenure in these (at least one)."""

_DAY, _SPEND, _DAYS = "_mart_day", "_mart_spend", "_mart_purchase_days"
_FIRST_SPEND, _HOLDOUT_SPEND = "_mart_first_spend", "_mart_holdout_spend"


def customer_mart(
    transactions: ir.Table,
    *,
    calibration_end: dt.date,
    holdout_end: dt.date | None = None,
    customer: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    time_unit: TimeUnit = "W",
    interactions: Interactions | None = None,
    payments: Payments | None = None,
    complaints: Complaints | None = None,
) -> ir.Table:
    """One row per customer whose first purchase is on or before ``calibration_end``.

    ``transactions`` has one row per purchase: ``customer`` (any type), ``date`` (date, timestamp
    or ISO string) and ``amount`` (number; ``None`` for count-only data, which leaves out the
    spend columns). Rows after ``holdout_end`` (or ``calibration_end`` without one) are ignored.
    Times are in ``time_unit``: ``"D"`` days or ``"W"`` weeks (days / 7).

    Columns: the customer column under its own name; ``first_purchase``, ``last_purchase`` (last
    one in the calibration period); ``frequency`` (days with a purchase after the first day),
    ``recency`` (first to last purchase), ``T`` (first purchase to calibration end),
    ``tenure_days`` (T in days), ``days_since_last_purchase``; ``monetary_value`` (mean spend per
    repeat purchase day, 0 without repeats), ``total_spend`` (all calibration spend, first day
    included), ``spend_per_month`` (total spend per month of tenure, at least one month); the
    columns of the optional inputs (see :mod:`tenure.analytics.mart.events`); and with a hold-out
    period ``frequency_holdout`` (purchase days in (calibration_end, holdout_end]),
    ``monetary_holdout`` (mean spend per such day, 0 without) and ``duration_holdout`` (its
    length).
    """
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time_unit must be 'D' (days) or 'W' (weeks), got {time_unit!r}")
    if holdout_end is not None and holdout_end <= calibration_end:
        raise ValueError(
            f"holdout_end {holdout_end} must be after calibration_end {calibration_end}"
        )
    require_columns(transactions, "transactions", customer, date, *([amount] if amount else []))
    end = cast(ir.DateScalar, ibis.date(calibration_end))

    days = _purchase_days(transactions, customer, date, amount, last=holdout_end or calibration_end)
    day = cast(ir.DateColumn, days[_DAY])
    in_calibration = day <= end
    metrics: dict[str, ir.Scalar] = {
        "first_purchase": day.min(),
        "last_purchase": day.max(where=in_calibration),
        _DAYS: day.count(where=in_calibration),
    }
    if holdout_end is not None:
        metrics["frequency_holdout"] = day.count(where=~in_calibration)
    if amount is not None:
        spend = cast(ir.FloatingColumn, days[_SPEND])
        metrics["total_spend"] = spend.sum(where=in_calibration)
        metrics[_FIRST_SPEND] = spend.argmin(day)
        if holdout_end is not None:
            metrics[_HOLDOUT_SPEND] = spend.sum(where=~in_calibration)
    per_customer = days.group_by(customer).aggregate(**metrics)
    per_customer = per_customer.filter(per_customer.first_purchase <= end)

    starts = per_customer.select(per_customer[customer].name(KEY), "first_purchase")
    mart = per_customer
    for source in (interactions, payments, complaints):
        if source is not None:
            counts = source.per_customer(starts, end)
            mart = mart.left_join(counts, mart[customer] == counts[KEY]).drop(KEY)
    return mart.select(*_columns(mart, customer, end, calibration_end, holdout_end, time_unit))


def _columns(
    mart: ir.Table,
    customer: str,
    end: ir.DateScalar,
    calibration_end: dt.date,
    holdout_end: dt.date | None,
    time_unit: TimeUnit,
) -> list[ir.Value]:
    """The output columns, in order, from the per-customer aggregates (and joined events)."""
    unit = UNIT_DAYS[time_unit]
    first = cast(ir.DateColumn, mart.first_purchase)
    last = cast(ir.DateColumn, mart.last_purchase)
    frequency = cast(ir.IntegerColumn, mart[_DAYS]) - 1
    tenure_days = end.delta(first, unit="day")
    # divide doubles: Spark reads a literal like 7.0 as a decimal and rounds to 6 places
    months = ibis.greatest(tenure_days.cast("float64") / DAYS_PER_MONTH, 1.0)
    columns: list[ir.Value] = [
        mart[customer],
        first.name("first_purchase"),
        last.name("last_purchase"),
        frequency.name("frequency"),
        (last.delta(first, unit="day").cast("float64") / unit).name("recency"),
        (tenure_days.cast("float64") / unit).name("T"),
        tenure_days.name("tenure_days"),
        end.delta(last, unit="day").name("days_since_last_purchase"),
    ]
    if "total_spend" in mart.columns:
        total = cast(ir.FloatingColumn, mart.total_spend)
        repeat_spend = total - mart[_FIRST_SPEND]
        columns += [
            ibis.ifelse(frequency > 0, repeat_spend / frequency, 0.0).name("monetary_value"),
            total.name("total_spend"),
            (total / months).name("spend_per_month"),
        ]
    if "interactions" in mart.columns:
        count = cast(ir.IntegerColumn, mart.interactions).fill_null(0)
        columns += [count.name("interactions"), (count / months).name("interactions_per_month")]
    if "late_payments" in mart.columns:
        columns += [
            mart.late_payments.fill_null(0).name("late_payments"),
            mart.payment_delay_days.fill_null(0.0).name("payment_delay_days"),
        ]
    if "open_complaints" in mart.columns:
        columns.append(mart.open_complaints.fill_null(0).name("open_complaints"))
    if holdout_end is not None:
        holdout = cast(ir.IntegerColumn, mart.frequency_holdout)
        columns.append(holdout.name("frequency_holdout"))
        if _HOLDOUT_SPEND in mart.columns:
            mean = mart[_HOLDOUT_SPEND] / holdout
            columns.append(ibis.ifelse(holdout > 0, mean, 0.0).name("monetary_holdout"))
        # from the two dates, like T: a bare float literal becomes a DECIMAL in DuckDB's SQL
        days = ibis.date(holdout_end).delta(ibis.date(calibration_end), unit="day")
        columns.append((days.cast("float64") / unit).name("duration_holdout"))
    return columns


def _purchase_days(
    transactions: ir.Table, customer: str, date: str, amount: str | None, *, last: dt.date
) -> ir.Table:
    """One row per customer and day with a purchase up to ``last`` (with the day's spend)."""
    day = transactions[date].cast("date")
    kept = transactions.filter(transactions[customer].notnull(), day.notnull(), day <= last)
    by_day = kept.group_by([kept[customer], day.name(_DAY)])
    if amount is None:
        return by_day.aggregate()
    spend = transactions[amount].cast("float64").fill_null(0.0)
    return by_day.aggregate(**{_SPEND: spend.sum()})
