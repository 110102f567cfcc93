"""Administration → Recommendations for action in the browser: list, edit, who may change rules."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tenure.guidance.models import Recommendation
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.browser.pages import RISK_LABELS, SAMPLE_RULES, Shown, expect_recommendations, sample
from tests.factories import make_dataset, make_partner

pytestmark = [pytest.mark.browser, browser_test]

RULE_URL = "/recommendations/{key}/"


def test_rules_list_as_admin_screenshot(session, make_user):
    """docs/screenshots/rules-page.png: the delivered rules as an administrator sees them."""
    make_user("admin", username="admin.schmidt")
    session.login("admin.schmidt")
    page = session.page
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Recommendations for action"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recommendations for action")
    rows = page.get_by_test_id("rules").locator("tbody > tr")
    expect(rows).to_have_count(len(SAMPLE_RULES))
    for position, (key, (option, segment, risk, text, discount)) in enumerate(SAMPLE_RULES.items()):
        cells = rows.nth(position).locator("td")
        expect(rows.nth(position)).to_have_attribute("data-key", key)
        expect(cells.nth(0)).to_have_text(key)
        expect(cells.nth(1)).to_have_text(option)
        expect(cells.nth(2)).to_have_text(segment)
        expect(cells.nth(3)).to_have_text(RISK_LABELS[risk])
        expect(cells.nth(4)).to_have_text("any")
        expect(cells.nth(5)).to_have_text("0–100")
        expect(cells.nth(7)).to_have_text(text)
        expect(cells.nth(8)).to_have_text("" if discount is None else re.compile(r"50(\.00)?"))
        expect(cells.nth(9)).to_have_text("01/01/1970 – unlimited")
    expect(page.get_by_role("link", name="New recommendation")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "rules-page.png", full_page=True)


def test_admin_edits_rules_and_the_agents_tile_follows(open_session, make_user):
    cross_selling = make_partner("8001", "Bernd Brandt")
    make_dataset(cross_selling, segment="B", risk_class="1", churn_score=15)
    loyal = make_partner("8002", "Alma Albers")
    make_dataset(loyal, segment="A", risk_class="1", churn_score=10)
    make_user("admin")
    make_user("agent")
    admin, agent = open_session(), open_session()
    admin.login("admin")
    agent.login("agent")

    agent.goto("/partners/8001/")
    expect_recommendations(agent.page, [sample("C03ExampleCuGu")])

    # the administrator rewrites the text of C03
    new_text = "Offer the family bundle and actively make cross-selling quotes"
    admin.goto("/recommendations/")
    admin.page.get_by_role("link", name="C03ExampleCuGu").click()
    expect(admin.page.get_by_role("heading", level=1)).to_have_text("Recommendation C03ExampleCuGu")
    expect(admin.page.get_by_label("Key")).to_be_disabled()
    admin.page.get_by_label("Recommendation for action").fill(new_text)
    admin.page.get_by_role("button", name="Save").click()
    expect(admin.page).to_have_url(re.compile(r"/recommendations/$"))
    expect(admin.page.get_by_role("status")).to_have_text("Recommendation C03ExampleCuGu saved.")
    expect(admin.page.locator('tr[data-key="C03ExampleCuGu"]')).to_contain_text(new_text)

    agent.page.reload()
    expect_recommendations(agent.page, [Shown("C03ExampleCuGu", "Text", new_text)])

    # … and narrows the churn range of C01 to 0..5, so a churn score of 10 no longer fits
    agent.goto("/partners/8002/")
    expect_recommendations(agent.page, [sample("C01ExampleCuGu"), sample("C02ExampleCuGu")])
    admin.goto(RULE_URL.format(key="C01ExampleCuGu"))
    admin.page.get_by_label("Churn score to").fill("5")
    admin.page.get_by_role("button", name="Save").click()
    expect(admin.page.locator('tr[data-key="C01ExampleCuGu"] td').nth(5)).to_have_text("0–5")

    agent.page.reload()
    expect_recommendations(agent.page, [sample("C02ExampleCuGu")])
    explanation = agent.page.get_by_test_id("explanation")
    explanation.locator("summary").click()
    expect(explanation.locator('tr[data-key="C01ExampleCuGu"]')).to_contain_text("does not fit")
    expect(explanation.locator('tr[data-key="C01ExampleCuGu"]')).to_contain_text("Churn score:")
    expect(explanation.locator('tr[data-key="C02ExampleCuGu"]')).to_contain_text("fits")

    # a range the other way round is refused with a message at the field
    admin.goto(RULE_URL.format(key="C01ExampleCuGu"))
    admin.page.get_by_label("Churn score from").fill("60")
    admin.page.get_by_label("Churn score to").fill("40")
    admin.page.get_by_role("button", name="Save").click()
    expect(admin.page.locator('.error[data-field="churn_score_from"]')).to_contain_text(
        "must not be greater than churn score to"
    )
    assert Recommendation.objects.get(pk="C01ExampleCuGu").churn_score_to == 5

    # the change history of the rule names who changed what
    history = admin.page.get_by_role("heading", name="History").locator("xpath=..")
    expect(history).to_contain_text("admin")
    expect(history).to_contain_text("churn_score_to")
    assert agent.errors.console == []


def test_agent_cannot_change_rules(session, make_user):
    make_user("agent")
    session.login("agent")
    page = session.page

    # the rule opens read-only: every field disabled, neither Save nor Delete
    session.goto(RULE_URL.format(key="C04ExampleCuGu"))
    form = page.locator("form.card")
    expect(form.get_by_label("Recommendation for action")).to_be_disabled()
    expect(
        form.locator("input:not([type=hidden]):enabled, select:enabled, textarea:enabled")
    ).to_have_count(0)
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    expect(page.get_by_role("link", name="New recommendation")).to_have_count(0)

    # creating is forbidden, and so are forged posts from the agent's session
    response = page.goto(session.base_url + "/recommendations/new/")
    assert response is not None and response.status == 403
    csrf = next(c["value"] for c in session.context.cookies() if c["name"] == "csrftoken")
    forged = {"csrfmiddlewaretoken": csrf, "text": "Give everything away"}
    for path in (RULE_URL.format(key="C04ExampleCuGu"), "/recommendations/C04ExampleCuGu/delete/"):
        answer = page.request.post(
            session.base_url + path, form=forged, headers={"Referer": session.base_url + path}
        )
        assert answer.status == 403, path
        assert "CSRF" not in answer.text(), "refused for the missing permission, not the token"
    rule = Recommendation.objects.get(pk="C04ExampleCuGu")
    assert rule.text == SAMPLE_RULES["C04ExampleCuGu"][3]
