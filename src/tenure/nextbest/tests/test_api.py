"""The decision API: ranked actions with reasons, 404/422, permissions, responses and pressure."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from tests.factories import make_dataset, make_partner

from tenure.customerdata.models import Payment
from tenure.nextbest.models import Decision, Response
from tenure.partners.models import ChannelConsent

pytestmark = pytest.mark.django_db
URL = "/api/v1/partners/{}/next-best-actions"


def at_risk_partner(number: str = "5001", *, segment: str = "C"):
    partner = make_partner(number, customer_since=dt.date(2019, 5, 1))
    make_dataset(partner, segment=segment, risk_class="3", churn_score=70, customer_value=4)
    ChannelConsent.objects.create(
        partner=partner, channel="phone", granted=True, recorded_at=timezone.now()
    )
    return partner


def test_ranked_actions_with_reasons_and_a_stored_decision(api_as) -> None:
    at_risk_partner()
    body = api_as("agent").get(URL.format("5001") + "?channel=phone&intent=cancellation").json()
    ranked = [a["action"] for a in body["actions"]]
    assert ranked == ["retention-loyalty-discount"]  # one offer per 7 days, this one included
    top = body["actions"][0]
    assert top["context_weight"] == 5.0
    assert top["profit"] == pytest.approx(top["probability"] * top["value"] - top["cost"])
    reasons = {n["action"]: n["reasons"] for n in body["not_offered"]}
    assert reasons["cross-sell"][0]["step"] == "track"
    assert "risk_class is 3" in reasons["cross-sell"][0]["why"]
    assert reasons["premium-service-free"][0]["rule"] == "at most 1 offer per 7 days"
    assert {"caller wants to cancel"} <= {f["rule"] for f in body["fired"]}
    stored = Decision.objects.get(pk=body["decision"])
    assert (stored.asked_by, stored.intent, stored.top_action) == (
        "api",
        "cancellation",
        "retention-loyalty-discount",
    )
    assert stored.explanation["not_offered"] == body["not_offered"]


def test_payments_overdue_put_the_mandatory_payment_plan_first(api_as) -> None:
    partner = at_risk_partner()
    Payment.objects.create(
        partner=partner,
        reference="INV-1",
        due_date=dt.date.today() - dt.timedelta(days=40),
        amount=120,
        imported_at=timezone.now(),
    )
    body = api_as("agent").get(URL.format("5001")).json()
    assert [a["action"] for a in body["actions"]] == ["payment-plan"]
    assert body["actions"][0]["kind"] == "mandatory"
    assert body["actions"][0]["value"] == 120.0
    why = {n["action"]: n["reasons"][0]["why"] for n in body["not_offered"]}
    assert "exclusive track collections" in why["retention-loyalty-discount"]


def test_unknown_partner_is_404(api_as) -> None:
    response = api_as("agent").get(URL.format("nobody"))
    assert response.status_code == 404
    assert "nobody" in response.json()["detail"]


def test_bad_channel_is_422_naming_the_field(api_as) -> None:
    at_risk_partner()
    response = api_as("agent").get(URL.format("5001") + "?channel=pigeon")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channel"


def test_every_person_role_may_ask_the_telephony_role_may_not(api_as, role) -> None:
    at_risk_partner()
    response = api_as(role).get(URL.format("5001"))
    assert response.status_code == (403 if role == "telephony" else 200)


def post(client, decision: int, body: object):
    return client.post(
        f"/api/v1/decisions/{decision}/responses", json.dumps(body), content_type="application/json"
    )


def test_a_refused_action_is_suppressed_next_time(api_as) -> None:
    at_risk_partner()
    client = api_as("agent")
    first = client.get(URL.format("5001")).json()
    offered = first["actions"][0]["action"]
    answer = post(client, first["decision"], {"action": offered, "response": "refused"})
    assert answer.status_code == 201
    assert Response.objects.get().response == "refused"
    second = client.get(URL.format("5001")).json()
    assert offered not in [a["action"] for a in second["actions"]]
    reasons = {n["action"]: n["reasons"] for n in second["not_offered"]}
    assert [r["rule"] for r in reasons[offered]] == ["no offer for 30 days after a refusal"]


def test_an_accepted_offer_uses_up_the_weekly_allowance(api_as) -> None:
    at_risk_partner()
    client = api_as("agent")
    first = client.get(URL.format("5001")).json()
    post(
        client, first["decision"], {"action": first["actions"][0]["action"], "response": "accepted"}
    )
    second = client.get(URL.format("5001")).json()
    assert second["actions"] == []
    rules = {r["rule"] for n in second["not_offered"] for r in n["reasons"]}
    assert "at most 1 offer per 7 days" in rules


def test_response_errors(api_as) -> None:
    at_risk_partner()
    client = api_as("agent")
    decision = client.get(URL.format("5001")).json()["decision"]
    not_offered = post(client, decision, {"action": "cross-sell", "response": "accepted"})
    assert not_offered.status_code == 422
    assert not_offered.json()["errors"][0]["field"] == "action"
    odd = post(client, decision, {"action": "cross-sell", "response": "maybe"})
    assert odd.status_code == 422
    assert odd.json()["errors"][0]["field"] == "response"
    assert post(client, 999999, {"action": "x", "response": "refused"}).status_code == 404


def test_documented_in_openapi(client_as) -> None:
    schema = client_as("agent").get("/api/openapi.json").json()
    decide = schema["paths"]["/api/v1/partners/{number}/next-best-actions"]["get"]
    params = {p["name"]: p for p in decide["parameters"]}
    assert set(params) >= {"number", "channel", "intent"}
    assert {"200", "404", "422"} <= set(decide["responses"])
    respond = schema["paths"]["/api/v1/decisions/{decision_id}/responses"]["post"]
    assert {"201", "404", "422"} <= set(respond["responses"])


def test_score_arbitration_ranks_by_propensity_weight_value_and_lever(api_as) -> None:
    from tenure.nextbest.models import Action, Arbitration, PressurePolicy

    at_risk_partner(segment="C")
    PressurePolicy.objects.filter(type="limit").update(max_offers=5)
    Action.objects.filter(key="premium-service-free").update(lever=10.0)
    Arbitration.objects.create(mode="score")
    body = api_as("agent").get(URL.format("5001") + "?intent=cancellation").json()
    first, second = body["actions"][:2]
    assert [first["action"], second["action"]] == [
        "premium-service-free",
        "retention-loyalty-discount",
    ]
    assert first["score"] == pytest.approx(first["probability"] * 5.0 * first["value"] * 10.0)
    assert Decision.objects.get().explanation["arbitration"]["mode"] == "score"
