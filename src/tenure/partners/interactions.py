"""A partner's recent interactions: calls, campaign contacts, complaints, payments and notes in one
time-ordered list (newest first) for the timeline on the partner page.

One bounded query per kind (the newest ``limit`` of each, along the partners' indexes), merged in
Python: the newest ``limit`` overall are among them. Date-only events (complaints, payments) count
as the start of their day in the current time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KINDS = {
    "call": gettext_lazy("Calls"),
    "campaign": gettext_lazy("Campaign contacts"),
    "complaint": gettext_lazy("Complaints"),
    "payment": gettext_lazy("Payments"),
    "note": gettext_lazy("Notes"),
}
"""Interaction kinds and their filter labels, in the order the filter offers them."""

KIND_NAMES = {
    "call": gettext_lazy("Call"),
    "campaign": gettext_lazy("Campaign contact"),
    "complaint": gettext_lazy("Complaint"),
    "payment": gettext_lazy("Payment"),
    "note": gettext_lazy("Note"),
}
"""What one line of the timeline is, in words."""

KIND_PERMISSIONS = {
    "call": "cti.view_call",
    "campaign": "campaigns.view_contact",
    "complaint": "customerdata.view_complaint",
    "payment": "customerdata.view_payment",
    "note": "partners.view_note",
}


@dataclass(frozen=True)
class Interaction:
    """One line of the timeline: what kind, when, a one-line summary and where to read more."""

    kind: str
    when: dt.datetime
    summary: str
    link: str = ""
    all_day: bool = False

    @property
    def kind_label(self) -> str:
        return str(KIND_NAMES[self.kind])


def visible_kinds(user: Any) -> list[str]:
    """The kinds of interaction ``user`` may read."""
    return [kind for kind, permission in KIND_PERMISSIONS.items() if user.has_perm(permission)]


def _day(day: dt.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _calls(partner_id: int, limit: int) -> Iterable[Interaction]:
    from tenure.cti.models import Call

    calls = Call.objects.filter(partner_id=partner_id).select_related("agent")
    for call in calls.order_by("-created_at", "-id")[:limit]:
        agent = call.agent.get_username() if call.agent else "–"
        summary = _("Inbound call · %(outcome)s · %(agent)s") % {
            "outcome": call.get_outcome_display() or call.get_state_display(),
            "agent": agent,
        }
        yield Interaction("call", call.created_at, summary)


def _campaign_contacts(partner_id: int, limit: int) -> Iterable[Interaction]:
    from django.db.models import F
    from django.db.models.functions import Coalesce

    from tenure.campaigns.models import Contact

    contacts = (
        Contact.objects.filter(partner_id=partner_id)
        .select_related("campaign")
        .annotate(last=Coalesce(F("closed_at"), F("worked_at"), F("added_at")))
        .order_by("-last", "-id")[:limit]
    )
    for contact in contacts:
        state = (
            _("control group, not contacted")
            if contact.group == Contact.Group.CONTROL
            else contact.get_status_display()
        )
        if contact.outcome:
            state = f"{state} · {contact.get_outcome_display()}"
        summary = f"{contact.campaign.name} · {state}"
        yield Interaction("campaign", contact.last, summary, contact.get_absolute_url())


def _complaints(partner_id: int, limit: int, summary_url: str) -> Iterable[Interaction]:
    from tenure.customerdata.models import Complaint

    for complaint in Complaint.objects.filter(partner_id=partner_id).order_by("-opened", "-id")[
        :limit
    ]:
        state = (
            _("closed on %(day)s") % {"day": _day(complaint.closed)}
            if complaint.closed
            else _("open")
        )
        summary = _("%(severity)s complaint %(reference)s · %(subject)s · %(state)s") % {
            "severity": complaint.get_severity_display(),
            "reference": complaint.reference,
            "subject": complaint.subject or "–",
            "state": state,
        }
        yield Interaction("complaint", _start_of(complaint.opened), summary, summary_url, True)


def _payments(partner_id: int, limit: int, summary_url: str) -> Iterable[Interaction]:
    from django.db.models import F
    from django.db.models.functions import Coalesce

    from tenure.customerdata.models import Payment

    payments = (
        Payment.objects.filter(partner_id=partner_id)
        .annotate(day=Coalesce(F("paid_date"), F("due_date")))
        .order_by("-day", "-id")[:limit]
    )
    for payment in payments:
        if payment.paid_date:
            state = _("paid on %(day)s") % {"day": _day(payment.paid_date)}
        else:
            state = _("unpaid, due %(day)s") % {"day": _day(payment.due_date)}
        summary = _("Invoice %(reference)s · %(amount)s · %(state)s") % {
            "reference": payment.reference,
            "amount": payment.amount,
            "state": state,
        }
        yield Interaction("payment", _start_of(payment.day), summary, summary_url, True)


def _notes(partner_id: int, limit: int, page_url: str) -> Iterable[Interaction]:
    from tenure.partners.models import Note

    notes = Note.objects.filter(partner_id=partner_id).select_related("author")
    for note in notes.order_by("-created_at", "-id")[:limit]:
        author = note.author.get_username() if note.author else "–"
        text = note.text if len(note.text) <= 120 else note.text[:119] + "…"
        yield Interaction(
            "note", note.created_at, f"{author}: {text}", f"{page_url}#note-{note.pk}"
        )


def partner_interactions(
    *, partner_id: int, number: str, kinds: Iterable[str], limit: int = 20
) -> list[Interaction]:
    """The newest ``limit`` interactions of the given kinds, newest first (ties: by kind order)."""
    wanted = [kind for kind in KINDS if kind in set(kinds)]
    summary_url = reverse("retention:crm-summary", kwargs={"number": number})
    page_url = reverse("partners:detail", kwargs={"number": number})
    sources = {
        "call": lambda: _calls(partner_id, limit),
        "campaign": lambda: _campaign_contacts(partner_id, limit),
        "complaint": lambda: _complaints(partner_id, limit, summary_url),
        "payment": lambda: _payments(partner_id, limit, summary_url),
        "note": lambda: _notes(partner_id, limit, page_url),
    }
    merged = [item for kind in wanted for item in sources[kind]()]
    order = {kind: position for position, kind in enumerate(KINDS)}
    merged.sort(key=lambda item: (-item.when.timestamp(), order[item.kind]))
    return merged[:limit]
