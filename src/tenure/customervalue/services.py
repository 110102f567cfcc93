"""Writing customer value datasets: file import (CSV/Parquet), API batches, and model runs.

Validation runs in Python per row and writing uses SQLite ``executemany`` / PostgreSQL ``COPY``
(:mod:`tenure.core.bulk`): the ORM's per-row saves are ~10x too slow for provider deliveries.
A dataset's fingerprint (a hash of its delivered values) is unique per partner, so re-importing a
file adds nothing, while a corrected delivery with other values is appended as the newer dataset.
Each chunk also updates the partners' current rows (:mod:`tenure.customervalue.current`) in its
own transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from tenure.core import fields
from tenure.core.bulk import insert_ignoring_conflicts
from tenure.core.importing import (
    PreparedChunk,
    Progress,
    run_file_import,
    run_import,
    width_error,
)
from tenure.core.models import ImportRun
from tenure.core.tabular import ImportReport, Record, RowError
from tenure.customervalue.current import current_values_add, last_dataset_id
from tenure.customervalue.models import ChurnRiskClass, CustomerSegment, CustomerValueDataset
from tenure.partners.selectors import partner_ids_by_number

OPTIONAL_COLUMNS = ("clv", "probability_alive", "expected_purchases", "reasons")
"""Predictions a model run (or a provider) may add; files without them are imported as before."""
DATASET_COLUMNS = (
    "partner",
    "as_of",
    "segment",
    "customer_value",
    "risk_class",
    "churn_score",
    "bad_debt_score",
    "source",
)
_TABLE_COLUMNS = (
    "partner_id",
    "as_of",
    "segment_id",
    "customer_value",
    "risk_class_id",
    "churn_score",
    "bad_debt_score",
    "source",
    "clv",
    "probability_alive",
    "expected_purchases",
    "reasons",
    "import_run_id",
    "imported_at",
    "fingerprint",
)


def dataset_fingerprint(values: Sequence[Any]) -> int:
    """A signed 64-bit hash of the delivered values (without the partner, which the key holds)."""
    text = "|".join(["" if value is None else str(value) for value in values])
    return int.from_bytes(
        hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True
    )


def datasets_append(rows: Sequence[Sequence[Any]]) -> int:
    """Insert dataset rows (in ``_TABLE_COLUMNS`` order), skipping those already stored, and make
    the new ones current where they are newest, in one transaction; returns the rows inserted."""
    with transaction.atomic():
        before = last_dataset_id()
        inserted = insert_ignoring_conflicts(
            CustomerValueDataset._meta.db_table,
            _TABLE_COLUMNS,
            rows,
            conflict=("partner_id", "fingerprint"),
        )
        if inserted:
            current_values_add(after_id=before)
    return inserted


class DatasetChunkWriter:
    """Validates records against the key tables and partners, and appends the valid ones."""

    def __init__(self) -> None:
        segments = dict.fromkeys(CustomerSegment.objects.values_list("key", flat=True))
        risk_classes = dict.fromkeys(ChurnRiskClass.objects.values_list("key", flat=True))
        remember = fields.Remembering
        self.parsers: dict[str, Any] = {
            "as_of": remember(fields.required(fields.parse_date, "as-of date is required")),
            "segment": remember(
                partial(fields.parse_key, allowed=segments, what="customer segment")
            ),
            "customer_value": remember(partial(fields.parse_int, low=1, high=10)),
            "risk_class": remember(
                partial(fields.parse_key, allowed=risk_classes, what="risk class")
            ),
            "churn_score": remember(partial(fields.parse_int, low=0, high=100)),
            "bad_debt_score": remember(fields.parse_number),
            "source": remember(
                fields.required(
                    partial(fields.parse_text, max_length=100),
                    "source is required (who delivered the data)",
                )
            ),
        }
        self.optional_parsers: dict[str, Any] = {
            "clv": remember(partial(fields.parse_number, low=0)),
            "probability_alive": remember(partial(fields.parse_number, low=0, high=1)),
            "expected_purchases": remember(partial(fields.parse_number, low=0)),
            "reasons": fields.parse_text_list,
        }
        self.parse_number = fields.required(
            partial(fields.parse_text, max_length=30), "partner number is required"
        )

    def __call__(
        self, chunk: list[tuple[int, Record]], run: ImportRun
    ) -> tuple[int, int, int, list[RowError]]:
        return self.write(self.prepare(chunk, run))

    def prepare(self, chunk: list[tuple[int, Record]], run: ImportRun) -> PreparedChunk:
        """Validate a chunk: the table rows to write and the rejected rows."""
        numbers = {str(record.get("partner") or "").strip() for _, record in chunk}
        partner_ids = partner_ids_by_number(numbers)
        imported_at = timezone.now()
        rows: list[tuple[Any, ...]] = []
        errors: list[RowError] = []
        for row_number, record in chunk:
            values = self._validate(row_number, record, partner_ids, errors)
            if values is not None:
                delivered = values[1 : 1 + len(self.parsers)]
                predictions = values[1 + len(self.parsers) :]
                # the fingerprint of a dataset without predictions is what it was before they existed
                hashed = (
                    delivered + predictions
                    if any(v is not None for v in predictions)
                    else delivered
                )
                rows.append((*values, run.pk, imported_at, dataset_fingerprint(hashed)))
        return PreparedChunk(rows, errors)

    def write(self, prepared: PreparedChunk) -> tuple[int, int, int, list[RowError]]:
        """Append the prepared rows; the ones already stored (same fingerprint) are skipped."""
        inserted = datasets_append(prepared.rows)
        return inserted, 0, len(prepared.rows) - inserted, prepared.errors

    def _validate(
        self, row: int, record: Record, partner_ids: dict[str, int], errors: list[RowError]
    ) -> tuple[Any, ...] | None:
        if (error := width_error(row, record)) is not None:
            errors.append(error)
            return None
        if "__reject__" in record:  # refused by the caller (e.g. a scoring run), with its reason
            column, reason = record["__reject__"]
            errors.append(RowError(row, column, reason, str(record.get(column) or "")))
            return None
        found_errors = len(errors)
        partner_id = None
        raw = record.get("partner")
        try:
            number = self.parse_number(raw)
        except ValueError as exc:
            errors.append(RowError(row, "partner", str(exc), "" if raw is None else str(raw)))
        else:
            partner_id = partner_ids.get(number)
            if partner_id is None:
                errors.append(RowError(row, "partner", "unknown business partner", number))
        values: list[Any] = [partner_id]
        for column, parse in (*self.parsers.items(), *self.optional_parsers.items()):
            raw = record.get(column)
            try:
                values.append(parse(raw))
            except ValueError as exc:
                errors.append(RowError(row, column, str(exc), "" if raw is None else str(raw)))
        return None if len(errors) != found_errors else tuple(values)


SCORED = "__scored__"
"""The key under which a scoring run hands :class:`ScoredDatasetWriter` a row it built itself."""


def scored_dataset_values(
    partner_id: int,
    delivered: tuple[Any, ...],
    predictions: tuple[Any, ...],
) -> tuple[tuple[Any, ...], int]:
    """The table values (without run, time and fingerprint) and the fingerprint of a dataset a
    scoring run built from values it has already checked, exactly as :class:`DatasetChunkWriter`
    would store the same dataset delivered in a file: ``delivered`` in the order of
    ``DATASET_COLUMNS[1:]`` (as-of date, segment key, customer value, risk class key, churn score,
    bad-debt score, source), ``predictions`` in the order of ``OPTIONAL_COLUMNS`` (reasons as JSON
    text, or None)."""
    hashed = delivered + predictions if any(v is not None for v in predictions) else delivered
    return (partner_id, *delivered, *predictions), dataset_fingerprint(hashed)


class ScoredDatasetWriter:
    """Appends datasets a scoring run has built (:func:`scored_dataset_values`) without parsing
    them again: their values come from the database and the model, not from a delivery, and
    parsing a million rows field by field costs more than scoring them. Records without
    ``SCORED`` are rejected rows: ``{"partner": number, "__reject__": (column, reason)}``.

    Only scoring runs build these records; imports of delivered data use
    :class:`DatasetChunkWriter`, which validates every field.
    """

    def __call__(
        self, chunk: list[tuple[int, Record]], run: ImportRun
    ) -> tuple[int, int, int, list[RowError]]:
        return self.write(self.prepare(chunk, run))

    def prepare(self, chunk: list[tuple[int, Record]], run: ImportRun) -> PreparedChunk:
        imported_at = timezone.now()
        rows: list[tuple[Any, ...]] = []
        errors: list[RowError] = []
        for row_number, record in chunk:
            scored = record.get(SCORED)
            if scored is None:
                column, reason = record["__reject__"]
                errors.append(RowError(row_number, column, reason, str(record.get(column) or "")))
            else:
                values, fingerprint = scored
                rows.append((*values, run.pk, imported_at, fingerprint))
        return PreparedChunk(rows, errors)

    def write(self, prepared: PreparedChunk) -> tuple[int, int, int, list[RowError]]:
        inserted = datasets_append(prepared.rows)
        return inserted, 0, len(prepared.rows) - inserted, prepared.errors


def dataset_import_file(
    *,
    source: Path | IO[bytes],
    file_name: str,
    origin: str = ImportRun.Origin.CLI,
    user: User | None = None,
    progress: Progress | None = None,
    chunk_size: int = 10_000,
) -> ImportReport:
    """Import a CSV or Parquet delivery of customer value datasets (raises FileRejected)."""
    return run_file_import(
        kind=ImportRun.Kind.CUSTOMER_VALUES,
        origin=origin,
        source=source,
        file_name=file_name,
        required=DATASET_COLUMNS,
        optional=OPTIONAL_COLUMNS,
        write_chunk=DatasetChunkWriter(),
        user=user,
        progress=progress,
        chunk_size=chunk_size,
    )


def dataset_import_records(
    *,
    records: Iterable[Record],
    origin: str = ImportRun.Origin.API,
    user: User | None = None,
    chunk_size: int = 10_000,
) -> ImportReport:
    """Import datasets given as mappings (API batches, model runs); errors count rows from 0."""
    indexed = list(enumerate(records))
    chunks = (indexed[start : start + chunk_size] for start in range(0, len(indexed), chunk_size))
    return run_import(
        kind=ImportRun.Kind.CUSTOMER_VALUES,
        origin=origin,
        chunks=chunks,
        write_chunk=DatasetChunkWriter(),
        total_rows=len(indexed),
        user=user,
    )
