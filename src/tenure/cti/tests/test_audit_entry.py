"""A call the telephony API records is audited exactly as a call saved through the ORM: on
PostgreSQL the API writes it in one statement (cti/onestatement.py), not through django-auditlog's
receiver, so the two entries are compared field by field."""

from __future__ import annotations

import json

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.utils import timezone
from tests.factories import make_partner

from tenure.cti.models import Call, CallEvent

pytestmark = pytest.mark.django_db

SAME_EXCEPT = {"id", "object_pk", "object_id", "object_repr", "timestamp", "changes"}


def entry_of(call: Call) -> LogEntry:
    return LogEntry.objects.get_for_object(call).get()


def test_api_call_is_audited_like_an_orm_save(api_as, make_user) -> None:
    agent = make_user("agent", extension="201")
    erika = make_partner("1", "Erika", phones=("+493411234567",))
    client = api_as("telephony")
    body = {"call_id": "c1", "event": "ringing", "caller": "0341 1234567", "called": "0800",
            "extension": "201", "at": "2026-11-25T10:15:00+01:00"}  # fmt: skip
    response = client.post("/api/v1/cti/calls", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    recorded = Call.objects.get(call_id="c1")
    telephony = LogEntry.objects.get_for_object(recorded).get().actor

    with set_actor(telephony, remote_addr="127.0.0.1"):
        saved = Call(call_id="c2", state="ringing", caller="0341 1234567",
                     caller_e164="+493411234567", called="0800", extension="201", agent=agent,
                     partner=erika, matches=1, ringing_at=recorded.ringing_at)  # fmt: skip
        saved.save()

    by_api, by_orm = entry_of(recorded), entry_of(saved)
    assert telephony is not None and telephony.username == "telephony-system"
    assert by_api.object_pk == str(recorded.pk) and by_api.object_id == recorded.pk
    assert by_api.object_repr == "c1 (ringing)"
    for field in LogEntry._meta.concrete_fields:
        if field.attname not in SAME_EXCEPT:
            assert getattr(by_api, field.attname) == getattr(by_orm, field.attname), field.name
    # the changes differ only in the call's own values: id, call ID and time received
    own = {"id", "call_id", "created_at"}
    assert by_api.changes.keys() == by_orm.changes.keys()
    assert {k: v for k, v in by_api.changes.items() if k not in own} == {
        k: v for k, v in by_orm.changes.items() if k not in own
    }
    assert by_api.changes["id"] == ["None", str(recorded.pk)]
    assert by_api.changes["call_id"] == ["None", "c1"]
    assert abs(by_api.timestamp - timezone.now()).total_seconds() < 60


def test_event_and_call_ids_match_what_the_desktop_receives(api_as, make_user) -> None:
    make_user("agent", extension="201")
    client = api_as("telephony")
    for event in ("ringing", "answered"):
        body = {"call_id": "c1", "event": event, "caller": "0341 1234567", "extension": "201"}
        response = client.post(
            "/api/v1/cti/calls", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 200
    call = Call.objects.get(call_id="c1")
    assert [e.event for e in CallEvent.objects.filter(call=call).order_by("id")] == [
        "ringing",
        "answered",
    ]
    assert call.state == "answered"
    assert LogEntry.objects.get_for_object(call).count() == 2  # created, then answered
