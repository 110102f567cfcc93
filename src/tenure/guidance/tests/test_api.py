"""Recommendations for action over the API: create, read, change, delete, validation, audit."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry

from tenure.guidance.models import Recommendation

pytestmark = pytest.mark.django_db

FIELDS = {
    "key": "R10",
    "option": "Discount",
    "segment": "C",
    "risk_class": "3",
    "customer_value": 5,
    "churn_score_from": 60,
    "churn_score_to": None,
    "bad_debt_score_from": None,
    "bad_debt_score_to": 4.5,
    "text": "Offer a loyalty bonus",
    "discount": "25.00",
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
    "priority": None,
}


def send(client, method: str, path: str, body: object):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def test_sample_rules_are_installed(api_as) -> None:
    rules = api_as("agent").get("/api/v1/recommendations").json()
    assert [rule["key"] for rule in rules] == [f"C0{n}ExampleCuGu" for n in range(1, 8)]
    c05 = next(rule for rule in rules if rule["key"] == "C05ExampleCuGu")
    assert (c05["option"], c05["segment"], c05["risk_class"], c05["discount"]) == (
        "Discount",
        "C",
        "3",
        "50.00",
    )
    assert (c05["churn_score_from"], c05["churn_score_to"], c05["valid_from"], c05["valid_to"]) == (
        0,
        100,
        "1970-01-01",
        None,
    )


def test_create_read_change_delete(api_as) -> None:
    client = api_as("admin")
    created = send(client, "post", "/api/v1/recommendations", FIELDS)
    assert created.status_code == 201
    assert created.json() == FIELDS
    assert client.get("/api/v1/recommendations/R10").json() == FIELDS
    changed = send(client, "put", "/api/v1/recommendations/R10",
                   {**FIELDS, "text": "Call personally", "discount": "", "valid_to": ""})  # fmt: skip
    assert changed.status_code == 200
    assert (changed.json()["text"], changed.json()["discount"], changed.json()["valid_to"]) == (
        "Call personally",
        None,
        None,
    )
    assert client.delete("/api/v1/recommendations/R10").status_code == 204
    assert client.get("/api/v1/recommendations/R10").status_code == 404


def test_duplicate_key_is_a_conflict(api_as) -> None:
    response = send(api_as("admin"), "post", "/api/v1/recommendations",
                    {**FIELDS, "key": "C01ExampleCuGu"})  # fmt: skip
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"segment": "E"}, "segment"),
        ({"segment": ""}, "segment"),
        ({"risk_class": "9"}, "risk_class"),
        ({"option": "Coupon"}, "option"),
        ({"customer_value": 11}, "customer_value"),
        ({"churn_score_from": 101}, "churn_score_from"),
        ({"churn_score_from": 80, "churn_score_to": 20}, "churn_score_from"),
        ({"bad_debt_score_from": 5.0, "bad_debt_score_to": 1.0}, "bad_debt_score_from"),
        ({"valid_from": "2026-12-31", "valid_to": "2026-01-01"}, "valid_from"),
        ({"valid_from": "31.12.2026"}, "valid_from"),
        ({"text": ""}, "text"),
        ({"discount": "-1"}, "discount"),
    ],
)
def test_invalid_rules_are_refused_with_the_field(api_as, change: dict, field: str) -> None:
    response = send(api_as("admin"), "put", "/api/v1/recommendations/C01ExampleCuGu",
                    {**FIELDS, **change})  # fmt: skip
    assert response.status_code == 422, response.content
    assert response.json()["detail"] in ("invalid request", "invalid recommendation")
    assert field in [error["field"] for error in response.json()["errors"]]
    assert Recommendation.objects.get(pk="C01ExampleCuGu").segment_id == "A"  # unchanged


def test_rule_changes_are_audited_old_to_new(api_as) -> None:
    client = api_as("admin")
    send(client, "put", "/api/v1/recommendations/C01ExampleCuGu",
         {**FIELDS, "segment": "A", "risk_class": "1", "text": "New text"})  # fmt: skip
    entry = LogEntry.objects.get_for_object(Recommendation.objects.get(pk="C01ExampleCuGu")).first()
    assert entry.actor.username == "admin-system"
    assert entry.action == LogEntry.Action.UPDATE
    old, new = entry.changes_dict["text"]
    assert old.startswith("Personal provision call") and new == "New text"
    client.delete("/api/v1/recommendations/C07ExampleCuGu")
    deleted = LogEntry.objects.filter(object_pk="C07ExampleCuGu").order_by("-timestamp").first()
    assert deleted.action == LogEntry.Action.DELETE
