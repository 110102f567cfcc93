"""The tile "Customer value and churn score" on the partner page, as an agent sees it (SPEC §1.3)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenure.guidance.models import Recommendation
from tests.browser.conftest import SCREENSHOTS, browser_test
from tests.browser.pages import (
    SAMPLE_RULES,
    Shown,
    expect_badges,
    expect_churn_scale,
    expect_recommendations,
    expect_value_scale,
    sample,
    tile,
)
from tests.factories import make_dataset, make_partner

# Every segment A..D and every risk class 1..4, each with the sample rules SPEC §1.2 says fit.
CASES = [
    # number, segment, value, risk class, churn score, expected recommendations
    ("5001", "A", 9, "1", 8, ["C01ExampleCuGu", "C02ExampleCuGu"]),
    ("5002", "B", 7, "1", 15, ["C03ExampleCuGu"]),
    ("5003", "B", 5, "3", 64, ["C04ExampleCuGu"]),
    ("5004", "C", 4, "3", 71, ["C05ExampleCuGu", "C06ExampleCuGu"]),
    ("5005", "D", 1, "4", 93, ["C07ExampleCuGu"]),
    ("5006", "A", 10, "2", 35, []),
]


@pytest.mark.django_db
def test_sample_rules_are_installed_as_specified():
    """The oracle of the tile tests (SPEC §1.2) is what the migrations installed."""
    installed = {
        rule.key: (
            rule.option_id,
            rule.segment_id,
            rule.risk_class_id,
            rule.text,
            rule.discount,
            rule.churn_score_from,
            rule.churn_score_to,
            rule.valid_from,
            rule.valid_to,
        )
        for rule in Recommendation.objects.all()
    }
    expected = {
        key: (*values, 0, 100, dt.date(1970, 1, 1), None) for key, values in SAMPLE_RULES.items()
    }
    assert installed == expected


@pytest.mark.browser
@browser_test
@pytest.mark.parametrize(("number", "segment", "value", "risk", "churn", "keys"), CASES)
def test_agent_sees_segment_risk_scales_and_matching_rules(
    session, make_user, number, segment, value, risk, churn, keys
):
    partner = make_partner(number, f"Customer {segment}{risk}", city="Hamburg")
    # an older delivery with other values: the tile must show the most current one
    make_dataset(partner, as_of=dt.date(2025, 1, 1), segment="D", risk_class="4", churn_score=99)
    make_dataset(
        partner,
        as_of=dt.date(2026, 10, 1),
        segment=segment,
        customer_value=value,
        risk_class=risk,
        churn_score=churn,
        source="Provider X",
    )
    make_user("agent")
    session.login("agent")
    page = session.page

    # find the partner with the htmx search box, then open the partner page
    page.get_by_label(re.compile("Search by number")).fill(f"Customer {segment}{risk}")
    results = page.get_by_test_id("partner-results")
    expect(results.get_by_role("row")).to_have_count(2)  # header + the one partner
    results.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(f"/partners/{number}/$"))

    expect(tile(page)).to_be_visible()
    expect(tile(page).get_by_role("heading", level=2)).to_have_text(
        "Customer value and churn score"
    )
    expect_badges(page, segment=segment, risk_class=risk)
    expect(tile(page)).to_contain_text(f"Customer {segment}")  # the segment's label beside it
    expect_value_scale(page, value)
    expect_churn_scale(page, churn)
    expect(tile(page)).to_contain_text("As of 10/01/2026 · source: Provider X")
    expect_recommendations(page, [sample(key) for key in keys])
    assert session.errors.console == []


@pytest.mark.browser
@browser_test
def test_empty_states_of_the_tile(session, make_user):
    make_partner("6001", "No Data Ltd", kind="organisation")
    no_match = make_partner("6002", "Brenda Nomatch")
    make_dataset(no_match, segment="B", risk_class="2", customer_value=6, churn_score=30)
    no_value = make_partner("6003", "Val Unknown")
    make_dataset(no_value, segment="A", risk_class="1", customer_value=None, churn_score=40)
    no_churn = make_partner("6004", "Chu Rnless")
    make_dataset(no_churn, segment="A", risk_class="1", customer_value=8, churn_score=None)
    make_user("agent")
    session.login("agent")
    page = session.page

    session.goto("/partners/6001/")
    expect(tile(page).get_by_test_id("tile-empty")).to_have_text("No customer value data found.")
    expect(tile(page).get_by_test_id("segment-badge")).to_have_count(0)
    expect(tile(page).get_by_test_id("recommendations")).to_have_count(0)
    expect(page.get_by_test_id("trend-tiles")).to_contain_text("No customer value data found.")

    session.goto("/partners/6002/")
    expect_badges(page, segment="B", risk_class="2")
    expect_value_scale(page, 6)
    expect_recommendations(page, [])

    # customer value not maintained: grey scale and a label; value conditions left empty still fit
    session.goto("/partners/6003/")
    expect_value_scale(page, None)
    expect_churn_scale(page, 40)
    expect_recommendations(page, [sample("C01ExampleCuGu"), sample("C02ExampleCuGu")])

    # no churn score: only rules with a fully open churn range fit, the samples are 0..100
    session.goto("/partners/6004/")
    expect_value_scale(page, 8)
    expect_churn_scale(page, None)
    expect_recommendations(page, [])
    assert session.errors.console == []


def _months_back(end: dt.date, months: int) -> dt.date:
    index = end.year * 12 + end.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _history(partner, end: dt.date) -> None:
    """Two years of monthly deliveries: value sinking, churn climbing, as a customer drifts away."""
    values = [8, 8, 8, 8, 7, 8, 7, 7, 7, 7, 6, 7, 6, 6, 6, 5, 6, 5, 5, 5, 5, 4, 4, 4]
    churn = [12, 14, 13, 15, 18, 17, 21, 24, 23, 27, 31, 30, 36, 38, 41, 47, 45, 52, 56, 58]
    churn += [61, 66, 69, 72]
    for index, (value, score) in enumerate(zip(values, churn, strict=True)):
        make_dataset(
            partner,
            as_of=_months_back(end, len(values) - 1 - index),
            segment="A" if value >= 8 else "B" if value >= 6 else "C",
            customer_value=value,
            risk_class="1" if score < 25 else "2" if score < 50 else "3",
            churn_score=score,
            source="Tenure churn model 2026.11",
        )


@pytest.mark.browser
@browser_test
def test_screenshot_partner_page(session, make_user):
    """docs/screenshots/partner-page.png: an agent's partner page with realistic data."""
    partner = make_partner(
        "10045117",
        "Hannah Becker",
        phones=("+493012345678", "+4917123456789"),
        street="Lindenstraße 12",
        postcode="10969",
        city="Berlin",
        country="DE",
        email="hannah.becker@example.org",
    )
    today = timezone.localdate()
    end = dt.date(today.year, today.month, 1)
    _history(partner, end)
    make_user("agent", username="m.keller")
    session.login("m.keller")
    page = session.page
    session.goto(f"/partners/{partner.number}/")

    expect_badges(page, segment="C", risk_class="3")
    expect_value_scale(page, 4)
    expect_churn_scale(page, 72)
    expect_recommendations(page, [sample("C05ExampleCuGu"), sample("C06ExampleCuGu")])
    # the trend tiles drew all 24 points
    for chart in ("#trend-value", "#trend-churn"):
        expect(page.locator(chart)).to_have_attribute("data-points", "24")
        expect(page.locator(f"{chart} canvas")).to_be_visible()
    # without a pointer over the chart, the legend shows the latest delivery
    latest = f"{end:%b} 1, {end:%Y}"
    expect(page.locator("#trend-value .u-legend")).to_have_text(
        re.compile(f"As of.*{latest}.*Customer value.*4 / 10")
    )
    expect(page.locator("#trend-churn .u-legend")).to_have_text(
        re.compile(f"As of.*{latest}.*Churn score.*72 / 100")
    )
    assert session.errors.console == []
    page.screenshot(path=SCREENSHOTS / "partner-page.png", full_page=True)


@pytest.mark.browser
@browser_test
def test_recommendation_order_is_by_key(session, make_user):
    """A stable order (SPEC §1.2): by key when no priority is set."""
    partner = make_partner("7001", "Ordered")
    make_dataset(partner, segment="A", risk_class="1")
    Recommendation.objects.create(
        key="A00First",
        option_id="Campaign",
        segment_id="A",
        risk_class_id="1",
        text="Invite to the summer campaign",
    )
    make_user("agent")
    session.login("agent")
    session.goto("/partners/7001/")
    expect_recommendations(
        session.page,
        [
            Shown("A00First", "Campaign", "Invite to the summer campaign"),
            sample("C01ExampleCuGu"),
            sample("C02ExampleCuGu"),
        ],
    )
