"""Contact pressure: offers per window, per channel, suppression after a refusal; mandatory
actions exempt; the same counts from a list of contacts and from a history table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tenure.analytics.nba import (
    Action,
    Catalogue,
    Contact,
    ContactLimit,
    RefusalSuppression,
    Track,
    decide,
    decide_batch,
)

NOW = dt.datetime(2024, 6, 15, 12, 0)


def catalogue(*pressure: ContactLimit | RefusalSuppression) -> Catalogue:
    actions = (
        Action("BILL", "service", "mandatory", "letter", 1.0, value=0, cost=1),
        Action("SAVE", "retention", "discretionary", "phone", 0.3, value=300, cost=10),
        Action("POINTS", "retention", "discretionary", "email", 0.2, value=100, cost=1),
        Action("UPSELL", "growth", "discretionary", "phone", 0.1, value=200, cost=2),
    )
    tracks = (
        Track("service", 0, "profit"),
        Track("retention", 1, "profit"),
        Track("growth", 2, "profit"),
    )
    return Catalogue(actions, tracks, pressure=pressure)


def offered(decision_catalogue: Catalogue, history: list[Contact]) -> list[str]:
    return [a.action for a in decide(decision_catalogue, {}, now=NOW, history=history).actions]


WEEKLY = ContactLimit("one offer a week", 1, 7)


def test_without_history_one_offer_per_week_allows_one_offer() -> None:
    decision = decide(catalogue(WEEKLY), {}, now=NOW)
    assert [a.action for a in decision.actions] == ["BILL", "SAVE"]
    for key in ("POINTS", "UPSELL"):
        (reason,) = decision.reasons_for(key)
        assert (reason.step, reason.rule) == ("contact_pressure", "one offer a week")
        assert reason.why == (
            "0 offer(s) within the last 7 days and 1 ranked above in this decision; "
            "at most 1 offer(s) per 7 days"
        )


def test_an_offer_within_the_window_holds_every_offer_back_but_not_the_mandatory_one() -> None:
    recent = [Contact(NOW - dt.timedelta(days=6, hours=23), "UPSELL", "phone")]
    decision = decide(catalogue(WEEKLY), {}, now=NOW, history=recent)
    assert [a.action for a in decision.actions] == ["BILL"]
    assert decision.reasons_for("SAVE")[0].why.startswith("1 offer(s) within the last 7 days and 0")


def test_the_window_is_open_at_its_start() -> None:
    # exactly 7 days ago no longer counts; a mandatory contact never counts
    old = [Contact(NOW - dt.timedelta(days=7), "UPSELL", "phone")]
    assert offered(catalogue(WEEKLY), old) == ["BILL", "SAVE"]
    bills = [Contact(NOW - dt.timedelta(days=1), "BILL", "letter")] * 3
    assert offered(catalogue(WEEKLY), bills) == ["BILL", "SAVE"]
    # a contact the catalogue does not know counts as an offer, unless it says it is mandatory
    foreign = Contact(NOW - dt.timedelta(days=1), "OLD_CAMPAIGN", "phone")
    assert offered(catalogue(WEEKLY), [foreign]) == ["BILL"]
    notice = Contact(NOW - dt.timedelta(days=1), "OLD_CAMPAIGN", "phone", kind="mandatory")
    assert offered(catalogue(WEEKLY), [notice]) == ["BILL", "SAVE"]


def test_a_channel_limit_leaves_other_channels_free() -> None:
    phone = ContactLimit("two phone offers a month", 2, 30, "phone")
    history = [
        Contact(NOW - dt.timedelta(days=3), "UPSELL", "phone"),
        Contact(NOW - dt.timedelta(days=20), "SAVE", "phone"),
        Contact(NOW - dt.timedelta(days=40), "SAVE", "phone"),
    ]
    decision = decide(catalogue(phone), {}, now=NOW, history=history)
    assert [a.action for a in decision.actions] == ["BILL", "POINTS"]
    assert decision.reasons_for("SAVE")[0].why.startswith("2 offer(s) within the last 30 days")
    # one phone offer left: the best phone offer takes it, the next phone offer is held back
    decision = decide(catalogue(phone), {}, now=NOW, history=history[1:])
    assert [a.action for a in decision.actions] == ["BILL", "SAVE", "POINTS"]
    assert [r.rule for r in decision.reasons_for("UPSELL")] == ["two phone offers a month"]


def test_limits_combine() -> None:
    limits = (ContactLimit("three a month", 3, 30), ContactLimit("one phone a week", 1, 7, "phone"))
    history = [Contact(NOW - dt.timedelta(days=10), "POINTS", "email")]
    # two offers left this month, one phone offer this week: SAVE (phone), POINTS (email)
    assert offered(catalogue(*limits), history) == ["BILL", "SAVE", "POINTS"]


def test_suppression_after_a_refusal() -> None:
    after = RefusalSuppression("30 days after a refusal", 30)
    refused = [Contact(NOW - dt.timedelta(days=10), "SAVE", "phone", "refused")]
    decision = decide(catalogue(after), {}, now=NOW, history=refused)
    assert [a.action for a in decision.actions] == ["BILL", "POINTS", "UPSELL"]
    (reason,) = decision.reasons_for("SAVE")
    assert reason.why == (
        "refused on 2024-06-05T12:00:00; 30 days without it after a refusal of this action"
    )
    accepted = [Contact(NOW - dt.timedelta(days=10), "SAVE", "phone", "accepted")]
    assert offered(catalogue(after), accepted) == ["BILL", "SAVE", "POINTS", "UPSELL"]
    long_ago = [Contact(NOW - dt.timedelta(days=31), "SAVE", "phone", "refused")]
    assert offered(catalogue(after), long_ago) == ["BILL", "SAVE", "POINTS", "UPSELL"]


def test_suppression_of_a_track_or_of_everything() -> None:
    refused = [Contact(NOW - dt.timedelta(days=2), "SAVE", "phone", "refused")]
    track = RefusalSuppression("retention pause", 14, "track")
    assert offered(catalogue(track), refused) == ["BILL", "UPSELL"]
    everything = RefusalSuppression("pause", 14, "any")
    assert offered(catalogue(everything), refused) == ["BILL"]


def test_unknown_responses_raise() -> None:
    with pytest.raises(ValueError, match="unknown response"):
        Contact(NOW, "SAVE", "phone", "maybe")


@pytest.mark.parametrize("days_ago", [6, 7, 8, 12, 29, 30, 31])
def test_a_history_table_gives_the_same_decision_as_contacts(days_ago: int) -> None:
    policies = (
        WEEKLY,
        ContactLimit("two phone offers a month", 2, 30, "phone"),
        RefusalSuppression("30 days after a refusal", 30),
    )
    contacts = [
        Contact(NOW - dt.timedelta(days=days_ago), "UPSELL", "phone", "no_answer"),
        Contact(NOW - dt.timedelta(days=days_ago), "SAVE", "phone", "refused"),
        Contact(NOW - dt.timedelta(days=days_ago), "POINTS", "email", "refused", "discretionary"),
        Contact(NOW - dt.timedelta(days=1), "BILL", "letter"),
    ]
    table = pd.DataFrame(
        [
            {"customer": 5, "at": c.at, "action": c.action, "channel": c.channel,
             "response": c.response, "kind": c.kind}
            for c in contacts
        ]
    )  # fmt: skip
    from_list = decide(catalogue(*policies), {}, now=NOW, history=contacts, customer=5)
    assert decide(catalogue(*policies), {}, now=NOW, history=table, customer=5) == from_list
    batch = decide_batch(
        catalogue(*policies), pd.DataFrame({"customer": [5]}), now=NOW, history=table
    )
    assert batch.decision(5) == from_list
    expected = {
        6: ["BILL"],
        7: ["BILL"],
        8: ["BILL"],
        12: ["BILL"],
        29: ["BILL"],
        30: ["BILL", "SAVE"],
    }
    assert [a.action for a in from_list.actions] == expected.get(days_ago, ["BILL", "SAVE"])
