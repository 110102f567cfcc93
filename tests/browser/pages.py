"""What the browser tests expect to see, written down independently of the application's code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from playwright.sync_api import Locator, Page, expect

# The delivered sample rules, as SPEC §1.2 states them: key → (option, segment, risk, text, discount).
SAMPLE_RULES: dict[str, tuple[str, str, str, str, Decimal | None]] = {
    "C01ExampleCuGu": (
        "Text",
        "A",
        "1",
        "Personal provision call or personal cover letter for customer loyalty during the contract period",
        None,
    ),
    "C02ExampleCuGu": (
        "Tariff",
        "A",
        "1",
        "Offer tariff optimization in the event of a query from the customer",
        None,
    ),
    "C03ExampleCuGu": ("Text", "B", "1", "Actively make cross-selling quotes", None),
    "C04ExampleCuGu": (
        "Campaign",
        "B",
        "3",
        "Add to the customer loyalty campaign before reaching the termination period",
        None,
    ),
    "C05ExampleCuGu": (
        "Discount",
        "C",
        "3",
        "Decoy offers with loyalty discounts, duration 5 years",
        Decimal("50"),
    ),
    "C06ExampleCuGu": (
        "Discount",
        "C",
        "3",
        "Offer premium service without additional fees in the first year",
        Decimal("50"),
    ),
    "C07ExampleCuGu": ("Text", "D", "4", "Act passively", None),
}

RISK_LABELS = {"1": "low", "2": "medium", "3": "high", "4": "very high"}
# SPEC §1.3: segment A green, B yellow, C orange, D red; risk low green … very high red.
COLOURS = {
    "green": "rgb(30, 123, 52)",
    "yellow": "rgb(242, 194, 0)",
    "orange": "rgb(185, 80, 0)",
    "red": "rgb(198, 40, 40)",
}
SEGMENT_COLOURS = {"A": "green", "B": "yellow", "C": "orange", "D": "red"}
RISK_COLOURS = {"1": "green", "2": "yellow", "3": "orange", "4": "red"}


@dataclass(frozen=True)
class Shown:
    """A recommendation as the tile should show it."""

    key: str
    option: str
    text: str
    discount: Decimal | None = None


def sample(key: str) -> Shown:
    option, _segment, _risk, text, discount = SAMPLE_RULES[key]
    return Shown(key, option, text, discount)


def tile(page: Page):
    return page.get_by_test_id("customer-value-tile")


def _luminance(css_colour: str) -> float:
    """Relative luminance (WCAG 2) of a computed ``rgb(r, g, b)`` colour."""
    channels = [int(part) / 255 for part in re.findall(r"\d+", css_colour)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(element: Locator) -> float:
    """The contrast ratio between an element's text colour and its own background colour."""
    text, background = element.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    lighter, darker = sorted((_luminance(text), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def expect_badges(page: Page, *, segment: str, risk_class: str) -> None:
    """Both badges carry a label (not only a colour), the colour SPEC §1.3 gives them, and
    text that stays readable on it (WCAG AA, 4.5:1)."""
    segment_badge = tile(page).get_by_test_id("segment-badge")
    expect(segment_badge).to_have_text(f"Segment {segment}")
    expect(segment_badge).to_have_css("background-color", COLOURS[SEGMENT_COLOURS[segment]])
    risk_badge = tile(page).get_by_test_id("risk-badge")
    expect(risk_badge).to_have_text(f"Risk: {RISK_LABELS[risk_class]}")
    expect(risk_badge).to_have_css("background-color", COLOURS[RISK_COLOURS[risk_class]])
    for badge in (segment_badge, risk_badge):
        assert contrast(badge) >= 4.5, badge.text_content()


def expect_value_scale(page: Page, value: int | None) -> None:
    if value is None:
        scale = tile(page).get_by_role("img", name="Customer value not maintained")
        expect(scale).to_be_visible()
        expect(scale).to_have_class("scale scale-empty")
        # shades of grey, no red-to-green gradient
        expect(scale).to_have_css(
            "background-image",
            "repeating-linear-gradient(90deg, rgb(201, 204, 209) 0px, "
            "rgb(201, 204, 209) 10%, rgb(179, 183, 190) 10%, rgb(179, 183, 190) 20%)",
        )
        expect(tile(page).get_by_role("meter", name="Customer value")).to_have_count(0)
        expect(tile(page).get_by_test_id("value-number")).to_have_text("not maintained")
        return
    meter = tile(page).get_by_role("meter", name="Customer value")
    expect(meter).to_be_visible()
    expect(meter).to_have_attribute("aria-valuemin", "1")
    expect(meter).to_have_attribute("aria-valuemax", "10")
    expect(meter).to_have_attribute("aria-valuenow", str(value))
    expect(tile(page).get_by_test_id("value-number")).to_have_text(f"{value} / 10")


def expect_churn_scale(page: Page, churn: int | None) -> None:
    if churn is None:
        expect(tile(page).get_by_role("img", name="Churn score not delivered")).to_be_visible()
        expect(tile(page).get_by_test_id("churn-number")).to_have_text("not delivered")
        return
    meter = tile(page).get_by_role("meter", name="Churn score")
    expect(meter).to_be_visible()
    expect(meter).to_have_attribute("aria-valuemin", "0")
    expect(meter).to_have_attribute("aria-valuemax", "100")
    expect(meter).to_have_attribute("aria-valuenow", str(churn))
    expect(tile(page).get_by_test_id("churn-number")).to_have_text(f"{churn} / 100")


def expect_recommendations(page: Page, shown: list[Shown]) -> None:
    """Exactly these recommendations, in this order, each with its text and its discount if any."""
    if not shown:
        expect(tile(page).get_by_test_id("recommendations")).to_have_count(0)
        expect(tile(page).get_by_test_id("no-recommendations")).to_have_text(
            "No recommendation for action fits this customer today."
        )
        return
    expect(tile(page).get_by_test_id("no-recommendations")).to_have_count(0)
    items = tile(page).get_by_test_id("recommendations").locator("> li")
    expect(items).to_have_count(len(shown))
    for position, rec in enumerate(shown):
        item = items.nth(position)
        expect(item).to_have_attribute("data-key", rec.key)
        expect(item.locator(".option")).to_have_text(rec.option)
        expect(item).to_contain_text(rec.text)
        discount = item.get_by_test_id("discount")
        if rec.discount is None:
            expect(discount).to_have_count(0)
        else:
            expect(discount).to_have_text(f"Discount: {rec.discount:.2f}")
