"""Keeping :class:`~tenure.customervalue.models.CurrentCustomerValue` equal to its definition: per
business partner, the dataset with the greatest as-of date, ties broken by the greatest id.

Every way datasets are written keeps it, in the transaction of the write:

- the bulk writers (imports, scoring runs) call :func:`current_values_add` after each chunk: one
  statement ranks the chunk's new datasets per partner and upserts the newest where it is newer
  than the stored row, so an interrupted import leaves the table as consistent as its datasets;
- ORM saves and deletes (admin, test factories, demo data) go through the signals in
  :mod:`tenure.customervalue.signals`, ``QuerySet.update`` and ``bulk_create`` through the
  dataset queryset: they recompute the partners concerned (:func:`current_values_refresh`);
- :func:`current_datasets_rebuild` recomputes the whole table, for repair after writes that
  bypass all of these (raw SQL, benchmark loaders).

The statements are plain SQL that SQLite (3.25+: window functions, row values, upsert) and
PostgreSQL run alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from tenure.customervalue.models import CurrentCustomerValue, CustomerValueDataset

VALUE_COLUMNS = ("as_of", "segment_id", "customer_value", "risk_class_id", "churn_score",
                 "bad_debt_score", "clv", "probability_alive")  # fmt: skip
"""The dataset columns the current row repeats (the same names in both tables)."""
REFRESH_BATCH = 10_000


def _names() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "current": quote(CurrentCustomerValue._meta.db_table),
        "datasets": quote(CustomerValueDataset._meta.db_table),
        "values": ", ".join(quote(column) for column in VALUE_COLUMNS),
        "set": ", ".join(
            f"{quote(c)} = excluded.{quote(c)}" for c in ("dataset_id", *VALUE_COLUMNS)
        ),
    }


def _newest(rows: str) -> str:
    """The newest of these dataset rows, one per partner (partner, id, values)."""
    return (
        "SELECT partner_id, id, {values} FROM (SELECT partner_id, id, {values}, "
        "ROW_NUMBER() OVER (PARTITION BY partner_id ORDER BY as_of DESC, id DESC) AS newest "
        f"FROM {rows}) ranked WHERE newest = 1"
    )


# The rows a writer added, by id range, taken apart first: otherwise SQLite reads them along
# dataset_current_idx, which has the window's order but means reading the whole table each time.
_ADDED = (
    "WITH added AS MATERIALIZED (SELECT partner_id, id, {values} FROM {datasets} WHERE id > %s) "
)


_INSERT = "INSERT INTO {current} (partner_id, dataset_id, {values}) "
_NEWER = (
    " ORDER BY partner_id ON CONFLICT (partner_id) DO UPDATE SET {set} "
    "WHERE (excluded.as_of, excluded.dataset_id) > ({current}.as_of, {current}.dataset_id)"
)


def last_dataset_id() -> int:
    """The greatest dataset id so far (0 without datasets): what a writer reads before inserting."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {_names()['datasets']}")
        found = cursor.fetchone()[0]
    return int(found or 0)


def current_values_add(*, after_id: int) -> int:
    """Make the datasets with an id above ``after_id`` current where they are newer than the
    partner's current row (or the partner has none); returns the rows written.

    Called by a bulk writer right after its insert, in the same transaction, with the greatest id
    it read before: ids come from a sequence (cache 1, as Django creates it) or SQLite's rowid, so
    every row the insert added is above it. Rows of other transactions that are above it too are
    real datasets, and making them current where newer is what their own writer does as well.
    Partners are written in id order, so concurrent writers take the row locks in one order.
    """
    return _upsert(_ADDED + _INSERT + _newest("added"), after_id)


def current_value_add(*, dataset_id: int) -> None:
    """Make this (new) dataset its partner's current one if it is newer than the current row."""
    _upsert(_INSERT + _newest("{datasets} WHERE id = %s"), dataset_id)


def _upsert(insert: str, value: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute((insert + _NEWER).format(**_names()), [value])
        return int(cursor.rowcount)


def _id_list(ids: list[int]) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [ids]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def current_values_refresh(*, partner_ids: Iterable[int]) -> None:
    """Recompute the current rows of these partners from their datasets (a partner without
    datasets loses its row). Call inside the transaction that changed the datasets."""
    ids = sorted({int(partner_id) for partner_id in partner_ids})
    names = _names()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(ids), REFRESH_BATCH):
            match, params = _id_list(ids[start : start + REFRESH_BATCH])
            cursor.execute(f"DELETE FROM {names['current']} WHERE partner_id {match}", params)
            insert = _INSERT + _newest(f"{{datasets}} WHERE partner_id {match}")
            cursor.execute(insert.format(**names), params)


def current_value_forget(*, partner_id: int, dataset_id: int) -> None:
    """After deleting a dataset: if it was the partner's current one, recompute the row (the next
    newest dataset, or none); deleting an older dataset changes nothing."""
    names = _names()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {names['current']} WHERE partner_id = %s AND dataset_id = %s",
            [partner_id, dataset_id],
        )
        if cursor.rowcount:
            insert = _INSERT + _newest("{datasets} WHERE partner_id = %s")
            cursor.execute(insert.format(**names), [partner_id])


@dataclass(frozen=True)
class Rebuilt:
    """The outcome of a rebuild: rows now in the table, and partners whose row was missing,
    wrong or left over before it."""

    rows: int
    repaired: int


def current_datasets_rebuild() -> Rebuilt:
    """Recompute the whole table from the datasets (set-based, one transaction), for repair: rows
    of partners without datasets are deleted, and only rows that are missing or differ from the
    definition are written, so a rebuild of a correct table writes nothing."""
    names = _names()
    quote = connection.ops.quote_name
    columns = [quote(column) for column in ("dataset_id", *VALUE_COLUMNS)]
    stored = ", ".join(f"{names['current']}.{column}" for column in columns)
    delivered = ", ".join(f"excluded.{column}" for column in columns)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    repair = (
        _INSERT
        + _newest("{datasets}")
        + f" ON CONFLICT (partner_id) DO UPDATE SET {{set}} WHERE ({stored}) {differs} ({delivered})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {names['current']} WHERE NOT EXISTS (SELECT 1 FROM {names['datasets']} d "
            f"WHERE d.partner_id = {names['current']}.partner_id)"
        )
        left_over = int(cursor.rowcount)
        cursor.execute(repair.format(**names))
        written = int(cursor.rowcount)
        cursor.execute(f"SELECT count(*) FROM {names['current']}")
        rows = int(cursor.fetchone()[0])
    return Rebuilt(rows=rows, repaired=left_over + written)
