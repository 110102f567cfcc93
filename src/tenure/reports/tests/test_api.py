"""The advanced search API: saved searches CRUD, running a search, errors and roles."""

from __future__ import annotations

import json

import pytest
from tests.factories import make_dataset, make_partner

from tenure.reports.models import SavedSearch

pytestmark = pytest.mark.django_db
BASE = "/api/v1/searches"
CHURNY = {"match": "all", "conditions": [
    {"field": "churn_score", "op": "between", "value": [50, None]}], "text": ""}  # fmt: skip


@pytest.fixture(autouse=True)
def partners() -> None:
    for index, score in enumerate((10, 50, 70, 90)):
        partner = make_partner(f"N{index}", name=f"Name {index}", city="Halle")
        make_dataset(partner, churn_score=score, segment="AB"[index % 2])


def send(client, method: str, path: str, body=None):
    return getattr(client, method)(path, data=json.dumps(body) if body is not None else None,
                                   content_type="application/json")  # fmt: skip


def test_saved_searches_round_trip(api_as) -> None:
    client = api_as("marketing")
    created = send(client, "post", BASE, {"name": "Churny", "criteria": CHURNY})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Churny" and body["owner"] == "marketing-system" and body["shared"]
    pk = body["id"]
    assert [item["name"] for item in client.get(BASE).json()] == ["Churny"]
    assert client.get(f"{BASE}/{pk}").json()["criteria"] == CHURNY
    changed = send(client, "put", f"{BASE}/{pk}", {"description": "for winter"})
    assert changed.status_code == 200 and changed.json()["description"] == "for winter"
    assert changed.json()["criteria"] == CHURNY  # what was not given stays
    assert client.delete(f"{BASE}/{pk}").status_code == 204
    assert client.get(f"{BASE}/{pk}").status_code == 404


def test_run_returns_a_page_of_rows(api_as) -> None:
    client = api_as("analyst")
    response = send(client, "post", f"{BASE}/run",
                    {"criteria": CHURNY, "order": "-churn_score", "page_size": 2})  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["pages"], body["page"], body["order"]) == (3, 2, 1, "-churn_score")
    assert [row["number"] for row in body["rows"]] == ["N3", "N2"]
    assert body["rows"][0]["churn_score"] == 90 and body["rows"][0]["segment"] == "B"
    assert body["rows"][0]["customer_value_as_of"] == "2026-11-01"
    saved = SavedSearch.objects.create(name="S", criteria=CHURNY)
    by_saved = send(client, "post", f"{BASE}/run", {"saved": saved.pk, "page": 2, "page_size": 2})
    assert [row["number"] for row in by_saved.json()["rows"]] == ["N3"]  # by number


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        ({"criteria": {"conditions": [{"field": "churn_score", "op": "between",
                                       "value": [90, 10]}]}},
         "criteria.conditions.0.value", "from 90 is greater than to 10"),
        ({"criteria": {"conditions": [{"field": "mood", "op": "in", "value": ["x"]}]}},
         "criteria.conditions.0.field", "unknown field 'mood'"),
        ({"criteria": {"match": "most"}}, "criteria.match", "must be 'all' or 'any'"),
        ({"criteria": {}, "order": "shoe_size"}, "order", "unknown column"),
        ({"criteria": {}, "page_size": 1000}, "page_size", "from 1 to 500"),
        ({}, "criteria", "give criteria or saved"),
    ],
)  # fmt: skip
def test_bad_criteria_answer_422_with_field_and_reason(api_as, body, field, error) -> None:
    response = send(api_as("marketing"), "post", f"{BASE}/run", body)
    assert response.status_code == 422, response.content
    (item,) = response.json()["errors"]
    assert item["field"] == field and error in item["error"]


def test_saving_bad_criteria_or_a_taken_name_is_refused(api_as) -> None:
    client = api_as("marketing")
    bad = {"name": "X", "criteria": {"conditions": [{"field": "segment", "op": "in",
                                                     "value": ["Q"]}]}}  # fmt: skip
    response = send(client, "post", BASE, bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "criteria.conditions.0.value"
    send(client, "post", BASE, {"name": "Taken", "criteria": CHURNY})
    again = send(client, "post", BASE, {"name": "taken", "criteria": CHURNY})
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "name"


def test_agents_get_403(api_as) -> None:
    client = api_as("agent")
    saved = SavedSearch.objects.create(name="S", criteria=CHURNY)
    assert client.get(BASE).status_code == 403
    assert send(client, "post", BASE, {"name": "A", "criteria": CHURNY}).status_code == 403
    assert send(client, "post", f"{BASE}/run", {"criteria": CHURNY}).status_code == 403
    assert client.get(f"{BASE}/{saved.pk}").status_code == 403
    assert send(client, "put", f"{BASE}/{saved.pk}", {"name": "B"}).status_code == 403
    assert client.delete(f"{BASE}/{saved.pk}").status_code == 403


def test_without_a_token_401(client) -> None:
    assert client.get(BASE).status_code == 401
