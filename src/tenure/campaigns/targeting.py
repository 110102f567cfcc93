"""The contact's snapshot of the customer when targeted (segment, risk class, churn score, value,
number and name in lower case), taken in SQL for many contacts at once.

The worklist filters, sorts and searches by these columns of the contact itself, from its own
indexes, instead of reading the current dataset of every contact in scope (docs/benchmarks.md §7).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_LOWER = "tenure_lower"
"""SQLite's own lower() folds ASCII only; this function folds like Python (and PostgreSQL)."""

SNAPSHOT_COLUMNS = (
    "targeted_segment, targeted_risk_class, targeted_churn_score, targeted_customer_value, "
    "search_number, search_name"
)


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


def register_sqlite_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Give every new SQLite connection ``tenure_lower`` (the ``connection_created`` signal)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_LOWER, 1, _lower, deterministic=True)


def lower_sql() -> str:
    """The name of the Unicode-aware lower-case function of the current database."""
    return "lower" if connection.vendor == "postgresql" else SQLITE_LOWER


def _lowered(column: str) -> str:
    """``column`` in lower case, in SQL. On SQLite, the built-in ``lower`` where the text is ASCII
    (as many bytes as characters), which is right there and saves a call into Python per row."""
    if connection.vendor == "postgresql":
        return f"lower({column})"
    return (
        f"CASE WHEN length(CAST({column} AS BLOB)) = length({column}) THEN lower({column}) "
        f"ELSE {SQLITE_LOWER}({column}) END"
    )


def snapshot_select(partner_column: str) -> tuple[str, str]:
    """The snapshot values of the partner ``partner_column`` as the end of a SELECT list, with
    the joins it needs (aliases ``tp`` for the partner, ``tc`` for its current values)."""
    return (
        f"tc.segment_id, tc.risk_class_id, tc.churn_score, tc.customer_value, "
        f"{_lowered('tp.number')}, {_lowered('tp.name')}",
        f"JOIN partners_businesspartner tp ON tp.id = {partner_column} "
        f"LEFT JOIN customervalue_currentcustomervalue tc ON tc.partner_id = {partner_column}",
    )


def fill_missing_snapshots() -> int:
    """Take the snapshot for contacts added without one (raw inserts, ``bulk_create``); returns
    how many. Contacts that have one keep it, so running it again changes nothing."""
    lower = lower_sql()
    values = (
        "SELECT tc.segment_id, tc.risk_class_id, tc.churn_score, tc.customer_value, "
        f"{lower}(tp.number), {lower}(tp.name) FROM partners_businesspartner tp "
        "LEFT JOIN customervalue_currentcustomervalue tc ON tc.partner_id = tp.id "
        "WHERE tp.id = campaigns_contact.partner_id"
    )
    sql = f"UPDATE campaigns_contact SET ({SNAPSHOT_COLUMNS}) = ({values}) WHERE search_number = ''"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.rowcount)
