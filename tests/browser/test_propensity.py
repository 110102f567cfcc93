"""An analyst compares and publishes propensity models; the agent reads the reasons on the tile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from tenure.analytics.propensity.workflow import train_propensity
from tenure.customervalue.models import CustomerValueDataset
from tenure.retention.services import propensity_run_record, propensity_run_score
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.factories import make_dataset, make_partner

pytestmark = [pytest.mark.browser, browser_test]
DEFAULT = Path(__file__).resolve().parents[1] / "data" / "default" / "Default.csv"


def test_analyst_compares_publishes_and_the_tile_gives_reasons_screenshot(open_session, make_user):
    """docs/screenshots/propensity-run.png and tile-reasons.png."""
    credit = pd.read_csv(DEFAULT)
    credit["partner"] = [str(1000001 + i) for i in range(len(credit))]
    lightgbm = train_propensity(credit, target="default", positive="Yes", id_col="partner")
    logistic = train_propensity(credit, target="default", positive="Yes", id_col="partner",
                                kind="logistic")  # fmt: skip
    runs = [
        propensity_run_record(
            trained,
            target="churn",
            name=f"Churn ({trained.model.kind})",
            data={"file": "Default.csv"},
            started_by="analyst.weber",
        )
        for trained in (lightgbm, logistic)
    ]
    riskiest = credit.sort_values("balance", ascending=False).iloc[0]
    partner = make_partner(riskiest["partner"], name="Greta Vogel")
    make_dataset(partner, segment="A", customer_value=9, risk_class="1", churn_score=5)
    make_user("analyst", username="analyst.weber")
    make_user("agent", username="agent.meier")

    analyst = open_session()
    analyst.login("analyst.weber")
    page = analyst.page
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Propensity models"
    ).click()
    for run in runs:
        page.get_by_role("checkbox", name=f"Compare {run.source}").check()
    page.get_by_role("button", name="Compare the ticked runs").click()
    comparison = page.get_by_test_id("comparison")
    expect(comparison).to_contain_text("ROC AUC")
    expect(comparison).to_contain_text("baseline")
    page.get_by_test_id("propensity-runs").get_by_role("link", name=runs[0].source).click()
    expect(page.locator("#figure-roc svg")).to_be_visible()
    expect(page.get_by_test_id("run-gains").locator("tbody > tr")).to_have_count(10)
    page.get_by_test_id("publish").click()
    expect(page.get_by_role("status")).to_contain_text(f"{runs[0].source} is published")
    expect(page.get_by_test_id("published")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "propensity-run.png", full_page=True)

    runs[0].refresh_from_db()
    features = credit[credit["partner"] == partner.number].drop(columns=["default"])
    propensity_run_score(run=runs[0], features=features, id_col="partner", as_of=dt.date.today())
    agent = open_session()
    agent.login("agent.meier")
    agent.goto(f"/partners/{partner.number}/")
    tile = agent.page.get_by_test_id("customer-value-tile")
    reasons = tile.get_by_test_id("churn-reasons").locator("li")
    expect(reasons.first).to_contain_text("balance")
    scored = CustomerValueDataset.objects.get(partner=partner, source=runs[0].source)
    assert scored.churn_score is not None and scored.churn_score >= 50
    expect(tile.get_by_test_id("risk-badge")).to_have_text(f"Risk: {scored.risk_class.label}")
    expect(tile.get_by_test_id("churn-number")).to_have_text(f"{scored.churn_score} / 100")
    tile.screenshot(path=SCREENSHOTS / "tile-reasons.png")
