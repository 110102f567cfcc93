"""Recording events as the telephony API does under load: events of one call arriving at once,
retries, and the audit trail of what the API wrote."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from auditlog.models import LogEntry
from django.db import connection, connections
from tests.factories import make_partner

from tenure.cti.models import Call, CallEvent
from tenure.cti.services import call_event_record


# threads need committed data: a transaction per statement, the roles' groups (from migrations)
# restored before and the tables emptied after, as for the other such tests
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_events_of_one_call_arriving_at_once_are_each_stored_once(make_user) -> None:
    """Ringing, answered and ended, each sent twice, all at the same moment: one call, three
    events, and each event answered once as new and once as a duplicate.

    The threads really race on PostgreSQL. The SQLite test database lives in memory with a
    shared cache, where writers would fail at once instead of waiting, so there they take
    turns (a real server uses a database file and waits)."""
    agent = make_user("agent", extension="201")
    erika = make_partner("1", "Erika", phones=("+493411234567",))
    events = ["ringing", "answered", "ended"] * 2
    start = threading.Barrier(len(events))
    turns = threading.Lock() if connection.vendor == "sqlite" else None

    def report(event: str) -> tuple[str, bool]:
        start.wait()
        try:
            if turns is None:
                result = call_event_record(call_id="c1", event=event, caller="0341 1234567",
                                           extension="201")  # fmt: skip
            else:
                with turns:
                    result = call_event_record(call_id="c1", event=event, caller="0341 1234567",
                                               extension="201")  # fmt: skip
            return event, result.duplicate
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(events)) as pool:
        answers = list(pool.map(report, events))

    assert sorted(answers) == sorted((event, duplicate) for event in events[:3]
                                     for duplicate in (False, True))  # fmt: skip
    call = Call.objects.get()
    assert (call.state, call.outcome, call.agent, call.matches) == ("ended", "answered", agent, 1)
    assert call.partner == erika  # whichever event came first reported the caller
    assert sorted(CallEvent.objects.values_list("event", flat=True)) == sorted(events[:3])


@pytest.mark.django_db
def test_the_api_audits_a_new_call_as_done_by_the_telephony_system(api_as, make_user) -> None:
    make_user("agent", extension="201")
    make_partner("1", "Erika", phones=("+493411234567",))
    client = api_as("telephony")
    body = {"call_id": "c1", "event": "ringing", "caller": "0341 1234567", "extension": "201"}
    answer = client.post("/api/v1/cti/calls", json.dumps(body), content_type="application/json")
    assert answer.status_code == 200 and answer.json()["partner"] == "1"
    call = Call.objects.get()
    entry = LogEntry.objects.get_for_object(call).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor is not None and entry.actor.username == "telephony-system"
    assert entry.remote_addr == "127.0.0.1"
    assert entry.object_repr == "c1 (ringing)"
    assert entry.changes_dict["call_id"] == ["None", "c1"]
    assert entry.changes_dict["partner"] == ["None", str(call.partner_id)]
    assert entry.changes_dict["agent"] == ["None", str(call.agent_id)]

    # the call moves on: one update entry; a repeated event writes nothing
    answered = dict(body, event="answered")
    for _ in range(2):
        client.post("/api/v1/cti/calls", json.dumps(answered), content_type="application/json")
    update = LogEntry.objects.get_for_object(call).get(action=LogEntry.Action.UPDATE)
    assert update.changes_dict["state"] == ["ringing", "answered"]
    assert LogEntry.objects.get_for_object(call).count() == 2
    assert CallEvent.objects.count() == 2


@pytest.mark.django_db
def test_a_repeated_event_answers_the_call_as_it_is(make_user) -> None:
    make_user("agent", extension="201")
    call_event_record(call_id="c1", event="ringing", caller="0341 1234567", extension="201")
    call_event_record(call_id="c1", event="answered", extension="201")
    again = call_event_record(call_id="c1", event="ringing", caller="0341 1234567",
                              extension="201")  # fmt: skip
    assert again.duplicate and again.call.state == "answered"
    assert again.call.agent is not None and again.call.agent.username == "agent"


@pytest.mark.django_db
def test_only_active_agents_at_the_extension_get_the_call(make_user) -> None:
    first = make_user("agent", username="anna", extension="201")
    second = make_user("agent", username="ben", extension="201")  # a shared extension
    make_user("agent", username="carla", extension="202")
    assert call_event_record(call_id="c1", event="ringing", extension="201").call.agent == first
    first.is_active = False
    first.save()
    assert call_event_record(call_id="c2", event="ringing", extension="201").call.agent == second
