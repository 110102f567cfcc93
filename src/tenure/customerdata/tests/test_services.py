"""Importing payments and complaints: every bad row says which row, column and why; valid rows are
kept; the same file again changes nothing; a re-delivered reference with new values updates."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, transaction
from django.utils import timezone
from tests.factories import make_partner

from tenure.core.models import ImportRun
from tenure.core.tabular import FileRejected
from tenure.customerdata.models import Complaint, Payment
from tenure.customerdata.services import (
    complaint_import_file,
    parse_amount,
    payment_import_file,
    payment_import_records,
)

pytestmark = pytest.mark.django_db

PAYMENTS = "partner,reference,due_date,paid_date,amount\n"
COMPLAINTS = "partner,reference,opened,closed,severity,subject\n"


def pay(text: str | bytes, name: str = "payments.csv", **options):
    data = text.encode() if isinstance(text, str) else text
    return payment_import_file(source=io.BytesIO(data), file_name=name, **options)


def complain(text: str, name: str = "complaints.csv", **options):
    return complaint_import_file(source=io.BytesIO(text.encode()), file_name=name, **options)


def problems(report) -> list[tuple[int, str, str]]:
    return [(error.row, error.column, error.reason) for error in report.errors]


def counts(report) -> tuple[int, int, int, int]:
    return report.accepted, report.updated, report.duplicates, report.rejected


@pytest.fixture(autouse=True)
def partners() -> None:
    make_partner("4711")
    make_partner("4712", "Max Mustermann")


def test_every_bad_payment_row_names_row_column_and_reason() -> None:
    report = pay(
        PAYMENTS
        + "4711,INV-1,2026-11-15,2026-11-14,49.90\n"  # 2 fine
        + "9999,INV-2,2026-11-15,,49.90\n"  # 3
        + ",INV-3,2026-11-15,,49.90\n"  # 4
        + "4711,,2026-11-15,,49.90\n"  # 5
        + f"4711,{'R' * 65},2026-11-15,,49.90\n"  # 6
        + "4711,INV-7,,,49.90\n"  # 7
        + "4711,INV-8,2026-02-30,,49.90\n"  # 8
        + "4711,INV-9,2026-11-15,yesterday,49.90\n"  # 9
        + "4711,INV-10,2026-11-15,,\n"  # 10
        + "4711,INV-11,2026-11-15,,-1.00\n"  # 11
        + "4711,INV-12,2026-11-15,,12 EUR\n"  # 12
        + "4711,INV-13,2026-11-15,,12.345\n"  # 13
        + "4711,INV-14,2026-11-15,,10000000000\n"  # 14
        + "4711,INV-15,2026-11-15\n"  # 15
        + "4711,INV-1,2026-12-15,,10.00\n"  # 16: the reference again
        + "9999,,soon,,x\n"  # 17: four problems in one row
        + "4711,INV-18,15.11.2026,01.11.2026,0\n"  # 18 fine: paid early, German dates
        + "4712,INV-1,2026-11-15,,49.90\n"  # 19 fine: the reference is unique per partner
    )
    assert problems(report) == [
        (3, "partner", "unknown business partner"),
        (4, "partner", "partner number is required"),
        (5, "reference", "reference is required"),
        (6, "reference", "too long: 65 characters, at most 64"),
        (7, "due_date", "due date is required"),
        (8, "due_date", "expected a date as YYYY-MM-DD"),
        (9, "paid_date", "expected a date as YYYY-MM-DD"),
        (10, "amount", "amount is required"),
        (11, "amount", "out of range: must not be negative"),
        (12, "amount", "expected an amount such as 49.90"),
        (13, "amount", "at most 2 decimal places"),
        (14, "amount", "out of range: must be less than 10,000,000,000"),
        (15, "*", "the row has 3 fields, the header has 5"),
        (16, "reference", "delivered twice: the partner's reference is already in row 2"),
        (17, "partner", "unknown business partner"),
        (17, "reference", "reference is required"),
        (17, "due_date", "expected a date as YYYY-MM-DD"),
        (17, "amount", "expected an amount such as 49.90"),
    ]
    assert [error.value for error in report.errors][:3] == ["9999", "", ""]
    assert counts(report) == (3, 0, 0, 15)
    early = Payment.objects.get(reference="INV-18")
    assert (early.due_date, early.paid_date, early.amount) == (
        dt.date(2026, 11, 15),
        dt.date(2026, 11, 1),
        Decimal("0.00"),
    )
    assert Payment.objects.filter(reference="INV-1").count() == 2


def test_every_bad_complaint_row_names_row_column_and_reason() -> None:
    report = complain(
        COMPLAINTS
        + "4711,CMP-1,2026-11-02,,major,Outage\n"  # 2 fine
        + "4711,CMP-2,2026-11-02,2026-11-02,Minor,\n"  # 3 fine: closed the same day
        + "4711,CMP-3,,,minor,x\n"  # 4
        + "4711,CMP-4,2026-11-02,2026-11-01,minor,x\n"  # 5
        + "4711,CMP-5,2026-11-02,later,minor,x\n"  # 6
        + "4711,CMP-6,2026-11-02,,critical,x\n"  # 7
        + "4711,CMP-7,2026-11-02,,,x\n"  # 8
        + f"4711,CMP-8,2026-11-02,,minor,{'s' * 201}\n"  # 9
        + "4711,CMP-1,2026-11-03,,minor,again\n"  # 10
        + "0815,CMP-9,2026-11-02,,minor,x\n"  # 11
        + "4711,CMP-10,2026-11-02,,minor\n"  # 12
    )
    assert problems(report) == [
        (4, "opened", "opening date is required"),
        (5, "closed", "before the opening date 2026-11-02"),
        (6, "closed", "expected a date as YYYY-MM-DD"),
        (7, "severity", "unknown severity 'critical'; allowed: major, minor"),
        (8, "severity", "severity is required: minor or major"),
        (9, "subject", "too long: 201 characters, at most 200"),
        (10, "reference", "delivered twice: the partner's reference is already in row 2"),
        (11, "partner", "unknown business partner"),
        (12, "*", "the row has 5 fields, the header has 6"),
    ]
    assert report.errors[1].value == "2026-11-01"
    assert counts(report) == (2, 0, 0, 9)
    same_day = Complaint.objects.get(reference="CMP-2")
    assert (same_day.severity, same_day.closed, same_day.subject) == (
        "minor",
        dt.date(2026, 11, 2),
        "",
    )


def test_reimporting_the_same_file_changes_nothing() -> None:
    rows = PAYMENTS + "4711,INV-1,2026-11-15,,49.90\n4711,INV-2,2026-10-15,2026-10-10,33.55\n"
    first = pay(rows)
    stored = list(Payment.objects.values_list("id", "paid_date", "amount", "import_run_id"))
    again = pay(rows)
    assert counts(first) == (2, 0, 0, 0)
    assert counts(again) == (0, 0, 2, 0)
    assert list(Payment.objects.values_list("id", "paid_date", "amount", "import_run_id")) == stored
    # the same values written differently are the same values
    assert counts(pay(PAYMENTS + "4711,INV-2,15.10.2026,10.10.2026,33.550\n")) == (0, 0, 1, 0)
    assert not LogEntry.objects.get_for_model(Payment).exists()


def test_a_redelivered_payment_with_its_paid_date_is_updated_and_audited() -> None:
    pay(PAYMENTS + "4711,INV-1,2026-11-15,,49.90\n4711,INV-2,2026-10-15,2026-10-10,49.90\n")
    paid = pay(
        PAYMENTS
        + "4711,INV-1,2026-11-15,2026-11-20,49.90\n4711,INV-2,2026-10-15,2026-10-10,49.90\n"
    )
    assert counts(paid) == (0, 1, 1, 0)
    payment = Payment.objects.get(reference="INV-1")
    assert payment.paid_date == dt.date(2026, 11, 20)
    assert payment.import_run_id == paid.run_id
    entry = LogEntry.objects.get_for_object(payment).get()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes == {"paid_date": ["None", "2026-11-20"]}
    assert entry.additional_data == {"import_run": paid.run_id}
    assert "INV-1" in entry.object_repr
    assert ImportRun.objects.get(pk=paid.run_id).updated == 1
    # delivered once more: nothing changes, nothing is logged
    assert counts(pay(PAYMENTS + "4711,INV-1,2026-11-15,2026-11-20,49.90\n")) == (0, 0, 1, 0)
    assert LogEntry.objects.get_for_object(payment).count() == 1


def test_a_redelivered_complaint_that_is_closed_now_is_updated() -> None:
    complain(COMPLAINTS + "4711,CMP-1,2026-11-02,,major,Outage\n")
    closed = complain(COMPLAINTS + "4711,CMP-1,2026-11-02,2026-11-30,major,Outage fixed\n")
    assert counts(closed) == (0, 1, 0, 0)
    complaint = Complaint.objects.get()
    assert (complaint.closed, complaint.subject) == (dt.date(2026, 11, 30), "Outage fixed")
    entry = LogEntry.objects.get_for_object(complaint).get()
    assert entry.changes == {
        "closed": ["None", "2026-11-30"],
        "subject": ["Outage", "Outage fixed"],
    }


def test_a_reference_repeated_in_a_later_chunk_is_rejected_every_time() -> None:
    rows = (
        PAYMENTS
        + "4711,INV-1,2026-11-15,,49.90\n"
        + "4711,INV-2,2026-11-15,,49.90\n"
        + "4711,INV-1,2026-11-15,2026-11-16,49.90\n"
    )
    first = pay(rows, chunk_size=2)
    again = pay(rows, chunk_size=2)
    reason = "delivered twice: the partner's reference is already in row 2"
    assert problems(first) == problems(again) == [(4, "reference", reason)]
    assert counts(again) == (0, 0, 2, 1)
    assert Payment.objects.get(reference="INV-1").paid_date is None


def test_updates_are_found_across_chunks() -> None:
    rows = "".join(f"4711,INV-{n},2026-11-{n:02d},,10.00\n" for n in range(1, 8))
    pay(PAYMENTS + rows, chunk_size=3)
    paid = rows.replace("4711,INV-5,2026-11-05,,", "4711,INV-5,2026-11-05,2026-11-06,")
    assert counts(pay(PAYMENTS + paid, chunk_size=3)) == (0, 1, 6, 0)


def test_parquet_delivery_with_typed_columns() -> None:
    table = pa.table(
        {
            "partner": ["4711", "4711", "4711", "9999"],
            "reference": ["INV-1", "INV-2", "INV-3", "INV-4"],
            "due_date": [dt.date(2026, 10, 15)] * 4,
            "paid_date": pa.array([None, dt.date(2026, 10, 20), None, None], type=pa.date32()),
            "amount": [33.55, 12.0, 0.1 + 0.2, 5.0],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    report = pay(buffer.getvalue(), "payments.parquet")
    assert [(error.row, error.column) for error in report.errors] == [(4, "amount"), (5, "partner")]
    assert dict(Payment.objects.values_list("reference", "amount")) == {
        "INV-1": Decimal("33.55"),
        "INV-2": Decimal("12.00"),
    }
    assert Payment.objects.get(reference="INV-2").paid_date == dt.date(2026, 10, 20)


def test_semicolons_and_decimal_commas_are_read() -> None:
    report = pay(PAYMENTS.replace(",", ";") + "4711;INV-1;15.11.2026;;49,90\n")
    assert counts(report) == (1, 0, 0, 0)
    assert Payment.objects.get().amount == Decimal("49.90")


def test_records_count_rows_from_zero_and_the_run_is_recorded() -> None:
    report = payment_import_records(
        records=[
            {"partner": "4711", "reference": "A", "due_date": "2026-11-01", "amount": 5},
            {"partner": "4711", "reference": "B", "due_date": "2026-11-01", "amount": "x"},
        ],
        origin=ImportRun.Origin.DEMO,
    )
    assert problems(report) == [(1, "amount", "expected an amount such as 49.90")]
    run = ImportRun.objects.get()
    assert (run.kind, run.origin, run.status, run.accepted, run.rejected) == (
        ImportRun.Kind.PAYMENTS,
        ImportRun.Origin.DEMO,
        ImportRun.Status.FINISHED,
        1,
        1,
    )


def test_a_file_without_a_required_column_is_rejected_whole() -> None:
    with pytest.raises(FileRejected, match="missing column"):
        complain("partner,reference,opened,severity\n4711,CMP-1,2026-11-02,minor\n")
    run = ImportRun.objects.get()
    assert (run.kind, run.status) == (ImportRun.Kind.COMPLAINTS, ImportRun.Status.REJECTED)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("49.9", Decimal("49.90")),
        ("49,90", Decimal("49.90")),
        (33.55, Decimal("33.55")),
        (7, Decimal("7.00")),
        ("1e3", Decimal("1000.00")),
        ("", None),
    ],
)
def test_parse_amount(value, expected) -> None:
    assert parse_amount(value) == expected


@pytest.mark.parametrize("value", ["snan", "inf", "1.234,56", True, float("inf")])
def test_parse_amount_refuses(value) -> None:
    with pytest.raises(ValueError):
        parse_amount(value)


def test_the_database_refuses_what_the_import_refuses() -> None:
    partner_id = Payment._meta.get_field("partner").related_model.objects.get(number="4711").pk
    now = timezone.now()
    refused = [
        Complaint(partner_id=partner_id, reference="C", opened=dt.date(2026, 11, 2),
                  closed=dt.date(2026, 11, 1), severity="minor", imported_at=now),
        Complaint(partner_id=partner_id, reference="C", opened=dt.date(2026, 11, 2),
                  severity="grave", imported_at=now),
        Payment(partner_id=partner_id, reference="P", due_date=dt.date(2026, 11, 2),
                amount=Decimal("-1"), imported_at=now),
        Payment(partner_id=partner_id, reference="", due_date=dt.date(2026, 11, 2),
                amount=Decimal("1"), imported_at=now),
    ]  # fmt: skip
    for row in refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            row.save()
