"""Recording call events from the telephony system and popping them on the agent's desktop."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenure.cti.broker import publish_after_commit
from tenure.cti.models import Call, CallEvent
from tenure.partners.models import BusinessPartner
from tenure.partners.phones import to_e164
from tenure.partners.selectors import partners_with_phone

WITHHELD = {"", "anonymous", "withheld", "private", "restricted", "unknown", "unavailable"}


@dataclass(frozen=True)
class CallEventResult:
    call: Call
    duplicate: bool


def caller_e164(caller: str) -> str:
    """The caller in E.164, or "" when withheld or not a possible phone number."""
    if caller.strip().lower() in WITHHELD:
        return ""
    try:
        return to_e164(caller, strict=False)
    except ValueError:
        return ""


def agents_at_extension(extension: str) -> list[User]:
    return list(
        User.objects.filter(agent_profile__extension=extension, is_active=True).order_by("id")
    )


def call_event_record(
    *,
    call_id: str,
    event: str,
    caller: str = "",
    called: str = "",
    extension: str,
    at: dt.datetime | None = None,
) -> CallEventResult:
    """Store one telephony event (idempotent per call and event) and pop it on the desktop."""
    at = at or timezone.now()
    try:
        return _record(call_id, event, caller, called, extension, at)
    except IntegrityError:  # the same call or event arrived twice at once: the other one won
        return _record(call_id, event, caller, called, extension, at)


@transaction.atomic
def _record(
    call_id: str, event: str, caller: str, called: str, extension: str, at: dt.datetime
) -> CallEventResult:
    call = Call.objects.select_for_update().filter(call_id=call_id).first()
    agents = agents_at_extension(extension)
    if call is None:
        call = _new_call(call_id, caller, called, extension, agents)
        _advance(call, event, at)
        call.save()  # one insert (and one audit entry) for a new call
    elif call.events.filter(event=event).exists():
        return CallEventResult(call, duplicate=True)
    else:
        _advance(call, event, at)
        call.save()
    recorded = CallEvent.objects.create(call=call, event=event, at=at, agent=call.agent)
    message = {"id": recorded.pk, "call": call.pk, "call_id": call.call_id, "event": event,
               "state": call.state}  # fmt: skip
    publish_after_commit([agent.pk for agent in agents], message)
    return CallEventResult(call, duplicate=False)


def _new_call(call_id: str, caller: str, called: str, extension: str, agents: list[User]) -> Call:
    """A call as its first event reports it (not saved yet)."""
    e164 = caller_e164(caller)
    matches = partners_with_phone(e164=e164) if e164 else []
    return Call(
        call_id=call_id,
        state=Call.State.RINGING,
        caller=caller.strip()[:40],
        caller_e164=e164,
        called=called.strip()[:40],
        extension=extension,
        agent=agents[0] if agents else None,
        partner=matches[0] if len(matches) == 1 else None,
        matches=len(matches),
    )


def _advance(call: Call, event: str, at: dt.datetime) -> None:
    """Move the call on; events may arrive out of order, an ended call stays ended."""
    if event == CallEvent.Kind.RINGING:
        call.ringing_at = at
    elif event == CallEvent.Kind.ANSWERED:
        call.answered_at = at
        call.outcome = Call.Outcome.ANSWERED
        if call.state != Call.State.ENDED:
            call.state = Call.State.ANSWERED
    elif event == CallEvent.Kind.ENDED:
        call.ended_at = at
        call.state = Call.State.ENDED
        call.outcome = Call.Outcome.ANSWERED if call.answered_at else Call.Outcome.MISSED


def call_partner_link(*, call_pk: int, partner: BusinessPartner) -> None:
    """Link a call without a known partner to one just created for its caller."""
    call = Call.objects.filter(pk=call_pk, partner__isnull=True).first()
    if call is not None:  # saved, not updated in bulk, so that the audit trail records it
        call.partner = partner
        call.save(update_fields=["partner"])


@transaction.atomic
def call_partner_pick(*, call: Call, partner: BusinessPartner) -> Call:
    """The agent chose which of several partners with the caller's number is calling."""
    if call.caller_e164 and not partner.phone_numbers.filter(e164=call.caller_e164).exists():
        raise ValueError("this business partner does not have the caller's number")
    call.partner = partner
    call.save(update_fields=["partner"])
    return call
