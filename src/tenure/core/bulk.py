"""Fast, idempotent multi-row inserts: SQLite ``executemany`` and PostgreSQL ``COPY``.

Django's ``bulk_create`` manages ~20k rows/s here and cannot report which rows a unique constraint
skipped; these reach the import targets (see docs/benchmarks.md) and return the inserted count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def insert_ignoring_conflicts(
    table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, conflict: Sequence[str]
) -> int:
    """Insert rows, skipping those that collide on the unique ``conflict`` columns; return inserted.

    Call inside ``transaction.atomic`` so a chunk lands whole or not at all.
    """
    if not rows:
        return 0
    quote = connection.ops.quote_name
    column_list = ", ".join(quote(column) for column in columns)
    conflict_list = ", ".join(quote(column) for column in conflict)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staging = quote(f"staging_{table}")
            cursor.execute(
                f"CREATE TEMP TABLE {staging} AS SELECT {column_list} FROM {quote(table)} WITH NO DATA"
            )
            with cursor.copy(f"COPY {staging} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {quote(table)} ({column_list}) SELECT {column_list} FROM {staging} "
                f"ON CONFLICT ({conflict_list}) DO NOTHING"
            )
            inserted = cursor.rowcount
            cursor.execute(f"DROP TABLE {staging}")
            return int(inserted)
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({column_list}) VALUES ({placeholders}) "
            f"ON CONFLICT ({conflict_list}) DO NOTHING",
            rows,
        )
        return int(cursor.rowcount)
