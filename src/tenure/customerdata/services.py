"""Writing payments, complaints and product holdings: file import (CSV/Parquet), API batches and
demo data.

Like the customer value import (:mod:`tenure.customervalue.services`), rows are validated in Python
one by one, every bad row is reported with its row, column and reason, the valid ones are kept, and
new rows are written in bulk (:func:`tenure.core.bulk.insert_ignoring_conflicts`). Unlike datasets,
which are appended, payments and complaints are *keyed*: the reference is unique per partner, so a
re-delivered row updates the stored one when its values differ (the invoice is paid now, the
complaint closed) and changes nothing when they are equal; re-importing a file is a no-op.

Updates overwrite values, so each is written to the audit log (django-auditlog's ``LogEntry``) with
the old and new values, the import run and its user: the bulk writes bypass auditlog's signals. New
rows are not logged one by one; the audited :class:`~tenure.core.models.ImportRun` they point to
records who delivered them, when, and from which file.

A reference may appear only once per delivery (file or batch): a second row with the same partner and
reference is rejected, naming the first. Letting the later row win would make a re-import flip the
row back and forth whenever the two rows fall into different chunks.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from tenure.core import fields
from tenure.core.bulk import insert_ignoring_conflicts
from tenure.core.importing import (
    Importer,
    PreparedChunk,
    width_error,
)
from tenure.core.models import ImportRun
from tenure.core.tabular import Record, RowError
from tenure.customerdata.models import (
    REFERENCE_LENGTH,
    Complaint,
    Payment,
    Product,
    ProductHolding,
)
from tenure.partners.selectors import partner_ids_by_number

PAYMENT_COLUMNS = ("partner", "reference", "due_date", "paid_date", "amount")
COMPLAINT_COLUMNS = ("partner", "reference", "opened", "closed", "severity", "subject")
HOLDING_COLUMNS = ("partner", "reference", "product", "started", "ended")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("10") ** 10  # max_digits=12, decimal_places=2
SEVERITIES = tuple(Complaint.Severity.values)

Key = tuple[int, str]
"""(partner id, reference): what identifies a payment or a complaint."""


def parse_amount(value: Any) -> Decimal | None:
    """A non-negative amount with at most two decimals (a decimal comma is accepted); empty is None.

    Floats (JSON, Parquet) are read by their shortest representation, so 33.55 is 33.55 exactly.
    """
    if fields.is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError("expected an amount such as 49.90")
    if isinstance(value, float):
        text = repr(value)
    elif isinstance(value, int | Decimal):
        text = str(value)
    else:
        text = str(value).strip()
        if "," in text and "." not in text:
            text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("expected an amount such as 49.90") from None
    if not amount.is_finite():
        raise ValueError("expected a finite amount")
    if amount < 0:
        raise ValueError("out of range: must not be negative")
    if amount >= MAX_AMOUNT:
        raise ValueError("out of range: must be less than 10,000,000,000")
    if amount != amount.quantize(CENT):
        raise ValueError("at most 2 decimal places")
    return amount.quantize(CENT)


def parse_severity(value: Any) -> str:
    """``minor`` or ``major`` (any case)."""
    text = str(value).strip()
    if text.lower() in SEVERITIES:
        return text.lower()
    raise ValueError(f"unknown severity {text!r}; allowed: {', '.join(sorted(SEVERITIES))}")


def _as_date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _as_amount(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


class KeyedChunkWriter(ABC):
    """Validates records of one kind, inserts the new references and updates the changed ones.

    One writer serves one import: it remembers the keys it has seen (about 100 bytes a row), so a
    reference delivered twice is rejected. ``prepare`` (validation) and ``write`` (database) are separate so that the import
    frame can pipeline them on PostgreSQL (:mod:`tenure.core.importing`).
    """

    model: type[Model]
    value_columns: tuple[str, ...]
    """The table columns after partner_id and reference, in the order the parsers return them."""
    normalise: tuple[Callable[[Any], Any], ...]
    """How a stored value of each value column is brought to the parsed value's type."""

    def __init__(self) -> None:
        self.table = self.model._meta.db_table
        self.columns = (
            "partner_id",
            "reference",
            *self.value_columns,
            "import_run_id",
            "imported_at",
        )
        self.parse_number = fields.required(
            partial(fields.parse_text, max_length=30), "partner number is required"
        )
        self.parse_reference = fields.required(
            partial(fields.parse_text, max_length=REFERENCE_LENGTH), "reference is required"
        )
        self.parsers: dict[str, Callable[[Any], Any]] = self.value_parsers()
        self.seen: dict[Key, int] = {}
        self.run_id: int | None = None
        self.user_id: int | None = None

    @abstractmethod
    def value_parsers(self) -> dict[str, Callable[[Any], Any]]:
        """The parser of each value column (besides partner and reference)."""

    def check_row(self, row: int, values: dict[str, Any], record: Record) -> RowError | None:
        """A rule across the columns of one row (after each column parsed)."""
        return None

    def __call__(
        self, chunk: list[tuple[int, Record]], run: ImportRun
    ) -> tuple[int, int, int, list[RowError]]:
        return self.write(self.prepare(chunk, run))

    def prepare(self, chunk: list[tuple[int, Record]], run: ImportRun) -> PreparedChunk:
        """Validate a chunk: the table rows to write and the rejected rows."""
        self.run_id, self.user_id = run.pk, run.user_id
        numbers = {str(record.get("partner") or "").strip() for _, record in chunk}
        partner_ids = partner_ids_by_number(numbers)
        imported_at = timezone.now()
        rows: list[tuple[Any, ...]] = []
        errors: list[RowError] = []
        for row_number, record in chunk:
            values = self._validate(row_number, record, partner_ids, errors)
            if values is None:
                continue
            key: Key = (values[0], values[1])
            first = self.seen.setdefault(key, row_number)
            if first != row_number:
                errors.append(
                    RowError(
                        row_number,
                        "reference",
                        f"delivered twice: the partner's reference is already in row {first}",
                        values[1],
                    )
                )
                continue
            rows.append((*values, run.pk, imported_at))
        return PreparedChunk(rows, errors)

    def _validate(
        self, row: int, record: Record, partner_ids: dict[str, int], errors: list[RowError]
    ) -> tuple[Any, ...] | None:
        if (error := width_error(row, record)) is not None:
            errors.append(error)
            return None
        found_errors = len(errors)
        partner_id = None
        raw = record.get("partner")
        try:
            number = self.parse_number(raw)
        except ValueError as exc:
            errors.append(RowError(row, "partner", str(exc), _text(raw)))
        else:
            partner_id = partner_ids.get(number)
            if partner_id is None:
                errors.append(RowError(row, "partner", "unknown business partner", number))
        reference = ""
        raw = record.get("reference")
        try:
            reference = self.parse_reference(raw)
        except ValueError as exc:
            errors.append(RowError(row, "reference", str(exc), _text(raw)))
        values: dict[str, Any] = {}
        for column, parse in self.parsers.items():
            raw = record.get(column)
            try:
                values[column] = parse(raw)
            except ValueError as exc:
                errors.append(RowError(row, column, str(exc), _text(raw)))
        if len(errors) != found_errors:
            return None
        if (error := self.check_row(row, values, record)) is not None:
            errors.append(error)
            return None
        return (partner_id, reference, *values.values())

    def write(self, prepared: PreparedChunk) -> tuple[int, int, int, list[RowError]]:
        """Insert the new rows and update the changed ones; returns (new, updated, unchanged, errors)."""
        if not prepared.rows:
            return 0, 0, 0, prepared.errors
        width = len(self.value_columns)
        stored = self._stored([row[:2] for row in prepared.rows])
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []
        for row in prepared.rows:
            before = stored.get((row[0], row[1]))
            if before is None:
                new.append(row)
            elif before[1:] != row[2 : 2 + width]:
                changed.append((before, row))
        inserted = insert_ignoring_conflicts(
            self.table, self.columns, new, conflict=("partner_id", "reference")
        )
        self._update(changed)
        self._audit(changed)
        return inserted, len(changed), len(prepared.rows) - inserted - len(changed), prepared.errors

    def _stored(self, keys: Sequence[tuple[Any, ...]]) -> dict[Key, tuple[Any, ...]]:
        """The stored (id, *values) of the keys that exist, with values of the parsed types."""
        quote = connection.ops.quote_name
        selected = ", ".join(f"t.{quote(column)}" for column in ("id", *self.value_columns))
        table = quote(self.table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT t.partner_id, t.reference, {selected} FROM {table} t "
                    "JOIN unnest(%s::bigint[], %s::text[]) AS k(partner_id, reference) "
                    "ON t.partner_id = k.partner_id AND t.reference = k.reference",
                    [[key[0] for key in keys], [key[1] for key in keys]],
                )
                found = cursor.fetchall()
            else:
                staging = quote(f"keys_{self.table}")
                cursor.execute(f"CREATE TEMP TABLE {staging} (partner_id integer, reference text)")
                try:
                    cursor.executemany(f"INSERT INTO {staging} VALUES (%s, %s)", keys)
                    cursor.execute(
                        f"SELECT t.partner_id, t.reference, {selected} FROM {table} t "
                        f"JOIN {staging} k ON t.partner_id = k.partner_id "
                        "AND t.reference = k.reference"
                    )
                    found = cursor.fetchall()
                finally:
                    cursor.execute(f"DROP TABLE {staging}")
        return {
            (row[0], row[1]): (
                row[2],
                *(normal(value) for normal, value in zip(self.normalise, row[3:], strict=True)),
            )
            for row in found
        }

    def _update(self, changed: list[tuple[tuple[Any, ...], tuple[Any, ...]]]) -> None:
        if not changed:
            return
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(column)} = %s" for column in self.columns[2:])
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(self.table)} SET {assignments} WHERE id = %s",
                [(*row[2:], before[0]) for before, row in changed],
            )

    def _audit(self, changed: list[tuple[tuple[Any, ...], tuple[Any, ...]]]) -> None:
        """One audit-log entry per updated row: the changed fields, old → new, and the import."""
        if not changed:
            return
        from auditlog.models import LogEntry
        from django.contrib.contenttypes.models import ContentType

        content_type = ContentType.objects.get_for_model(self.model)
        now = timezone.now()
        entries = []
        for before, row in changed:
            after = row[2 : 2 + len(self.value_columns)]
            changes = {
                column: [_logged(old), _logged(new)]
                for column, old, new in zip(self.value_columns, before[1:], after, strict=True)
                if old != new
            }
            instance = self.model(
                partner_id=row[0],
                reference=row[1],
                **dict(zip(self.value_columns, after, strict=True)),
            )
            entries.append(
                LogEntry(
                    content_type=content_type,
                    object_pk=str(before[0]),
                    object_id=before[0],
                    object_repr=str(instance),
                    action=LogEntry.Action.UPDATE,
                    changes=changes,
                    actor_id=self.user_id,
                    timestamp=now,
                    additional_data={"import_run": self.run_id},
                )
            )
        LogEntry.objects.bulk_create(entries, batch_size=1000)


class PaymentChunkWriter(KeyedChunkWriter):
    """Payments: partner, reference, due_date, paid_date (empty while unpaid), amount."""

    model = Payment
    value_columns = ("due_date", "paid_date", "amount")
    normalise = (_as_date, _as_date, _as_amount)

    def value_parsers(self) -> dict[str, Callable[[Any], Any]]:
        remember = fields.Remembering
        return {
            "due_date": remember(fields.required(fields.parse_date, "due date is required")),
            "paid_date": remember(fields.parse_date),  # may be before the due date: paid early
            "amount": remember(fields.required(parse_amount, "amount is required")),
        }


class ComplaintChunkWriter(KeyedChunkWriter):
    """Complaints: partner, reference, opened, closed (empty while open), severity, subject."""

    model = Complaint
    value_columns = ("opened", "closed", "severity", "subject")
    normalise = (_as_date, _as_date, str, str)

    def value_parsers(self) -> dict[str, Callable[[Any], Any]]:
        remember = fields.Remembering
        return {
            "opened": remember(fields.required(fields.parse_date, "opening date is required")),
            "closed": remember(fields.parse_date),
            "severity": remember(
                fields.required(parse_severity, "severity is required: minor or major")
            ),
            "subject": partial(fields.parse_text, max_length=200),
        }

    def check_row(self, row: int, values: dict[str, Any], record: Record) -> RowError | None:
        opened, closed = values["opened"], values["closed"]
        if closed is not None and closed < opened:
            return RowError(
                row,
                "closed",
                f"before the opening date {opened.isoformat()}",
                _text(record.get("closed")),
            )
        return None


class HoldingChunkWriter(KeyedChunkWriter):
    """Product holdings: partner, reference (contract), product (key), started, ended (empty
    while held). An unknown product key is rejected naming the known ones."""

    model = ProductHolding
    value_columns = ("product_id", "started", "ended")
    normalise = (int, _as_date, _as_date)

    def value_parsers(self) -> dict[str, Callable[[Any], Any]]:
        products = dict(Product.objects.values_list("key", "id"))
        known = ", ".join(sorted(products)[:20]) or "none yet: add products in the admin"

        def parse_product(value: Any) -> int:
            key = fields.parse_text(value, max_length=40)
            if key not in products:
                raise ValueError(f"unknown product {key!r} (known: {known})")
            return products[key]

        remember = fields.Remembering
        return {
            "product": remember(fields.required(parse_product, "product is required")),
            "started": remember(fields.required(fields.parse_date, "start date is required")),
            "ended": remember(fields.parse_date),
        }

    def check_row(self, row: int, values: dict[str, Any], record: Record) -> RowError | None:
        started, ended = values["started"], values["ended"]
        if ended is not None and ended < started:
            return RowError(
                row, "ended", f"before the start date {started.isoformat()}",
                _text(record.get("ended")),
            )  # fmt: skip
        return None


PAYMENTS = Importer(
    kind=ImportRun.Kind.PAYMENTS,
    required=PAYMENT_COLUMNS,
    make_writer=lambda user: PaymentChunkWriter(),
)
COMPLAINTS = Importer(
    kind=ImportRun.Kind.COMPLAINTS,
    required=COMPLAINT_COLUMNS,
    make_writer=lambda user: ComplaintChunkWriter(),
)
HOLDINGS = Importer(
    kind=ImportRun.Kind.HOLDINGS,
    required=HOLDING_COLUMNS,
    make_writer=lambda user: HoldingChunkWriter(),
)
payment_import_file = PAYMENTS.import_file
payment_import_records = PAYMENTS.import_records
complaint_import_file = COMPLAINTS.import_file
complaint_import_records = COMPLAINTS.import_records
holding_import_file = HOLDINGS.import_file
holding_import_records = HOLDINGS.import_records


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _logged(value: Any) -> str:
    """A value as django-auditlog writes it into ``changes``."""
    return "None" if value is None else str(value)
