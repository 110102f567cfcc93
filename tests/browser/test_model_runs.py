"""An analyst checks a lifetime-value model run in the browser; the agent sees its scores."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tenure.analytics.clv.workflow import TransactionSource, fit_clv, load_transactions
from tenure.analytics.tests.conftest import write_cdnow_csv
from tenure.customervalue.models import CustomerValueDataset
from tenure.customervalue.scoring import model_run_record, model_run_score
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.factories import make_partner

pytestmark = [pytest.mark.browser, browser_test]


def test_analyst_opens_a_run_with_its_holdout_plots_screenshot(session, make_user, tmp_path):
    """docs/screenshots/model-run.png: a BG/NBD run on CDNOW with its hold-out check."""
    source = TransactionSource(
        write_cdnow_csv(tmp_path / "cdnow.csv"), "customer", "date", "amount"
    )
    fit = fit_clv(
        load_transactions(source),
        source,
        calibration_end=dt.date(1997, 9, 30),
        holdout_end=dt.date(1998, 6, 30),
    )
    for number in range(1, 11):
        make_partner(str(number), name=f"Customer {number}")
    run = model_run_record(fit, source, started_by="analyst.weber")
    model_run_score(run)
    make_user("analyst", username="analyst.weber")
    session.login("analyst.weber")
    page = session.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Model runs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Model runs")
    row = page.get_by_test_id("model-runs").locator("tbody > tr").first
    expect(row).to_contain_text("bgnbd")
    expect(row).to_contain_text("2357")
    expect(row).to_contain_text(re.compile(r"scored \(as of"))
    page.screenshot(path=SCREENSHOTS / "model-runs.png", full_page=True)

    row.get_by_role("link", name=run.source).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(run.source)
    expect(page.get_by_test_id("run-parameters")).to_contain_text("4.414")
    expect(page.get_by_test_id("run-by-frequency").locator("tbody > tr")).to_have_count(8)
    for figure in ("figure-frequency", "figure-tracking"):
        expect(page.locator(f"#{figure} svg")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "model-run.png", full_page=True)

    clv = CustomerValueDataset.objects.get(source=run.source, partner__number="1").clv
    session.goto("/partners/1/")
    tile = page.get_by_test_id("customer-value-tile")
    expect(tile.get_by_test_id("clv")).to_have_text(f"CLV {clv:.2f}")
    expect(tile.get_by_test_id("probability-alive")).to_contain_text("still active")


def test_agent_sees_no_model_runs(session, make_user):
    make_user("agent", username="agent.meier")
    session.login("agent.meier")
    nav = session.page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Business partners")).to_be_visible()
    expect(nav.get_by_role("link", name="Model runs")).to_have_count(0)
