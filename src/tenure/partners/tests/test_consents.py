"""Contact consents: import (rejects, idempotent re-import, a changed answer updates), API, CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from tests.factories import make_partner

from tenure.partners.consents import consent_import_file
from tenure.partners.models import ChannelConsent

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[4] / "samples"


def run(text: str):
    return consent_import_file(source=io.BytesIO(text.encode()), file_name="consents.csv")


def test_import_rejects_bad_rows_keeps_good_ones_and_reimport_changes_nothing() -> None:
    make_partner("1"), make_partner("2")
    text = (
        "partner,channel,granted,recorded_at\n"
        "1,email,yes,2026-03-01\n"
        "2,fax,yes,\n"
        "3,phone,no,\n"
        "2,sms,maybe,\n"
        "2,phone,Nein,\n"
    )
    report = run(text)
    assert (report.accepted, report.updated, report.duplicates) == (2, 0, 0)
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (3, "channel", "expected one of phone, email, letter, sms"),
        (4, "partner", "unknown business partner"),
        (5, "granted", "expected yes or no"),
    ]
    assert set(ChannelConsent.objects.values_list("partner__number", "channel", "granted")) == {
        ("1", "email", True),
        ("2", "phone", False),
    }
    again = run(text)
    assert (again.accepted, again.updated, again.duplicates) == (0, 0, 2)
    changed = run("partner,channel,granted\n1,email,no\n")
    assert (changed.accepted, changed.updated) == (0, 1)
    assert not ChannelConsent.objects.get(partner__number="1", channel="email").granted


def test_sample_file_imports_cleanly() -> None:
    for number in ("2000001", "2000002", "2000003"):
        make_partner(number)
    report = consent_import_file(source=SAMPLES / "consents.csv", file_name="consents.csv")
    assert (report.accepted, report.errors) == (4, [])


def test_api_reads_sets_and_delivers_consents(api_as) -> None:
    make_partner("4711")
    agent = api_as("agent")
    answer = agent.put(
        "/api/v1/partners/4711/consents/email",
        {"granted": False, "source": "on the phone"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["granted"] is False
    assert agent.get("/api/v1/partners/4711/consents").json()[0]["source"] == "on the phone"
    bad = agent.put(
        "/api/v1/partners/4711/consents/fax", {"granted": True}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "channel"
    assert (
        agent.put(
            "/api/v1/partners/0000/consents/sms", {"granted": True}, content_type="application/json"
        ).status_code
        == 404
    )
    delivered = api_as("admin").post(
        "/api/v1/partners/consents",
        [{"partner": "4711", "channel": "sms", "granted": "yes"},
         {"partner": "4711", "channel": "sms", "granted": "perhaps"}],
        content_type="application/json",
    )  # fmt: skip
    assert delivered.status_code == 200
    assert delivered.json() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": [{"index": 1, "field": "granted", "error": "expected yes or no"}],
    }
    assert (
        api_as("analyst")
        .put(
            "/api/v1/partners/4711/consents/sms", {"granted": True}, content_type="application/json"
        )
        .status_code
        == 403
    )
