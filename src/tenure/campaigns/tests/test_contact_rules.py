"""Working a contact: the call-back time can be cleared (form and API), and a contact of a
campaign that is no longer running is read-only for agents but correctable by the retention team."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from tenure.campaigns.models import Contact
from tenure.campaigns.services import CampaignNotRunning, contact_update
from tenure.campaigns.tests.test_desktop import post, users, world  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_call_back_time_is_cleared_by_emptying_the_field(world, client_as):  # noqa: F811
    agent = client_as("agent")
    contact = world["contacts"][4]  # a call-back in three days
    url = f"/campaigns/contacts/{contact.pk}/work/"
    page = agent.get(f"/campaigns/contacts/{contact.pk}/").content.decode()
    assert 'name="callback_at" value="20' in page  # the form shows it, to be edited or emptied
    response = post(agent, url, {"status": "reached", "outcome": "callback", "callback_at": ""})
    assert response.status_code == 422 and "A call-back needs a date and time." in (
        response.content.decode()
    )
    contact.refresh_from_db()
    assert contact.callback_at is not None and contact.status == "open"
    response = post(agent, url, {"status": "reached", "outcome": "", "callback_at": ""})
    assert response.status_code == 200
    contact.refresh_from_db()
    assert (contact.status, contact.callback_at) == ("reached", None)


def test_the_api_clears_the_call_back_time_with_null_and_keeps_it_when_left_out(world, api_as):  # noqa: F811
    client = api_as("agent")
    contact = world["contacts"][9]
    url = f"/api/v1/contacts/{contact.pk}"

    def patch(data):
        return client.patch(url, json.dumps(data), content_type="application/json")

    assert (
        patch({"outcome": "callback", "callback_at": "2026-12-24T09:30:00+01:00"}).status_code
        == 200
    )
    assert patch({"notes": "rang twice"}).json()["callback_at"] is not None  # left out: kept
    response = patch({"callback_at": None})  # the outcome still asks for one
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "callback_at"
    body = patch({"outcome": "refused", "callback_at": None}).json()
    assert (body["outcome"], body["callback_at"]) == ("refused", None)


def ended_contact() -> Contact:
    return Contact.objects.get(campaign__name="Autumn loyalty")


def test_an_agent_reads_a_contact_of_an_ended_campaign_but_cannot_work_it(world, client_as):  # noqa: F811
    agent = client_as("agent")
    for contact in (ended_contact(), Contact.objects.get(campaign__name="Closed retention")):
        page = agent.get(f"/campaigns/contacts/{contact.pk}/")
        html = page.content.decode()
        assert page.status_code == 200 and 'data-testid="contact-read-only"' in html
        assert 'name="status"' not in html and 'data-testid="call-script"' in html
        response = post(agent, f"/campaigns/contacts/{contact.pk}/work/", {"status": "done"})
        assert response.status_code == 409 and "no longer running" in response.content.decode()
        contact.refresh_from_db()
        assert (contact.status, contact.worked_at) == ("open", None)


def test_the_api_refuses_work_on_an_ended_campaign_with_409(world, api_as, users):  # noqa: F811
    contact = ended_contact()
    Contact.objects.filter(pk=contact.pk).update(agent=None)  # unassigned: the token user sees it
    client = api_as("agent")
    response = client.patch(
        f"/api/v1/contacts/{contact.pk}", json.dumps({"status": "done"}),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 409 and "no longer running" in response.json()["detail"]
    assert client.get(f"/api/v1/contacts/{contact.pk}").status_code == 200


def test_the_retention_team_still_corrects_the_result_afterwards(world, users):  # noqa: F811
    contact = ended_contact()
    with pytest.raises(CampaignNotRunning):
        contact_update(contact, actor=users["agent"], status="done", outcome="retained")
    marketing = Client()
    marketing.force_login(users["marketing"])
    html = marketing.get(f"/campaigns/contacts/{contact.pk}/").content.decode()
    assert 'name="status"' in html and 'data-testid="contact-read-only"' not in html
    contact_update(contact, actor=users["marketing"], status="done", outcome="retained")
    contact.refresh_from_db()
    assert (contact.status, contact.outcome) == ("done", "retained")


def test_a_call_back_time_in_the_past_is_refused_by_the_field_and_by_the_api(
    world,  # noqa: F811
    client_as,
    api_as,
):
    contact = world["contacts"][9]
    past = timezone.localtime(timezone.now() - dt.timedelta(hours=2))
    agent = client_as("agent")
    response = post(
        agent, f"/campaigns/contacts/{contact.pk}/work/",
        {"status": "reached", "outcome": "callback", "callback_at": past.strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 422
    assert (
        '<p class="error" role="alert" id="contact-callback-error" data-testid="contact-error">'
        "The call-back time has passed: choose a time from now on.</p>"
    ) in html and 'aria-describedby="contact-callback-error"' in html
    response = api_as("agent").patch(
        f"/api/v1/contacts/{contact.pk}",
        json.dumps({"outcome": "callback", "callback_at": past.isoformat()}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "callback_at",
            "error": "The call-back time has passed: choose a time from now on.",
        }
    ]
    contact.refresh_from_db()
    assert (contact.status, contact.outcome, contact.callback_at) == ("open", "", None)
    # an earlier call-back time that the form sends back unchanged is kept
    contact = world["contacts"][3]  # in progress, its call-back an hour ago
    contact.refresh_from_db()
    page = agent.get(f"/campaigns/contacts/{contact.pk}/").content.decode()
    shown = timezone.localtime(contact.callback_at).strftime("%Y-%m-%dT%H:%M")
    assert f'name="callback_at" value="{shown}"' in page
    response = post(
        agent, f"/campaigns/contacts/{contact.pk}/work/",
        {"status": "in_progress", "outcome": "", "notes": "no answer", "callback_at": shown},
    )  # fmt: skip
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.notes == "no answer"
    assert timezone.localtime(contact.callback_at).strftime("%Y-%m-%dT%H:%M") == shown
