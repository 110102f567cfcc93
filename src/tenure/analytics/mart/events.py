"""Optional inputs of the customer mart: service interactions, payments and complaints.

Each is a separate table with its own grain and dates, described by a small dataclass that names
its columns (defaults in brackets) and turns it into per-customer counts as of the calibration
end. The mart left-joins them, so a customer without events gets 0; leaving one out leaves out its
columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import ibis
import ibis.expr.types as ir

KEY = "_mart_key"
"""The customer column of an event aggregate, whatever it is called in the event table."""


@dataclass(frozen=True)
class Interactions:
    """Service interactions (calls, e-mails, chats), one row per contact: ``customer``
    [``customer_id``] and ``date`` [``date``].

    Adds ``interactions`` (contacts from the first purchase to the calibration end, inclusive) and
    ``interactions_per_month`` (the same per month of tenure, counting at least one month).
    """

    table: ir.Table
    customer: str = "customer_id"
    date: str = "date"

    def per_customer(self, customers: ir.Table, end: ir.DateScalar) -> ir.Table:
        """``customers`` has ``KEY`` and ``first_purchase``; contacts before it don't count."""
        require_columns(self.table, "interactions", self.customer, self.date)
        contacts = self.table.select(
            self.table[self.customer].name(KEY), self.table[self.date].cast("date").name("day")
        )
        joined = contacts.join(customers, KEY)
        within = joined.filter(joined.day >= joined.first_purchase, joined.day <= end)
        return within.group_by(KEY).aggregate(interactions=within.count())


@dataclass(frozen=True)
class Payments:
    """Invoices, one row each: ``customer`` [``customer_id``], the date ``due`` [``due_date``] and
    the date ``paid`` [``paid_date``], null while unpaid.

    Invoices due by the calibration end count; one unpaid at the calibration end (or paid only
    after it) is late by the days from its due date to the calibration end. Adds ``late_payments``
    (invoices paid late or still overdue) and ``payment_delay_days`` (mean days late over the
    invoices due, on-time ones counting 0).
    """

    table: ir.Table
    customer: str = "customer_id"
    due: str = "due_date"
    paid: str = "paid_date"

    def per_customer(self, customers: ir.Table, end: ir.DateScalar) -> ir.Table:
        require_columns(self.table, "payments", self.customer, self.due, self.paid)
        table = self.table
        due = cast(ir.DateColumn, table[self.due].cast("date"))
        paid = cast(ir.DateColumn, table[self.paid].cast("date"))
        settled = cast(ir.DateColumn, ibis.ifelse(paid.notnull() & (paid <= end), paid, end))
        late = settled.delta(due, unit="day").clip(lower=0)
        invoices = table.filter(table[self.customer].notnull(), due <= end).select(
            table[self.customer].name(KEY), late.name("late")
        )
        return invoices.group_by(KEY).aggregate(
            late_payments=invoices.count(where=invoices.late > 0),
            payment_delay_days=invoices.late.mean(),
        )


@dataclass(frozen=True)
class Complaints:
    """Complaints, one row each: ``customer`` [``customer_id``], the date ``opened`` [``opened``]
    and the date ``closed`` [``closed``], null while open.

    Adds ``open_complaints``: opened by the calibration end and not closed by then.
    """

    table: ir.Table
    customer: str = "customer_id"
    opened: str = "opened"
    closed: str = "closed"

    def per_customer(self, customers: ir.Table, end: ir.DateScalar) -> ir.Table:
        require_columns(self.table, "complaints", self.customer, self.opened, self.closed)
        table = self.table
        opened = table[self.opened].cast("date")
        closed = table[self.closed].cast("date")
        still_open = table.filter(
            table[self.customer].notnull(), opened <= end, closed.isnull() | (closed > end)
        )
        return still_open.group_by(still_open[self.customer].name(KEY)).aggregate(
            open_complaints=still_open.count()
        )


def require_columns(table: ir.Table, what: str, *names: str) -> None:
    """Refuse a table that lacks one of ``names``, saying which."""
    missing = [name for name in names if name not in table.columns]
    if missing:
        raise ValueError(f"{what} has no column {', '.join(missing)}; it has {table.columns}")
