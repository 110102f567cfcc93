"""Traffic lights by import and the indicators' API: reasons required, re-imports change nothing."""

from __future__ import annotations

import io
import json

import pytest
from tests.factories import make_partner

from tenure.core.models import ImportRun
from tenure.retention.indicators import partner_indicators, traffic_light_import_file
from tenure.retention.models import TrafficLightChange

pytestmark = pytest.mark.django_db
HEADER = "partner,traffic_light,reason\n"


@pytest.fixture(autouse=True)
def partners():
    return [make_partner("4711"), make_partner("4712", name="Max Muster")]


def run(text: str):
    return traffic_light_import_file(source=io.BytesIO(text.encode()), file_name="lights.csv")


def test_valid_rows_are_applied_beside_rejected_ones() -> None:
    report = run(
        HEADER
        + "4711,red,two missed payments (collections)\n"
        + "9999,red,unknown partner\n"
        + "4712,blue,no such colour\n"
        + "4712,green,\n"
        + "4712,Yellow,open complaint\n"
    )
    assert (report.accepted, report.duplicates) == (2, 0)
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "partner"), (4, "traffic_light"), (5, "reason"),
    ]  # fmt: skip
    change = TrafficLightChange.objects.get(partner__number="4711")
    assert (change.origin, change.light, change.import_run_id) == ("import", "red", report.run_id)
    assert ImportRun.objects.get(pk=report.run_id).kind == ImportRun.Kind.TRAFFIC_LIGHTS
    again = run(HEADER + "4711,red,two missed payments (collections)\n4712,yellow,open complaint\n")
    assert (again.accepted, again.duplicates) == (0, 2)
    assert TrafficLightChange.objects.count() == 2


def post(client, path: str, body):  # type: ignore[no-untyped-def]
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_the_api_reads_sets_and_records(api_as) -> None:
    agent = api_as("agent")
    response = post(
        agent, "/api/v1/partners/4711/traffic-light", {"light": "yellow", "reason": "late"}
    )
    assert response.status_code == 200, response.content
    body = post(agent, "/api/v1/partners/4711/nps", {"score": 3, "comment": "angry"}).json()
    assert (body["traffic_light"], body["nps"], body["nps_band"]) == ("yellow", 3, "red")
    assert body["traffic_light_history"][0]["reason"] == "late"
    assert body["nps_history"][0]["recorded_by"] == "agent-system"
    read = api_as("analyst").get("/api/v1/partners/4711/indicators").json()
    assert read["traffic_light"] == "yellow" and read["retention"] is False


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("traffic-light", {"light": "red", "reason": " "}, "reason"),
        ("traffic-light", {"light": "purple", "reason": "x"}, "light"),
        ("nps", {"score": 12}, "score"),
    ],
)
def test_the_api_says_which_field_is_wrong(api_as, path, body, field) -> None:
    response = post(api_as("agent"), f"/api/v1/partners/4711/{path}", body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field


def test_roles_and_bulk_delivery(api_as) -> None:
    analyst = api_as("analyst")
    assert post(analyst, "/api/v1/partners/4711/nps", {"score": 5}).status_code == 403
    lights = [{"partner": "4711", "traffic_light": "green", "reason": "all paid"},
              {"partner": "4712", "traffic_light": "red"}]  # fmt: skip
    assert post(api_as("agent"), "/api/v1/traffic-lights", lights).status_code == 403
    body = post(api_as("admin"), "/api/v1/traffic-lights", lights).json()
    assert body["accepted"] == 1 and body["rejected"] == [
        {"index": 1, "field": "reason", "error": "a reason is required"}
    ]
    assert partner_indicators(partner_id=_pk("4711")).traffic_light == "green"
    assert api_as("agent").get("/api/v1/partners/0000/indicators").status_code == 404


def _pk(number: str) -> int:
    from tenure.partners.models import BusinessPartner

    return BusinessPartner.objects.get(number=number).pk
