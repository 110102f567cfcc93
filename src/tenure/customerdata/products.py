"""The product catalogue by import (``tenure import products``): key, name, category[, features,
active]. A known key updates the product; each product is saved on its own, so django-auditlog
records every addition and change with the import's user. Holdings name products by key."""

from __future__ import annotations

import re
from typing import Any

from tenure.core import fields
from tenure.core.importing import Importer, width_error
from tenure.core.models import ImportRun
from tenure.core.tabular import Record, RowError
from tenure.customerdata.models import Product
from tenure.partners.consents import parse_granted

PRODUCT_COLUMNS = ("key", "name", "category")
PRODUCT_OPTIONAL_COLUMNS = ("features", "active")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
LIMITS = {"name": 120, "category": 60, "features": 200}


class ProductChunkWriter:
    """Validates delivered products and saves the new and changed ones (a re-import adds nothing)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(
        self, chunk: list[tuple[int, Record]], run: ImportRun
    ) -> tuple[int, int, int, list[RowError]]:
        keys = {str(record.get("key") or "").strip() for _, record in chunk}
        stored = Product.objects.in_bulk(list(keys - {""}), field_name="key")
        errors: list[RowError] = []
        added = changed = unchanged = 0
        for row, record in chunk:
            values = self._validate(row, record, errors)
            if values is None:
                continue
            product = stored.get(values["key"]) or Product(key=values["key"])
            if product.pk and all(getattr(product, k) == v for k, v in values.items()):
                unchanged += 1
                continue
            is_new = product.pk is None
            for name, value in values.items():
                setattr(product, name, value)
            product.save()
            stored[product.key] = product
            added, changed = added + is_new, changed + (not is_new)
        return added, changed, unchanged, errors

    def _validate(self, row: int, record: Record, errors: list[RowError]) -> dict[str, Any] | None:
        if (error := width_error(row, record)) is not None:
            errors.append(error)
            return None
        found = len(errors)
        key = str(record.get("key") or "").strip()
        if not KEY.match(key):
            reason = "lower-case letters, digits, - and _, at most 40" if key else "key is required"
            errors.append(RowError(row, "key", reason, key))
        elif (first := self.seen.setdefault(key, row)) != row:
            errors.append(RowError(row, "key", f"delivered twice: already in row {first}", key))
        values: dict[str, Any] = {"key": key}
        for column, limit in LIMITS.items():
            raw = record.get(column)
            try:
                values[column] = fields.parse_text(raw, max_length=limit)
            except ValueError as exc:
                errors.append(RowError(row, column, str(exc), str(raw)))
                continue
            if column != "features" and not values[column]:
                errors.append(RowError(row, column, f"{column} is required", ""))
        raw = record.get("active")
        try:
            values["active"] = True if fields.is_empty(raw) else parse_granted(raw)
        except ValueError as exc:
            errors.append(RowError(row, "active", str(exc), str(raw)))
        return None if len(errors) > found else values


PRODUCTS = Importer(
    kind=ImportRun.Kind.PRODUCTS,
    required=PRODUCT_COLUMNS,
    optional=PRODUCT_OPTIONAL_COLUMNS,
    make_writer=lambda user: ProductChunkWriter(),
    chunk_size=1_000,
)
product_import_file = PRODUCTS.import_file
product_import_records = PRODUCTS.import_records
