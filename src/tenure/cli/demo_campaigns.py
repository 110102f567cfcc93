"""Demo campaigns for ``make demo``: the retention team's templates, a saved advanced search for
customers at high churn risk in segments A and B, and a running Retention campaign populated from
it (20 % control group) with its contacts shared among the demo agents, a few already worked.

Everything goes through the same services as the pages (``campaign_from_template``,
``campaign_populate``, ``contacts_assign``, ``contact_update``), so the demo campaign carries a
population record, a seeded control group and audited contact work. Idempotent: templates and
the search are created once, the campaign only when it is not there yet.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from tenure.campaigns.models import Campaign, CampaignTemplate

RETENTION_TEMPLATE = "Retention discount call"
LETTER_TEMPLATE = "Winback letter with a voucher"
LOYALTY_TEMPLATE = "Loyalty premium-service e-mail"
CARING_TEMPLATE = "Caring courtesy call"
SEARCH_NAME = "High churn risk, segments A and B"
SEARCH_CRITERIA = {
    "match": "all",
    "conditions": [
        {"field": "segment", "op": "in", "value": ["A", "B"]},
        {"field": "risk_class", "op": "in", "value": ["3", "4"]},
        {"field": "customer_status", "op": "in", "value": ["active"]},
    ],
    "text": "",
}
CAMPAIGN_NAME = "Retention calls: high churn risk A/B"
STARTED_DAYS_AGO, DURATION_DAYS, CONTROL_SHARE, CONTROL_SEED = 9, 42, 0.2, 20261
WORKED_SHARE = 0.15
"""The share of the contacted group the agents have worked so far, spread over the days since
the start."""

TEMPLATES: list[dict[str, Any]] = [
    {
        "name": RETENTION_TEMPLATE,
        "type": "retention",
        "action_kind": "discount",
        "action_object": "15 % off the base price for 12 months",
        "channel": "phone",
        "duration_days": 42,
        "cost_per_contact": Decimal("6.50"),
        "script": (
            "## Retention call\n\n"
            "Good morning, this is {agent} from your energy supplier. Am I speaking with "
            "**{name}**?\n\n"
            "- Thank them for being a customer (customer number {partner_number}).\n"
            "- Ask how satisfied they are with the service and the price.\n"
            "- If they consider leaving: offer **{offer}**.\n\n"
            "Note the outcome: *retained*, *accepted offer*, *refused* or *call back*."
        ),
    },
    {
        "name": LETTER_TEMPLATE,
        "type": "retention",
        "action_kind": "prize",
        "action_object": "a 50 € voucher when the contract is renewed",
        "channel": "letter",
        "duration_days": 60,
        "cost_per_contact": Decimal("2.10"),
        "script": (
            "Dear {name},\n\nthank you for your trust. Renew your contract by the end of the "
            "month and receive **{offer}**.\n\nKind regards, {agent}"
        ),
    },
    {
        "name": LOYALTY_TEMPLATE,
        "type": "loyalty",
        "action_kind": "premium_service",
        "action_object": "premium service without extra fees in the first year",
        "channel": "email",
        "duration_days": 30,
        "cost_per_contact": Decimal("0.40"),
        "script": (
            "Subject: A thank-you for our best customers\n\n"
            "Dear {name}, as one of our valued customers in {city} you get **{offer}**: "
            "a personal contact, priority appointments and a yearly consumption review."
        ),
    },
    {
        "name": CARING_TEMPLATE,
        "type": "caring",
        "action_kind": "information",
        "action_object": "a courtesy call: is everything all right?",
        "channel": "phone",
        "duration_days": 21,
        "cost_per_contact": Decimal("3.80"),
        "script": (
            "Hello {name}, this is {agent}. We are calling to check that everything is fine "
            "with your supply and your last bill. Is there anything we can do for you?\n\n"
            "*No selling on this call.* Record the NPS if the customer wants to give one."
        ),
    },
]


def demo_templates() -> dict[str, CampaignTemplate]:
    """The demo templates by name (created once; an administrator's later edits stay)."""
    from tenure.campaigns.models import CampaignTemplate

    found = {}
    for values in TEMPLATES:
        template, _created = CampaignTemplate.objects.get_or_create(
            name=values["name"], defaults={k: v for k, v in values.items() if k != "name"}
        )
        found[template.name] = template
    return found


def demo_campaigns(
    *,
    console: Console,
    agents: Sequence[str] = ("agent", "agent2"),
    owner: str = "marketing",
    seed: int = 7,
    today: dt.date | None = None,
) -> Campaign | None:
    """Templates, the saved search and the running Retention campaign (see the module docstring).

    Call it after the demo users exist (``agents``, ``owner``) and the partners have their current
    customer value datasets. Returns the campaign (``None`` if the search found nobody to add).
    """
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from tenure.campaigns.models import Campaign, Contact
    from tenure.campaigns.services import (
        campaign_from_template,
        campaign_populate,
        contacts_assign,
        source_from_saved_search,
    )
    from tenure.reports.models import SavedSearch
    from tenure.reports.search import parse_criteria

    today = today or timezone.localdate()
    templates = demo_templates()
    marketing = User.objects.filter(username=owner).first()
    search, _created = SavedSearch.objects.get_or_create(
        name=SEARCH_NAME,
        defaults={
            "criteria": parse_criteria(SEARCH_CRITERIA).as_json(),
            "description": "Customers of the two best segments whom the churn model sees at "
            "high or very high risk: the targets of the retention calls.",
            "owner": marketing,
            "shared": True,
        },
    )
    existing = Campaign.objects.filter(name=CAMPAIGN_NAME).first()
    if existing is not None:
        console.print(f"Demo campaigns: {len(templates)} templates; {CAMPAIGN_NAME!r} is there.")
        return existing
    starts_on = today - dt.timedelta(days=STARTED_DAYS_AGO)
    with transaction.atomic():
        campaign = campaign_from_template(
            templates[RETENTION_TEMPLATE],
            name=CAMPAIGN_NAME,
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(days=DURATION_DAYS - 1),
            owner=marketing,
            control_share=CONTROL_SHARE,
            control_seed=CONTROL_SEED,
            description="Personal calls to valuable customers the churn model sees at risk; one "
            "in five is held out to measure what the calls achieve.",
        )
        population = campaign_populate(
            campaign, source_from_saved_search(search.pk), actor=marketing, day=today
        )
        team = list(User.objects.filter(username__in=agents).order_by("username"))
        worked = 0
        if team and population.added_treated:
            contacts_assign(campaign, team)
            worked = _work_some(campaign, team, today=today, seed=seed)
    if not population.added_treated + population.added_control:
        console.print(f"Demo campaigns: the search {SEARCH_NAME!r} found nobody to add.")
    control = Contact.objects.filter(campaign=campaign, group=Contact.Group.CONTROL).count()
    console.print(
        f"Demo campaigns: {len(templates)} templates, the saved search {SEARCH_NAME!r}, and "
        f"{CAMPAIGN_NAME!r} with {population.added_treated} customers to contact "
        f"({worked} worked) and {control} in the control group."
    )
    return campaign


OUTCOMES = [  # (status, outcome, weight): what agents noted on the first days
    ("done", "retained", 30),
    ("done", "accepted_offer", 25),
    ("done", "refused", 15),
    ("reached", "callback", 10),
    ("not_reached", "", 20),
]


def _work_some(campaign: Campaign, team: list[Any], *, today: dt.date, seed: int) -> int:
    """Record work on a share of the contacted group, spread over the days since the start."""
    from django.utils import timezone

    from tenure.campaigns.models import Contact
    from tenure.campaigns.services import contact_update

    rng = random.Random(seed)
    treated = list(
        Contact.objects.filter(campaign=campaign, group=Contact.Group.TREATED)
        .select_related("agent")
        .order_by("id")
    )
    chosen = rng.sample(treated, k=max(1, int(len(treated) * WORKED_SHARE)))
    days = max(1, (today - campaign.starts_on).days)
    now = timezone.now()
    for contact in chosen:
        status, outcome, _weight = rng.choices(OUTCOMES, weights=[o[2] for o in OUTCOMES])[0]
        when = now - dt.timedelta(days=rng.randrange(days), hours=rng.randrange(8))
        callback = when + dt.timedelta(days=3) if outcome == "callback" else None
        contact_update(
            contact,
            actor=contact.agent or team[0],
            status=status,
            outcome=outcome,
            notes="Demo call." if status != "not_reached" else "No answer.",
            # the service takes no call-back time in the past: backdated with the work below
            callback_at=now + dt.timedelta(days=3) if callback else None,
        )
        closed = when if status in ("done", "not_reached") else None
        Contact.objects.filter(pk=contact.pk).update(
            worked_at=when, closed_at=closed, callback_at=callback
        )
    return len(chosen)
