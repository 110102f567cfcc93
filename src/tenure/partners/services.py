"""Writing business partners: the master-data import (CSV/Parquet) keyed by partner number.

A partner whose number is new is created; a known one is updated when its delivered values differ
(phone numbers are replaced by the delivered set); an identical row changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from tenure.core import fields
from tenure.core.importing import Importer, width_error
from tenure.core.models import ImportRun
from tenure.core.tabular import Record, RowError
from tenure.partners.models import BusinessPartner, PartnerPhoneNumber
from tenure.partners.phones import to_e164

PARTNER_COLUMNS = (
    "number",
    "name",
    "kind",
    "street",
    "postcode",
    "city",
    "country",
    "phone",
    "email",
)
PARTNER_OPTIONAL_COLUMNS = ("customer_since", "left_on")
"""Delivered only by systems that know them; a file without them leaves the stored dates alone."""
_KINDS = {
    "person": BusinessPartner.Kind.PERSON,
    "p": BusinessPartner.Kind.PERSON,
    "organisation": BusinessPartner.Kind.ORGANISATION,
    "organization": BusinessPartner.Kind.ORGANISATION,
    "o": BusinessPartner.Kind.ORGANISATION,
}
_MASTER_FIELDS = ("name", "kind", "street", "postcode", "city", "country", "email")


def _parse_kind(value: Any) -> str:
    if fields.is_empty(value):
        return BusinessPartner.Kind.PERSON
    kind = _KINDS.get(str(value).strip().lower())
    if kind is None:
        raise ValueError("expected person or organisation")
    return kind


def _parse_country(value: Any) -> str:
    text = fields.parse_text(value, max_length=2).upper()
    if text and not (len(text) == 2 and text.isalpha()):
        raise ValueError("expected a two-letter ISO country code such as DE")
    return text


def _parse_email(value: Any) -> str:
    text = fields.parse_text(value, max_length=254)
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValueError("not a valid e-mail address") from None
    return text


def _parse_phones(value: Any, region: str | None) -> list[str]:
    if fields.is_empty(value):
        return []
    numbers: list[str] = []
    for part in str(value).replace(",", ";").split(";"):
        if part.strip():
            e164 = to_e164(part, region=region or None)
            if e164 not in numbers:
                numbers.append(e164)
    return numbers


def partner_validate(row: int, record: Record, errors: list[RowError]) -> dict[str, Any] | None:
    """The clean values of one delivered partner row, or None with the reasons added to errors."""
    if (error := width_error(row, record)) is not None:
        errors.append(error)
        return None
    found = len(errors)
    clean: dict[str, Any] = {}
    country = ""
    parsers: list[tuple[str, Any]] = [
        ("number", lambda v: fields.parse_text(v, max_length=30)),
        ("name", lambda v: fields.parse_text(v, max_length=200)),
        ("kind", _parse_kind),
        ("street", lambda v: fields.parse_text(v, max_length=200)),
        ("postcode", lambda v: fields.parse_text(v, max_length=20)),
        ("city", lambda v: fields.parse_text(v, max_length=100)),
        ("country", _parse_country),
        ("email", _parse_email),
        ("phone", lambda v: _parse_phones(v, country)),
    ]
    for column, parse in parsers:
        raw = record.get(column)
        try:
            clean[column] = parse(raw)
        except ValueError as exc:
            errors.append(RowError(row, column, str(exc), "" if raw is None else str(raw)))
        if column == "country":
            country = clean.get("country", "")
    for column in PARTNER_OPTIONAL_COLUMNS:
        if column in record:
            try:
                clean[column] = fields.parse_date(record[column])
            except ValueError as exc:
                errors.append(RowError(row, column, str(exc), str(record[column])))
    since, left = clean.get("customer_since"), clean.get("left_on")
    if since and left and left < since:
        errors.append(RowError(row, "left_on", "before customer_since", str(left)))
    for column in ("number", "name"):
        if column in clean and not clean[column]:
            errors.append(RowError(row, column, f"{column} is required"))
    return clean if len(errors) == found else None


def _write_partner_chunk(
    chunk: list[tuple[int, Record]], run: ImportRun
) -> tuple[int, int, int, list[RowError]]:
    errors: list[RowError] = []
    delivered: dict[str, dict[str, Any]] = {}
    for row, record in chunk:
        clean = partner_validate(row, record, errors)
        if clean is not None:
            delivered[clean["number"]] = clean  # a later row of the same number wins
    existing = {
        partner.number: partner
        for partner in BusinessPartner.objects.filter(number__in=delivered).prefetch_related(
            "phone_numbers"
        )
    }
    to_create: list[BusinessPartner] = []
    to_update: list[BusinessPartner] = []
    phones_for: dict[str, list[str]] = {}
    unchanged = 0
    now = timezone.now()
    for number, clean in delivered.items():
        partner = existing.get(number)
        master = {
            name: clean[name]
            for name in (*_MASTER_FIELDS, *PARTNER_OPTIONAL_COLUMNS)
            if name in clean
        }
        if partner is None:
            to_create.append(BusinessPartner(number=number, **master))
            phones_for[number] = clean["phone"]
            continue
        current_phones = [phone.e164 for phone in partner.phone_numbers.all()]
        if all(getattr(partner, name) == value for name, value in master.items()) and (
            current_phones == clean["phone"]
        ):
            unchanged += 1
            continue
        for name, value in master.items():
            setattr(partner, name, value)
        partner.updated_at = now
        to_update.append(partner)
        phones_for[number] = clean["phone"]
    BusinessPartner.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        BusinessPartner.objects.bulk_update(
            to_update,
            [*_MASTER_FIELDS, *PARTNER_OPTIONAL_COLUMNS, "updated_at"],
            batch_size=500,
        )
        PartnerPhoneNumber.objects.filter(partner__in=to_update).delete()
    ids = dict(BusinessPartner.objects.filter(number__in=phones_for).values_list("number", "id"))
    PartnerPhoneNumber.objects.bulk_create(
        [
            PartnerPhoneNumber(partner_id=ids[number], e164=e164, position=position)
            for number, phones in phones_for.items()
            for position, e164 in enumerate(phones)
        ],
        batch_size=500,
    )
    return len(to_create), len(to_update), unchanged, errors


PARTNERS = Importer(
    kind=ImportRun.Kind.PARTNERS,
    required=PARTNER_COLUMNS,
    optional=PARTNER_OPTIONAL_COLUMNS,
    make_writer=lambda user: _write_partner_chunk,
    chunk_size=5_000,
)
partner_import_file = PARTNERS.import_file
"""Import a CSV or Parquet delivery of business partners (raises FileRejected)."""
partner_import_records = PARTNERS.import_records


class PartnerInvalid(ValueError):
    """A partner entered by hand failed validation; ``errors`` maps field to reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in errors.items()))
        self.errors = errors


@transaction.atomic
def partner_create(*, values: dict[str, Any]) -> BusinessPartner:
    """Create one business partner from a form, validated like an imported row."""
    errors: list[RowError] = []
    clean = partner_validate(0, dict(values), errors)
    if clean is None:
        raise PartnerInvalid({error.column: error.reason for error in errors})
    if BusinessPartner.objects.filter(number=clean["number"]).exists():
        raise PartnerInvalid({"number": "a business partner with this number exists"})
    partner = BusinessPartner.objects.create(
        number=clean["number"], **{name: clean[name] for name in _MASTER_FIELDS}
    )
    PartnerPhoneNumber.objects.bulk_create(
        PartnerPhoneNumber(partner=partner, e164=e164, position=position)
        for position, e164 in enumerate(clean["phone"])
    )
    return partner
