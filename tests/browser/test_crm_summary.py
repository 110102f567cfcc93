"""An agent updates the traffic light and the NPS in the CRM summary; the strip follows."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tenure.campaigns.models import Campaign, Contact
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.factories import make_dataset, make_partner

pytestmark = [pytest.mark.browser, browser_test]


def test_agent_updates_light_and_nps_from_the_crm_summary_screenshot(session, make_user):
    """docs/screenshots/crm-summary.png: the CRM summary after both updates."""
    partner = make_partner("1000001", name="Ben Hoffmann", city="Leipzig")
    make_dataset(partner, segment="B", customer_value=7, risk_class="3", churn_score=62)
    retention = Campaign.objects.create(name="Winter retention calls", type="retention",
                                        starts_on=dt.date.today() - dt.timedelta(days=10))  # fmt: skip
    Contact.objects.create(campaign=retention, partner=partner)
    make_user("agent", username="agent.meier")
    session.login("agent.meier")
    page = session.page
    session.goto(f"/partners/{partner.number}/")
    strip = page.get_by_test_id("indicator-strip")
    expect(strip.get_by_test_id("indicator-light")).to_contain_text("not set")
    expect(strip.get_by_test_id("indicator-retention")).to_contain_text("in a retention campaign")
    expect(strip.get_by_test_id("indicator-caring")).to_contain_text("no")
    strip.get_by_test_id("crm-summary-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CRM summary")

    light_form = page.get_by_test_id("light-form")
    light_form.get_by_label("Traffic light").select_option("yellow")
    light_form.get_by_role("button", name="Set traffic light").click()  # no reason yet
    expect(page.get_by_test_id("light-history")).to_contain_text("not been set")  # browser refused
    light_form.get_by_label("Reason (required)").fill("   ")  # the browser accepts, the server not
    light_form.get_by_role("button", name="Set traffic light").click()
    expect(page.get_by_test_id("indicator-error")).to_contain_text("a reason is required")
    expect(page.get_by_test_id("light-history")).to_contain_text("not been set")
    expect(light_form.get_by_label("Traffic light")).to_have_value("yellow")  # the choice is kept
    light_form.get_by_label("Reason (required)").fill("Two reminders this quarter")
    light_form.get_by_role("button", name="Set traffic light").click()
    expect(page.get_by_test_id("indicator-message")).to_have_text(
        "Traffic light set to yellow – at risk."
    )
    history = page.get_by_test_id("light-history").locator("tbody > tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Two reminders this quarter")
    expect(history.first).to_contain_text("agent.meier")

    nps_form = page.get_by_test_id("nps-form")
    nps_form.get_by_label("How likely is the customer to recommend us? (0–10)").fill("4")
    nps_form.get_by_label("Comment").fill("Unhappy with the last bill")
    nps_form.get_by_role("button", name="Record NPS").click()
    expect(page.get_by_test_id("indicator-message")).to_have_text("NPS 4 recorded.")
    expect(page.get_by_test_id("indicator-nps")).to_contain_text("4 · detractor")
    expect(page.get_by_test_id("indicator-light")).to_contain_text("yellow – at risk")
    expect(page.get_by_test_id("campaign-history")).to_contain_text("Winter retention calls")
    expect(page.get_by_test_id("customer-value-tile")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "crm-summary.png", full_page=True)

    session.goto(f"/partners/{partner.number}/")  # the partner page shows the same strip
    expect(page.get_by_test_id("indicator-nps")).to_contain_text("4 · detractor")
