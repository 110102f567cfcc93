"""A finished demo Retention campaign whose effect differs between customers, for uplift models.

:func:`load_demo_uplift_campaign` puts the demo partners that were customers with a customer value
dataset 150 days ago into a Retention campaign that ran then for 30 days, holds out half of them
at random as the control group (the campaign's seeded draw), and decides who stayed by the logic
of :mod:`tenure.analytics.uplift.synthetic`, on what the partner's dataset said before the start:

- without the call a customer stays with probability ``expit(1.0 − 0.04 · (churn score − 50))``
  (about 93 % at score 10, 73 % at 50, 35 % at 90);
- the call moves the log-odds by ``+1.8`` for **persuadables**, valuable customers at moderate
  risk (churn score 30–69 and customer value ≥ 5: the offer keeps them), by ``−1.0`` for
  **sleeping dogs**, the customers at the highest risk (churn score 75 or more: they have made up
  their minds, and the call prompts them to cancel now), and not at all for the others.

Who left gets ``left_on``, a day between the start and yesterday, so ``tenure uplift train`` on
the campaign finds the persuadables (a positive Qini coefficient), while the churn score alone
would target the customers with the highest risk first, whom the call puts off. Contacted
targets are recorded as worked (done, with the outcome the agent noted); controls stay open.
Idempotent: a second call finds the campaign and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import expit

from tenure.analytics.uplift.synthetic import PERSUADABLE_EFFECT, SLEEPING_DOG_EFFECT

if TYPE_CHECKING:
    from rich.console import Console

    from tenure.campaigns.models import Campaign

NAME = "Spring retention offer (finished)"
DAYS_AGO, DURATION_DAYS, CONTROL_SHARE = 150, 30, 0.5


def demo_effect(features: pd.DataFrame) -> pd.DataFrame:
    """The truth of the demo campaign per row of ``features`` (columns ``churn_score`` and
    ``customer_value`` as of the start): ``group`` (persuadable, sleeping_dog,
    other), ``p_control`` and ``p_treated`` (the chances of staying without and with the call)."""
    churn = features["churn_score"].fillna(50).to_numpy(np.float64)
    value = features["customer_value"].fillna(0).to_numpy(np.float64)
    persuadable = (churn >= 30) & (churn < 70) & (value >= 5)
    sleeping_dog = churn >= 75
    eta = 1.0 - 0.04 * (churn - 50)
    tau = PERSUADABLE_EFFECT * persuadable + SLEEPING_DOG_EFFECT * sleeping_dog
    return pd.DataFrame(
        {
            "group": np.select(
                [persuadable, sleeping_dog], ["persuadable", "sleeping_dog"], "other"
            ),
            "p_control": expit(eta),
            "p_treated": expit(eta + tau),
        },
        index=features.index,
    )


def load_demo_uplift_campaign(
    *,
    numbers: list[str],
    seed: int = 7,
    today: dt.date | None = None,
    console: Console | None = None,
) -> Campaign:
    """Create the finished demo campaign over the partners ``numbers`` (see the module docstring)
    and return it; returns the existing one unchanged when it is there already."""
    from django.db import transaction
    from django.utils import timezone

    from tenure.analytics.campaigns import control_group_mask
    from tenure.campaigns.models import Campaign, CampaignType, Contact, Population
    from tenure.campaigns.targeting import fill_missing_snapshots
    from tenure.campaigns.uplift import uplift_features
    from tenure.partners.models import BusinessPartner

    existing = Campaign.objects.filter(name=NAME, type=CampaignType.RETENTION).first()
    if existing is not None:
        if console:
            console.print(f"Demo uplift campaign {existing.pk} is already there; nothing to do.")
        return existing
    today = today or timezone.localdate()
    starts_on = today - dt.timedelta(days=DAYS_AGO)
    ends_on = starts_on + dt.timedelta(days=DURATION_DAYS - 1)
    partners = dict(
        BusinessPartner.objects.filter(number__in=numbers, left_on__isnull=True)
        .exclude(customer_since__gte=starts_on)
        .values_list("number", "pk")
    )
    ordered = sorted(partners, key=lambda number: (len(number), number))
    features = uplift_features([partners[n] for n in ordered], before=starts_on)
    features = features[features["churn_score"].notna()]
    truth = demo_effect(features)
    ids = features.index.to_numpy(np.int64)
    rng = np.random.default_rng(seed)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=NAME,
            type=CampaignType.RETENTION,
            action_kind="discount",
            action_object="15 % off the next 12 months",
            script="Good morning {name}, thank you for being with us. {offer}",
            channel="phone",
            cost_per_contact=4,
            starts_on=starts_on,
            ends_on=ends_on,
            active=False,
            control_share=CONTROL_SHARE,
            control_seed=seed,
            description="Demo: a finished campaign with a control group for uplift models.",
        )
        control = control_group_mask(ids, seed=campaign.control_seed, share=CONTROL_SHARE)
        chance = np.where(control, truth["p_control"], truth["p_treated"])
        stayed = rng.uniform(size=len(ids)) < chance
        days_left = (today - starts_on).days - 1
        left_after = rng.integers(1, max(days_left, 2), size=len(ids))
        worked_after = rng.integers(0, DURATION_DAYS, size=len(ids))
        contacts = []
        for position, partner_id in enumerate(ids.tolist()):
            contact = Contact(campaign=campaign, partner_id=partner_id, source="demo")
            if control[position]:
                contact.group = Contact.Group.CONTROL
            else:
                worked = timezone.make_aware(
                    dt.datetime.combine(
                        starts_on + dt.timedelta(days=int(worked_after[position])), dt.time(10)
                    )
                )
                contact.status = Contact.Status.DONE
                contact.outcome = (
                    Contact.Outcome.ACCEPTED_OFFER if stayed[position] else Contact.Outcome.REFUSED
                )
                contact.worked_at = contact.closed_at = worked
            contacts.append(contact)
        Contact.objects.bulk_create(contacts, batch_size=2_000)
        fill_missing_snapshots()  # bulk_create does not call save(), which takes it
        leaving = [
            BusinessPartner(
                pk=partner_id, left_on=starts_on + dt.timedelta(days=int(left_after[position]))
            )
            for position, partner_id in enumerate(ids.tolist())
            if not stayed[position]
        ]
        BusinessPartner.objects.bulk_update(leaving, ["left_on"], batch_size=2_000)
        Population.objects.create(
            campaign=campaign,
            source="demo",
            matched=len(ids),
            excluded={},
            added_treated=int((~control).sum()),
            added_control=int(control.sum()),
            control_share=CONTROL_SHARE,
            control_seed=campaign.control_seed,
        )
    if console:
        console.print(
            f"Demo uplift campaign {campaign.pk} ({starts_on} – {ends_on}): {len(ids)} targets, "
            f"{int(control.sum())} in the control group, {len(leaving)} have left since; "
            f"learn from it with: tenure uplift train {campaign.pk}"
        )
    return campaign
