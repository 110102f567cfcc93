"""Importing customer value datasets: every bad-input case says which row, column and why."""

from __future__ import annotations

import datetime as dt
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.factories import make_partner

from tenure.core.models import ImportRun
from tenure.core.tabular import FileRejected
from tenure.customervalue.models import CustomerValueDataset
from tenure.customervalue.services import dataset_import_file

pytestmark = pytest.mark.django_db

HEADER = "partner,as_of,segment,customer_value,risk_class,churn_score,bad_debt_score,source\n"
GOOD = "4711,2026-11-01,A,9,1,10,0.5,provider\n"


def run(text: str | bytes, name: str = "values.csv"):
    data = text.encode() if isinstance(text, str) else text
    return dataset_import_file(source=io.BytesIO(data), file_name=name)


def problems(report) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


@pytest.fixture(autouse=True)
def partner():
    return make_partner("4711")


def test_valid_rows_are_kept_beside_rejected_ones() -> None:
    report = run(
        HEADER
        + GOOD
        + "9999,2026-11-01,A,9,1,10,,provider\n"  # unknown partner
        + "4711,2026-10-01,E,9,1,10,,provider\n"  # unknown segment
        + "4711,2026-10-01,A,9,0,10,,provider\n"  # unknown risk class
        + "4711,2026-10-01,,9,1,10,,provider\n"  # empty segment key
        + "4711,2026-10-01,A,11,1,10,,provider\n"  # value out of range
        + "4711,2026-10-01,A,0,1,10,,provider\n"  # value out of range
        + "4711,2026-10-01,A,9,1,101,,provider\n"  # churn out of range
        + "4711,2026-10-01,A,9,1,-1,,provider\n"  # churn out of range
        + "4711,2026-10-01,A,9.5,1,10,,provider\n"  # fraction
        + "4711,2026-13-01,A,9,1,10,,provider\n"  # bad date
        + "4711,,A,9,1,10,,provider\n"  # missing date
        + "4711,2026-10-01,A,9,1,10,abc,provider\n"  # bad number
        + "4711,2026-10-01,A,9,1,10,,\n"  # missing source
        + "4711,2026-10-01,A,9,1\n"  # short row
        + "4711,2026-09-01,B,,2,,,provider\n"  # value and churn score not maintained: fine
    )
    assert report.accepted == 2
    assert problems(report) == [
        (3, "partner"),
        (4, "segment"),
        (5, "risk_class"),
        (6, "segment"),
        (7, "customer_value"),
        (8, "customer_value"),
        (9, "churn_score"),
        (10, "churn_score"),
        (11, "customer_value"),
        (12, "as_of"),
        (13, "as_of"),
        (14, "bad_debt_score"),
        (15, "source"),
        (16, "*"),
    ]
    assert CustomerValueDataset.objects.count() == 2
    reasons = {error.row: error.reason for error in report.errors}
    assert reasons[3] == "unknown business partner"
    assert reasons[4] == "unknown customer segment 'E'; allowed: A, B, C, D"
    assert reasons[6] == "customer segment is required; the empty key is not allowed"
    assert reasons[7] == "out of range: must be 1..10"
    assert reasons[11] == "expected a whole number 1..10, got a fraction"
    assert reasons[12] == "expected a date as YYYY-MM-DD"
    assert reasons[16] == "the row has 5 fields, the header has 8"


def test_reimport_of_the_same_file_adds_nothing() -> None:
    first = run(HEADER + GOOD + "4711,2026-10-01,A,8,1,12,,provider\n")
    again = run(HEADER + GOOD + "4711,2026-10-01,A,8,1,12,,provider\n")
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.accepted, again.duplicates) == (0, 2)
    assert CustomerValueDataset.objects.count() == 2


def test_a_corrected_delivery_is_appended_and_becomes_current() -> None:
    from tenure.customervalue.selectors import partner_current_dataset

    run(HEADER + GOOD)
    run(HEADER + "4711,2026-11-01,B,6,2,40,,provider\n")  # same as-of, later import
    assert CustomerValueDataset.objects.count() == 2
    current = partner_current_dataset(partner_id=CustomerValueDataset.objects.first().partner_id)
    assert (current.segment_key, current.customer_value) == ("B", 6)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (HEADER.encode() + GOOD.encode(), "utf-8"),
        (b"\xef\xbb\xbf" + HEADER.encode() + GOOD.encode(), "utf-8-sig"),
        (
            HEADER.encode() + "4711,2026-11-01,A,9,1,10,,Müller & Söhne\n".encode("cp1252"),
            "latin-1",
        ),
    ],
    ids=["utf-8", "utf-8 with BOM", "latin-1"],
)
def test_encodings_are_detected(data: bytes, encoding: str) -> None:
    report = run(data)
    assert (report.accepted, report.encoding, report.errors) == (1, encoding, [])


def test_latin1_text_arrives_intact() -> None:
    run(HEADER.encode() + "4711,2026-11-01,A,9,1,10,,Müller & Söhne\n".encode("cp1252"))
    assert CustomerValueDataset.objects.get().source == "Müller & Söhne"


def test_semicolon_delimited_file_is_read() -> None:
    run(HEADER.replace(",", ";") + GOOD.replace(",", ";").replace("0.5", "0,5"))
    assert CustomerValueDataset.objects.get().bad_debt_score == 0.5


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ((HEADER + GOOD).encode("utf-16"), "UTF-16"),
        (b"", "empty"),
        (HEADER.replace(",source", "").encode() + b"4711,2026-11-01,A,9,1,10,\n", "source"),
        (b"partner,partner,as_of\n", "duplicate column"),
        (b"PAR1 broken", "Parquet"),
    ],
    ids=["utf-16", "empty", "missing column", "duplicate header", "broken parquet"],
)
def test_unusable_files_are_rejected_whole_and_recorded(data: bytes, reason: str) -> None:
    name = "values.parquet" if data.startswith(b"PAR1") else "values.csv"
    with pytest.raises(FileRejected, match=reason):
        run(data, name)
    assert CustomerValueDataset.objects.count() == 0
    run_record = ImportRun.objects.get()
    assert run_record.status == ImportRun.Status.REJECTED
    assert reason.lower() in run_record.message.lower()


def test_parquet_delivery_with_typed_columns() -> None:
    table = pa.table(
        {
            "partner": ["4711", "4711", "9999"],
            "as_of": [dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 1)],
            "segment": ["A", "B", "A"],
            "customer_value": pa.array([9, None, 5], type=pa.int32()),
            "risk_class": ["1", "2", "1"],
            "churn_score": pa.array([10, 55, 3], type=pa.int64()),
            "bad_debt_score": [0.5, None, 1.0],
            "source": ["provider"] * 3,
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    report = run(buffer.getvalue(), "values.parquet")
    assert report.accepted == 2
    assert problems(report) == [(4, "partner")]
    latest = CustomerValueDataset.objects.order_by("-as_of").first()
    assert (latest.segment_id, latest.customer_value, latest.churn_score) == ("B", None, 55)


def test_import_run_records_who_what_and_the_rejects() -> None:
    run(HEADER + GOOD + "9999,2026-11-01,A,9,1,10,,provider\n", "delivery.csv")
    record = ImportRun.objects.get()
    assert (record.file_name, record.status, record.accepted, record.rejected) == (
        "delivery.csv",
        ImportRun.Status.FINISHED,
        1,
        1,
    )
    assert record.errors == [
        {"row": 3, "column": "partner", "reason": "unknown business partner", "value": "9999"}
    ]
    assert record.started_by


def test_progress_is_reported_per_chunk() -> None:
    seen: list[tuple[int, int | None]] = []
    rows = "".join(f"4711,2026-{month:02d}-01,A,9,1,{month},,provider\n" for month in range(1, 13))
    dataset_import_file(
        source=io.BytesIO((HEADER + rows).encode()),
        file_name="values.csv",
        progress=lambda done, total: seen.append((done, total)),
        chunk_size=5,
    )
    assert seen == [(5, 12), (10, 12), (12, 12)]


def test_overlong_partner_number_is_a_row_error_not_a_crash() -> None:
    report = run(HEADER + GOOD + ("9" * 31) + ",2026-11-01,A,9,1,10,,provider\n")
    assert report.accepted == 1
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (3, "partner", "too long: 31 characters, at most 30")
    ]


def test_several_problems_in_a_row_come_by_column_and_repeated_values_each_name_their_row() -> None:
    """Every problem of a row is reported, by row and then by column; a bad value that repeats
    (and is parsed once) is refused in every row it appears in."""
    report = run(
        HEADER
        + "9999,2026-13-01,E,11,1,10,,provider\n"  # partner, as_of, segment, customer_value
        + GOOD
        + "4711,2026-10-01,E,9,1,10,,provider\n"  # segment again
        + "4711,2026-10-01,E,9,1,10,,\n"  # segment and source
    )
    assert problems(report) == [
        (2, "partner"),
        (2, "as_of"),
        (2, "segment"),
        (2, "customer_value"),
        (4, "segment"),
        (5, "segment"),
        (5, "source"),
    ]
    assert report.accepted == 1


def test_typed_values_are_checked_one_by_one() -> None:
    """API and Parquet records carry numbers and booleans: 1 and True are equal as dictionary
    keys, but a parser remembering its results must not give True the answer of 1."""
    from tenure.customervalue.services import dataset_import_records

    base = {"partner": "4711", "segment": "A", "risk_class": "1", "churn_score": 1,
            "bad_debt_score": 0.5, "source": "api"}  # fmt: skip
    report = dataset_import_records(
        records=[
            {**base, "as_of": "2026-10-01", "customer_value": 1},
            {**base, "as_of": "2026-09-01", "customer_value": True},
            {**base, "as_of": "2026-08-01", "customer_value": 1.0},
        ]
    )
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (1, "customer_value", "expected a whole number 1..10")
    ]
    assert report.accepted == 2
