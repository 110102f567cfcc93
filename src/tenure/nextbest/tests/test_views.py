"""The card on the partner page and in the call dialog: decide, respond, refresh, explain."""

from __future__ import annotations

import pytest

from tenure.nextbest.models import Decision, Response
from tenure.nextbest.tests.test_api import at_risk_partner

pytestmark = pytest.mark.django_db


def test_partner_page_loads_the_card_for_an_agent(client_as) -> None:
    at_risk_partner()
    client = client_as("agent")
    page = client.get("/partners/5001/").content.decode()
    assert 'hx-get="/next-best-actions/partners/5001/card/?asked_by=agent"' in page
    card = client.get("/next-best-actions/partners/5001/card/").content.decode()
    assert "Retention call with a loyalty discount (5 years)" in card
    assert "Why?" in card and "at most 1 offer per 7 days" in card
    assert Decision.objects.get().asked_by == "agent"


def csrf(client) -> dict[str, str]:
    client.get("/partners/5001/")  # the page sets the cookie; htmx sends it as a header
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def test_accepting_records_the_response_and_refreshes_the_card(client_as) -> None:
    at_risk_partner()
    client = client_as("agent")
    headers = csrf(client)
    client.get("/next-best-actions/partners/5001/card/")
    decision = Decision.objects.get()
    card = client.post(
        f"/next-best-actions/decisions/{decision.pk}/responses/",
        {"action": "retention-loyalty-discount", "response": "accepted"},
        HTTP_HX_REQUEST="true",
        **headers,
    ).content.decode()
    answer = Response.objects.get()
    assert (answer.action, answer.response, answer.agent.username) == (
        "retention-loyalty-discount",
        "accepted",
        "agent",
    )
    assert 'data-testid="nba-recorded"' in card
    assert "No action to offer now." in card
    assert Decision.objects.count() == 2


def test_an_action_not_offered_cannot_be_answered(client_as) -> None:
    at_risk_partner()
    client = client_as("agent")
    headers = csrf(client)
    client.get("/next-best-actions/partners/5001/card/")
    decision = Decision.objects.get()
    url = f"/next-best-actions/decisions/{decision.pk}/responses/"
    answer = {"action": "cross-sell", "response": "accepted"}
    assert client.post(url, answer, **headers).status_code == 404
    answer["response"] = "yes"
    assert client.post(url, answer, **headers).status_code == 400
    assert not Response.objects.exists()


def test_rates_page_for_analysts_only(client_as) -> None:
    assert client_as("agent").get("/next-best-actions/response-rates/").status_code == 403
    page = client_as("analyst").get("/next-best-actions/response-rates/").content.decode()
    assert "Make a cross-selling quote" in page


def test_the_agent_states_the_callers_reason_and_the_channel_on_the_card(client_as) -> None:
    at_risk_partner()
    client = client_as("agent")
    first = client.get("/next-best-actions/partners/5001/card/").content.decode()
    assert 'data-testid="nba-intent"' in first and "Wants to cancel" in first
    card = client.get(
        "/next-best-actions/partners/5001/card/?asked_by=cti&channel=phone&intent=cancellation"
    ).content.decode()
    latest = Decision.objects.latest("id")
    assert (latest.intent, latest.channel, latest.asked_by) == ("cancellation", "phone", "cti")
    assert '<option value="cancellation" selected>' in card
    weights = {a["action"]: a["context_weight"] for a in latest.explanation["actions"]}
    assert weights["retention-loyalty-discount"] == 5.0  # "caller wants to cancel" weighs it up
    letter = client.get("/next-best-actions/partners/5001/card/?channel=letter").content.decode()
    assert Decision.objects.latest("id").channel == "letter"
    assert '<option value="letter" selected>' in letter


def test_an_unknown_reason_or_channel_is_refused(client_as) -> None:
    at_risk_partner()
    client = client_as("agent")
    assert client.get("/next-best-actions/partners/5001/card/?intent=bored").status_code == 400
    assert client.get("/next-best-actions/partners/5001/card/?channel=pigeon").status_code == 400
    assert not Decision.objects.exists()
