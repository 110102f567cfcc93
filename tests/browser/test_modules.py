"""The licensed module "Customer value": switched off, none of its tiles, pages or menu entries show."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Session, browser_test
from tests.browser.pages import expect_recommendations, sample, tile
from tests.factories import make_dataset, make_partner

pytestmark = [pytest.mark.browser, browser_test]

MENU_ENTRY = "Recommendations for action"


def _switch(admin: Session, *, to: str) -> None:
    admin.goto("/administration/modules/")
    row = admin.page.locator('tr[data-module="customer_value"]')
    expect(row.locator("td").first).to_have_text("Customer value")
    button = {"inactive": "Deactivate", "active": "Activate"}[to]
    row.get_by_role("button", name=button).click()
    expect(admin.page.get_by_role("status")).to_have_text(f"Module Customer value is now {to}.")
    expect(row.locator(".badge")).to_have_text(to)


def _expect_module_shown(agent: Session, shown: bool) -> None:
    page = agent.page
    agent.goto("/partners/9101/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dora Dietrich")
    expect(page.get_by_role("heading", name="Business partner")).to_be_visible()
    menu = page.get_by_role("navigation", name="Main").get_by_role("link", name=MENU_ENTRY)
    if shown:
        expect(tile(page)).to_be_visible()
        expect_recommendations(page, [sample("C07ExampleCuGu")])
        expect(page.get_by_test_id("trend-tiles")).to_be_visible()
        expect(menu).to_be_visible()
    else:
        expect(tile(page)).to_have_count(0)
        expect(page.get_by_test_id("trend-tiles")).to_have_count(0)
        expect(page.get_by_test_id("explanation")).to_have_count(0)
        expect(page.get_by_text("Customer value and churn score")).to_have_count(0)
        expect(menu).to_have_count(0)
    # the module's own pages exist only while it is active
    for path in ("/recommendations/", "/customer-value/partners/9101/history/"):
        response = page.goto(agent.base_url + path)
        assert response is not None and response.status == (200 if shown else 404), path


def test_deactivating_the_module_hides_tile_and_menu(open_session, make_user):
    partner = make_partner("9101", "Dora Dietrich")
    make_dataset(partner, segment="D", risk_class="4", customer_value=2, churn_score=88)
    make_user("admin")
    make_user("agent")
    admin, agent = open_session(), open_session()
    admin.login("admin")
    agent.login("agent")

    _expect_module_shown(agent, True)
    _switch(admin, to="inactive")
    _expect_module_shown(agent, False)
    _switch(admin, to="active")
    _expect_module_shown(agent, True)

    # both switches are in the audit trail, with who did it
    admin.page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Audit trail"
    ).click()
    by_admin = admin.page.locator("td:nth-child(2)").get_by_text("admin", exact=True)
    entries = (
        admin.page.get_by_test_id("audit")
        .locator("tbody > tr")
        .filter(has_text="module: Customer value")
        .filter(has=by_admin)
    )
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("active: False → True")
    expect(entries.nth(1)).to_contain_text("active: True → False")
