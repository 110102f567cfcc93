"""The customer context: each field from its source, one partner and the whole base alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.factories import make_dataset, make_partner

from tenure.campaigns.models import Campaign, Contact
from tenure.customerdata.models import Complaint, Payment
from tenure.nextbest.context import context_frame, partner_context
from tenure.nextbest.fields import CONTEXT_FIELDS
from tenure.nextbest.models import Response
from tenure.nextbest.services import next_best_actions, rates_table, record_response
from tenure.partners.models import ChannelConsent
from tenure.retention.models import PartnerIndicator

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 20)


def full_context() -> dict:
    """A partner with a row in every source; checks and returns their context."""
    partner = make_partner("7001", customer_since=dt.date(2024, 11, 21))
    make_dataset(partner, segment="B", risk_class="2", churn_score=40, customer_value=6)
    PartnerIndicator.objects.create(partner=partner, traffic_light="yellow", nps=8)
    now = timezone.now()
    for ref, due, paid in (("I1", "2026-10-01", None), ("I2", "2026-11-01", None)):
        Payment.objects.create(
            partner=partner,
            reference=ref,
            due_date=dt.date.fromisoformat(due),
            paid_date=paid,
            amount=50,
            imported_at=now,
        )
    Payment.objects.create(
        partner=partner, reference="I3", due_date=DAY, amount=9, imported_at=now
    )  # due today: not overdue yet
    Complaint.objects.create(
        partner=partner, reference="K1", opened=dt.date(2026, 11, 1), severity="major",
        imported_at=now,
    )  # fmt: skip
    ChannelConsent.objects.create(partner=partner, channel="phone", granted=True, recorded_at=now)
    ChannelConsent.objects.create(partner=partner, channel="email", granted=False, recorded_at=now)
    campaign = Campaign.objects.create(
        name="Keep", type="retention", channel="phone", starts_on=dt.date(2026, 11, 1)
    )
    Contact.objects.create(campaign=campaign, partner=partner)
    context = partner_context(partner.pk, day=DAY, intent="billing", channel="phone")
    assert set(CONTEXT_FIELDS) <= set(context)
    assert (context["segment"], context["risk_class"], context["customer_value"]) == ("B", "2", 6)
    assert (context["traffic_light"], context["nps"]) == ("yellow", 8)
    assert (context["payments_overdue"], context["overdue_amount"]) == (2, 100)
    assert context["days_overdue"] == 50
    assert (context["open_complaints"], context["open_major_complaints"]) == (1, 1)
    assert context["in_retention_campaign"] and not context["in_loyalty_campaign"]
    assert (context["consent_phone"], context["consent_email"]) == (True, False)
    assert context["consent_sms"] is None or context["consent_sms"] != context["consent_sms"]
    assert context["tenure_months"] == 23
    assert context["is_customer"]
    assert (context["intent"], context["channel"]) == ("billing", "phone")
    return context


def test_fields_from_every_source() -> None:
    full_context()


def same(a: object, b: object) -> bool:
    return a == b or (a != a and b != b) or (a is None and b != b) or (b is None and a != a)


def test_the_batch_frame_equals_the_one_partner_context() -> None:
    full = full_context()
    first = make_partner("7002", customer_since=dt.date(2020, 1, 31))
    make_dataset(first, segment="A", churn_score=5, customer_value=None)
    make_partner("7003", left_on=dt.date(2026, 1, 1))
    frame = context_frame(day=DAY, intent="billing", channel="phone")
    assert list(frame["number"]) == ["7001", "7002", "7003"]
    assert frame.loc[frame["number"] == "7003", "is_customer"].item() == False  # noqa: E712
    for row in frame.to_dict("records"):
        one = partner_context(row["customer"], day=DAY, intent="billing", channel="phone")
        assert list(one) == list(row)
        differ = {k: (one[k], row[k]) for k in row if not same(one[k], row[k])}
        assert differ == {}, row["number"]
    assert full["payments_overdue"] == 2


def test_responses_teach_the_rate_shown_per_action_with_its_count() -> None:
    partner = make_partner("7004")
    make_dataset(partner, segment="A", risk_class="1", churn_score=5)
    ChannelConsent.objects.create(
        partner=partner, channel="phone", granted=True, recorded_at=timezone.now()
    )
    before = rates_table().set_index(["action", "segment"]).loc[("cross-sell", "*")]
    assert (before["count"], before["rate"]) == (0, pytest.approx(0.08))
    for answer in ("accepted", "accepted", "refused"):
        _, stored = next_best_actions(partner, channel="phone", store=True)
        assert stored is not None and stored.top_action == "cross-sell"
        record_response(
            stored, action="cross-sell", response=answer, now=timezone.now() - dt.timedelta(days=60)
        )
    assert Response.objects.filter(segment="A").count() == 3
    after = rates_table().set_index(["action", "segment"])
    assert after.loc[("cross-sell", "*"), "count"] == 3
    assert after.loc[("cross-sell", "A"), "rate"] > 0.08
    decision, _ = next_best_actions(partner, channel="phone", store=False)
    assert decision.actions[0].probability == pytest.approx(after.loc[("cross-sell", "A"), "rate"])
