"""Response rates: a Beta prior from the fixed P, updated by counts, per action and segment."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta

from tenure.analytics.clv.base import NotFittedError
from tenure.analytics.nba import Action, Catalogue, Track, decide
from tenure.analytics.nba.learning import ALL_SEGMENTS, ResponseRates, field_name


def responses(
    action: str, segment: str | None, accepted: int, refused: int, no_answer: int
) -> pd.DataFrame:
    answers = ["accepted"] * accepted + ["refused"] * refused + ["no_answer"] * no_answer
    return pd.DataFrame({"action": action, "segment": segment, "response": answers})


RECORDED = pd.concat(
    [
        responses("X", "A", 3, 5, 2),
        responses("X", "B", 1, 9, 0),
        pd.DataFrame({"action": ["X"], "segment": ["A"], "response": [None]}),  # not answered yet
    ],
    ignore_index=True,
)


def test_rates_by_hand() -> None:
    model = ResponseRates(prior_strength=20).fit(RECORDED, {"X": 0.1})
    # over all segments: prior Beta(2, 18); 4 accepted of 20 → (2 + 4) / (20 + 20)
    overall = model.rate("X")
    assert (overall.rate, overall.count, overall.accepted) == (pytest.approx(6 / 40), 20, 4)
    # segment A: prior Beta(20 · 0.15, 20 · 0.85) = Beta(3, 17); 3 of 10 → (3 + 3) / 30
    assert model.rate("X", "A").rate == pytest.approx(6 / 30)
    assert model.rate("X", "A").count == 10
    # segment B: 1 of 10 → (3 + 1) / 30
    assert model.rate("X", "B").rate == pytest.approx(4 / 30)
    # a segment never seen: the action's overall rate, on no responses
    unseen = model.rate("X", "C")
    assert (unseen.rate, unseen.count) == (pytest.approx(0.15), 0)
    assert (unseen.lower, unseen.upper) == pytest.approx(beta.ppf([0.05, 0.95], 3, 17))
    table = model.rates()
    assert table[["action", "segment"]].values.tolist() == [
        ["X", ALL_SEGMENTS],
        ["X", "A"],
        ["X", "B"],
    ]
    assert table["no_answer"].tolist() == [2, 2, 0]


def test_no_answer_can_be_left_out() -> None:
    model = ResponseRates(prior_strength=20, no_answer="ignore").fit(RECORDED, {"X": 0.1})
    assert model.rate("X").rate == pytest.approx(6 / 38)
    assert model.rate("X").count == 18
    prior = 6 / 38
    assert model.rate("X", "A").rate == pytest.approx((20 * prior + 3) / (20 + 8))


def test_an_action_never_offered_keeps_its_prior() -> None:
    catalogue = Catalogue(
        (
            Action("X", "t", probability=0.1, value=1, cost=1),
            Action("Y", "t", probability=0.3, value=1, cost=1),
        ),
        (Track("t", 1),),
    )
    model = ResponseRates(prior_strength=10).fit(RECORDED, catalogue)
    assert model.rate("Y").rate == pytest.approx(0.3)
    assert (model.rate("Y").lower, model.rate("Y").upper) == pytest.approx(
        beta.ppf([0.05, 0.95], 3, 7)
    )
    assert model.rate("Z").rate == pytest.approx(0.05)  # no prior at all: default_prior


def test_p_improves_with_use() -> None:
    rng = np.random.default_rng(3)
    model = ResponseRates(prior_strength=20).fit(
        pd.DataFrame(columns=["action", "response"]), {"X": 0.1}
    )
    widths, rates = [], []
    for _ in range(6):
        answers = rng.choice(["accepted", "refused"], 500, p=[0.3, 0.7])
        model.partial_fit(pd.DataFrame({"action": "X", "response": answers}))
        widths.append(model.rate("X").upper - model.rate("X").lower)
        rates.append(model.rate("X").rate)
    assert rates[-1] == pytest.approx(0.3, abs=0.02)
    assert all(a > b for a, b in itertools.pairwise(widths))
    assert model.rate("X").count == 3_000


def test_partial_fit_adds_up_to_one_fit() -> None:
    first, second = RECORDED.iloc[:12], RECORDED.iloc[12:]
    incremental = ResponseRates().fit(first, {"X": 0.1}).partial_fit(second)
    at_once = ResponseRates().fit(RECORDED, {"X": 0.1})
    pd.testing.assert_frame_equal(incremental.rates(), at_once.rates())


def test_learned_rates_feed_the_engine() -> None:
    model = ResponseRates(prior_strength=20).fit(RECORDED, {"X": 0.1})
    action = Action("X", "t", probability=0.1, propensity_field=field_name("X"), value=100, cost=1)
    catalogue = Catalogue((action,), (Track("t", 1, "profit"),))
    context = {"segment": "A", **model.context("A", ["X"])}
    decision = decide(catalogue, context, now=dt.date(2024, 1, 1))
    assert decision.actions[0].probability == pytest.approx(0.2)
    columns = model.rate_columns(pd.Series(["A", "B", "C", None]), ["X"])
    assert columns[field_name("X")].tolist() == pytest.approx([0.2, 4 / 30, 0.15, 0.15])


def test_bad_input_raises() -> None:
    with pytest.raises(NotFittedError):
        ResponseRates().rates()
    with pytest.raises(ValueError, match="unknown response"):
        ResponseRates().fit(pd.DataFrame({"action": ["X"], "response": ["maybe"]}))
    with pytest.raises(ValueError, match="within"):
        ResponseRates().fit(RECORDED, {"X": 1.0})
