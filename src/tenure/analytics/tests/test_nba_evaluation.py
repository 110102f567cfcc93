"""Offline evaluation: the metrics by hand, the time split, CDNOW's kinds of purchase, and the
recommenders against popularity on data whose structure is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from tenure.analytics.nba.evaluation import (
    Split,
    cdnow_items,
    coverage,
    evaluate,
    hits,
    precision_at_k,
    read_cdnow,
    recall_at_k,
    time_split,
)
from tenure.analytics.nba.recommend import (
    ContentBased,
    Hybrid,
    ItemKNN,
    Popularity,
    UserKNN,
    item_features,
)
from tenure.analytics.nba.synthetic import synthetic_holdings

CDNOW = Path(__file__).resolve().parents[4] / "tests" / "data" / "cdnow"
RECOMMENDED = np.array([[0, 1, 2], [3, -1, -1]])
RELEVANT = sparse.csr_matrix(np.array([[0, 1, 0, 0, 1], [0, 0, 0, 1, 0]], dtype=float))


def test_metrics_by_hand() -> None:
    assert hits(RECOMMENDED, RELEVANT).tolist() == [1, 1]
    # @3: one hit in three slots for both (the second customer got one item, still 3 slots)
    assert precision_at_k(RECOMMENDED, RELEVANT, 3) == pytest.approx(1 / 3)
    # @1: the first customer's item 0 misses, the second's item 3 hits
    assert precision_at_k(RECOMMENDED, RELEVANT, 1) == pytest.approx(0.5)
    # recall @3: one of two relevant items, one of one
    assert recall_at_k(RECOMMENDED, RELEVANT, 3) == pytest.approx(0.75)
    assert recall_at_k(RECOMMENDED, RELEVANT, 1) == pytest.approx(0.5)
    # items 0, 1, 2, 3 of 5 were recommended to someone
    assert coverage(RECOMMENDED, 5) == pytest.approx(0.8)
    assert coverage(RECOMMENDED[:, :1], 5) == pytest.approx(0.4)


def test_the_time_split() -> None:
    table = pd.DataFrame(
        {
            "customer": [1, 1, 1, 1, 2, 2, 3, 4],
            "item": ["a", "b", "a", "c", "b", "b", "a", "c"],
            "time": [1, 2, 5, 6, 1, 7, 2, 8],
        }
    )
    split = time_split(table, 5)
    assert split.customers.tolist() == [1, 2, 3]  # customer 4 only arrives after the cutoff
    assert split.items.tolist() == ["a", "b", "c"]
    assert split.train.toarray().tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    # after the cutoff customer 1 buys a again (not new) and c (new); customer 2 only b again
    assert split.test.toarray().tolist() == [[0, 0, 1], [0, 0, 0], [0, 0, 0]]
    assert split.judged.tolist() == [0]


def test_evaluate_on_a_tiny_split() -> None:
    table = pd.DataFrame(
        {
            "customer": [1, 1, 2, 2, 2, 3, 3, 1],
            "item": [0, 1, 0, 1, 2, 0, 2, 2],
            "time": [0, 0, 0, 0, 0, 0, 0, 1],
        }
    )
    split = time_split(table, 1)
    result = evaluate({"popularity": Popularity(), "items": ItemKNN()}, split, k=1).set_index(
        "model"
    )
    # customer 1 holds 0 and 1, later takes 2, the only item left: both models must find it
    assert result["customers"].tolist() == [1, 1]
    assert result["precision"].tolist() == [1.0, 1.0]
    assert result["coverage"].tolist() == pytest.approx([1 / 3, 1 / 3])


@pytest.fixture(scope="module")
def cdnow_split() -> tuple[pd.DataFrame, Split]:
    purchases = read_cdnow(CDNOW / "CDNOW_master.txt")
    return purchases, time_split(cdnow_items(purchases), pd.Timestamp("1997-10-01"))


def test_cdnow_kinds_of_purchase(cdnow_split: tuple[pd.DataFrame, Split]) -> None:
    purchases, split = cdnow_split
    assert len(purchases) == 69_659 and purchases["customer"].nunique() == 23_570
    sample = read_cdnow(CDNOW / "CDNOW_sample.txt")
    assert sample["customer"].nunique() == 2_357
    assert set(sample["customer"]) <= set(purchases["customer"])
    items = cdnow_items(purchases)
    assert items["item"].nunique() == 21  # free purchases are all of one CD
    counts = items["item"].value_counts()
    assert counts.index[0] == "$13–15 × 1 CD" and counts.iloc[0] == 8_769
    # judged: customers whose purchases from October 1997 on include a kind not seen before
    before = items[items["time"] < "1997-10-01"]
    after = items[items["time"] >= "1997-10-01"]
    seen = set(zip(before["customer"], before["item"], strict=True))
    new = {
        (c, i) for c, i in zip(after["customer"], after["item"], strict=True) if (c, i) not in seen
    }
    assert len(split.judged) == len({c for c, _ in new}) == 6_138
    assert split.test.nnz == len(new)


def test_on_cdnow_item_based_filtering_beats_popularity_a_little(
    cdnow_split: tuple[pd.DataFrame, Split],
) -> None:
    _, split = cdnow_split
    result = evaluate({"popularity": Popularity(), "items": ItemKNN(neighbours=10)}, split, k=3)
    precision = result.set_index("model")["precision"]
    assert 0.15 < precision["popularity"] < precision["items"] < 0.3


def test_on_known_structure_collaborative_filtering_beats_popularity() -> None:
    holdings = synthetic_holdings(6_000, 300, clusters=10, random_state=4)
    split = time_split(holdings.interactions, 0.75)
    features = item_features(holdings.items, ["category"])
    models = {
        "popularity": Popularity(),
        "items": ItemKNN(),
        "users": UserKNN(pool=2_000),
        "content": ContentBased(),
        "content+popularity": Hybrid(
            components={"content": ContentBased(), "popular": Popularity()},
            weights={"popular": 0.3},
        ),
    }
    result = evaluate(models, split, k=10, item_features=features).set_index("model")
    precision = result["precision"]
    assert precision["items"] > 1.5 * precision["popularity"]
    assert precision["users"] > 1.5 * precision["popularity"]
    # the shown category alone ranks by taste but not by popularity within it: blended, it helps
    assert precision["content+popularity"] > precision["popularity"]
    assert result.loc["popularity", "coverage"] < result.loc["items", "coverage"]


def test_the_synthetic_holdings_follow_their_definition() -> None:
    holdings = synthetic_holdings(4_000, 200, clusters=8, affinity=0.7, random_state=5)
    again = synthetic_holdings(4_000, 200, clusters=8, affinity=0.7, random_state=5)
    pd.testing.assert_frame_equal(holdings.interactions, again.interactions)
    table = holdings.interactions.merge(holdings.customers, on="customer").merge(
        holdings.items[["item", "group"]], on="item", suffixes=("", "_item")
    )
    own = (table["group"] == table["group_item"]).mean()
    # 70 % of the draws in the group, plus the group's share of the others (about 1/8), less the
    # repeats removed, which are more common in the group (fewer items, same long tail)
    assert 0.6 < own < 0.7 + 0.3 / 8
    assert not table.duplicated(["customer", "item"]).any()
    # 8 draws a customer on average, repeats dropped (frequent with 25 items a group)
    assert 5 < table.groupby("customer").size().mean() < 8
    assert (holdings.items["category"] == holdings.items["group"]).mean() == pytest.approx(
        0.9, abs=0.05
    )
    matrix = holdings.matrix(until=0.75)
    assert matrix.nnz == (holdings.interactions["time"] < 0.75).sum()
