"""Recent interactions: calls, campaign contacts, complaints, payments and notes merged newest first,
bounded, filtered by kind and by what the user may read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.factories import make_partner

from tenure.campaigns.models import Campaign, Contact
from tenure.cti.models import Call
from tenure.customerdata.models import Complaint, Payment
from tenure.partners.interactions import KINDS, partner_interactions, visible_kinds
from tenure.partners.models import Note

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 11, day, hour))


@pytest.fixture
def history():
    """One of each kind on different days (newest: the note on the 20th), and another partner's."""
    partner, other = make_partner("4711"), make_partner("4712", name="Other")
    call = Call.objects.create(
        call_id="c1", state="ended", outcome="answered", extension="201", partner=partner
    )
    Call.objects.filter(pk=call.pk).update(created_at=at(18))
    campaign = Campaign.objects.create(
        name="Winter retention", type="retention", starts_on=dt.date(2026, 11, 1)
    )
    contact = Contact.objects.create(
        campaign=campaign, partner=partner, status="reached", outcome="retained"
    )
    Contact.objects.filter(pk=contact.pk).update(added_at=at(2), worked_at=at(16))
    Complaint.objects.create(partner=partner, reference="K-1", opened=dt.date(2026, 11, 10), severity="major",
                             subject="Wrong meter reading", imported_at=at(10))  # fmt: skip
    Payment.objects.create(partner=partner, reference="R-7", due_date=dt.date(2026, 11, 5),
                           paid_date=dt.date(2026, 11, 12), amount=Decimal("49.90"), imported_at=at(12))  # fmt: skip
    Payment.objects.create(partner=partner, reference="R-8", due_date=dt.date(2026, 11, 14),
                           amount=Decimal("49.90"), imported_at=at(14))  # fmt: skip
    Note.objects.create(partner=partner, text="Wants to talk about the tariff", created_at=at(20))
    Note.objects.create(partner=other, text="not this partner", created_at=at(21))
    return partner


def test_merged_newest_first_with_kind_summary_and_link(history) -> None:
    items = partner_interactions(partner_id=history.pk, number="4711", kinds=KINDS)
    assert [(item.kind, item.when.day) for item in items] == [
        ("note", 20), ("call", 18), ("campaign", 16), ("payment", 14), ("payment", 12),
        ("complaint", 10),
    ]  # fmt: skip
    note, call, contact, unpaid, paid, complaint = items
    assert note.link == f"/partners/4711/#note-{Note.objects.get(partner=history).pk}"
    assert call.summary.startswith("Inbound call")
    assert contact.summary == "Winter retention · Reached · Retained"
    assert contact.link.startswith("/campaigns/")
    assert "unpaid, due 11/14/2026" in unpaid.summary and "paid on 11/12/2026" in paid.summary
    assert complaint.summary == "major complaint K-1 · Wrong meter reading · open"
    assert complaint.link == "/retention/partners/4711/crm-summary/" and complaint.all_day


def test_bounded_by_limit_and_filtered_by_kind(history) -> None:
    with CaptureQueriesContext(connection) as queries:
        items = partner_interactions(partner_id=history.pk, number="4711", kinds=KINDS, limit=3)
    assert [item.kind for item in items] == ["note", "call", "campaign"]
    assert len(queries) == len(KINDS)  # one query per kind, whatever the history's length
    payments = partner_interactions(partner_id=history.pk, number="4711", kinds=["payment"])
    assert [item.kind for item in payments] == ["payment", "payment"]
    assert partner_interactions(partner_id=history.pk, number="4711", kinds=[]) == []


def test_each_role_reads_the_kinds_its_permissions_allow(make_user) -> None:
    assert visible_kinds(make_user("agent")) == list(KINDS)
    assert visible_kinds(make_user("analyst")) == list(KINDS)
    assert visible_kinds(make_user("telephony")) == []
