"""The retention team duplicates a template, personalises it, populates it from a saved search
with a control group (preview, then commit), and later reads the campaign's effectiveness."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenure.campaigns.models import Campaign, CampaignTemplate, Contact
from tenure.campaigns.services import contact_update
from tenure.partners.models import BusinessPartner, ChannelConsent
from tenure.reports.models import SavedSearch
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.factories import make_dataset, make_partner

pytestmark = [pytest.mark.browser, browser_test]
CITIES = ["Leipzig", "Halle", "Markkleeberg", "Taucha", "Schkeuditz"]


def test_marketing_builds_a_campaign_and_reads_its_effectiveness_screenshots(
    open_session, make_user
):
    """docs/screenshots/campaign-populate.png and campaign-effectiveness.png."""
    for i in range(60):  # 40 at high churn risk, 20 at low risk
        partner = make_partner(f"{1000001 + i}", name=f"Kunde {i:02d}", city=CITIES[i % 5])
        risky = i % 3 != 0
        make_dataset(partner, segment="A" if i % 2 else "B", risk_class="3" if risky else "1",
                     churn_score=75 if risky else 15, customer_value=8)  # fmt: skip
    SavedSearch.objects.create(
        name="High churn risk",
        criteria={"match": "all", "conditions": [
            {"field": "risk_class", "op": "in", "value": ["3", "4"]}]},
    )  # fmt: skip
    template = CampaignTemplate.objects.create(
        name="Retention discount call",
        type="retention",
        action_kind="discount",
        action_object="15 % off for 12 months",
        script="Hello {name}, we would like to offer you **{offer}**.",
        channel="phone",
        cost_per_contact=Decimal("6.50"),
        duration_days=42,
    )
    # what the preview leaves out: two former customers, three in a running retention
    # campaign, one who refused phone calls (partners 1, 2 | 4, 5, 7 | 8 are at high risk)
    BusinessPartner.objects.filter(number__in=["1000002", "1000003"]).update(
        left_on=timezone.localdate() - dt.timedelta(days=20)
    )
    running = Campaign.objects.create(name="Autumn retention letters", type="retention",
                                      starts_on=timezone.localdate() - dt.timedelta(days=5))  # fmt: skip
    for number in ("1000005", "1000006", "1000008"):
        Contact.objects.create(campaign=running, partner=BusinessPartner.objects.get(number=number))
    ChannelConsent.objects.create(partner=BusinessPartner.objects.get(number="1000009"),
                                  channel="phone", granted=False, recorded_at=timezone.now())  # fmt: skip
    make_user("marketing", username="mia.marketing")
    agent = make_user("agent", username="agent.meier")

    session = open_session()
    session.login("mia.marketing")
    page = session.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign from a template").click()
    page.get_by_role("link", name="Duplicate Retention discount call").click()
    form = page.get_by_test_id("campaign-form")
    expect(form.get_by_label("Offer")).to_have_value("15 % off for 12 months")
    form.get_by_label("Name").fill("Winter winback calls")
    form.get_by_label("Offer").fill("20 % off for 6 months")
    form.get_by_label("Call script").fill("Hi {name}! We offer **{offer}** to you in {city}.")
    expect(page.get_by_test_id("script-preview")).to_contain_text(
        "Hi Erika Mustermann! We offer 20 % off for 6 months to you in Leipzig."
    )
    form.get_by_label("Control group share").fill("0.3")
    form.get_by_role("button", name="Create campaign").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Add targets to “Winter winback")
    populate = page.get_by_test_id("populate-form")
    populate.get_by_label("Saved advanced search").check()
    populate.get_by_label("Saved search").select_option(label="High churn risk")
    populate.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("populate-preview")
    expect(preview.get_by_test_id("preview-matched")).to_have_text("40")
    for reason, count in (("no longer a customer", 2), ("in a running campaign", 3),
                          ("no consent for the channel", 1), ("contact pressure", 0)):  # fmt: skip
        expect(preview.locator("tr", has_text=reason).locator("td")).to_have_text(str(count))
    treated = int(preview.get_by_test_id("preview-treated").inner_text())
    control = int(preview.get_by_test_id("preview-control").inner_text())
    assert treated + control == 34 and 0 < control < 34
    campaign = Campaign.objects.get(name="Winter winback calls")
    assert not Contact.objects.filter(campaign=campaign).exists()  # a preview writes nothing
    page.screenshot(path=SCREENSHOTS / "campaign-populate.png", full_page=True)
    page.get_by_role("button", name="Add 34 customers to the campaign").click()

    page.wait_for_url(re.compile(rf"/campaigns/{campaign.pk}/$"))
    expect(page.get_by_role("status").first).to_contain_text(
        f"{treated} customers added to the contacted group and {control} to the control group"
    )
    expect(page.get_by_test_id("treated-total")).to_have_text(str(treated))
    expect(page.get_by_test_id("control-total")).to_have_text(str(control))
    expect(page.get_by_test_id("populations")).to_contain_text("search: High churn risk")
    expect(page.get_by_test_id("control-share")).to_have_text("30 %")
    template.refresh_from_db()
    assert template.action_object == "15 % off for 12 months"  # the template is unchanged
    page.get_by_test_id("assign-form").get_by_label("agent.meier").check()
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{treated} open contacts shared")

    # the agents work some contacts over two days; a few control customers leave meanwhile
    contacts = list(Contact.objects.filter(campaign=campaign, group="treated").order_by("id"))
    outcomes = ["retained", "accepted_offer", "refused", "retained", "retained", "accepted_offer"]
    yesterday = timezone.now() - dt.timedelta(days=1)
    for position, contact in enumerate(contacts[:12]):
        if position < len(outcomes):
            contact_update(contact, actor=agent, status="done", outcome=outcomes[position])
        else:
            contact_update(contact, actor=agent, status="not_reached")
        if position % 2:
            Contact.objects.filter(pk=contact.pk).update(worked_at=yesterday)
    for contact in Contact.objects.filter(campaign=campaign, group="control")[:3]:
        contact.partner.left_on = timezone.localdate() - dt.timedelta(days=1)
        contact.partner.save()

    page.get_by_role("link", name="Effectiveness").first.click()
    expect(page.get_by_test_id("effect-worked")).to_have_text("12")
    expect(page.get_by_test_id("effect-reach-rate")).to_contain_text("50.0 %")
    expect(page.get_by_test_id("rate-treated")).to_have_text("100.0 %")
    expect(page.get_by_test_id("effect-cost-total")).to_contain_text("78.00")
    lift = page.get_by_test_id("effect-lift")
    expect(lift).to_contain_text("95 % interval")
    expect(lift.get_by_test_id("lift-words")).to_contain_text("percentage points")
    expect(page.get_by_test_id("effect-outcomes").locator("tr[data-outcome=retained]")).to_contain_text("3")  # fmt: skip
    chart = page.locator("#work-chart")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart).to_have_attribute("data-points", "2")
    expect(chart.locator(".u-legend")).to_contain_text("Reached")
    page.screenshot(path=SCREENSHOTS / "campaign-effectiveness.png", full_page=True)
