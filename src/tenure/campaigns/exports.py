"""A campaign's contacts as export rows (CSV and XLSX through ``tenure.core.exports``): with the
group and the day the customer left, so that retention, contacted vs control, can be worked out
from the file as the effectiveness page does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.campaigns.models import Campaign, Contact

COLUMNS = (
    "partner_number",
    "name",
    "city",
    "group",
    "status",
    "outcome",
    "agent",
    "added_from",
    "added_at",
    "worked_at",
    "closed_at",
    "callback_at",
    "left_on",
    "notes",
)


def contact_header() -> list[str]:
    """Column names for people, in the language of the request."""
    labels = {
        "partner_number": _("Partner number"),
        "name": _("Name"),
        "city": _("City"),
        "group": _("Group"),
        "status": _("Status"),
        "outcome": _("Outcome"),
        "agent": _("Agent"),
        "added_from": _("Added from"),
        "added_at": _("Added"),
        "worked_at": _("First worked"),
        "closed_at": _("Closed"),
        "callback_at": _("Call back at"),
        "left_on": _("Customer left on"),
        "notes": _("Notes"),
    }
    return [str(labels[column]) for column in COLUMNS]


def contact_rows(campaign: Campaign, *, chunk: int = 5_000) -> Iterator[list[Any]]:
    """Every contact of the campaign in partner number order, read in chunks."""
    groups = dict(Contact.Group.choices)
    statuses = dict(Contact.Status.choices)
    outcomes = dict(Contact.Outcome.choices)
    query = (
        Contact.objects.filter(campaign=campaign)
        .order_by("partner__number")
        .values_list(
            "partner__number",
            "partner__name",
            "partner__city",
            "group",
            "status",
            "outcome",
            "agent__username",
            "source",
            "added_at",
            "worked_at",
            "closed_at",
            "callback_at",
            "partner__left_on",
            "notes",
        )
    )
    for row in query.iterator(chunk_size=chunk):
        (number, name, city, group, status, outcome, agent, source, *times, left_on, notes) = row
        yield [
            number,
            name,
            city,
            str(groups.get(group, group)),
            str(statuses.get(status, status)),
            str(outcomes.get(outcome, outcome)) if outcome else "",
            agent or "",
            source,
            *(timezone.localtime(value) if value else None for value in times),
            left_on,
            notes,
        ]


def export_file_name(campaign: Campaign, extension: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in campaign.name.lower()).strip("-")
    return f"campaign-{campaign.pk}-{slug[:40] or 'contacts'}.{extension}"
