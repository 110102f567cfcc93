"""The telephony interface over the API: validation with field and reason, idempotence."""

from __future__ import annotations

import json

import pytest
from tests.factories import make_partner

pytestmark = pytest.mark.django_db


def post(client, body: object):
    return client.post("/api/v1/cti/calls", json.dumps(body), content_type="application/json")


def test_ringing_call_is_matched(api_as, make_user) -> None:
    make_user("agent", extension="201")
    make_partner("1", "Erika", phones=("+493411234567",))
    body = {"call_id": "c1", "event": "ringing", "caller": "+49 341 1234567", "called": "0800",
            "extension": "201", "at": "2026-11-25T10:15:00+01:00"}  # fmt: skip
    client = api_as("telephony")
    first = post(client, body)
    assert first.status_code == 200
    assert first.json() == {
        "call_id": "c1",
        "event": "ringing",
        "state": "ringing",
        "duplicate": False,
        "caller_e164": "+493411234567",
        "partner": "1",
        "matches": 1,
        "agent": "agent",
    }
    assert post(client, body).json()["duplicate"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "ringing", "extension": "201"}, "call_id"),
        ({"call_id": "", "event": "ringing", "extension": "201"}, "call_id"),
        ({"call_id": "c1", "event": "hangup", "extension": "201"}, "event"),
        ({"call_id": "c1", "event": "ringing"}, "extension"),
        ({"call_id": "c1", "event": "ringing", "extension": "201", "at": "yesterday"}, "at"),
        ({"call_id": "c1", "event": "ringing", "extension": "201", "caller": "1" * 41}, "caller"),
    ],
)
def test_bad_events_name_the_field(api_as, body: dict, field: str) -> None:
    response = post(api_as("telephony"), body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


def test_time_without_zone_is_refused(api_as) -> None:
    response = post(api_as("telephony"), {"call_id": "c1", "event": "ringing",
                                          "extension": "201", "at": "2026-11-25T10:15:00"})  # fmt: skip
    assert response.status_code == 422
    assert "time zone" in response.json()["detail"]


def test_documented_in_openapi(client_as) -> None:
    schema = client_as("agent").get("/api/openapi.json").json()
    assert "post" in schema["paths"]["/api/v1/cti/calls"]
