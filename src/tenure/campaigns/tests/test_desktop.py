"""The operator desktop: the worklist (scopes, filters, sort, paging, the strip in every row, a
constant number of queries per page), the campaign contact worked from it, "next contact", the
CRM summary reached from a contact, and the desktop API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.factories import make_dataset, make_partner

from tenure.campaigns.effectiveness import campaign_effectiveness
from tenure.campaigns.history import campaigns_retention
from tenure.campaigns.models import Campaign, Contact
from tenure.campaigns.worklist import (
    WorklistError,
    WorklistQuery,
    next_contact,
    parse_worklist_query,
    worklist_page,
)
from tenure.retention.models import PartnerIndicator

pytestmark = pytest.mark.django_db
DESKTOP = "/campaigns/desktop/"


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def users(make_user):
    return {
        "agent": make_user("agent", username="agent"),
        "other": make_user("agent", username="agent.two"),
        "marketing": make_user("marketing", username="marketing"),
    }


@pytest.fixture
def world(users):
    """A running retention and caring campaign, an ended and a closed one; 12 partners.

    Retention: P01..P06 to the agent, P07..P08 to the other agent, P09..P10 unassigned,
    P11..P12 control group. Caring: P01 (agent). Ended and closed campaigns: P03 (agent).
    """
    retention = Campaign.objects.create(
        name="Winter retention", type="retention", starts_on=days(-10), ends_on=days(20),
        action_kind="discount", action_object="10 % off for 12 months",
        script="Hello **{name}** from {city}: we offer {offer}. Agent: {agent}.",
    )  # fmt: skip
    caring = Campaign.objects.create(name="Caring calls", type="caring", starts_on=days(-3))
    ended = Campaign.objects.create(
        name="Autumn loyalty", type="loyalty", starts_on=days(-60), ends_on=days(-1)
    )
    closed = Campaign.objects.create(
        name="Closed retention", type="retention", starts_on=days(-5), active=False
    )
    cities = ["Leipzig", "Berlin", "Köln", "Leipzig", "Bonn", "Ulm"] * 2
    partners = {}
    for i in range(1, 13):
        partners[i] = make_partner(f"P{i:02d}", f"Customer {i:02d}", city=cities[i - 1])
        if i != 6:  # P06 has no customer value data
            make_dataset(partners[i], segment="AB"[i % 2], risk_class=str(1 + i % 4),
                         churn_score=i * 7)  # fmt: skip
    PartnerIndicator.objects.create(partner=partners[1], traffic_light="red", nps=4)
    PartnerIndicator.objects.create(partner=partners[2], traffic_light="green", nps=10)
    PartnerIndicator.objects.create(partner=partners[4], traffic_light="yellow")
    contacts: dict[int | str, Contact] = {}
    for i in range(1, 13):
        agent = users["agent"] if i <= 6 else users["other"] if i <= 8 else None
        group = "control" if i >= 11 else "treated"
        contacts[i] = Contact.objects.create(
            campaign=retention, partner=partners[i], group=group, agent=agent
        )
    contacts["caring"] = Contact.objects.create(
        campaign=caring, partner=partners[1], agent=users["agent"]
    )
    Contact.objects.create(campaign=ended, partner=partners[3], agent=users["agent"])
    Contact.objects.create(campaign=closed, partner=partners[3], agent=users["agent"])
    Contact.objects.filter(pk=contacts[2].pk).update(status="done", outcome="retained")
    Contact.objects.filter(pk=contacts[3].pk).update(
        status="in_progress", callback_at=timezone.now() - dt.timedelta(hours=1)
    )
    Contact.objects.filter(pk=contacts[4].pk).update(
        callback_at=timezone.now() + dt.timedelta(days=3)
    )
    return {"retention": retention, "caring": caring, "partners": partners, "contacts": contacts}


def numbers(page) -> list[str]:
    return [row.partner_number for row in page.rows]


def query(**params) -> WorklistQuery:
    return parse_worklist_query({key: [str(value)] for key, value in params.items()})


# --- the worklist selector ---------------------------------------------------------------------


def test_agents_see_their_own_and_unassigned_contacts_never_the_control_group(world, users):
    mine = worklist_page(users["agent"], query())
    assert sorted(numbers(mine)) == ["P01", "P01", "P02", "P03", "P04", "P05", "P06"]
    assert mine.total == 7  # ended and closed campaigns are not worked
    assert sorted(numbers(worklist_page(users["agent"], query(scope="unassigned")))) == [
        "P09", "P10",
    ]  # fmt: skip
    with pytest.raises(WorklistError, match="your own and unassigned"):
        worklist_page(users["agent"], query(scope="all"))
    everyone = worklist_page(users["marketing"], query(scope="all", size=50))
    assert everyone.total == 11 and not {"P11", "P12"} & set(numbers(everyone))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "p05"}, ["P05"]),
        ({"q": "customer 0"}, ["P01", "P01", "P02", "P03", "P04", "P05", "P06"]),
        ({"q": "CUSTOMER 05"}, ["P05"]),
        ({"q": "ustomer"}, []),  # the beginning of the number or the name, not any part
        ({"q": "Leipzig"}, []),  # nor the city
        ({"city": "leip"}, ["P01", "P01", "P04"]),  # the city's own filter
        ({"city": "B", "status": "open"}, ["P05"]),  # Berlin is done, Bonn open
        ({"type": "caring"}, ["P01"]),
        ({"status": "done"}, ["P02"]),
        ({"status": "open,in_progress"}, ["P01", "P01", "P03", "P04", "P05", "P06"]),
        ({"outcome": "retained"}, ["P02"]),
        ({"outcome": "none", "type": "retention"}, ["P01", "P03", "P04", "P05", "P06"]),
        ({"segment": "A"}, ["P02", "P04"]),
        ({"risk": "4", "type": "retention"}, ["P03"]),
        ({"churn_min": 20, "churn_max": 30}, ["P03", "P04"]),
        ({"churn_min": 30}, ["P05"]),
        ({"light": "red"}, ["P01", "P01"]),
        ({"light": "none"}, ["P03", "P05", "P06"]),
        ({"callback": "due"}, ["P03"]),
        ({"callback": "today"}, ["P03"]),
        ({"callback": "planned"}, ["P03", "P04"]),
    ],
)
def test_filters_over_the_whole_table_and_per_column(world, users, params, expected):
    assert sorted(numbers(worklist_page(users["agent"], query(**params)))) == expected


def test_the_campaign_filter(world, users):
    page = worklist_page(users["agent"], query(campaign=world["caring"].pk))
    assert numbers(page) == ["P01"] and page.rows[0].campaign_name == "Caring calls"


def test_sorting_by_columns_with_empty_values_last(world, users):
    agent = users["agent"]
    assert numbers(worklist_page(agent, query(sort="-name", type="retention"))) == [
        "P06", "P05", "P04", "P03", "P02", "P01",
    ]  # fmt: skip
    by_churn = worklist_page(agent, query(sort="-churn", type="retention"))
    assert numbers(by_churn) == ["P05", "P04", "P03", "P02", "P01", "P06"]  # P06: no data
    # sorted by a value when targeted, no data counts as lowest: first ascending, last descending
    assert numbers(worklist_page(agent, query(sort="churn", type="retention"))) == [
        "P06", "P01", "P02", "P03", "P04", "P05",
    ]  # fmt: skip
    by_light = numbers(worklist_page(agent, query(sort="light", type="retention")))
    assert by_light[:3] == ["P01", "P04", "P02"]  # red, yellow, green, then not set
    by_status = numbers(worklist_page(agent, query(sort="status", type="retention")))
    assert by_status[-1] == "P02" and by_status[-2] == "P03"  # in progress, then done last


def test_paging_with_totals_and_a_page_past_the_end(world, users):
    first = worklist_page(users["marketing"], query(scope="all", size=4, sort="partner"))
    assert (first.total, first.pages, first.first, first.last) == (11, 3, 1, 4)
    assert numbers(first) == ["P01", "P01", "P02", "P03"]
    last = worklist_page(users["marketing"], query(scope="all", size=4, sort="partner", page=9))
    assert last.page == 3 and numbers(last) == ["P08", "P09", "P10"]
    filtered = worklist_page(users["marketing"], query(scope="all", q="customer 0"))
    assert (filtered.total, filtered.in_scope) == (10, 11)


def test_rows_carry_the_indicator_strip_values(world, users):
    rows = {
        (row.partner_number, row.campaign_type): row
        for row in worklist_page(users["agent"], query()).rows
    }
    first = rows["P01", "retention"]
    assert first.indicators.traffic_light == "red" and first.indicators.nps_band == "red"
    assert first.indicators.retention and first.indicators.caring  # in both running campaigns
    assert (first.segment, first.risk_class, first.churn_score) == ("B", "2", 7)
    assert first.risk_label and first.segment_label
    assert rows["P03", "retention"].callback_due and not rows["P04", "retention"].callback_due
    assert not rows["P02", "retention"].indicators.caring
    assert rows["P06", "retention"].segment is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope": "everyone"}, "scope"),
        ({"sort": "salary"}, "sort"),
        ({"status": "lost"}, "status"),
        ({"churn_min": "ten"}, "churn_min"),
        ({"churn_min": "50", "churn_max": "10"}, "churn_min"),
        ({"light": "blue"}, "light"),
        ({"size": "0"}, "size"),
        ({"segment": "Z"}, "segment"),
    ],
)
def test_bad_parameters_name_the_field(params, field):
    with pytest.raises(WorklistError) as caught:
        query(**params)
    assert caught.value.field == field


def test_the_state_round_trips_through_the_url():
    original = query(scope="unassigned", q="Leip", city="Hal", status="open", churn_min=10,
                     sort="-churn", size=50, page=2, light="none")  # fmt: skip
    again = parse_worklist_query(
        {key: [value for k, value in original.params() if k == key]
         for key, _value in original.params()}
    )  # fmt: skip
    assert again == original and query().params() == []


def test_next_contact_follows_the_worklist_order_even_after_the_contact_changed(world, users):
    agent, contacts = users["agent"], world["contacts"]
    order = query(type="retention", status="open", sort="-churn")
    assert numbers(worklist_page(agent, order)) == ["P05", "P04", "P01", "P06"]
    Contact.objects.filter(pk=contacts[4].pk).update(status="done")  # worked: leaves the filter
    assert next_contact(agent, order, contacts[4]) == contacts[1].pk
    assert next_contact(agent, order, contacts[1]) == contacts[6].pk
    assert next_contact(agent, order, contacts[6]) is None  # P06 (no churn score) is last


# --- query counts ------------------------------------------------------------------------------


def test_the_number_of_queries_per_page_does_not_grow_with_the_page(world, users, client_as):
    retention, partners = world["retention"], world["partners"]
    for i in range(13, 73):
        partner = make_partner(f"P{i:02d}", f"Customer {i:02d}", city="Halle")
        make_dataset(partner, churn_score=i)
        PartnerIndicator.objects.create(partner=partner, traffic_light="green", nps=i % 11)
        Contact.objects.create(campaign=retention, partner=partner, agent=users["agent"])
    assert partners  # the fixture's partners stay in the list
    counts = []
    for size in (5, 25, 50):
        asked = query(size=size, sort="-churn", segment="A")
        with CaptureQueriesContext(connection) as captured:
            page = worklist_page(users["agent"], asked)
        assert len(page.rows) == size
        counts.append(len(captured))
    # two counts (matches, whole scope), page ids, their rows, key labels, campaign flags
    assert counts[0] == counts[1] == counts[2] == 6
    client = Client()
    client.force_login(users["agent"])
    client.get(DESKTOP)  # warm up: session, content types
    for size in (25, 100):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(DESKTOP, {"size": size}).status_code == 200
        counts.append(len(captured))
    assert counts[3] == counts[4] <= 16, counts  # + session, user, permissions, filter lists


def test_the_page_stays_within_a_fixed_number_of_queries(
    world, users, django_assert_max_num_queries
):
    client = Client()
    client.force_login(users["agent"])
    with django_assert_max_num_queries(17):
        response = client.get(DESKTOP, {"size": "100", "q": "customer", "sort": "risk"})
    assert response.status_code == 200


# --- the pages ---------------------------------------------------------------------------------


def test_the_desktop_page_with_filters_strip_and_sort_links(world, client_as):
    html = client_as("agent").get(DESKTOP, {"type": "retention"}).content.decode()
    for testid in ("worklist-filters", "worklist", "worklist-count", "indicator-strip",
                   "open-contact"):  # fmt: skip
        assert f'data-testid="{testid}"' in html, testid
    assert "indicator-strip-compact" in html and "red – critical" in html
    assert "P11" not in html and "P07" not in html  # control group, another agent's contact
    assert 'href="/campaigns/desktop/?type=retention&amp;sort=-added&amp;page=1"' not in html
    assert 'href="/campaigns/desktop/?type=retention&amp;sort=name"' in html  # page 1 is default
    assert 'aria-sort="ascending"' in html  # the default sort: added
    assert "6 contacts" in html and "of 7 in this worklist" in html


def test_htmx_gets_the_table_only_and_bad_parameters_an_error(world, client_as):
    client = client_as("agent")
    response = client.get(DESKTOP, {"sort": "name"}, headers={"HX-Request": "true",
                                                              "HX-Target": "worklist"})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'data-testid="worklist"' in html
    assert 'name="sort" value="name" form="worklist-filters"' in html
    response = client.get(DESKTOP, {"scope": "all"})
    assert response.status_code == 400
    assert "your own and unassigned" in response.content.decode()


def test_nav_entry_and_who_may_use_the_desktop(world, client_as):
    assert 'href="/campaigns/desktop/"' in client_as("agent").get("/partners/").content.decode()
    analyst = client_as("analyst")
    assert 'href="/campaigns/desktop/"' not in analyst.get("/partners/").content.decode()
    assert analyst.get(DESKTOP).status_code == 403
    contact = world["contacts"][1]
    assert analyst.get(f"/campaigns/contacts/{contact.pk}/").status_code == 403


def test_the_contact_page_shows_offer_script_tile_strip_form_and_links(world, users):
    client = Client()
    client.force_login(users["agent"])
    contact = world["contacts"][1]
    html = client.get(f"/campaigns/contacts/{contact.pk}/", {"sort": "-churn"}).content.decode()
    assert "10 % off for 12 months" in html
    assert (
        "Hello <strong>Customer 01</strong> from Leipzig: we offer 10 % off for 12 months." in html
    )
    assert "Agent: agent." in html
    for testid in ("call-script", "customer-value-tile", "indicator-strip", "contact-form",
                   "crm-summary-link", "partner-link", "next-contact"):  # fmt: skip
        assert f'data-testid="{testid}"' in html, testid
    assert f'href="/retention/partners/P01/crm-summary/?contact={contact.pk}"' in html
    assert f'href="/campaigns/contacts/{contact.pk}/next/?sort=-churn"' in html
    assert 'href="/campaigns/desktop/?sort=-churn"' in html
    assert "csrfmiddlewaretoken" in html


def test_the_contact_page_says_how_to_reach_the_customer_and_warns_of_a_refused_channel(
    world, users
):
    """To work a phone campaign the agent needs the number, and must see a consent the customer
    withdrew after being targeted."""
    from tenure.partners.models import ChannelConsent, PartnerPhoneNumber

    partner = world["partners"][1]
    partner.email = "customer01@example.org"
    partner.street, partner.postcode = "Hauptstraße 1", "04109"
    partner.save()
    PartnerPhoneNumber.objects.create(partner=partner, e164="+493411234567", position=0)
    client = Client()
    client.force_login(users["agent"])
    path = f"/campaigns/contacts/{world['contacts'][1].pk}/"
    html = client.get(path).content.decode()
    assert 'data-testid="partner-contact"' in html
    assert 'href="tel:+493411234567"' in html
    assert 'href="mailto:customer01@example.org"' in html
    assert "Hauptstraße 1" in html
    assert html.count('data-testid="campaign-channel"') == 1  # beside the phone consent
    assert 'data-testid="channel-refused"' not in html
    ChannelConsent.objects.create(
        partner=partner, channel="phone", granted=False, recorded_at=timezone.now()
    )
    html = client.get(path).content.decode()
    assert 'data-testid="channel-refused"' in html
    assert "refused contact by this campaign's channel (Phone)" in html


def test_contacts_outside_the_desktop_are_not_found(world, users):
    agent = Client()
    agent.force_login(users["agent"])
    contacts = world["contacts"]
    assert agent.get(f"/campaigns/contacts/{contacts[7].pk}/").status_code == 404  # other's
    assert agent.get(f"/campaigns/contacts/{contacts[11].pk}/").status_code == 404  # control
    assert agent.get(f"/campaigns/contacts/{contacts[9].pk}/").status_code == 200  # unassigned
    marketing = Client()
    marketing.force_login(users["marketing"])
    assert marketing.get(f"/campaigns/contacts/{contacts[7].pk}/").status_code == 200
    assert marketing.get(f"/campaigns/contacts/{contacts[11].pk}/").status_code == 404


def post(client: Client, path: str, data: dict[str, str], htmx: bool = True):
    client.get("/accounts/login/")
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value}
    if htmx:
        headers["HX-Request"] = "true"
    return client.post(path, data, headers=headers)


def test_recording_the_outcome_with_htmx_and_errors_beside_the_form(world, client_as):
    agent = client_as("agent")
    contact = world["contacts"][9]  # unassigned: whoever works it takes it
    url = f"/campaigns/contacts/{contact.pk}/work/"
    response = post(agent, url, {"status": "reached", "outcome": "callback", "notes": "busy"})
    html = response.content.decode()
    assert response.status_code == 422 and "A call-back needs a date and time." in html
    assert 'data-testid="contact-error"' in html and "<html" not in html and "busy" in html
    contact.refresh_from_db()
    assert (contact.status, contact.notes, contact.agent) == ("open", "", None)
    response = post(agent, url, {"status": "reached", "outcome": "callback", "notes": "busy",
                                 "callback_at": "2026-12-24T09:30"})  # fmt: skip
    assert response.status_code == 200
    assert "Saved: Reached · Call back." in response.content.decode()
    contact.refresh_from_db()
    assert (contact.status, contact.outcome, contact.notes) == ("reached", "callback", "busy")
    assert contact.agent.username == "agent" and contact.worked_at is not None
    assert timezone.localtime(contact.callback_at).strftime("%Y-%m-%d %H:%M") == "2026-12-24 09:30"
    response = post(agent, url, {"status": "done", "outcome": "retained", "callback_at": "soon"})
    assert response.status_code == 422 and "Call back at" in response.content.decode()
    response = post(agent, url, {"status": "done", "outcome": "retained"}, htmx=False)
    assert (
        response.status_code == 302 and response["Location"] == f"/campaigns/contacts/{contact.pk}/"
    )
    contact.refresh_from_db()
    assert (contact.status, contact.outcome, contact.closed_at is not None) == (
        "done",
        "retained",
        True,
    )


def test_the_contact_shows_its_recorded_history_who_changed_what_and_when(world, client_as):
    """The audit log of a contact, on the contact: earlier notes and outcomes stay readable."""
    agent = client_as("agent")
    contact = world["contacts"][9]
    url = f"/campaigns/contacts/{contact.pk}/work/"
    page = agent.get(f"/campaigns/contacts/{contact.pk}/").content.decode()
    assert "History of this contact: 1 change<" in page and "added to the campaign" in page
    post(agent, url, {"status": "reached", "outcome": "callback", "notes": "busy, call later",
                      "callback_at": "2026-12-24T09:30"})  # fmt: skip
    saved = post(agent, url, {"status": "done", "outcome": "retained", "notes": "stays",
                              "callback_at": ""})  # fmt: skip
    html = saved.content.decode()  # the form's swap brings the history along
    history = html.split('data-testid="contact-changes"')[1].split("</details>")[0]
    assert "History of this contact: 3 changes" in history
    rows = history.split("<tr>")[2:]  # newest first
    assert "agent" in rows[0] and "Reached → Done" in rows[0] and "Call back → Retained" in rows[0]
    assert "busy, call later → stays" in rows[0] and "12/24/2026 9:30 a.m. → –" in rows[0]
    assert "Open → Reached" in rows[1] and "– → Call back" in rows[1]
    assert "Agent:</span> – → agent" in rows[1]  # whoever works it takes it
    assert "system" in rows[2] and "added to the campaign" in rows[2]


def test_the_outcome_form_needs_csrf(world, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["agent"])
    contact = world["contacts"][1]
    response = client.post(f"/campaigns/contacts/{contact.pk}/work/", {"status": "reached"})
    assert response.status_code == 403


def test_next_contact_moves_on_and_ends_on_the_desktop(world, client_as):
    agent = client_as("agent")
    contacts = world["contacts"]
    response = agent.get(f"/campaigns/contacts/{contacts[4].pk}/next/",
                         {"type": "retention", "sort": "-churn"})  # fmt: skip
    assert response["Location"] == (
        f"/campaigns/contacts/{contacts[3].pk}/?type=retention&sort=-churn"
    )
    response = agent.get(f"/campaigns/contacts/{contacts[6].pk}/next/",
                         {"type": "retention", "sort": "-churn"}, follow=True)  # fmt: skip
    assert response.redirect_chain[-1][0] == "/campaigns/desktop/?type=retention&sort=-churn"
    assert "That was the last contact of this worklist." in response.content.decode()


# --- the CRM summary from a contact --------------------------------------------------------------


def test_the_crm_summary_links_back_and_shows_each_campaign_with_its_result(world, users):
    retention, partners = world["retention"], world["partners"]
    partners[9].left_on = days(-1)  # one contacted customer left, both control customers stayed
    partners[9].save()
    client = Client()
    client.force_login(users["agent"])
    contact = world["contacts"][1]
    html = client.get(f"/retention/partners/P01/crm-summary/?contact={contact.pk}").content.decode()
    assert 'data-testid="back-to-contact"' in html
    assert f'href="/campaigns/contacts/{contact.pk}/"' in html
    assert "Back to the contact in “Winter retention”" in html
    assert 'class="table-scroll"' in html
    for text in ("Winter retention", "Caring calls", "Contacted group", "Open"):
        assert text in html
    effect = campaign_effectiveness(retention)
    assert (effect.treated, effect.control) == (10, 2)
    result = campaigns_retention([retention.pk])[retention.pk]
    assert result.lift == effect.lift and result.treated_percent == 90.0
    assert "90.0 % vs 100.0 % · <strong>-10.0 pts</strong>" in html
    assert f'<a href="/campaigns/{retention.pk}/">Winter retention</a>' in html
    assert '100.0 % <span class="muted">· no control group</span>' in html  # Caring calls
    other = client.get(f"/retention/partners/P02/crm-summary/?contact={contact.pk}")
    assert 'data-testid="back-to-contact"' not in other.content.decode()  # not P02's contact
    control = client.get("/retention/partners/P11/crm-summary/").content.decode()
    assert "Control group" in control and "not contacted" in control


# --- the API -----------------------------------------------------------------------------------


def test_api_worklist_with_the_same_filters(world, api_as, users):
    client = api_as("agent")
    me = client.get("/api/v1/worklist").json()
    assert me["total"] == 0  # the token user has no contacts; unassigned ones are a scope away
    body = client.get("/api/v1/worklist", {"scope": "unassigned", "sort": "-partner"}).json()
    assert [item["partner"] for item in body["items"]] == ["P10", "P09"]
    token_user = User.objects.get(username="agent-system")
    Contact.objects.filter(agent=users["agent"]).update(agent=token_user)
    body = client.get("/api/v1/worklist", {"light": ["red", "yellow"], "size": 1}).json()
    assert (body["total"], body["pages"], len(body["items"])) == (3, 3, 1)
    item = body["items"][0]
    assert item["traffic_light"] == "red" and item["retention"] is True
    assert {"segment", "risk_class", "churn_score", "nps_band", "caring"} <= set(item)
    assert client.get("/api/v1/worklist", {"city": "LEIP"}).json()["total"] == 3
    response = client.get("/api/v1/worklist", {"churn_max": "101"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "churn_max", "error": "must be from 0 to 100"}]
    assert client.get("/api/v1/worklist", {"scope": "all"}).status_code == 422
    assert api_as("analyst").get("/api/v1/worklist").status_code == 403
    assert Client().get("/api/v1/worklist").status_code == 401


def test_api_reads_and_records_a_contact(world, api_as):
    client = api_as("agent")
    contacts = world["contacts"]
    body = client.get(f"/api/v1/contacts/{contacts[9].pk}").json()
    assert (
        body["partner"] == "P09" and body["campaign"]["action_object"] == "10 % off for 12 months"
    )
    assert body["script"].startswith("Hello **Customer 09** from Köln: we offer 10 % off")
    assert body["outcome"] is None and body["agent"] is None
    assert client.get(f"/api/v1/contacts/{contacts[11].pk}").status_code == 404  # control
    assert client.get(f"/api/v1/contacts/{contacts[7].pk}").status_code == 404  # another's
    url = f"/api/v1/contacts/{contacts[9].pk}"
    patch = lambda data: client.patch(url, json.dumps(data), content_type="application/json")  # noqa: E731
    response = patch({"status": "lost"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "status"
    response = patch({"outcome": "callback"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "callback_at", "error": "A call-back needs a date and time."}
    ]
    response = patch({"status": "not_reached", "outcome": "retained"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "outcome"
    response = patch({"outcome": "accepted_offer", "notes": "takes the discount"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["outcome"], body["notes"]) == (
        "reached", "accepted_offer", "takes the discount",
    )  # fmt: skip
    assert body["agent"] == "agent-system"
    response = patch({"status": "done"})
    assert response.json()["outcome"] == "accepted_offer" and response.json()["closed_at"]
    assert api_as("analyst").patch(url, "{}", content_type="application/json").status_code == 403


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "de",
            [
                "Agenten-Arbeitsplatz",
                "Arbeitsliste",
                "Gesprächsleitfaden",
                "Ergebnis des Kontakts",
                '<option value="open" selected>Offen</option>',
            ],
        ),
        (
            "it",
            [
                "Postazione operatore",
                "Lista di lavoro",
                "Script della chiamata",
                "Esito del contatto",
                '<option value="open" selected>Aperto</option>',
            ],
        ),
    ],
)
def test_the_desktop_in_german_and_italian(world, users, language, texts):
    from django.conf import settings
    from django.utils import translation

    client = Client()
    client.force_login(users["agent"])
    headers = {"Accept-Language": language}
    try:
        html = client.get(DESKTOP, headers=headers).content.decode()
        contact = world["contacts"][1]
        html += client.get(f"/campaigns/contacts/{contact.pk}/", headers=headers).content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)
    for text in texts:
        assert text in html, text
