"""The contact's snapshot of the customer when targeted: taken by the populate insert, by a single
save and for contacts added without one; what migration 0007 fills; the free text on it."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.utils import timezone
from tests.factories import make_dataset, make_partner

from tenure.campaigns.models import Campaign, Contact
from tenure.campaigns.services import TargetSource, campaign_populate
from tenure.campaigns.targeting import fill_missing_snapshots
from tenure.campaigns.tests.test_desktop import numbers, query, users, world  # noqa: F401
from tenure.campaigns.worklist import next_contact, worklist_page

pytestmark = pytest.mark.django_db
SNAPSHOT = (
    "targeted_segment", "targeted_risk_class", "targeted_churn_score", "targeted_customer_value",
    "search_number", "search_name",
)  # fmt: skip


def snapshots(campaign: Campaign) -> dict[str, tuple]:
    rows = Contact.objects.filter(campaign=campaign).values_list("partner__number", *SNAPSHOT)
    return {number: tuple(values) for number, *values in rows}


@pytest.fixture
def partners():
    first = make_partner("K-100", "ÖZDEMIR Ärger")
    make_dataset(first, segment="B", risk_class="3", churn_score=64, customer_value=7)
    make_dataset(
        first, as_of=dt.date(2026, 12, 1), segment="A", risk_class="4", churn_score=81,
        customer_value=None,
    )  # fmt: skip
    second = make_partner("K-200", "Ben Hoffmann")
    make_dataset(second, segment="C", risk_class="1", churn_score=5, customer_value=2)
    third = make_partner("K-300", "Nadia Novak")  # no customer value data
    return [first, second, third]


def campaign(name: str = "Winter") -> Campaign:
    return Campaign.objects.create(name=name, type="retention", starts_on=timezone.localdate())


EXPECTED = {
    "K-100": ("A", "4", 81, None, "k-100", "özdemir ärger"),  # the current dataset, lower case
    "K-200": ("C", "1", 5, 2, "k-200", "ben hoffmann"),
    "K-300": (None, None, None, None, "k-300", "nadia novak"),
}


def test_populating_takes_each_customers_values_when_targeted(partners):
    target = campaign()
    source = TargetSource(label="list", partner_ids=tuple(p.pk for p in partners))
    campaign_populate(target, source, actor=None)
    assert snapshots(target) == EXPECTED
    make_dataset(partners[1], as_of=dt.date(2026, 12, 2), segment="A", churn_score=99)
    campaign_populate(target, source, actor=None)  # adds nothing, changes nothing
    assert snapshots(target) == EXPECTED


def test_a_contact_saved_alone_takes_it_too(partners):
    target = campaign()
    for partner in partners:
        Contact.objects.create(campaign=target, partner=partner)
    assert snapshots(target) == EXPECTED


def test_contacts_added_without_one_get_it_once(partners):
    target = campaign()
    Contact.objects.bulk_create(Contact(campaign=target, partner=p) for p in partners)
    assert set(snapshots(target).values()) == {(None, None, None, None, "", "")}
    assert fill_missing_snapshots() == 3
    assert snapshots(target) == EXPECTED
    make_dataset(partners[1], as_of=dt.date(2026, 12, 2), segment="A", churn_score=99)
    assert fill_missing_snapshots() == 0 and snapshots(target) == EXPECTED


class _Editor:
    """What a migration's RunPython function uses of Django's schema editor."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_migration_fills_the_contacts_there_are(partners):
    target = campaign()
    Contact.objects.bulk_create(Contact(campaign=target, partner=p) for p in partners)
    migration = importlib.import_module(
        "tenure.campaigns.migrations.0007_contact_targeting_snapshot"
    )
    migration.fill(None, _Editor())
    assert snapshots(target) == EXPECTED


def test_free_text_matches_the_beginning_of_number_or_name_in_any_case(partners, make_user):
    agent = make_user("agent", username="agent")
    target = campaign()
    for partner in partners:
        Contact.objects.create(campaign=target, partner=partner, agent=agent)
    for text, expected in [("özd", ["K-100"]), ("ÖZDEMIR Ä", ["K-100"]), ("k-", ["K-100", "K-200",
                           "K-300"]), ("K-2", ["K-200"]), ("ärger", []), ("hoffmann", [])]:  # fmt: skip
        assert sorted(numbers(worklist_page(agent, query(q=text)))) == expected, text


def test_sorted_ascending_no_data_comes_first_and_next_contact_follows(world, users):  # noqa: F811
    agent, contacts = users["agent"], world["contacts"]
    order = query(type="retention", sort="churn")
    assert numbers(worklist_page(agent, order)) == ["P06", "P01", "P02", "P03", "P04", "P05"]
    walked, current = [], contacts[6]
    while current is not None:
        walked.append(current.partner.number)
        following = next_contact(agent, order, current)
        current = Contact.objects.get(pk=following) if following else None
    assert walked == ["P06", "P01", "P02", "P03", "P04", "P05"]


def _plan(sql: str, params: tuple) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # tiny tables: make the planner show its index
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.parametrize("sort", ["-churn", "churn"])
def test_an_agents_page_sorted_by_churn_score_is_read_in_index_order(world, users, sort):  # noqa: F811
    from tenure.campaigns.worklist import _ordered, worklist_contacts

    contacts = worklist_contacts(users["agent"], query(sort=sort), day=timezone.localdate(),
                                 now=timezone.now())  # fmt: skip
    sql, params = _ordered(contacts, sort).values_list("id", flat=True)[:25].query.sql_with_params()
    plan = _plan(sql, params)
    assert "contact_agent_churn_idx" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan and "Sort Key" not in plan, plan


def test_an_agents_free_text_reads_the_search_indexes(world, users):  # noqa: F811
    from tenure.campaigns.worklist import worklist_contacts
    from tenure.partners.models import BusinessPartner

    # enough contacts for the agent that the planner's statistics prefer the text's indexes
    BusinessPartner.objects.bulk_create(
        BusinessPartner(number=f"Q{i:05d}", name=f"Quinn {i:05d}") for i in range(3000)
    )
    Contact.objects.bulk_create(
        Contact(campaign=world["retention"], partner=partner, agent=users["agent"])
        for partner in BusinessPartner.objects.filter(number__startswith="Q")
    )
    fill_missing_snapshots()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    contacts = worklist_contacts(users["agent"], query(q="customer 0"),
                                 day=timezone.localdate(), now=timezone.now())  # fmt: skip
    sql, params = contacts.values_list("id", flat=True).query.sql_with_params()
    plan = _plan(sql, params)
    assert "contact_search_name_idx" in plan and "contact_search_number_idx" in plan, plan
