"""Customer on a page: an agent writes a note and a task, finds it under My tasks and completes it;
the analyst sees the model's reasons, the agent does not (seed 002, issue 9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenure.customerdata.models import Complaint, Payment, Product, ProductHolding
from tenure.customervalue.models import CustomerValueDataset
from tenure.partners.models import ChannelConsent, Note
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.factories import make_dataset, make_partner

pytestmark = [pytest.mark.browser, browser_test]
REASONS = ["Two late payments in the last six months", "Contract ends in five weeks"]


def _customer():
    partner = make_partner("1000001", name="Ben Hoffmann", phones=("+493411234567",),
                           street="Karl-Liebknecht-Straße 5", postcode="04107", city="Leipzig",
                           country="DE", email="ben.hoffmann@example.org",
                           customer_since=dt.date(2019, 4, 1))  # fmt: skip
    dataset = make_dataset(partner, segment="B", customer_value=7, risk_class="3", churn_score=64,
                           as_of=timezone.localdate().replace(day=1))  # fmt: skip
    CustomerValueDataset.objects.filter(pk=dataset.pk).update(reasons=REASONS)
    now = timezone.now()
    ChannelConsent.objects.create(
        partner=partner, channel="phone", granted=True, recorded_at=now, source="call"
    )
    ChannelConsent.objects.create(
        partner=partner, channel="email", granted=False, recorded_at=now, source="letter"
    )
    today = timezone.localdate()
    Payment.objects.create(partner=partner, reference="R-2026-11", due_date=today - dt.timedelta(days=20),
                           amount=Decimal("59.90"), imported_at=now)  # fmt: skip
    Complaint.objects.create(partner=partner, reference="K-88", opened=today - dt.timedelta(days=9),
                             severity="minor", subject="Meter reading estimated", imported_at=now)  # fmt: skip
    green = Product.objects.create(key="green-electricity", name="Green electricity tariff",
                                   category="energy", features="green, 24 months")  # fmt: skip
    bill = Product.objects.create(key="e-bill", name="E-billing", category="service")
    ProductHolding.objects.create(partner=partner, reference="V-1", product=green,
                                  started=dt.date(2023, 5, 1), imported_at=now)  # fmt: skip
    ProductHolding.objects.create(partner=partner, reference="V-2", product=bill,
                                  started=dt.date(2021, 2, 1), ended=dt.date(2024, 1, 31),
                                  imported_at=now)  # fmt: skip
    return partner


def test_agent_writes_a_note_and_a_task_and_completes_it_screenshot(session, make_user):
    """docs/screenshots/customer-on-a-page.png: the agent's partner page with a note and a task."""
    partner = _customer()
    make_user("agent", username="agent.meier")
    session.login("agent.meier")
    page = session.page
    session.goto(f"/partners/{partner.number}/")
    expect(page.get_by_test_id("consents")).to_contain_text("refused")
    expect(page.get_by_test_id("model-reasons")).to_have_count(0)  # not for agents
    products = page.get_by_test_id("partner-holdings")
    expect(products.locator("li").first).to_contain_text("Green electricity tariff")
    expect(products.locator("li").first).to_contain_text("held")
    expect(products.locator("li").last).to_contain_text("ended")
    timeline = page.get_by_test_id("recent-interactions")
    expect(timeline.locator("tbody tr")).to_have_count(2)

    notes = page.get_by_test_id("notes")
    notes.get_by_role("button", name="Add note").click()  # empty: the server says why, by the field
    expect(notes.get_by_role("alert")).to_have_text("required")
    notes.get_by_label("New note").fill(
        "Asked whether a cheaper tariff is possible; will decide after the bill."
    )
    notes.get_by_role("button", name="Add note").click()
    expect(notes.get_by_test_id("note")).to_have_count(1)
    expect(notes.get_by_test_id("note").first).to_contain_text("cheaper tariff")
    expect(notes.get_by_test_id("note").first).to_contain_text("agent.meier")
    expect(timeline.locator("tbody tr")).to_have_count(3)  # the timeline reloaded with the note
    expect(timeline.locator("tbody tr").first).to_contain_text("cheaper tariff")

    tasks = page.get_by_test_id("tasks")
    tasks.get_by_text("New task").click()
    form = tasks.get_by_test_id("task-form")
    form.get_by_label("Description").fill("Offer the 24-month tariff with 10 % off")
    form.get_by_role("button", name="Create task").click()  # no title yet
    expect(page.locator("#task-title-error")).to_have_text("required")
    expect(page.get_by_label("Description")).to_have_value(
        "Offer the 24-month tariff with 10 % off"
    )
    due = timezone.localdate() + dt.timedelta(days=3)
    page.get_by_label("Title").fill("Call back about the tariff")
    expect(page.get_by_label("Assigned to")).to_have_value(str(_user_id("agent.meier")))
    page.get_by_label("Due date").fill(due.isoformat())
    page.get_by_role("button", name="Create task").click()
    expect(page.get_by_test_id("tasks").get_by_role("status")).to_contain_text("created")
    task = page.get_by_test_id("tasks").get_by_test_id("task")
    expect(task).to_have_count(1)
    expect(task).to_contain_text("Call back about the tariff")
    expect(task).to_contain_text("for agent.meier")

    page.get_by_test_id("recent-interactions").get_by_label("Notes").check()  # htmx filter
    expect(page.get_by_test_id("recent-interactions").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("recent-interactions").locator("tbody tr")).to_contain_text(
        "cheaper tariff"
    )
    page.get_by_test_id("recent-interactions").get_by_label("All", exact=True).check()
    expect(page.get_by_test_id("recent-interactions").locator("tbody tr")).to_have_count(3)
    # the two refused forms answered 422 on purpose (Chromium logs those); nothing else went wrong
    assert [e for e in session.errors.console if "status of 422" not in e] == []
    page.screenshot(path=SCREENSHOTS / "customer-on-a-page.png", full_page=True)

    page.get_by_role("navigation").get_by_role("link", name="My tasks").click()
    mine = page.get_by_test_id("my-tasks")
    expect(mine.get_by_role("heading")).to_have_text("1 open task")
    expect(mine.get_by_test_id("task")).to_contain_text("Ben Hoffmann (1000001)")
    mine.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_test_id("my-tasks").get_by_role("heading")).to_have_text("0 open tasks")
    expect(page.get_by_test_id("my-tasks")).to_contain_text("Nothing to do")
    session.goto(f"/partners/{partner.number}/")
    expect(page.get_by_test_id("tasks")).to_contain_text("No open tasks.")
    assert Note.objects.filter(partner=partner).count() == 1


def _user_id(username: str) -> int:
    from django.contrib.auth.models import User

    return User.objects.get(username=username).pk


def test_the_analyst_sees_the_model_reasons_and_the_agent_does_not(open_session, make_user):
    partner = _customer()
    make_user("analyst", username="ana.lyst")
    make_user("agent", username="agent.meier")
    analyst, agent = open_session(), open_session()
    analyst.login("ana.lyst")
    analyst.goto(f"/partners/{partner.number}/")
    reasons = analyst.page.get_by_test_id("model-reasons")
    expect(reasons).to_be_visible()
    expect(reasons.get_by_test_id("model-reason-list").locator("li")).to_have_text(REASONS)
    expect(analyst.page.get_by_test_id("campaign-history")).to_be_visible()
    expect(analyst.page.get_by_test_id("note-form")).to_have_count(0)  # analysts read notes only
    agent.login("agent.meier")
    agent.goto(f"/partners/{partner.number}/")
    expect(agent.page.get_by_test_id("customer-value-tile")).to_be_visible()
    expect(agent.page.get_by_test_id("model-reasons")).to_have_count(0)
    expect(agent.page.get_by_test_id("campaign-history")).to_have_count(0)
    agent.page.set_viewport_size({"width": 390, "height": 844})  # a phone: one column, no sideways
    agent.goto(f"/partners/{partner.number}/")  # the charts size themselves on load
    expect(agent.page.get_by_test_id("notes")).to_be_visible()
    assert agent.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tile_box = agent.page.get_by_test_id("customer-value-tile").bounding_box()
    contact_box = agent.page.get_by_test_id("partner-contact").bounding_box()
    assert tile_box and contact_box and contact_box["y"] > tile_box["y"]  # stacked, tile first
