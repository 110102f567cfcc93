"""The "Next best actions" card on the partner page: an agent accepts an action, reads why."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tenure.nextbest import services
from tenure.nextbest.models import Decision, Response
from tenure.partners.models import ChannelConsent
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.factories import make_dataset, make_partner


@browser_test
def test_agent_accepts_the_next_best_action_on_the_partner_page(session, make_user, settings):
    settings.TENURE_NBA_RATES_SECONDS = 0  # the rates of this test's responses only
    services._LEARNED.clear()
    services._CATALOGUE.clear()
    partner = make_partner("6001", name="Clara Berger", customer_since=dt.date(2018, 3, 1))
    make_dataset(partner, segment="C", risk_class="3", churn_score=72, customer_value=4)
    ChannelConsent.objects.create(
        partner=partner, channel="phone", granted=True, recorded_at=timezone.now()
    )
    make_user("agent", username="agent.nba")
    session.login("agent.nba")
    session.goto("/partners/6001/")
    page = session.page
    card = page.get_by_test_id("nba-card")
    expect(card.get_by_role("heading", name="Next best actions")).to_be_visible()
    first = card.get_by_test_id("nba-action").first
    expect(first).to_contain_text("Retention call with a loyalty discount (5 years)")
    expect(first).to_contain_text("Chance of success")
    card.get_by_text("Why?").click()
    expect(card.get_by_test_id("nba-why")).to_contain_text("churn risk class 3-4")
    expect(card.get_by_test_id("nba-not-offered").first).to_be_visible()
    # one dataset: the trend's time axis spans ±45 days around it, not years
    expect(page.locator("#trend-value")).to_have_attribute("data-span-days", "90")
    page.screenshot(path=str(SCREENSHOTS / "next-best-actions.png"), full_page=True)
    first.get_by_test_id("nba-accept").click()
    expect(card.get_by_test_id("nba-recorded")).to_contain_text("Accepted")
    expect(page.get_by_test_id("nba-none")).to_be_visible()  # one offer per 7 days: used up
    answer = Response.objects.get()
    assert (answer.action, answer.response, answer.agent.username) == (
        "retention-loyalty-discount",
        "accepted",
        "agent.nba",
    )
    assert Decision.objects.filter(partner=partner).count() == 2
    assert not session.errors.console


@browser_test
def test_the_callers_stated_reason_decides_again_on_the_card(session, make_user):
    services._CATALOGUE.clear()
    partner = make_partner("6002", name="Jonas Weber", customer_since=dt.date(2015, 3, 1))
    make_dataset(partner, segment="A", risk_class="1", churn_score=8, customer_value=9)
    ChannelConsent.objects.create(
        partner=partner, channel="phone", granted=True, recorded_at=timezone.now()
    )
    make_user("agent", username="agent.reason")
    session.login("agent.reason")
    session.goto("/partners/6002/")
    card = session.page.get_by_test_id("nba-card")
    expect(card.get_by_test_id("nba-action").first).to_be_visible()
    offers = card.get_by_test_id("nba-action")
    expect(offers.filter(has_text="Offer a tariff optimisation")).to_have_count(0)
    card.get_by_test_id("nba-intent").select_option(label="Billing question")
    first = card.get_by_test_id("nba-action").first
    expect(first).to_contain_text("Offer a tariff optimisation (the customer asked)")
    expect(card.get_by_test_id("nba-intent")).to_have_value("billing")
    latest = Decision.objects.filter(partner=partner).latest("id")
    assert (latest.intent, latest.channel) == ("billing", "phone")
    assert not session.errors.console
