"""Populating writes each contact once, with the batch's label, open, in its group; a partner
already in the campaign is left out by the plan, and one added by other means meanwhile fails
the populate as a whole with a message, adding nothing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone
from tests.factories import make_partner

from tenure.campaigns.models import Campaign, Contact
from tenure.campaigns.services import (
    CampaignError,
    TargetSource,
    _insert_contacts,
    campaign_populate,
    population_plan,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


def test_populate_inserts_each_target_once_with_its_group_and_label() -> None:
    partners = [make_partner(f"I{i:03d}", f"Insert {i}") for i in range(60)]
    campaign = Campaign.objects.create(name="Insert", type="loyalty", starts_on=TODAY,
                                       control_share=0.3, control_seed=5)  # fmt: skip
    first = TargetSource("list: first", partner_ids=tuple(p.pk for p in partners[:40]))
    planned = population_plan(campaign, first, day=TODAY)
    population = campaign_populate(campaign, first, actor=None, day=TODAY)
    contacts = Contact.objects.filter(campaign=campaign)
    assert contacts.count() == 40 == population.added_treated + population.added_control
    assert contacts.filter(group="control").count() == population.added_control > 0
    # both groups go in together, each partner in the group the plan drew for it
    control = set(contacts.filter(group="control").values_list("partner_id", flat=True))
    treated = set(contacts.filter(group="treated").values_list("partner_id", flat=True))
    assert (control, treated) == (set(planned.control_ids), set(planned.treated_ids))
    assert set(contacts.values_list("status", "outcome", "notes", "source")) == {
        ("open", "", "", "list: first")
    }
    added = contacts.values_list("added_at", flat=True)
    assert all(abs(at - timezone.now()) < dt.timedelta(minutes=5) for at in added)

    second = TargetSource("list: second", partner_ids=tuple(p.pk for p in partners[20:]))
    again = campaign_populate(campaign, second, actor=None, day=TODAY)
    assert again.excluded["already_in_campaign"] == 20
    assert again.added_treated + again.added_control == 20 and contacts.count() == 60
    assert contacts.filter(source="list: second").count() == 20

    # a partner in the campaign already (added by other means than a populate, which plans
    # under the campaign's lock) fails the insert as a whole: nothing is doubled or added
    ids = np.array([partners[0].pk, partners[59].pk], dtype=np.int64)
    with (
        pytest.raises(CampaignError, match="added to the campaign meanwhile"),
        transaction.atomic(),
    ):
        _insert_contacts(campaign.pk, ids, label="x", now=timezone.now())
    assert _insert_contacts(campaign.pk, ids[:0], label="x", now=timezone.now()) == 0
    assert contacts.count() == 60
