"""Recording call events: number matching, idempotence, state and outcome, the call log, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.utils import timezone
from tests.factories import make_dataset, make_partner

from tenure.cti.models import Call, CallEvent
from tenure.cti.selectors import agent_events_after, call_dialog, partner_recent_calls
from tenure.cti.services import call_event_record, call_partner_pick, caller_e164

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(make_user):
    return make_user("agent", extension="201")


@pytest.fixture
def erika():
    partner = make_partner("1", "Erika Mustermann", phones=("+493411234567",))
    make_dataset(partner)
    return partner


def ring(call_id: str = "c1", caller: str = "0341 1234567", **extra):
    return call_event_record(call_id=call_id, event="ringing", caller=caller,
                             extension=extra.pop("extension", "201"), **extra)  # fmt: skip


@pytest.mark.parametrize(
    "written",
    ["0341 1234567", "+49 341 1234567", "0049 341 1234567", "0341-123 45 67", "(0341) 1234567",
     "+49 (0)341 1234567", "004934112345 67"],
)  # fmt: skip
def test_any_common_form_finds_the_partner(agent, erika, written: str) -> None:
    call = ring(caller=written).call
    assert (call.caller_e164, call.partner, call.matches, call.agent) == (
        "+493411234567",
        erika,
        1,
        agent,
    )


@pytest.mark.parametrize("withheld", ["", "anonymous", "Withheld", "private"])
def test_withheld_numbers(agent, withheld: str) -> None:
    call = ring(caller=withheld).call
    assert call.withheld is (withheld == "") and call.caller_e164 == "" and call.partner is None
    assert caller_e164(withheld) == ""


def test_unknown_and_several_callers(agent) -> None:
    make_partner("2", "Krause GmbH", phones=("+493417654321",))
    make_partner("3", "Ida Krause", phones=("+493417654321",))
    unknown = ring("u", caller="0341 9999999").call
    several = ring("s", caller="0341 7654321").call
    assert (unknown.partner, unknown.matches) == (None, 0)
    assert (several.partner, several.matches) == (None, 2)
    dialog = call_dialog(call=several, with_tile=True)
    assert [p.name for p in dialog.candidates] == ["Ida Krause", "Krause GmbH"]
    assert call_dialog(call=unknown, with_tile=True).unknown


def test_the_agent_picks_one_of_several(agent) -> None:
    krause = make_partner("2", "Krause GmbH", phones=("+493417654321",))
    make_partner("3", "Ida Krause", phones=("+493417654321",))
    stranger = make_partner("4", "Someone Else", phones=("+493410000000",))
    call = ring(caller="0341 7654321").call
    with pytest.raises(ValueError, match="does not have the caller's number"):
        call_partner_pick(call=call, partner=stranger)
    assert call_partner_pick(call=call, partner=krause).partner == krause


def test_events_are_idempotent_and_advance_the_call(agent, erika) -> None:
    start = timezone.now()
    assert not ring(at=start).duplicate
    assert ring(at=start).duplicate
    answered = call_event_record(call_id="c1", event="answered", extension="201",
                                 at=start + dt.timedelta(seconds=5))  # fmt: skip
    ended = call_event_record(call_id="c1", event="ended", extension="201",
                              at=start + dt.timedelta(seconds=65))  # fmt: skip
    assert (answered.call.state, ended.call.state, ended.call.outcome) == (
        "answered",
        "ended",
        "answered",
    )
    assert CallEvent.objects.filter(call__call_id="c1").count() == 3
    assert Call.objects.count() == 1


def test_ringing_then_ended_is_a_missed_call(agent, erika) -> None:
    ring()
    call = call_event_record(call_id="c1", event="ended", extension="201").call
    assert (call.state, call.outcome) == ("ended", "missed")


def test_events_out_of_order_keep_an_ended_call_ended(agent, erika) -> None:
    call_event_record(call_id="c1", event="ended", extension="201", caller="0341 1234567")
    call = call_event_record(call_id="c1", event="answered", extension="201").call
    assert (call.state, call.outcome, call.partner) == ("ended", "answered", erika)


def test_unknown_extension_is_logged_without_agent(erika) -> None:
    assert ring(extension="999").call.agent is None


def test_calls_are_listed_on_the_partner_and_audited(agent, erika) -> None:
    ring("c1")
    ring("c2")
    assert [c.call_id for c in partner_recent_calls(partner=erika)] == ["c2", "c1"]
    assert LogEntry.objects.get_for_object(Call.objects.get(call_id="c1")).exists()


def test_a_reconnecting_desktop_catches_up_by_event_id(agent, erika) -> None:
    ring("c1")
    first = CallEvent.objects.get().pk
    call_event_record(call_id="c1", event="answered", extension="201")
    ring("c2")
    missed = agent_events_after(user_id=agent.pk, last_id=first)
    assert [(m["call"], m["event"]) for m in missed] == [
        (Call.objects.get(call_id="c1").pk, "answered"),
        (Call.objects.get(call_id="c2").pk, "ringing"),
    ]
    # a fresh page gets the latest event of each open call
    call_event_record(call_id="c2", event="ended", extension="201")
    fresh = agent_events_after(user_id=agent.pk, last_id=None)
    assert [(m["event"], m["state"]) for m in fresh] == [("answered", "answered")]


def test_dialog_has_tile_only_with_the_module(agent, erika) -> None:
    from tenure.core.models import CUSTOMER_VALUE
    from tenure.core.services import module_set_active

    call = ring().call
    assert call_dialog(call=call, with_tile=True).tile is not None
    module_set_active(key=CUSTOMER_VALUE, active=False)
    assert call_dialog(call=call, with_tile=True).tile is None
