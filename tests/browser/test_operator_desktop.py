"""An agent works a campaign contact from the operator desktop: filter and sort the worklist, open a
contact (script, tile, strip), record the outcome, visit the CRM summary and come back."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenure.campaigns.models import Campaign, Contact
from tenure.retention.models import PartnerIndicator
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.factories import make_dataset, make_partner

pytestmark = [pytest.mark.browser, browser_test]

CUSTOMERS = [
    ("1000001", "Ben Hoffmann", "Leipzig", "B", "3", 62, "red", 4),
    ("1000002", "Clara Weiß", "Leipzig", "A", "4", 81, "yellow", None),
    ("1000003", "David Schulz", "Dresden", "C", "2", 35, "green", 9),
    ("1000004", "Eva Braun", "Leipzig", "D", "1", 12, "", None),
    ("1000005", "Felix Wagner", "Halle", "B", "3", 58, "yellow", 7),
    ("1000006", "Greta Fischer", "Leipzig", "A", "2", 44, "green", 10),
]


def test_agent_works_a_contact_from_the_desktop_screenshots(session, make_user):
    """docs/screenshots/operator-desktop.png and campaign-contact.png."""
    agent = make_user("agent", username="agent.meier")
    today = timezone.localdate()
    retention = Campaign.objects.create(
        name="Winter retention calls", type="retention", starts_on=today - dt.timedelta(days=7),
        ends_on=today + dt.timedelta(days=30), action_kind="discount",
        action_object="10 % off for 12 months",
        script="Good morning **{name}**! As a valued customer in {city} we offer you "
               "**{offer}**.\n\n1. Ask how the service has been.\n2. Present the offer.",
    )  # fmt: skip
    caring = Campaign.objects.create(
        name="Caring: welcome call", type="caring", starts_on=today - dt.timedelta(days=2)
    )
    partners = {}
    for number, name, city, segment, risk, churn, light, nps in CUSTOMERS:
        phones = ("+493419876543",) if name == "Clara Weiß" else ()
        partner = partners[name] = make_partner(number, name=name, city=city, phones=phones)
        make_dataset(partner, segment=segment, risk_class=risk, churn_score=churn,
                     customer_value=int(number[-1]) + 3)  # fmt: skip
        if light:
            PartnerIndicator.objects.create(partner=partner, traffic_light=light, nps=nps)
        Contact.objects.create(campaign=retention, partner=partner, agent=agent)
    hidden = make_partner("1000007", name="Hanna Koch", city="Leipzig")
    Contact.objects.create(campaign=retention, partner=hidden, group="control")
    Contact.objects.create(campaign=caring, partner=partners["David Schulz"], agent=agent)

    session.login("agent.meier")
    page = session.page
    page.get_by_role("link", name="Operator desktop").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Operator desktop")
    rows = page.get_by_test_id("worklist").locator("tbody > tr")
    expect(rows).to_have_count(7)
    expect(page.get_by_test_id("worklist")).not_to_contain_text("Hanna Koch")  # control group
    expect(rows.first.get_by_test_id("indicator-strip")).to_contain_text("red – critical")

    # the beginning of the number or the name (as when targeted), in any case
    page.get_by_label("Search: beginning of partner number or name").fill("100000")
    expect(page.get_by_test_id("worklist-count")).to_contain_text("7 contacts")
    expect(page).to_have_url(re.compile(r"q=100000"))
    page.get_by_label("Traffic light", exact=True).select_option("none")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Eva Braun")
    page.get_by_label("Traffic light", exact=True).select_option("")
    expect(rows).to_have_count(7)
    page.get_by_label("City begins with").fill("dres")  # the city column's own filter
    expect(rows).to_have_count(2)  # David Schulz in both campaigns
    expect(page).to_have_url(re.compile(r"city=dres"))
    page.get_by_label("City begins with").fill("")
    expect(rows).to_have_count(7)
    page.locator("th a[data-sort=churn]").click()  # ascending
    expect(page).to_have_url(re.compile(r"sort=churn"))
    page.locator("th a[data-sort=churn]").click()  # descending
    expect(page).to_have_url(re.compile(r"sort=-churn"))
    expect(rows.first).to_contain_text("Clara Weiß")
    expect(rows.first.get_by_test_id("indicator-strip")).to_contain_text("yellow – at risk")
    expect(page.locator("th", has_text="Churn score")).to_contain_text("when targeted")
    page.reload()  # the URL keeps the state
    expect(rows).to_have_count(7)
    expect(rows.first).to_contain_text("Clara Weiß")
    page.screenshot(path=SCREENSHOTS / "operator-desktop.png", full_page=True)

    rows.first.get_by_test_id("open-contact").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clara Weiß")
    expect(page.get_by_test_id("call-script")).to_contain_text(
        "Good morning Clara Weiß! As a valued customer in Leipzig we offer you 10 % off for 12 months."
    )
    expect(page.get_by_test_id("customer-value-tile")).to_contain_text("81 / 100")
    strip = page.get_by_test_id("indicator-strip")
    expect(strip.get_by_test_id("indicator-light")).to_contain_text("yellow – at risk")
    expect(strip.get_by_test_id("indicator-retention")).to_contain_text("in a retention campaign")
    card = page.get_by_test_id("partner-contact")  # how to reach her, and may we by phone
    expect(card.locator('a[href="tel:+493419876543"]')).to_be_visible()
    expect(card.get_by_test_id("consents").locator("li", has_text="Phone")).to_contain_text(
        "not recorded (the campaign's channel)"
    )
    page.set_viewport_size({"width": 1000, "height": 900})  # a full top bar
    assert page.locator("#language").evaluate(
        """menu => {
            const natural = menu.cloneNode(true);
            natural.style.width = "auto";
            document.body.append(natural);
            const fits = menu.offsetWidth >= natural.offsetWidth - 1;
            natural.remove();
            return fits;
        }"""
    ), "the language menu is squeezed so that its codes are cut off"
    page.set_viewport_size({"width": 1280, "height": 900})

    form = page.get_by_test_id("contact-form")
    form.get_by_label("Outcome").select_option("callback")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("contact-error")).to_have_text("A call-back needs a date and time.")
    form.get_by_label("Status").select_option("reached")
    form.get_by_label("Outcome").select_option("accepted_offer")
    form.get_by_label("Notes").fill("Accepts the discount; send the confirmation by letter.")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("contact-message")).to_have_text("Saved: Reached · Accepted offer.")
    page.screenshot(path=SCREENSHOTS / "campaign-contact.png", full_page=True)
    contact_url = page.url

    page.get_by_test_id("crm-summary-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CRM summary")
    history = page.get_by_test_id("campaign-history")
    expect(history).to_contain_text("Winter retention calls")
    expect(history).to_contain_text("Accepted offer")
    expect(history.get_by_test_id("campaign-result")).to_contain_text("100.0 % vs 100.0 %")
    page.set_viewport_size({"width": 420, "height": 900})  # a narrow screen: the table scrolls
    assert history.evaluate(
        "t => t.closest('.card').getBoundingClientRect().right <= window.innerWidth"
        " && t.parentElement.scrollWidth > t.parentElement.clientWidth"
        " && getComputedStyle(t.parentElement).overflowX === 'auto'"
    ), "the campaign history should scroll inside its card"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_test_id("back-to-contact").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clara Weiß")
    expect(page.get_by_test_id("contact-form").get_by_label("Outcome")).to_have_value(
        "accepted_offer"
    )
    assert page.url.split("?")[0] == contact_url.split("?")[0]

    assert contact_url.endswith("?q=100000&sort=-churn")  # opened from the worklist: its state
    page.goto(contact_url)
    page.get_by_test_id("next-contact").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ben Hoffmann")  # churn 62
    page.get_by_test_id("back-to-worklist").click()
    expect(page).to_have_url(re.compile(r"q=100000&sort=-churn"))
    expect(rows).to_have_count(7)
    expect(rows.first).to_contain_text("Accepted offer")
