"""The payments and complaints API: who may read and deliver, shapes, rejects by index, updates."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone
from tests.factories import make_partner

from tenure.customerdata.models import Complaint, Payment
from tenure.customerdata.tests.factories import make_complaint, make_payment

pytestmark = pytest.mark.django_db

PEOPLE = {"agent", "marketing", "analyst", "admin"}
READ = [
    ("get", "/api/v1/partners/4711/payments", PEOPLE),
    ("get", "/api/v1/partners/4711/complaints", PEOPLE),
    ("post", "/api/v1/payments", {"admin"}),
    ("post", "/api/v1/complaints", {"admin"}),
    ("get", "/api/v1/partners/4711/holdings", PEOPLE),
    ("post", "/api/v1/holdings", {"admin"}),
]


def post(client, path: str, body: object):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture(autouse=True)
def partner():
    return make_partner("4711")


@pytest.mark.parametrize(("method", "path", "allowed"), READ, ids=[f"{m} {p}" for m, p, _ in READ])
def test_roles(api_as, role: str, method: str, path: str, allowed: set[str]) -> None:
    client = api_as(role)
    response = client.get(path) if method == "get" else post(client, path, [])
    assert response.status_code == (200 if role in allowed else 403), response.content


def test_without_authentication_the_answer_is_401(client) -> None:
    assert client.get("/api/v1/partners/4711/payments").status_code == 401
    assert post(client, "/api/v1/complaints", []).status_code == 401


def test_a_partners_payments_newest_first(api_as, partner) -> None:
    today = timezone.localdate()
    make_payment(partner, due=today - dt.timedelta(days=40), paid=today - dt.timedelta(days=35))
    make_payment(partner, due=today - dt.timedelta(days=10), amount="12.50", reference="R-2")
    response = api_as("agent").get("/api/v1/partners/4711/payments?limit=5")
    assert response.status_code == 200
    assert response.json() == [
        {
            "reference": "R-2",
            "due_date": (today - dt.timedelta(days=10)).isoformat(),
            "paid_date": None,
            "amount": "12.50",
            "days_late": 10,
        },
        {
            "reference": f"INV-4711-{today - dt.timedelta(days=40)}",
            "due_date": (today - dt.timedelta(days=40)).isoformat(),
            "paid_date": (today - dt.timedelta(days=35)).isoformat(),
            "amount": "49.90",
            "days_late": 5,
        },
    ]


def test_a_partners_complaints(api_as, partner) -> None:
    today = timezone.localdate()
    make_complaint(partner, opened=today, severity="major", reference="C-1", subject="Outage")
    body = api_as("marketing").get("/api/v1/partners/4711/complaints").json()
    assert body == [
        {
            "reference": "C-1",
            "opened": today.isoformat(),
            "closed": None,
            "severity": "major",
            "subject": "Outage",
            "is_open": True,
        }
    ]


@pytest.mark.parametrize("what", ["payments", "complaints"])
def test_unknown_partner_is_404(api_as, what: str) -> None:
    response = api_as("agent").get(f"/api/v1/partners/nope/{what}")
    assert response.status_code == 404
    assert response.json()["detail"] == "no business partner nope"


def test_payment_delivery_keeps_valid_rows_updates_and_lists_rejects_by_index(api_as) -> None:
    rows: list[dict[str, Any]] = [
        {"partner": "4711", "reference": "R-1", "due_date": "2026-11-15", "amount": 49.9},
        {"partner": "0815", "reference": "R-2", "due_date": "2026-11-15", "amount": 49.9},
        {"partner": "4711", "reference": "R-3", "due_date": "15.11.2026", "amount": -3},
        {"partner": "4711", "reference": "R-4", "due_date": "2026-11-15", "paid_date": "2026-11-01",
         "amount": "10"},
    ]  # fmt: skip
    client = api_as("admin")
    first = post(client, "/api/v1/payments", rows)
    assert first.status_code == 200
    assert first.json() == {
        "accepted": 2,
        "updated": 0,
        "duplicates": 0,
        "rejected": [
            {"index": 1, "field": "partner", "error": "unknown business partner"},
            {"index": 2, "field": "amount", "error": "out of range: must not be negative"},
        ],
    }
    paid = [{**rows[0], "paid_date": "2026-11-20"}, rows[3]]
    assert post(client, "/api/v1/payments", paid).json() == {
        "accepted": 0,
        "updated": 1,
        "duplicates": 1,
        "rejected": [],
    }
    assert Payment.objects.get(reference="R-1").paid_date == dt.date(2026, 11, 20)
    again = post(client, "/api/v1/payments", paid).json()
    assert (again["accepted"], again["updated"], again["duplicates"]) == (0, 0, 2)


def test_complaint_delivery_closes_a_complaint(api_as) -> None:
    client = api_as("admin")
    opened = {"partner": "4711", "reference": "C-1", "opened": "2026-11-02", "severity": "major"}
    assert post(client, "/api/v1/complaints", [opened]).json()["accepted"] == 1
    closed = post(client, "/api/v1/complaints", [{**opened, "closed": "2026-11-01"}]).json()
    assert closed["rejected"] == [
        {"index": 0, "field": "closed", "error": "before the opening date 2026-11-02"}
    ]
    closed = post(client, "/api/v1/complaints", [{**opened, "closed": "2026-11-05"}]).json()
    assert (closed["accepted"], closed["updated"]) == (0, 1)
    assert Complaint.objects.get().closed == dt.date(2026, 11, 5)


def test_a_batch_over_10000_rows_is_refused(api_as) -> None:
    response = post(api_as("admin"), "/api/v1/payments", [{}] * 10_001)
    assert response.status_code == 413
    assert "at most 10000 payments" in response.json()["detail"]
    assert not Payment.objects.exists()


def test_the_browser_session_needs_the_csrf_token(client_as) -> None:
    response = post(client_as("admin"), "/api/v1/payments", [])
    assert response.status_code == 403
