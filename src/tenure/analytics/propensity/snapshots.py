"""Churn snapshots: features as of a date and honest labels after it, as Ibis expressions.

A churn model learns from the past as it looked at the time. For each snapshot date ``T`` the
customers active on ``T`` (contract started on or before ``T``, not ended on or before it) get
the features known on ``T`` and the label whether the contract ends in the ``horizon_days`` after::

    features  ←  data dated on or before T          churned  ←  end date in (T, T + horizon]

:func:`churn_features` builds the features as of one date (what a published model scores);
:func:`churn_snapshots` stacks them for several dates with the label (what a model learns from);
:func:`train_valid_snapshots` splits snapshots in time: a model trains on earlier snapshot dates
and is judged on later ones.

Features as of ``T`` (all from data dated on or before ``T``):

* from the customers table: ``tenure_days`` (``T`` − contract start) and the static
  ``attributes`` asked for (tariff, region, fee…); the end date never enters a feature;
* from :func:`~tenure.analytics.mart.customer_mart` with ``calibration_end=T`` (the mart is the
  one definition of these metrics, reused, not repeated): ``frequency``, ``recency``,
  ``days_since_last_purchase``, ``monetary_value``, ``total_spend``, ``spend_per_month`` and,
  given the event tables, ``interactions``, ``interactions_per_month``, ``late_payments``,
  ``payment_delay_days`` and ``open_complaints``;
* recent behaviour, from the same mart and event aggregates on the rows of a recent window:
  ``spend_recent`` (bills in the last ``usage_window_days``), ``spend_previous`` (the window
  before), ``spend_change`` (recent / previous − 1, 0 without previous spend);
  ``interactions_recent``, ``late_payments_recent`` and ``payment_delay_days_recent`` (invoices
  due in the last ``recent_days``), ``overdue_invoices`` (due and unpaid on ``T``),
  ``complaints_recent`` (opened in the last ``recent_days``), ``open_major_complaints`` (with
  the complaints' ``severity`` column);
* from NPS answers (:class:`NpsAnswers`): ``nps_last`` (the latest score on or before ``T``; null
  without an answer, so a model that needs numbers has to impute it) and ``nps_answers``.

A customer active on ``T`` without a bill or event by then counts 0 (``recency`` 0 and
``days_since_last_purchase`` = ``tenure_days``).

Why no feature can leak: the mart ignores transactions after its calibration end, an invoice paid
after ``T`` counts as unpaid on ``T``, a complaint closed after ``T`` as open, and every event
table is cut at ``T``; the label is the only column that looks past ``T``. What the data cannot
tell is left to the caller: static attributes are taken as they are now (a tariff changed since
``T`` would leak a little), and the end date is taken as the day the customer leaves (a notice
given before ``T`` with a later end date is not known here).

Honest validation: a training snapshot's label looks ``horizon_days`` past its date. If that
window reached past a validation snapshot date ``V``, the model would have learned from outcomes
not known on ``V`` (and typically from the same customers' churn that it is then asked to
predict). :func:`train_valid_snapshots` therefore refuses training dates ``T`` with
``T + horizon_days > V`` for the earliest ``V``: every label a model trains on is known on the
first validation date, as it would be when a model trained on ``V`` is used. With
``observed_until`` (the day the data were extracted) a snapshot whose label window is not over
yet is refused too: its customers would count as staying though they still may leave.

Snapshot dates are evaluated one by one (one mart per date) and stacked with ``UNION ALL``; a
handful to a few dozen dates is the intended use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import ibis
import ibis.expr.types as ir

from tenure.analytics.mart import Complaints, Interactions, Payments, customer_mart
from tenure.analytics.mart.events import KEY, require_columns

SNAPSHOT_DATE = "snapshot_date"
LABEL = "churned"
TENURE = "tenure_days"
MART_FEATURES = (
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
)
"""The mart's columns that become features (the dates and the mart's own tenure do not)."""
RECENT_FEATURES = (
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
)
"""The features of the recent windows and the NPS answers, in their order."""

_END = "_snapshot_end"


@dataclass(frozen=True)
class NpsAnswers:
    """NPS survey answers, one row each: ``customer`` [``customer_id``], ``date`` [``date``] and
    ``score`` [``score``] (0..10).

    Adds ``nps_last`` (the latest score on or before the snapshot date, the mean of that day's
    scores if several; null without an answer) and ``nps_answers`` (answers so far).
    """

    table: ir.Table
    customer: str = "customer_id"
    date: str = "date"
    score: str = "score"

    def per_customer(self, end: ir.DateScalar) -> ir.Table:
        require_columns(self.table, "nps", self.customer, self.date, self.score)
        answers = self.table.select(
            self.table[self.customer].name(KEY),
            self.table[self.date].cast("date").name("day"),
            self.table[self.score].cast("float64").name("score"),
        )
        answers = answers.filter(
            answers[KEY].notnull(), answers.score.notnull(), answers.day <= end
        )
        by_day = answers.group_by([KEY, "day"]).aggregate(
            score=answers.score.mean(), answers=answers.count()
        )
        return by_day.group_by(KEY).aggregate(
            nps_last=by_day.score.argmax(by_day.day), nps_answers=by_day.answers.sum()
        )


@dataclass(frozen=True)
class SnapshotSplit:
    """Snapshots for training (earlier dates) and validation (later dates), each an Ibis table
    as :func:`churn_snapshots` makes them."""

    train: ir.Table
    valid: ir.Table
    train_dates: tuple[dt.date, ...]
    valid_dates: tuple[dt.date, ...]
    horizon_days: int


@dataclass(frozen=True)
class _Sources:
    """The inputs and options shared by every snapshot date."""

    customers: ir.Table
    transactions: ir.Table
    customer: str
    start: str
    end: str
    attributes: tuple[str, ...]
    date: str
    amount: str | None
    interactions: Interactions | None
    payments: Payments | None
    complaints: Complaints | None
    severity: str | None
    nps: NpsAnswers | None
    usage_window_days: int
    recent_days: int

    def check(self) -> None:
        for name in (self.customer, self.start, self.end):
            if name in self.attributes:
                raise ValueError(
                    f"attributes may not include {name!r}: "
                    + ("the end date is the label" if name == self.end else "it is already there")
                )
        taken = {SNAPSHOT_DATE, TENURE, LABEL, *MART_FEATURES, *RECENT_FEATURES}
        clashes = [name for name in self.attributes if name in taken or name.startswith("_")]
        if clashes:
            raise ValueError(f"attributes may not be named like a feature: {clashes}")
        if len(set(self.attributes)) != len(self.attributes):
            raise ValueError(f"attributes are named twice: {list(self.attributes)}")
        require_columns(
            self.customers, "customers", self.customer, self.start, self.end, *self.attributes
        )
        if self.severity is not None:
            if self.complaints is None:
                raise ValueError("severity names a column of the complaints: pass complaints")
            require_columns(self.complaints.table, "complaints", self.severity)
        for name in ("usage_window_days", "recent_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


def churn_features(
    customers: ir.Table,
    transactions: ir.Table,
    *,
    as_of: dt.date,
    customer: str = "customer_id",
    start: str = "start_date",
    end: str = "end_date",
    attributes: Sequence[str] = (),
    date: str = "date",
    amount: str | None = "amount",
    interactions: Interactions | None = None,
    payments: Payments | None = None,
    complaints: Complaints | None = None,
    severity: str | None = None,
    nps: NpsAnswers | None = None,
    usage_window_days: int = 91,
    recent_days: int = 182,
) -> ir.Table:
    """The features of every customer active on ``as_of``, from data dated on or before it.

    ``customers`` has one row per customer: ``customer``, the contract's ``start`` date and
    ``end`` date (null while active), and the static ``attributes`` to carry over as features.
    ``transactions`` (bills or purchases: ``customer``, ``date``, ``amount``) and the optional
    event tables are as for :func:`~tenure.analytics.mart.customer_mart`; ``severity`` names the
    complaints' column whose value ``"major"`` marks a major complaint. Columns: ``customer``,
    ``snapshot_date`` (= ``as_of``), the attributes, then the features in the module docstring's
    order. The customer column has the same name in ``customers`` and ``transactions`` and the
    same type in every table.
    """
    sources = _Sources(
        customers,
        transactions,
        customer,
        start,
        end,
        tuple(attributes),
        date,
        amount,
        interactions,
        payments,
        complaints,
        severity,
        nps,
        usage_window_days,
        recent_days,
    )
    sources.check()
    return _snapshot(sources, as_of, horizon_days=None)


def churn_snapshots(
    customers: ir.Table,
    transactions: ir.Table,
    *,
    snapshot_dates: Iterable[dt.date],
    horizon_days: int,
    observed_until: dt.date | None = None,
    customer: str = "customer_id",
    start: str = "start_date",
    end: str = "end_date",
    attributes: Sequence[str] = (),
    date: str = "date",
    amount: str | None = "amount",
    interactions: Interactions | None = None,
    payments: Payments | None = None,
    complaints: Complaints | None = None,
    severity: str | None = None,
    nps: NpsAnswers | None = None,
    usage_window_days: int = 91,
    recent_days: int = 182,
) -> ir.Table:
    """One row per customer active on each snapshot date ``T``: :func:`churn_features` as of
    ``T`` and the label ``churned`` (the contract ends in (T, T + ``horizon_days``]).

    A customer appears once per date it is active on. With ``observed_until`` (the day the data
    were extracted) a date whose label window ends after it is refused.
    """
    dates = _dates(snapshot_dates, "snapshot_dates")
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    horizon = dt.timedelta(days=horizon_days)
    if observed_until is not None:
        unknown = [d for d in dates if d + horizon > observed_until]
        if unknown:
            raise ValueError(
                f"the label window of snapshot {unknown[0]} ends on {unknown[0] + horizon}, "
                f"after the data end on {observed_until}: its churn is not known yet "
                f"(the last snapshot date possible is {observed_until - horizon})"
            )
    sources = _Sources(
        customers,
        transactions,
        customer,
        start,
        end,
        tuple(attributes),
        date,
        amount,
        interactions,
        payments,
        complaints,
        severity,
        nps,
        usage_window_days,
        recent_days,
    )
    sources.check()
    parts = [_snapshot(sources, d, horizon_days=horizon_days) for d in dates]
    return parts[0] if len(parts) == 1 else ibis.union(*parts)


def train_valid_snapshots(
    customers: ir.Table,
    transactions: ir.Table,
    *,
    train_dates: Iterable[dt.date],
    valid_dates: Iterable[dt.date],
    horizon_days: int,
    **options: Any,
) -> SnapshotSplit:
    """Training snapshots on ``train_dates`` and validation snapshots on later ``valid_dates``.

    Refuses a training date whose label window (T, T + ``horizon_days``] ends after the first
    validation date (see the module docstring). ``options`` are those of
    :func:`churn_snapshots` (``observed_until``, the column names, the event tables…).
    """
    train = _dates(train_dates, "train_dates")
    valid = _dates(valid_dates, "valid_dates")
    horizon = dt.timedelta(days=horizon_days)
    if train[-1] + horizon > valid[0]:
        raise ValueError(
            f"the label window of training snapshot {train[-1]} ends on {train[-1] + horizon}, "
            f"after the first validation snapshot {valid[0]}: the model would learn churn not "
            f"yet known then (train up to {valid[0] - horizon} or validate from "
            f"{train[-1] + horizon} on)"
        )
    return SnapshotSplit(
        train=churn_snapshots(
            customers,
            transactions,
            snapshot_dates=train,
            horizon_days=horizon_days,
            **options,
        ),
        valid=churn_snapshots(
            customers,
            transactions,
            snapshot_dates=valid,
            horizon_days=horizon_days,
            **options,
        ),
        train_dates=tuple(train),
        valid_dates=tuple(valid),
        horizon_days=horizon_days,
    )


def feature_columns(snapshots: ir.Table, *, customer: str = "customer_id") -> list[str]:
    """The feature columns of a snapshot table: all but the customer, the date and the label."""
    return [c for c in snapshots.columns if c not in (customer, SNAPSHOT_DATE, LABEL)]


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last days of the months from ``first``'s to ``last``'s, those within [first, last]."""
    ends: list[dt.date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        day = following - dt.timedelta(days=1)
        if first <= day <= last:
            ends.append(day)
        year, month = following.year, following.month
    return ends


def _dates(dates: Iterable[dt.date], what: str) -> list[dt.date]:
    """Sorted dates; refuses none, datetimes and repeated dates."""
    values = list(dates)
    if not values:
        raise ValueError(f"{what}: give at least one date")
    for value in values:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise ValueError(f"{what}: {value!r} is not a date")
    if len(set(values)) != len(values):
        raise ValueError(f"{what}: a date is given twice: {sorted(values)}")
    return sorted(values)


def _snapshot(sources: _Sources, as_of: dt.date, *, horizon_days: int | None) -> ir.Table:
    """The features as of ``as_of`` (and the label, given a horizon)."""
    s = sources
    day = cast(ir.DateScalar, ibis.date(as_of))
    table = s.customers
    started = cast(ir.DateColumn, table[s.start].cast("date"))
    ended = cast(ir.DateColumn, table[s.end].cast("date"))
    active = table.filter(
        table[s.customer].notnull(), started <= day, ended.isnull() | (ended > day)
    ).select(
        table[s.customer],
        ibis.literal(as_of, type="date").name(SNAPSHOT_DATE),
        *[table[a] for a in s.attributes],
        day.delta(started, unit="day").name(TENURE),
        started.name("_snapshot_start"),
        ended.name(_END),
    )
    starts = active.select(
        active[s.customer].name(KEY), active._snapshot_start.name("first_purchase")
    )

    mart = customer_mart(
        s.transactions,
        calibration_end=as_of,
        customer=s.customer,
        date=s.date,
        amount=s.amount,
        time_unit="D",
        interactions=s.interactions,
        payments=s.payments,
        complaints=s.complaints,
    )
    features = [c for c in MART_FEATURES if c in mart.columns]
    extras = [mart.select(mart[s.customer].name(KEY), *features)]
    if s.amount is not None:
        extras += _spend_windows(s, as_of)
    extras += _recent_events(s, as_of, day, starts)
    if s.nps is not None:
        extras.append(s.nps.per_customer(day))

    # one chain of left joins, each aggregate keyed by a name of its own, then one projection
    keyed = [extra.rename({f"_snapshot_key{i}": KEY}) for i, extra in enumerate(extras)]
    joined = active
    for i, extra in enumerate(keyed):
        joined = joined.left_join(extra, active[s.customer] == extra[f"_snapshot_key{i}"])
    return joined.select(*_columns(joined, s, as_of, horizon_days))


def _spend_windows(s: _Sources, as_of: dt.date) -> list[ir.Table]:
    """Spend in the last window and in the one before it, each a mart on that window's rows."""
    window = dt.timedelta(days=s.usage_window_days)
    day = s.transactions[s.date].cast("date")
    spends = []
    for name, last in (("spend_recent", as_of), ("spend_previous", as_of - window)):
        rows = s.transactions.filter(day > ibis.date(last - window))
        mart = customer_mart(
            rows, calibration_end=last, customer=s.customer, date=s.date, amount=s.amount
        )
        spends.append(mart.select(mart[s.customer].name(KEY), mart.total_spend.name(name)))
    return spends


def _recent_events(
    s: _Sources, as_of: dt.date, day: ir.DateScalar, starts: ir.Table
) -> list[ir.Table]:
    """The mart's event aggregates on the events of the last ``recent_days`` (and on the invoices
    unpaid on ``as_of`` and the major complaints)."""
    since = cast(ir.DateScalar, ibis.date(as_of - dt.timedelta(days=s.recent_days)))
    counts: list[ir.Table] = []
    if s.interactions is not None:
        counts += _recent_interactions(s.interactions, since, day, starts)
    if s.payments is not None:
        counts += _recent_payments(s.payments, since, day, starts)
    if s.complaints is not None:
        counts += _recent_complaints(s.complaints, s.severity, since, day, starts)
    return counts


def _recent_interactions(
    source: Interactions, since: ir.DateScalar, day: ir.DateScalar, starts: ir.Table
) -> list[ir.Table]:
    table = source.table.filter(source.table[source.date].cast("date") > since)
    recent = Interactions(table, customer=source.customer, date=source.date)
    return [_renamed(recent.per_customer(starts, day), interactions="interactions_recent")]


def _recent_payments(
    source: Payments, since: ir.DateScalar, day: ir.DateScalar, starts: ir.Table
) -> list[ir.Table]:
    table = source.table
    due = table[source.due].cast("date")
    paid = table[source.paid].cast("date")
    columns = {"customer": source.customer, "due": source.due, "paid": source.paid}
    recent = Payments(table.filter(due > since), **columns).per_customer(starts, day)
    # paid after the snapshot date is unpaid on it: no later payment date is looked at
    unpaid = Payments(table.filter(paid.isnull() | (paid > day)), **columns)
    overdue = unpaid.per_customer(starts, day).drop("payment_delay_days")
    return [
        _renamed(
            recent,
            late_payments="late_payments_recent",
            payment_delay_days="payment_delay_days_recent",
        ),
        _renamed(overdue, late_payments="overdue_invoices"),
    ]


def _recent_complaints(
    source: Complaints,
    severity: str | None,
    since: ir.DateScalar,
    day: ir.DateScalar,
    starts: ir.Table,
) -> list[ir.Table]:
    table = source.table
    # the mart's count of dated events, here of the complaints opened in the window
    opened = Interactions(
        table.filter(table[source.opened].cast("date") > since),
        customer=source.customer,
        date=source.opened,
    )
    counts = [_renamed(opened.per_customer(starts, day), interactions="complaints_recent")]
    if severity is not None:
        major = Complaints(
            table.filter(table[severity] == "major"),
            customer=source.customer,
            opened=source.opened,
            closed=source.closed,
        )
        counts.append(
            _renamed(major.per_customer(starts, day), open_complaints="open_major_complaints")
        )
    return counts


def _renamed(table: ir.Table, **names: str) -> ir.Table:
    return table.rename({new: old for old, new in names.items()})


def _columns(
    joined: ir.Table, s: _Sources, as_of: dt.date, horizon_days: int | None
) -> list[ir.Value]:
    """The output columns in order, absent counts as 0."""
    tenure = cast(ir.IntegerColumn, joined[TENURE])
    columns: list[ir.Value] = [joined[s.customer], joined[SNAPSHOT_DATE]]
    columns += [joined[a] for a in s.attributes]
    columns.append(tenure)
    for name in joined.columns:
        if name.startswith("_snapshot") or name in (s.customer, SNAPSHOT_DATE, TENURE):
            continue
        if name in s.attributes:
            continue
        value = joined[name]
        if name == "days_since_last_purchase":
            value = value.fill_null(tenure)
        elif name != "nps_last":
            value = value.fill_null(0)
        columns.append(value.name(name))
    if "spend_recent" in joined.columns:
        recent, previous = joined.spend_recent.fill_null(0.0), joined.spend_previous.fill_null(0.0)
        change = ibis.ifelse(previous > 0, recent / previous - 1.0, 0.0)
        at = [c.get_name() for c in columns].index("spend_previous") + 1
        columns.insert(at, change.name("spend_change"))
    if horizon_days is not None:
        last = ibis.date(as_of + dt.timedelta(days=horizon_days))
        ended = cast(ir.DateColumn, joined[_END])
        columns.append((ended.notnull() & (ended <= last)).name(LABEL))
    return columns
