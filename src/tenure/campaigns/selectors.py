"""Reading campaigns: which running campaign types hold a partner, a partner's CRL history, the
recorded changes of one contact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from tenure.campaigns.models import Campaign, Contact


def running(day: dt.date) -> Q:
    """Campaigns that are active on ``day`` (for a Contact query: prefix campaign__)."""
    return Q(campaign__active=True, campaign__starts_on__lte=day) & (
        Q(campaign__ends_on__isnull=True) | Q(campaign__ends_on__gte=day)
    )


def overlapping(starts_on: dt.date, ends_on: dt.date | None) -> Q:
    """Active campaigns whose period shares a day with ``starts_on``..``ends_on`` (``None``: no
    end), for a Contact query like :func:`running`."""
    overlap = Q(campaign__active=True) & (
        Q(campaign__ends_on__isnull=True) | Q(campaign__ends_on__gte=starts_on)
    )
    if ends_on is not None:
        overlap &= Q(campaign__starts_on__lte=ends_on)
    return overlap


def partner_running_campaign_types(*, partner_id: int, day: dt.date | None = None) -> set[str]:
    """The types of the running campaigns that contact the partner (one query).

    A partner in a campaign's control group is not flagged: the agent must not treat them.
    """
    day = day or timezone.localdate()
    return set(
        Contact.objects.filter(
            running(day), partner_id=partner_id, group=Contact.Group.TREATED
        ).values_list("campaign__type", flat=True)
    )


def partner_campaign_history(*, partner_id: int) -> QuerySet[Contact]:
    """Every campaign the partner was in, newest first."""
    return (
        Contact.objects.filter(partner_id=partner_id)
        .select_related("campaign")
        .order_by("-campaign__starts_on", "-id")
    )


def campaigns_listed(
    *, kind: str = "", state: str = "", text: str = "", day: dt.date | None = None
) -> QuerySet[Campaign]:
    """Campaigns for the list page, newest first, with their group sizes and worked contacts:
    of a type, in a state (running on ``day``, active, closed), whose name contains ``text``."""
    from django.db.models import Count

    day = day or timezone.localdate()
    campaigns = Campaign.objects.select_related("owner", "template")
    if kind in Campaign.Type.values:
        campaigns = campaigns.filter(type=kind)
    if state == "running":
        campaigns = campaigns.filter(
            Q(active=True, starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        )
    elif state == "active":
        campaigns = campaigns.filter(active=True)
    elif state == "closed":
        campaigns = campaigns.filter(active=False)
    if text.strip():
        campaigns = campaigns.filter(name__icontains=text.strip())
    treated = Q(contacts__group=Contact.Group.TREATED)
    return campaigns.annotate(
        contacted=Count("contacts", filter=treated),
        held_out=Count("contacts", filter=Q(contacts__group=Contact.Group.CONTROL)),
        worked=Count("contacts", filter=treated & ~Q(contacts__status="open")),
    ).order_by("-starts_on", "name", "pk")


@dataclass(frozen=True)
class ContactChange:
    """One recorded change of a contact: when, by whom ("" = the system) and what (label, old
    value, new value, each as shown)."""

    at: dt.datetime
    who: str
    changes: list[tuple[str, str, str]]
    added: bool = False  # the contact was added to the campaign


HISTORY_FIELDS: dict[str, Any] = {
    "status": _("Status"),
    "outcome": _("Outcome"),
    "callback_at": _("Call back at"),
    "agent": _("Agent"),
    "notes": _("Notes"),
}
"""The fields of a contact whose changes the contact page lists, in this order."""


def _shown(field: str, raw: Any, agents: dict[str, str]) -> str:
    """A value as the audit log recorded it (a string), as people read it."""
    from tenure.campaigns.worklist import STATUS_LABELS

    value = "" if raw in (None, "None") else str(raw)
    if not value:
        return "–"
    if field == "status":
        return str(STATUS_LABELS.get(value, value))
    if field == "outcome":
        return str(dict(Contact.Outcome.choices).get(value, value))
    if field == "agent":
        return agents.get(value, value)
    if field == "callback_at":
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt.UTC)
        return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return value


def contact_changes(contact: Contact, *, limit: int = 50) -> list[ContactChange]:
    """The audit log of a contact, newest first: who changed its status, outcome, call-back
    time, agent or notes, and from what to what (two queries)."""
    from auditlog.models import LogEntry

    entries = list(
        LogEntry.objects.get_for_object(contact)
        .select_related("actor")
        .order_by("-timestamp", "-id")[:limit]
    )
    agent_ids = {
        value
        for entry in entries
        for value in (entry.changes_dict or {}).get("agent", [])
        if value not in (None, "None", "")
    }
    agents = {
        str(pk): name
        for pk, name in User.objects.filter(
            pk__in=[int(pk) for pk in agent_ids if str(pk).isdigit()]
        ).values_list("pk", "username")
    }
    found = []
    for entry in entries:
        who = entry.actor.get_username() if entry.actor else ""
        if entry.action == LogEntry.Action.CREATE:
            found.append(ContactChange(at=entry.timestamp, who=who, changes=[], added=True))
            continue
        changes = entry.changes_dict or {}
        shown = [
            (str(label), _shown(field, changes[field][0], agents),
             _shown(field, changes[field][1], agents))
            for field, label in HISTORY_FIELDS.items()
            if field in changes and len(changes[field]) == 2
        ]  # fmt: skip
        shown = [(label, old, new) for label, old, new in shown if old != new]
        if shown:
            found.append(ContactChange(at=entry.timestamp, who=who, changes=shown))
    return found


__all__ = [
    "Campaign",
    "ContactChange",
    "campaigns_listed",
    "contact_changes",
    "overlapping",
    "partner_campaign_history",
    "partner_running_campaign_types",
    "running",
]
