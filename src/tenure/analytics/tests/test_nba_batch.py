"""The batch mode decides as the call-time mode does, customer by customer, on a random base."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.nba import STEPS, decide, decide_batch
from tenure.analytics.nba.catalogue import Mode
from tenure.analytics.nba.example import example_catalogue, example_customers, example_history

NOW = dt.datetime(2024, 12, 1, 12)
AFTER_THE_SEASON = dt.datetime(2025, 1, 10, 8)


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return example_customers(600, random_state=11)


@pytest.fixture(scope="module")
def history(base: pd.DataFrame) -> pd.DataFrame:
    return example_history(base, now=NOW, contacts_per_customer=2.0, random_state=12)


@pytest.mark.parametrize(
    ("mode", "now", "limit"),
    [("track", NOW, None), ("score", NOW, 3), ("track", AFTER_THE_SEASON, 2)],
)
def test_batch_equals_one_customer_at_a_time(
    base: pd.DataFrame, history: pd.DataFrame, mode: Mode, now: dt.datetime, limit: int | None
) -> None:
    catalogue = example_catalogue(mode)
    batch = decide_batch(catalogue, base, now=now, history=history, limit=limit, chunk_size=250)
    explained = list(batch.decisions())
    by_customer = dict(tuple(history.groupby("customer")))
    records = base.to_dict("records")
    for i, (record, from_batch) in enumerate(zip(records, explained, strict=True)):
        # every other customer's context leaves out the fields it does not know
        context = {k: v for k, v in record.items() if not pd.isna(v)} if i % 2 else record
        contacts = by_customer.get(record["customer"])
        alone = decide(
            catalogue, context, now=now, history=contacts, limit=limit, customer=record["customer"]
        )
        assert from_batch.to_dict() == alone.to_dict(), record["customer"]

    # the ranked table holds exactly the ranked actions of the decisions
    from_decisions = [(d.customer, a.rank, a.action, a.score) for d in explained for a in d.actions]
    table = batch.ranked[["customer", "rank", "action", "score"]].itertuples(index=False)
    assert [tuple(row) for row in table] == from_decisions
    # and the reason counts count the decisions' reasons
    counted = Counter(
        (r.action, r.step, r.rule) for d in explained for r in dict.fromkeys(d.reasons)
    )
    counts = {(a, s, r): n for a, s, r, n in batch.reason_counts.itertuples(index=False)}
    assert counts == {key: n for key, n in counted.items()}


def test_the_random_base_exercises_every_kind_of_reason(
    base: pd.DataFrame, history: pd.DataFrame
) -> None:
    steps: set[str] = set()
    rules: set[str] = set()
    for now, limit in ((NOW, 2), (AFTER_THE_SEASON, None)):
        batch = decide_batch(example_catalogue(), base, now=now, history=history, limit=limit)
        steps |= set(batch.reason_counts["step"])
        rules |= set(batch.reason_counts["rule"])
    assert steps == set(STEPS)
    assert {
        "precedence",
        "one offer a week",
        "two phone offers a month",
        "30 days after a refusal",
    } <= rules


def test_the_ranked_table_and_explaining_one_customer(
    base: pd.DataFrame, history: pd.DataFrame
) -> None:
    batch = decide_batch(example_catalogue(), base, now=NOW, history=history, limit=3)
    ranked = batch.ranked
    assert list(ranked.columns)[:4] == ["customer", "rank", "action", "kind"]
    assert ranked.groupby("customer")["rank"].max().max() <= 3
    first = ranked.groupby("customer").head(1)
    # mandatory actions head every list they are in
    mandatory = ranked[ranked["kind"] == "mandatory"]
    assert (mandatory["rank"] <= mandatory.groupby("customer")["rank"].transform("count")).all()
    some = int(first["customer"].iloc[5])
    decision = batch.decision(some)
    assert decision.customer == some
    assert decision.actions[0].action == first.loc[first["customer"] == some, "action"].item()
    with pytest.raises(KeyError):
        batch.decision(-1)


def test_contacts_of_unknown_customers_are_ignored_and_bad_input_raises(base: pd.DataFrame) -> None:
    stranger = pd.DataFrame(
        {"customer": [10**9], "at": [NOW - dt.timedelta(days=1)], "action": ["GRO_TV"],
         "channel": ["email"], "response": ["refused"]}
    )  # fmt: skip
    with_stranger = decide_batch(example_catalogue(), base, now=NOW, history=stranger)
    without = decide_batch(example_catalogue(), base, now=NOW)
    pd.testing.assert_frame_equal(with_stranger.ranked, without.ranked)
    with pytest.raises(ValueError, match="twice"):
        decide_batch(example_catalogue(), pd.concat([base, base.iloc[:1]]), now=NOW)
    with pytest.raises(ValueError, match="unknown response"):
        decide_batch(
            example_catalogue(),
            base,
            now=NOW,
            history=stranger.assign(response="maybe", customer=1),
        )
    assert np.isfinite(without.ranked["score"]).all()
