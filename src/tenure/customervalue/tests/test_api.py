"""The tile API and dataset deliveries: shapes, rejects by index, idempotence, licence."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.factories import make_dataset, make_partner

from tenure.core.models import CUSTOMER_VALUE
from tenure.core.services import module_set_active
from tenure.customervalue.models import CustomerValueDataset

pytestmark = pytest.mark.django_db


def post(client, path: str, body: object):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_tile_with_matching_rules(api_as) -> None:
    partner = make_partner("4711")
    make_dataset(partner, as_of=dt.date(2026, 10, 1), segment="A", risk_class="1")
    make_dataset(partner, as_of=dt.date(2026, 11, 1), segment="C", customer_value=5,
                 risk_class="3", churn_score=70, bad_debt_score=3.5, source="provider")  # fmt: skip
    body = api_as("agent").get("/api/v1/partners/4711/customer-value").json()
    assert body == {
        "partner": "4711",
        "dataset": {
            "as_of": "2026-11-01",
            "segment": "C",
            "customer_value": 5,
            "risk_class": "3",
            "risk_class_label": "high",
            "churn_score": 70,
            "bad_debt_score": 3.5,
            "source": "provider",
            "clv": None,
            "probability_alive": None,
            "expected_purchases": None,
            "reasons": None,
        },
        "recommendations": [
            {
                "key": "C05ExampleCuGu",
                "option": "Discount",
                "text": "Decoy offers with loyalty discounts, duration 5 years",
                "discount": "50.00",
            },
            {
                "key": "C06ExampleCuGu",
                "option": "Discount",
                "text": "Offer premium service without additional fees in the first year",
                "discount": "50.00",
            },
        ],
        "message": None,
        "explanation": None,
    }


def test_tile_without_dataset_says_so(api_as) -> None:
    make_partner("4711")
    body = api_as("agent").get("/api/v1/partners/4711/customer-value").json()
    assert body["dataset"] is None
    assert body["recommendations"] == []
    assert body["message"] == "No customer value data found."


def test_explain_lists_every_rule_with_its_failed_conditions(api_as) -> None:
    make_dataset(make_partner("4711"), segment="B", risk_class="1", churn_score=None)
    body = api_as("agent").get("/api/v1/partners/4711/customer-value?explain=1").json()
    explanation = {item["key"]: item for item in body["explanation"]}
    assert len(explanation) == 7
    # C03 is B/1 but churn range 0..100 needs a churn score: it does not fit
    assert explanation["C03ExampleCuGu"] == {
        "key": "C03ExampleCuGu",
        "matched": False,
        "failed": [{"condition": "churn_score", "expected": "0..100", "actual": ""}],
    }
    assert explanation["C01ExampleCuGu"]["failed"][0]["condition"] == "segment"
    assert body["recommendations"] == []


def test_unknown_partner_is_404(api_as) -> None:
    response = api_as("agent").get("/api/v1/partners/nope/customer-value")
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_delivery_keeps_valid_rows_and_lists_rejects_by_index(api_as) -> None:
    make_partner("4711")
    rows = [
        {"partner": "4711", "as_of": "2026-11-01", "segment": "A", "customer_value": 9,
         "risk_class": "1", "churn_score": 10, "bad_debt_score": None, "source": "crm"},
        {"partner": "0815", "as_of": "2026-11-01", "segment": "A", "customer_value": 9,
         "risk_class": "1", "churn_score": 10, "source": "crm"},
        {"partner": "4711", "as_of": "2026-11-01", "segment": "A", "customer_value": 99,
         "risk_class": "1", "churn_score": 10, "source": "crm"},
        {"partner": "4711", "as_of": "not a date", "segment": "A", "risk_class": "1",
         "source": "crm"},
    ]  # fmt: skip
    client = api_as("admin")
    first = post(client, "/api/v1/customer-value-datasets", rows)
    assert first.status_code == 200
    assert first.json() == {
        "accepted": 1,
        "duplicates": 0,
        "rejected": [
            {"index": 1, "field": "partner", "error": "unknown business partner"},
            {"index": 2, "field": "customer_value", "error": "out of range: must be 1..10"},
            {"index": 3, "field": "as_of", "error": "expected a date as YYYY-MM-DD"},
        ],
    }
    again = post(client, "/api/v1/customer-value-datasets", rows[:1])
    assert again.json() == {"accepted": 0, "duplicates": 1, "rejected": []}
    assert CustomerValueDataset.objects.count() == 1


def test_delivery_must_be_a_list(api_as) -> None:
    response = post(api_as("admin"), "/api/v1/customer-value-datasets", {"partner": "4711"})
    assert response.status_code == 422
    assert response.json()["detail"] == "invalid request"


def test_oversized_delivery_is_refused(api_as) -> None:
    response = post(api_as("admin"), "/api/v1/customer-value-datasets", [{}] * 10_001)
    assert response.status_code == 413
    assert "at most 10000" in response.json()["detail"]


def test_inactive_module_hides_its_api(api_as) -> None:
    make_dataset(make_partner("4711"))
    client = api_as("admin")
    module_set_active(key=CUSTOMER_VALUE, active=False)
    for path in ("/api/v1/partners/4711/customer-value", "/api/v1/recommendations"):
        assert client.get(path).status_code == 404
    assert post(client, "/api/v1/customer-value-datasets", []).status_code == 404
    assert client.get("/api/v1/partners/4711").status_code == 200  # partners are not the module


def test_openapi_documents_the_endpoints(client_as) -> None:
    schema = client_as("agent").get("/api/openapi.json").json()
    assert {
        "/api/v1/partners/{number}/customer-value",
        "/api/v1/customer-value-datasets",
        "/api/v1/recommendations",
        "/api/v1/recommendations/{key}",
        "/api/v1/partners",
    } <= set(schema["paths"])
