"""The CRM summary page: indicators with their update actions, who may do what, htmx swaps."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.factories import make_dataset, make_partner

from tenure.retention.models import NpsRecord, TrafficLightChange

pytestmark = pytest.mark.django_db
URL = "/retention/partners/4711/"


@pytest.fixture(autouse=True)
def partner():
    partner = make_partner("4711")
    make_dataset(partner)
    return partner


def post(client: Client, path: str, data: dict[str, str], htmx: bool = True):
    client.get("/accounts/login/")
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value}
    if htmx:
        headers["HX-Request"] = "true"
    return client.post(path, data, headers=headers)


def test_the_summary_shows_indicators_tile_and_forms(client_as) -> None:
    page = client_as("agent").get(URL + "crm-summary/").content.decode()
    for testid in ("indicator-strip", "light-form", "nps-form", "light-history", "nps-history",
                   "customer-value-tile", "campaign-history"):  # fmt: skip
        assert f'data-testid="{testid}"' in page, testid
    assert "The traffic light has not been set yet." in page


def test_agent_sets_the_light_and_records_the_nps(client_as) -> None:
    agent = client_as("agent")
    response = post(agent, URL + "traffic-light/", {"light": "yellow", "reason": "two reminders"})
    panel = response.content.decode()
    assert response.status_code == 200 and 'id="indicator-panel"' in panel
    assert "Traffic light set to yellow – at risk." in panel and "two reminders" in panel
    assert "<html" not in panel  # htmx gets the panel only
    response = post(agent, URL + "nps/", {"score": "9", "comment": "happy with the new tariff"})
    assert "NPS 9 recorded." in response.content.decode()
    assert NpsRecord.objects.get().recorded_by.username == "agent"
    assert TrafficLightChange.objects.get().changed_by == "agent"


@pytest.mark.parametrize(
    ("path", "data", "error"),
    [
        ("traffic-light/", {"light": "red", "reason": ""}, "a reason is required"),
        ("nps/", {"score": "11"}, "whole number 0..10"),
        ("nps/", {"score": "nine"}, "whole number 0..10"),
    ],
)
def test_bad_input_is_refused_with_the_reason(client_as, path, data, error) -> None:
    response = post(client_as("agent"), URL + path, data)
    assert response.status_code == 422 and error in response.content.decode()
    assert not TrafficLightChange.objects.exists() and not NpsRecord.objects.exists()


def test_without_htmx_the_page_is_reloaded_with_a_message(client_as) -> None:
    response = post(client_as("marketing"), URL + "traffic-light/",
                    {"light": "red", "reason": "major complaint"}, htmx=False)  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("/crm-summary/")


@pytest.mark.parametrize("role", ["analyst", "telephony"])
def test_roles_that_may_not_update(client_as, role: str) -> None:
    client = client_as(role)
    assert post(client, URL + "traffic-light/", {"light": "red", "reason": "x"}).status_code == 403
    assert post(client, URL + "nps/", {"score": "5"}).status_code == 403
    if role == "analyst":
        page = client.get(URL + "crm-summary/").content.decode()
        assert 'data-testid="light-form"' not in page and 'data-testid="indicator-strip"' in page


def test_the_partner_page_links_to_the_summary(client_as) -> None:
    page = client_as("agent").get("/partners/4711/").content.decode()
    assert (
        'data-testid="indicator-strip"' in page
        and 'href="/retention/partners/4711/crm-summary/"' in page
    )
