"""Uploading a customer value delivery in the browser: valid rows kept, every bad row reported."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Route, expect

from tenure.core.models import ImportRun
from tenure.customervalue.models import CustomerValueDataset
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.browser.pages import expect_badges, expect_recommendations, sample, tile
from tests.factories import make_partner

pytestmark = [pytest.mark.browser, browser_test]

DELIVERY = """\
partner,as_of,segment,customer_value,risk_class,churn_score,bad_debt_score,source
9001,2026-10-01,A,9,1,12,,Provider X
9999,2026-10-01,B,5,2,40,,Provider X
9002,2026-10-01,X,5,2,40,,Provider X
9002,2026-10-01,B,5,2,150,,Provider X
9002,2026-13-45,B,5,2,40,,Provider X
9002,2026-10-01,C,4,3,71,0.35,Provider X
"""
# row as a spreadsheet numbers it (header = 1), column, delivered value, reason
REJECTS = [
    ("3", "partner", "9999", "unknown business partner"),
    ("4", "segment", "X", "unknown customer segment 'X'; allowed: A, B, C, D"),
    ("5", "churn_score", "150", "out of range: must be 0..100"),
    ("6", "as_of", "2026-13-45", "expected a date as YYYY-MM-DD"),
]


def test_upload_reports_bad_rows_and_keeps_good_ones(session, make_user):
    make_partner("9001", "Anton Amsel", city="Köln")
    make_partner("9002", "Clara Cordes", city="Bremen")
    make_user("admin")
    session.login("admin")
    page = session.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imports")

    page.get_by_label("What the file holds").select_option(label="Customer value datasets")
    page.get_by_label("File (CSV or Parquet)").set_input_files(
        files=[
            {
                "name": "provider-x-2026-10.csv",
                "mimeType": "text/csv",
                "buffer": DELIVERY.encode(),
            }
        ]
    )
    # hold the upload at the network until the progress indicator has been seen
    held: list[Route] = []
    page.route("**/administration/imports/", lambda route: held.append(route))
    page.evaluate("window.stillThisPage = true")
    with page.expect_request(lambda request: request.method == "POST"):
        page.get_by_role("button", name="Import").click()
    progress = page.locator("#upload-progress")
    expect(progress).to_be_visible()
    expect(progress).to_contain_text("Uploading and importing…")
    assert len(held) == 1, "the upload request was not intercepted"
    held[0].continue_()
    page.unroute("**/administration/imports/")

    report = page.get_by_test_id("import-report")
    expect(report).to_be_visible()
    expect(progress).to_be_hidden()
    assert page.evaluate("window.stillThisPage") is True  # htmx swapped the result in place
    expect(page).to_have_url(re.compile(r"/administration/imports/$"))
    expect(report.get_by_test_id("rows-read")).to_have_text("6")
    expect(report.get_by_test_id("accepted")).to_have_text("2")
    expect(report.get_by_test_id("rejected")).to_have_text("4")
    rows = report.get_by_test_id("import-errors").locator("tbody > tr")
    expect(rows).to_have_count(len(REJECTS))
    for position, cells in enumerate(REJECTS):
        expect(rows.nth(position).locator("td")).to_have_text(list(cells))
    # the import history below is brought up to date in the same swap
    history = page.get_by_test_id("import-runs").locator("tbody > tr")
    expect(history).to_have_count(1)
    started = re.compile(r"\d")
    file_name = "provider-x-2026-10.csv"
    expect(history.locator("td")).to_have_text(
        [started, "Customer value datasets", file_name, "admin", "finished", "2", "0", "0", "4"]
    )
    page.screenshot(path=SCREENSHOTS / "import-report.png", full_page=True)

    # the valid rows are kept: in the database and on the partner pages
    assert sorted(
        CustomerValueDataset.objects.values_list("partner__number", "segment_id", "churn_score")
    ) == [("9001", "A", 12), ("9002", "C", 71)]
    run = ImportRun.objects.get()
    assert (run.file_name, run.accepted, run.rejected, run.started_by) == (
        "provider-x-2026-10.csv",
        2,
        4,
        "admin",
    )
    session.goto("/partners/9002/")
    expect_badges(page, segment="C", risk_class="3")
    expect(tile(page)).to_contain_text("source: Provider X")
    expect_recommendations(page, [sample("C05ExampleCuGu"), sample("C06ExampleCuGu")])

    # uploading the same file again adds nothing
    session.goto("/administration/imports/")
    expect(page.get_by_test_id("import-runs").locator("tbody > tr")).to_have_count(1)
    page.get_by_label("What the file holds").select_option("customer_values")
    page.get_by_label("File (CSV or Parquet)").set_input_files(
        files=[{"name": "again.csv", "mimeType": "text/csv", "buffer": DELIVERY.encode()}]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-report").get_by_test_id("duplicates")).to_have_text("2")
    expect(page.get_by_test_id("import-report").get_by_test_id("accepted")).to_have_text("0")
    expect(page.get_by_test_id("import-runs").locator("tbody > tr")).to_have_count(2)
    assert CustomerValueDataset.objects.count() == 2
    assert session.errors.console == []


def test_file_that_cannot_be_read_is_rejected_as_a_whole(session, make_user):
    make_user("admin")
    session.login("admin")
    page = session.page
    session.goto("/administration/imports/")
    page.get_by_label("What the file holds").select_option("customer_values")
    page.get_by_label("File (CSV or Parquet)").set_input_files(
        files=[
            {
                "name": "wrong.csv",
                "mimeType": "text/csv",
                "buffer": b"customer,when\n9001,2026-10-01\n",
            }
        ]
    )
    page.get_by_role("button", name="Import").click()
    rejected = page.get_by_test_id("import-rejected")
    expect(rejected).to_be_visible()
    expect(rejected.get_by_role("heading")).to_have_text("The file was rejected")
    expect(rejected).to_contain_text("partner")
    assert CustomerValueDataset.objects.count() == 0


def test_agent_sees_no_administration(session, make_user):
    make_user("agent")
    session.login("agent")
    nav = session.page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Business partners")).to_be_visible()
    for name in ("Imports", "Modules", "Audit trail"):
        expect(nav.get_by_role("link", name=name)).to_have_count(0)
    for path in ("/administration/imports/", "/administration/modules/", "/administration/audit/"):
        response = session.page.goto(session.base_url + path)
        assert response is not None and response.status == 403, path
