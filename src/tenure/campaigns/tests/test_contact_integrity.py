"""The contact's campaign, partner and agent have no constraint in the database (populating would
pay for it row by row): integrity comes from the populate's insert, which takes only partners
that exist, and from deletions through Django, which delete the contacts with their campaign or
partner and empty the agent of a deleted user's contacts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone
from tests.factories import make_partner

from tenure.campaigns.models import Campaign, Contact
from tenure.campaigns.services import TargetSource, _insert_contacts, campaign_populate
from tenure.partners.models import BusinessPartner

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


def _campaign(name: str, kind: str = "caring") -> Campaign:
    return Campaign.objects.create(name=name, type=kind, starts_on=TODAY)


def test_the_insert_takes_only_partners_that_exist() -> None:
    partner = make_partner("G001", "Kept")
    campaign = _campaign("Existing only")
    missing = BusinessPartner.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    ids = np.array([partner.pk, missing], dtype=np.int64)
    added = _insert_contacts(campaign.pk, ids, label="x", now=timezone.now())
    assert added == 1
    assert list(Contact.objects.values_list("partner_id", flat=True)) == [partner.pk]


def test_deleting_a_partner_or_a_campaign_deletes_their_contacts() -> None:
    partners = [make_partner(f"G{i:03d}", f"Gone {i}") for i in range(4)]
    first, second = _campaign("First"), _campaign("Second", "loyalty")
    for campaign in (first, second):
        source = TargetSource("list: all", partner_ids=tuple(p.pk for p in partners))
        campaign_populate(campaign, source, actor=None, day=TODAY)
    assert Contact.objects.count() == 8

    partners[0].delete()
    assert not Contact.objects.filter(partner_id=partners[0].pk).exists()
    assert Contact.objects.count() == 6

    first.delete()
    assert not Contact.objects.filter(campaign_id=first.pk).exists()
    assert set(Contact.objects.values_list("campaign_id", flat=True)) == {second.pk}
    assert Contact.objects.count() == 3


def test_deleting_a_user_empties_the_agent_of_their_contacts() -> None:
    from django.contrib.auth.models import User

    from tenure.campaigns.services import contacts_assign

    partners = [make_partner(f"U{i:03d}", f"Agent's {i}") for i in range(3)]
    campaign = _campaign("Assigned")
    campaign_populate(
        campaign,
        TargetSource("list", partner_ids=tuple(p.pk for p in partners)),
        actor=None,
        day=TODAY,
    )
    agent = User.objects.create_user("leaver")
    contacts_assign(campaign, [agent])
    assert Contact.objects.filter(agent=agent).count() == 3
    agent.delete()
    assert list(Contact.objects.values_list("agent_id", flat=True)) == [None, None, None]
