"""REST API of the next best actions: decide for a partner (stored, explained), record a response."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from tenure.accounts.api import require_permission
from tenure.core.apierrors import InvalidRequest
from tenure.customervalue.schemas import ErrorOut
from tenure.nextbest import services
from tenure.nextbest.models import Decision
from tenure.partners.models import BusinessPartner

router = Router(tags=["next best actions"])
ChannelIn = Literal["phone", "email", "letter", "sms"]
AnswerIn = Literal["accepted", "refused", "later", "no_answer"]


class RankedOut(Schema):
    rank: int
    action: str
    label: str
    kind: str
    track: str
    channel: str
    probability: float
    value: float
    cost: float
    profit: float
    return_ratio: float | None = None
    prioritisation: str
    score: float
    context_weight: float
    lever: float


class ReasonOut(Schema):
    step: str
    rule: str
    why: str


class NotOfferedOut(Schema):
    action: str
    reasons: list[ReasonOut]


class FiredOut(Schema):
    step: str
    rule: str
    action: str | None
    track: str | None
    detail: str


class DecisionOut(Schema):
    decision: int
    partner: str
    at: dt.datetime
    channel: str
    intent: str
    actions: list[RankedOut]
    not_offered: list[NotOfferedOut]
    fired: list[FiredOut]


class ResponseIn(Schema):
    action: str
    response: AnswerIn


class ResponseOut(Schema):
    id: int
    decision: int
    action: str
    response: str
    at: dt.datetime


def _out(stored: Decision) -> dict[str, Any]:
    data = stored.explanation
    actions = [{**a, "return_ratio": a.get("return")} for a in data["actions"]]
    return {
        "decision": stored.pk,
        "partner": stored.partner.number,
        "at": stored.at,
        "channel": stored.channel,
        "intent": stored.intent,
        "actions": actions,
        "not_offered": data["not_offered"],
        "fired": data["fired"],
    }


@router.get(
    "/partners/{number}/next-best-actions",
    response={200: DecisionOut, 404: ErrorOut, 422: ErrorOut},
    summary="Decide the next best actions for a partner",
)
def next_best_actions(
    request: HttpRequest, number: str, channel: ChannelIn = "phone", intent: str | None = None
) -> dict[str, Any]:
    """Ranked actions (mandatory first) with P, V, C, profit, return, score and its factors, the
    actions not offered with each reason, and the rules that fired. The decision is stored."""
    require_permission(request, "nextbest.view_decision")
    partner = BusinessPartner.objects.filter(number=number).first()
    if partner is None:
        raise HttpError(404, f"no business partner {number}")
    _, stored = services.next_best_actions(
        partner, channel=channel, intent=intent, asked_by="api", user=request.user
    )
    assert stored is not None
    return _out(stored)


@router.post(
    "/decisions/{decision_id}/responses",
    response={201: ResponseOut, 404: ErrorOut, 422: ErrorOut},
    summary="Record the customer's response to an offered action",
)
def record_response(
    request: HttpRequest, decision_id: int, body: ResponseIn
) -> Status[ResponseOut]:
    """Feeds contact pressure (a refusal holds the action back) and the learned response rates."""
    require_permission(request, "nextbest.add_response")
    decision = Decision.objects.filter(pk=decision_id).first()
    if decision is None:
        raise HttpError(404, f"no decision {decision_id}")
    try:
        saved = services.record_response(
            decision, action=body.action, response=body.response, agent=request.user
        )
    except LookupError as exc:
        raise InvalidRequest([{"field": "action", "error": str(exc)}]) from None
    out = ResponseOut(
        id=saved.pk,
        decision=decision.pk,
        action=saved.action,
        response=saved.response,
        at=saved.at,
    )
    return Status(201, out)
