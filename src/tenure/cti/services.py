"""Recording call events from the telephony system and popping them on the agent's desktop."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tenure.accounts.models import AgentProfile
from tenure.cti.broker import publish_after_commit
from tenure.cti.models import Call, CallEvent
from tenure.cti.onestatement import call_insert_with_event, event_insert, sequence_sql
from tenure.partners.models import BusinessPartner, PartnerPhoneNumber
from tenure.partners.phones import to_e164

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
    # Events of one call that arrive at once race for its row and for their (call, event) row;
    # the loser of a race gets IntegrityError once the winner has committed, and reads again:
    # a new call's event becomes an event of the existing call, a repeated event a duplicate.
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            return _record(call_id, event, caller, called, extension, at)
        except IntegrityError:
            if attempt == RECORD_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


RECORD_ATTEMPTS = 3
"""Enough for both races an event can lose: for its call's row, then for its own row."""


def _record(
    call_id: str, event: str, caller: str, called: str, extension: str, at: dt.datetime
) -> CallEventResult:
    e164 = caller_e164(caller)
    # read outside a transaction: at READ COMMITTED a statement sees the same inside one or not,
    # and the unique keys decide races (see above)
    found = _lookup(call_id=call_id, extension=extension, e164=e164)
    if found.call_pk is None and found.next_ids is not None and not connection.in_atomic_block:
        # PostgreSQL, a new call: written in one statement (cti/onestatement.py), which is atomic
        # and durable by itself; a transaction around it added BEGIN and COMMIT, two of the
        # event's five round trips (docs/benchmarks.md, section 3)
        return _write(found, call_id, event, caller, e164, called, extension, at)
    with transaction.atomic():  # (a savepoint inside a caller's transaction)
        return _write(found, call_id, event, caller, e164, called, extension, at)


def _write(
    found: _Found,
    call_id: str,
    event: str,
    caller: str,
    e164: str,
    called: str,
    extension: str,
    at: dt.datetime,
) -> CallEventResult:
    """Store the event (and the call if new) as the lookup found things, and notify."""
    new = found.call_pk is None
    if found.call_pk is None:
        # one insert (and its audit entry) for a new call; when the first events of a call
        # arrive at once, the unique call_id lets one insert win, and the others raise
        # IntegrityError and are recorded again, as events of the existing call
        call = _new_call(call_id, caller, e164, called, extension, found)
        _advance(call, event, at)
    elif event in found.events:
        call = Call.objects.select_related("agent", "partner").get(pk=found.call_pk)
        return CallEventResult(call, duplicate=True)
    else:
        call = (
            Call.objects.select_for_update(of=("self",))
            .select_related("agent", "partner")
            .get(pk=found.call_pk)
        )
        _advance(call, event, at)
        call.save()
    # unique per (call, event): the same event arriving twice at once raises IntegrityError in
    # all but one, and those are answered as duplicates when recorded again
    user_ids = [agent.pk for agent in found.agents]
    recorded = CallEvent(call=call, event=event, at=at, agent=call.agent)
    if found.next_ids is not None:  # PostgreSQL: one statement, see cti/onestatement.py
        call.pk = call.pk or found.next_ids[0]
        recorded.pk, recorded.call_id = found.next_ids[1], call.pk
        message = _message(recorded, call)
        if new:
            call_insert_with_event(call, recorded, user_ids, message)
            call._state.adding = False
        else:
            event_insert(recorded, user_ids, message)
        recorded._state.adding = False
    else:
        if new:
            call.save()
        recorded.save()
        publish_after_commit(user_ids, _message(recorded, call))
    return CallEventResult(call, duplicate=False)


def _message(recorded: CallEvent, call: Call) -> dict[str, Any]:
    """What the agent's desktop receives; ``id`` is the event's, to catch up from."""
    return {"id": recorded.pk, "call": call.pk, "call_id": call.call_id,
            "event": recorded.event, "state": call.state}  # fmt: skip


@dataclass(frozen=True)
class _Found:
    call_pk: int | None
    events: set[str]  # the events recorded for the call
    agents: list[User]  # active users at the extension, by id (only id and username loaded)
    partners: list[BusinessPartner]  # up to 20 with the caller's number (id and number loaded)
    next_ids: tuple[int, int] | None  # PostgreSQL: ids drawn for a new call and for the event


def _lookup(*, call_id: str, extension: str, e164: str) -> _Found:
    """The call and its events if it exists, the agents at the extension and the partners with
    the caller's number, in one query: on the telephony API's hot path, the ORM's queries for
    these cost more than writing the event (docs/benchmarks.md, section 3)."""
    found: dict[str, list[tuple[int, str]]] = {"c": [], "e": [], "a": [], "p": [], "n": []}
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(postgres), [call_id, call_id, extension, e164])
        for kind, pk, text in cursor.fetchall():
            if text is not None:  # None: an inactive user at the extension
                found[kind].append((pk, text))
    alias = connection.alias
    return _Found(
        call_pk=found["c"][0][0] if found["c"] else None,
        events={event for _, event in found["e"]},
        agents=[User.from_db(alias, ["id", "username"], row) for row in sorted(found["a"])],
        partners=[BusinessPartner.from_db(alias, ["id", "number"], row) for row in found["p"]],
        next_ids=(found["n"][0][0], int(found["n"][0][1])) if postgres else None,
    )


@functools.cache
def _lookup_sql(postgres: bool) -> str:
    # subqueries rather than joins: PostgreSQL plans this in half the time (measured), and
    # planning is most of what this query costs it
    call, event = Call._meta.db_table, CallEvent._meta.db_table
    user, profile = User._meta.db_table, AgentProfile._meta.db_table
    partner, phone = BusinessPartner._meta.db_table, PartnerPhoneNumber._meta.db_table
    return f"""
        SELECT 'c', id, '' FROM {call} WHERE call_id = %s
        UNION ALL
        SELECT 'e', id, event FROM {event}
        WHERE call_id = (SELECT id FROM {call} WHERE call_id = %s)
        UNION ALL
        SELECT 'a', profile.user_id,
               (SELECT username FROM {user} u WHERE u.id = profile.user_id AND u.is_active)
        FROM {profile} profile WHERE profile.extension = %s
        UNION ALL
        SELECT 'p', phone.partner_id,
               (SELECT number FROM {partner} p WHERE p.id = phone.partner_id)
        FROM (SELECT partner_id FROM {phone} WHERE e164 = %s LIMIT 20) phone
    """ + (
        f"UNION ALL SELECT 'n', {sequence_sql(Call)}, {sequence_sql(CallEvent)}::text"
        if postgres
        else ""
    )


def _new_call(
    call_id: str, caller: str, e164: str, called: str, extension: str, found: _Found
) -> Call:
    """A call as its first event reports it (not saved yet)."""
    return Call(
        call_id=call_id,
        state=Call.State.RINGING,
        caller=caller.strip()[:40],
        caller_e164=e164,
        called=called.strip()[:40],
        extension=extension,
        agent=found.agents[0] if found.agents else None,
        partner=found.partners[0] if len(found.partners) == 1 else None,
        matches=len(found.partners),
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
