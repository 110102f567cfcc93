"""Importing business partners: upsert by number, phones to E.164, rejects with row and reason."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tenure.partners.models import BusinessPartner, PartnerPhoneNumber
from tenure.partners.services import partner_import_file

pytestmark = pytest.mark.django_db

HEADER = "number,name,kind,street,postcode,city,country,phone,email\n"
SAMPLES = Path(__file__).resolve().parents[4] / "samples"


def run(text: str, name: str = "partners.csv"):
    return partner_import_file(source=io.BytesIO(text.encode()), file_name=name)


def test_partners_with_several_phone_numbers() -> None:
    report = run(
        HEADER + "1,Erika Mustermann,person,Markt 1,04109,Leipzig,DE,0341 1234567; +49 171 5550101,"
        "erika@example.org\n" + "2,Krause GmbH,organisation,,,,DE,0049 341 998877,\n"
    )
    assert (report.accepted, report.errors) == (2, [])
    erika = BusinessPartner.objects.get(number="1")
    assert [p.e164 for p in erika.phone_numbers.order_by("position")] == [
        "+493411234567",
        "+491715550101",
    ]
    assert BusinessPartner.objects.get(number="2").kind == BusinessPartner.Kind.ORGANISATION


def test_bad_rows_are_reported_and_good_rows_kept() -> None:
    report = run(
        HEADER
        + "1,Erika,person,,,,DE,0341 1234567,\n"
        + ",No Number,person,,,,DE,,\n"
        + "3,,person,,,,DE,,\n"
        + "4,Bad Kind,robot,,,,DE,,\n"
        + "5,Bad Phone,person,,,,DE,12,\n"
        + "6,Bad Mail,person,,,,DE,,not-an-address\n"
        + "7,Bad Country,person,,,,Germany,,\n"
    )
    assert report.accepted == 1
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "number"),
        (4, "name"),
        (5, "kind"),
        (6, "phone"),
        (7, "email"),
        (8, "country"),
    ]
    assert BusinessPartner.objects.count() == 1


def test_reimport_changes_nothing_and_a_change_updates() -> None:
    row = "1,Erika,person,Markt 1,04109,Leipzig,DE,0341 1234567,\n"
    assert run(HEADER + row).accepted == 1
    again = run(HEADER + row)
    assert (again.accepted, again.updated, again.duplicates) == (0, 0, 1)
    moved = run(HEADER + row.replace("Markt 1", "Ring 2").replace("1234567", "7654321"))
    assert (moved.accepted, moved.updated) == (0, 1)
    erika = BusinessPartner.objects.get(number="1")
    assert erika.street == "Ring 2"
    assert list(erika.phone_numbers.values_list("e164", flat=True)) == ["+493417654321"]
    assert PartnerPhoneNumber.objects.count() == 1


def test_country_decides_how_a_national_number_is_read() -> None:
    run(HEADER + "1,Giulia,person,,,Milano,IT,02 1234567,\n")
    assert BusinessPartner.objects.get().phone_numbers.get().e164 == "+39021234567"


@pytest.mark.parametrize("name", ["partners.csv", "partners.parquet"])
def test_sample_files_import_cleanly(name: str) -> None:
    report = partner_import_file(source=SAMPLES / name, file_name=name)
    assert (report.accepted, report.errors) == (8, [])


def test_relationship_dates_are_optional_and_kept_when_not_delivered() -> None:
    dated = HEADER.strip() + ",customer_since,left_on\n"
    report = run(
        dated
        + "1,Erika,person,,,,DE,,,2019-04-01,\n"
        + "2,Otto,person,,,,DE,,,2020-01-01,2026-10-31\n"
        + "3,Bad,person,,,,DE,,,2021-05-01,2020-01-01\n"
        + "4,Worse,person,,,,DE,,,someday,\n"
    )
    assert report.accepted == 2
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (4, "left_on", "before customer_since"),
        (5, "customer_since", "expected a date as YYYY-MM-DD"),
    ]
    otto = BusinessPartner.objects.get(number="2")
    assert (str(otto.customer_since), str(otto.left_on)) == ("2020-01-01", "2026-10-31")
    # a delivery without the columns leaves the dates alone; the same delivery again changes nothing
    assert run(HEADER + "2,Otto,person,,,,DE,,\n").accepted == 0
    otto.refresh_from_db()
    assert str(otto.left_on) == "2026-10-31"
    assert run(dated + "2,Otto,person,,,,DE,,,2020-01-01,\n").updated == 1
    otto.refresh_from_db()
    assert otto.left_on is None
