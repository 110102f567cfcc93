"""Marketing builds an advanced search with two conditions, saves it and exports the result."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from playwright.sync_api import expect

from tenure.reports.models import SavedSearch
from tenure.retention.models import PartnerIndicator
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.factories import make_dataset, make_partner

pytestmark = [pytest.mark.browser, browser_test]
NAMES = ["Ben Hoffmann", "Clara Weiß", "Daniel Rossi", "Eva Schulz", "Franz Bauer", "Greta Lenz",
         "Hanna Vogel", "Ivo Marino", "Jana Krüger", "Karl Fuchs", "Lena Roth", "Marco Bianchi"]  # fmt: skip


def test_build_save_and_export_a_search_screenshot(session, make_user) -> None:
    """docs/screenshots/advanced-search.png: two conditions, saved, with the result table."""
    for index, name in enumerate(NAMES):
        partner = make_partner(f"10{index:05d}", name=name, city=("Leipzig", "Milano")[index % 2],
                               postcode=f"0410{index % 10}")  # fmt: skip
        make_dataset(partner, as_of=dt.date(2026, 5, 1), segment="D", churn_score=5)  # older
        make_dataset(partner, segment="ABCD"[index % 4], customer_value=10 - index % 10,
                     risk_class="1234"[index * 7 % 4], churn_score=30 + index * 6)  # fmt: skip
        if index % 3 == 0:
            light = ("red", "yellow", "green")[index % 9 // 3]
            PartnerIndicator.objects.create(partner=partner, traffic_light=light, nps=index)
    make_user("marketing", username="marketing.rossi")
    session.login("marketing.rossi")
    page = session.page
    page.get_by_role("link", name="Advanced search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Advanced search")

    # htmx swaps in a range input
    page.get_by_label("Condition 1", exact=True).select_option("churn_score")
    page.locator("#c-0-from").fill("50")
    page.get_by_test_id("add-condition").click()
    expect(page.get_by_test_id("condition")).to_have_count(2)
    second = page.get_by_test_id("condition").nth(1)
    expect(second.get_by_label("Condition 2", exact=True)).to_have_value("segment")  # the default
    second.get_by_role("checkbox", name="B – ").check()
    second.get_by_role("checkbox", name="C – ").check()
    page.get_by_test_id("run-search").click()
    # churn 30 + 6i ≥ 50 for i ≥ 4; segment B or C for i % 4 in (1, 2): i = 5, 6, 9, 10
    expect(page.get_by_test_id("result-count")).to_contain_text("4 partners found")
    rows = page.get_by_test_id("search-results").locator("tbody > tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Greta Lenz")

    page.get_by_role("link", name="Churn score").click()  # sort by churn score, ascending
    expect(rows.first).to_contain_text("Greta Lenz")
    page.get_by_role("link", name="Churn score ▲").click()  # and descending
    expect(rows.first).to_contain_text("Lena Roth")

    page.get_by_label("Save as").fill("Winter churn risks B/C")
    page.get_by_test_id("save-search").click()
    expect(page.get_by_test_id("saved-name")).to_have_text("Winter churn risks B/C")
    expect(page.locator(".message")).to_contain_text("saved")
    saved = SavedSearch.objects.get()
    assert saved.criteria["conditions"] == [
        {"field": "churn_score", "op": "between", "value": [50, None]},
        {"field": "segment", "op": "in", "value": ["B", "C"]},
    ]
    link = page.get_by_role("link", name="Insert into a new campaign")
    expect(link).to_have_attribute("href", f"/campaigns/new/?search={saved.pk}")
    expect(page.get_by_test_id("condition")).to_have_count(2)  # the saved search loaded back

    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    path = download_info.value.path()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        exported = list(csv.reader(handle))
    assert exported[0][0] == "Partner number"
    assert sorted(row[1] for row in exported[1:]) == [
        "Greta Lenz", "Hanna Vogel", "Karl Fuchs", "Lena Roth",
    ]  # fmt: skip
    page.screenshot(path=SCREENSHOTS / "advanced-search.png", full_page=True)

    page.get_by_role("link", name="Saved searches").click()
    expect(page.get_by_test_id("saved-search")).to_contain_text("Churn score between 50 – …")
