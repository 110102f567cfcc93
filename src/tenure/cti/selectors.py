"""Reading calls: the screen-pop dialog's content, a partner's recent calls, catching up a desktop."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tenure.core.models import CUSTOMER_VALUE
from tenure.core.selectors import module_is_active
from tenure.cti.models import Call, CallEvent
from tenure.partners.models import BusinessPartner
from tenure.partners.phones import display
from tenure.partners.selectors import partners_with_phone

OPEN_CALL_WINDOW = dt.timedelta(minutes=30)


@dataclass
class CallDialog:
    """What the inbound dialog shows for a call, for the agent who takes it."""

    call: Call
    number: str
    partner: BusinessPartner | None
    candidates: list[BusinessPartner] = field(default_factory=list)
    tile: dict[str, Any] | None = None
    recent_calls: list[Call] = field(default_factory=list)
    indicators: Any = None
    """The partner's Customer Retention & Loyalty indicators (the strip above the tile)."""

    @property
    def unknown(self) -> bool:
        return not self.call.withheld and self.partner is None and not self.candidates


def call_dialog(*, call: Call, with_tile: bool) -> CallDialog:
    partner = call.partner
    candidates = []
    if partner is None and call.caller_e164 and call.matches > 1:
        candidates = partners_with_phone(e164=call.caller_e164)
    number = display(call.caller_e164) if call.caller_e164 else call.caller
    dialog = CallDialog(call=call, number=number, partner=partner, candidates=candidates)
    if partner is not None:
        dialog.recent_calls = partner_recent_calls(partner=partner, exclude=call.pk, limit=5)
        from tenure.retention.indicators import partner_indicators

        dialog.indicators = partner_indicators(partner_id=partner.pk)
        if with_tile and module_is_active(CUSTOMER_VALUE):
            from tenure.customervalue.views import tile_context

            dialog.tile = tile_context(partner_id=partner.pk)
    return dialog


def partner_recent_calls(
    *, partner: BusinessPartner, exclude: int | None = None, limit: int = 10
) -> list[Call]:
    calls = Call.objects.filter(partner=partner).select_related("agent")
    if exclude is not None:
        calls = calls.exclude(pk=exclude)
    return list(calls.order_by("-created_at", "-id")[:limit])


def agent_events_after(*, user_id: int, last_id: int | None) -> list[dict[str, Any]]:
    """Events a reconnecting desktop missed (after ``last_id``), or, on a fresh page, the latest
    event of each of the agent's calls still open."""
    events = CallEvent.objects.filter(agent_id=user_id).select_related("call")
    if last_id is not None:
        chosen = list(events.filter(id__gt=last_id).order_by("id")[:100])
    else:
        since = timezone.now() - OPEN_CALL_WINDOW
        open_calls = events.filter(received_at__gte=since).exclude(call__state=Call.State.ENDED)
        latest: dict[int, CallEvent] = {}
        for event in open_calls.order_by("id"):
            latest[event.call_id] = event
        chosen = list(latest.values())
    return [
        {
            "id": e.pk,
            "call": e.call_id,
            "call_id": e.call.call_id,
            "event": e.event,
            "state": e.call.state,
        }
        for e in chosen
    ]
