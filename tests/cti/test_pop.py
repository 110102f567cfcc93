"""The screen pop as an agent sees it: the telephony system reports a call over HTTP, and the open
page of the agent at that extension shows the caller with the customer value tile (SPEC §1.3, §1.4).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, expect

from tests.browser.conftest import SCREENSHOTS
from tests.cti.conftest import (
    HELGA,
    KARIN,
    KATHARINA,
    MUELLER_GMBH,
    PETER,
    Desktop,
    Site,
)

pytestmark = pytest.mark.browser


def test_known_caller_pops_with_the_tile_above_the_caller_information(desktops, pbx) -> None:
    anna = desktops("anna")
    anna.page.evaluate("window.sameDocument = true")
    call_id, answer = pbx.ring("+49 (341) 555-0101", extension="201")
    assert answer["caller_e164"] == "+493415550101"
    assert (answer["partner"], answer["matches"], answer["agent"]) == (HELGA.number, 1, "anna")

    dialog = anna.dialog
    expect(dialog).to_have_attribute("data-state", "ringing")
    expect(dialog.get_by_test_id("cti-state")).to_have_text("☎ Ringing")
    expect(dialog.get_by_test_id("cti-number")).to_have_text("+49 341 5550101")
    expect(dialog.get_by_test_id("cti-partner-name")).to_have_text(HELGA.name)
    expect(dialog.get_by_test_id("cti-partner-link")).to_have_attribute(
        "href", f"/partners/{HELGA.number}/"
    )
    tile = dialog.get_by_test_id("customer-value-tile")
    expect(tile.get_by_test_id("segment-badge")).to_have_text("Segment A")
    expect(tile.get_by_test_id("risk-badge")).to_have_text("Risk: low")
    caller = dialog.get_by_test_id("cti-caller")
    expect(caller.get_by_role("heading")).to_have_text("Caller information")

    # the tile comes first, in the document and on the screen
    assert _precedes(tile, caller)
    tile_box, caller_box = tile.bounding_box(), caller.bounding_box()
    assert tile_box is not None and caller_box is not None
    assert tile_box["y"] + tile_box["height"] <= caller_box["y"]

    # answered and ended update the same pop, on the same page
    pbx.report(call_id, "answered")
    expect(dialog).to_have_attribute("data-state", "answered")
    expect(dialog.get_by_test_id("cti-state")).to_have_text("✆ Answered")
    pbx.report(call_id, "ended")
    expect(dialog).to_have_attribute("data-state", "ended")
    expect(dialog.get_by_test_id("cti-state")).to_have_text("Ended")
    expect(dialog.get_by_test_id("cti-partner-name")).to_have_text(HELGA.name)
    expect(anna.page.get_by_test_id("cti-dialog")).to_have_count(1)
    assert anna.page.evaluate("window.sameDocument") is True


def test_unknown_caller_becomes_a_new_partner_with_the_call_linked(desktops, pbx) -> None:
    anna = desktops("anna")
    _, answer = pbx.ring("030 9876543")
    assert (answer["caller_e164"], answer["partner"], answer["matches"]) == (
        "+49309876543",
        None,
        0,
    )

    dialog = anna.dialog
    expect(dialog.get_by_test_id("cti-unknown")).to_have_text(
        "Unknown caller — no business partner has the number +49 30 9876543."
    )
    expect(dialog.get_by_test_id("cti-number")).to_have_text("+49 30 9876543")
    expect(dialog.get_by_role("searchbox", name="Search business partners")).to_have_value(
        "+49309876543"
    )
    expect(dialog.get_by_role("button", name="Search")).to_be_visible()
    expect(dialog.get_by_test_id("customer-value-tile")).to_have_count(0)

    dialog.get_by_test_id("cti-create").click()
    page = anna.page
    page.wait_for_url("**/partners/new/?*")
    expect(page.get_by_label("Phone numbers")).to_have_value("+49309876543")
    page.get_by_label("Partner number").fill("3000090")
    page.get_by_label("Name").fill("Greta Neumann")
    page.get_by_label("Kind").select_option("person")
    page.get_by_label("City").fill("Berlin")
    page.get_by_role("button", name="Create").click()

    page.wait_for_url("**/partners/3000090/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Greta Neumann")
    interactions = page.get_by_test_id("recent-interactions")
    expect(interactions.get_by_role("heading")).to_have_text("Recent interactions")
    expect(interactions.locator("tbody tr")).to_have_count(1)
    expect(interactions.locator("tbody tr")).to_contain_text("Inbound call")
    # the call is still ringing: the new page pops it again, now with the partner it belongs to
    expect(anna.dialog.get_by_test_id("cti-partner-name")).to_have_text("Greta Neumann")


def test_several_partners_with_the_number_let_the_agent_choose(desktops, pbx) -> None:
    anna = desktops("anna")
    _, answer = pbx.ring(KARIN.phone)
    assert (answer["partner"], answer["matches"]) == (None, 2)

    dialog = anna.dialog
    expect(dialog.get_by_test_id("cti-several")).to_have_text(
        "Several business partners have this number. Who is calling?"
    )
    candidates = dialog.get_by_test_id("cti-candidate")
    expect(candidates).to_have_text([KARIN.name, MUELLER_GMBH.name])
    expect(dialog.get_by_test_id("cti-caller")).to_have_count(0)

    for candidate in candidates.all():
        assert _contrast(candidate, anna.pop) >= 4.5, "the names must be readable on the pop"

    candidates.filter(has_text=KARIN.name).click()
    expect(dialog.get_by_test_id("cti-partner-name")).to_have_text(KARIN.name)
    expect(dialog.get_by_test_id("segment-badge")).to_have_text("Segment D")
    expect(dialog.get_by_test_id("risk-badge")).to_have_text("Risk: very high")
    expect(dialog.get_by_test_id("cti-caller")).to_contain_text(KARIN.number)
    expect(dialog.get_by_test_id("cti-several")).to_have_count(0)


def test_withheld_number(desktops, pbx) -> None:
    anna = desktops("anna")
    _, answer = pbx.ring("")
    assert (answer["caller_e164"], answer["partner"], answer["matches"]) == ("", None, 0)

    dialog = anna.dialog
    expect(dialog.get_by_test_id("cti-number")).to_have_text("Number withheld")
    expect(dialog.get_by_test_id("cti-withheld")).to_contain_text("The caller withheld the number")
    expect(dialog.get_by_role("searchbox", name="Search business partners")).to_have_value("")
    expect(dialog.get_by_test_id("cti-unknown")).to_have_count(0)
    expect(dialog.get_by_test_id("cti-create")).to_have_count(0)

    close = dialog.get_by_role("button", name="Close the call dialog")
    assert _contrast(close, anna.pop) >= 4.5
    close.click()
    expect(anna.pop).to_be_hidden()


def test_tile_empty_states_module_inactive_and_no_data(desktops, pbx) -> None:
    root = desktops("root", telephony=False)
    expect(root.status).to_have_count(0)  # no extension, no telephony
    anna = desktops("anna")

    _switch_customer_value(root, to="inactive")
    try:
        helga_call, _ = pbx.ring(HELGA.phone)
        expect(anna.dialog.get_by_test_id("cti-partner-name")).to_have_text(HELGA.name)
        expect(anna.dialog.get_by_test_id("customer-value-tile-empty")).to_be_visible()
        expect(anna.dialog.get_by_test_id("customer-value-tile")).to_have_count(0)
        expect(anna.dialog.get_by_test_id("segment-badge")).to_have_count(0)
    finally:
        _switch_customer_value(root, to="active")
    pbx.report(helga_call, "ended")

    pbx.ring(PETER.phone)
    expect(anna.dialog.get_by_test_id("cti-partner-name")).to_have_text(PETER.name)
    tile = anna.dialog.get_by_test_id("customer-value-tile")
    expect(tile.get_by_test_id("tile-empty")).to_have_text("No customer value data found.")
    caller = anna.dialog.get_by_test_id("cti-caller")
    assert _precedes(tile, caller)


def test_a_call_pops_only_at_its_agent(desktops, pbx) -> None:
    anna, ben = desktops("anna"), desktops("ben")
    anna_call, answer = pbx.ring(HELGA.phone, extension="201")
    assert answer["agent"] == "anna"
    expect(anna.dialog).to_have_attribute("data-call", anna_call)
    expect(anna.dialog.get_by_test_id("cti-partner-name")).to_have_text(HELGA.name)
    # anna's pop is the sign the event went out; ben's page got nothing
    expect(ben.pop).to_be_hidden()
    expect(ben.page.get_by_test_id("cti-dialog")).to_have_count(0)

    ben_call, answer = pbx.ring(KATHARINA.phone, extension="202")
    assert answer["agent"] == "ben"
    expect(ben.dialog).to_have_attribute("data-call", ben_call)
    expect(ben.dialog.get_by_test_id("cti-partner-name")).to_have_text(KATHARINA.name)
    expect(anna.dialog).to_have_attribute("data-call", anna_call)
    # each page fetched one dialog, its own: ben's stream never carried anna's call (it would
    # have come first, since it was reported first)
    assert len(anna.dialogs_fetched) == len(ben.dialogs_fetched) == 1
    assert anna.dialogs_fetched != ben.dialogs_fetched


def test_screenshot_of_the_pop_over_the_partner_search(desktops, pbx) -> None:
    anna = desktops("anna")
    anna.goto("/partners/?q=Leipzig")
    anna.expect_connected()
    expect(anna.page.get_by_role("link", name=HELGA.name)).to_be_visible()
    earlier, _ = pbx.ring(KATHARINA.phone)  # she called before: "Last contacts" lists it
    pbx.report(earlier, "answered")
    pbx.report(earlier, "ended")
    expect(anna.dialog).to_have_attribute("data-state", "ended")
    call_id, _ = pbx.ring(KATHARINA.phone)
    pbx.report(call_id, "answered")

    dialog = anna.dialog
    expect(dialog).to_have_attribute("data-call", call_id)
    expect(dialog).to_have_attribute("data-state", "answered")
    expect(dialog.get_by_test_id("cti-partner-name")).to_have_text(KATHARINA.name)
    expect(dialog.get_by_test_id("segment-badge")).to_have_text("Segment C")
    expect(dialog.get_by_test_id("recommendations")).to_contain_text(
        "Decoy offers with loyalty discounts"
    )
    anna.page.mouse.move(0, 0)
    anna.page.screenshot(path=SCREENSHOTS / "cti-pop.png")


def test_the_page_reconnects_after_a_server_restart(desktops, pbx, site: Site) -> None:
    anna = desktops("anna")
    anna.page.evaluate("window.sameDocument = true")

    site.server.stop()
    expect(anna.status).to_have_attribute("data-state", "reconnecting", timeout=15_000)
    expect(anna.status).to_have_text("Telephony: reconnecting…")
    site.server.start()
    anna.expect_connected(timeout=15_000)
    assert anna.page.evaluate("window.sameDocument") is True

    call_id, _ = pbx.ring(HELGA.phone)
    expect(anna.dialog).to_have_attribute("data-call", call_id)
    expect(anna.dialog.get_by_test_id("cti-partner-name")).to_have_text(HELGA.name)


def _precedes(first: Locator, second: Locator) -> bool:
    """Whether the first element comes before the second in the document."""
    return bool(
        first.evaluate(
            "(first, second) => first.compareDocumentPosition(second)"
            " & Node.DOCUMENT_POSITION_FOLLOWING",
            second.element_handle(),
        )
    )


def _contrast(text: Locator, background: Locator) -> float:
    """WCAG contrast ratio of an element's text colour against another element's background."""
    colours = [
        text.evaluate("e => getComputedStyle(e).color"),
        background.evaluate("e => getComputedStyle(e).backgroundColor"),
    ]
    luminances = []
    for colour in colours:
        channels = [int(part) / 255 for part in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        luminances.append(0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2])
    lighter, darker = max(luminances), min(luminances)
    return (lighter + 0.05) / (darker + 0.05)


def _switch_customer_value(admin: Desktop, *, to: str) -> None:
    admin.goto("/administration/modules/")
    row = admin.page.locator('tr[data-module="customer_value"]')
    row.get_by_role("button", name={"inactive": "Deactivate", "active": "Activate"}[to]).click()
    expect(admin.page.get_by_role("status")).to_have_text(f"Module Customer value is now {to}.")
    expect(row.locator(".badge")).to_have_text(to)
