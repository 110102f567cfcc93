"""What a campaign did: contacts worked and reached, outcomes, cost, and the retention lift over
the control group with its 95 % interval (Newcombe), plus the daily course of the work.

A target counts as retained when the business partner has not left (``left_on``) by the day of
measurement, whichever group it is in: the agents' outcomes say what happened on the phone, the
customer master says who stayed, and only the latter exists for the control group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from tenure.analytics.campaigns import RetentionLift, retention_lift
from tenure.campaigns.models import Campaign, Contact

REACHED = (Contact.Status.REACHED, Contact.Status.DONE)


@dataclass(frozen=True)
class DayOfWork:
    day: dt.date
    worked: int
    reached: int


@dataclass(frozen=True)
class Effectiveness:
    """One campaign's results as of a day."""

    as_of: dt.date
    treated: int
    control: int
    worked: int
    reached: int
    outcomes: dict[str, int]
    cost: Decimal
    treated_retained: int
    control_retained: int
    lift: RetentionLift
    days: list[DayOfWork]

    @property
    def open(self) -> int:
        return self.treated - self.worked

    @property
    def reach_rate(self) -> float | None:
        return self.reached / self.worked if self.worked else None

    @property
    def retained_through_campaign(self) -> float | None:
        """Customers kept because of the campaign: the lift times the contacted group's size."""
        return None if self.lift.difference is None else self.lift.difference * self.treated

    @property
    def cost_per_retained(self) -> Decimal | None:
        gained = self.retained_through_campaign
        if gained is None or gained <= 0:
            return None
        return (self.cost / Decimal(gained)).quantize(Decimal("0.01"))


def campaign_effectiveness(campaign: Campaign, *, as_of: dt.date | None = None) -> Effectiveness:
    """Counts in three queries: groups and retention, statuses and outcomes, work per day."""
    as_of = as_of or timezone.localdate()
    contacts = Contact.objects.filter(campaign=campaign)
    stayed = Q(partner__left_on__isnull=True) | Q(partner__left_on__gt=as_of)
    groups = {
        row["group"]: row
        for row in contacts.values("group").annotate(
            total=Count("id"), retained=Count("id", filter=stayed)
        )
    }
    treated = groups.get(Contact.Group.TREATED, {"total": 0, "retained": 0})
    control = groups.get(Contact.Group.CONTROL, {"total": 0, "retained": 0})
    worked_contacts = contacts.filter(group=Contact.Group.TREATED).exclude(
        status=Contact.Status.OPEN
    )
    worked = reached = 0
    outcomes = {value: 0 for value in Contact.Outcome.values if value}
    for row in worked_contacts.values("status", "outcome").annotate(n=Count("id")):
        worked += row["n"]
        reached += row["n"] if row["status"] in REACHED else 0
        if row["outcome"]:
            outcomes[row["outcome"]] += row["n"]
    days = [
        DayOfWork(row["day"], row["worked"], row["reached"])
        for row in worked_contacts.annotate(day=TruncDate("worked_at"))
        .values("day")
        .annotate(worked=Count("id"), reached=Count("id", filter=Q(status__in=REACHED)))
        .order_by("day")
    ]
    return Effectiveness(
        as_of=as_of,
        treated=treated["total"],
        control=control["total"],
        worked=worked,
        reached=reached,
        outcomes=outcomes,
        cost=campaign.cost_per_contact * worked,
        treated_retained=treated["retained"],
        control_retained=control["retained"],
        lift=retention_lift(
            treated["retained"], treated["total"], control["retained"], control["total"]
        ),
        days=days,
    )
