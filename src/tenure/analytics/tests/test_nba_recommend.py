"""Recommenders on seed 002's tiny browsing matrix, with the cosine values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from tenure.analytics.clv.base import NotFittedError
from tenure.analytics.nba.recommend import (
    ContentBased,
    Hybrid,
    ItemKNN,
    Popularity,
    UserKNN,
    item_features,
    item_scores,
    top_n,
)

# Seed 002, "Collaborative filtering", simple example: customers A, B, C × items 1–4
SEED = sparse.csr_matrix(np.array([[1, 0, 1, 0], [1, 1, 0, 1], [1, 0, 1, 1]], dtype=float))
A_B, A_C, B_C = 1 / math.sqrt(6), 2 / math.sqrt(6), 2 / 3


def test_the_seeds_cosine_similarities() -> None:
    # A·B = 1, |A| = √2, |B| = √3 → 0.41; A·C = 2 → 0.82; B·C = 2, |B| = |C| = √3 → 0.67
    # (the seed prints B vs C with A vs B's terms and √(2·3), but its value 0.67 is right)
    assert (round(A_B, 2), round(A_C, 2), round(B_C, 2)) == (0.41, 0.82, 0.67)
    # the nearest neighbour of A is C, whose item 4 A has not browsed: the seed's suggestion
    nearest = UserKNN(neighbours=1, pool=None).fit(SEED).recommend(SEED, 2)
    assert nearest.items[0].tolist() == [3, -1]
    assert nearest.scores[0, 0] == pytest.approx(A_C)
    # B's nearest is C (2/3 > 1/√6): C's item 3 is new to B; C's nearest, A, has nothing new
    assert nearest.items[1].tolist() == [2, -1] and nearest.scores[1, 0] == pytest.approx(B_C)
    assert nearest.items[2].tolist() == [-1, -1]


def test_user_based_neighbours_vote_with_their_similarity() -> None:
    two = UserKNN(neighbours=2, pool=None).fit(SEED).recommend(SEED, 2)
    # A: C and B both hold item 4 (0.82 + 0.41), only B holds item 2 (0.41)
    assert two.items[0].tolist() == [3, 1]
    assert two.scores[0].tolist() == pytest.approx([A_C + A_B, A_B])


def test_item_based_similarities_and_scores_by_hand() -> None:
    model = ItemKNN(neighbours=3).fit(SEED)
    # columns: 1 = (1,1,1), 2 = (0,1,0), 3 = (1,0,1), 4 = (0,1,1)
    r3, r6, r2 = 1 / math.sqrt(3), 2 / math.sqrt(6), 1 / math.sqrt(2)
    expected = [[0, r3, r6, r6], [r3, 0, 0, r2], [r6, 0, 0, 0.5], [r6, r2, 0.5, 0]]
    np.testing.assert_allclose(model.similarity_.toarray(), expected)
    # A holds 1 and 3: item 2 scores 1/√3 + 0, item 4 scores 2/√6 + 1/2
    best = model.recommend(SEED, 2)
    assert best.items[0].tolist() == [3, 1]
    assert best.scores[0].tolist() == pytest.approx([r6 + 0.5, r3])
    # with one neighbour per item (1 → 3, ties by item number; 3 → 1), A gets nothing new
    assert ItemKNN(neighbours=1).fit(SEED).recommend(SEED, 2).items[0].tolist() == [-1, -1]


def test_popularity_recommends_the_most_held_items_not_yet_held() -> None:
    best = Popularity().fit(SEED).recommend(SEED, 3)
    # held by 3, 1, 2, 2 customers; A lacks 2 and 4; ties (3 and 4) by item number
    assert best.items.tolist() == [[3, 1, -1], [2, -1, -1], [1, -1, -1]]
    assert best.scores[0, :2].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_content_filtering_matches_the_profile() -> None:
    movies = pd.DataFrame(
        {"genre": ["sci-fi", "sci-fi", "comedy", "drama"], "lead": ["x", "y", "y", "z"]}
    )
    features = item_features(movies, ["genre", "lead"])
    assert features.shape == (4, 6)
    holdings = sparse.csr_matrix(np.array([[1, 0, 0, 0], [0, 0, 1, 1]], dtype=float))
    model = ContentBased().fit(holdings, features)
    best = model.recommend(holdings, 3)
    # movie 0 = (sci-fi, x); movie 1 shares sci-fi: cos = 1/2; movies 2 and 3 share nothing
    assert best.items[0].tolist() == [1, -1, -1]
    assert best.scores[0, 0] == pytest.approx(0.5)
    # the second profile is (comedy + drama + y + z) / 2; movie 1 shares y: 1/(2·√2); movie 0
    # shares nothing
    assert best.items[1].tolist() == [1, -1, -1]
    assert best.scores[1, 0] == pytest.approx(1 / (2 * math.sqrt(2)))


def test_the_hybrid_blends_scaled_scores() -> None:
    hybrid = Hybrid(components={"items": ItemKNN(neighbours=3), "popular": Popularity()},
                    weights={"items": 1.0, "popular": 0.5}).fit(SEED)  # fmt: skip
    best = hybrid.recommend(SEED, 2)
    r3, r6 = 1 / math.sqrt(3), 2 / math.sqrt(6)
    item_peak = r6 + 0.5  # A's best item score, which scales A's item scores to 1
    # popularity scaled by its peak (item 1, held by all three): 1/3 and 2/3
    assert best.items[0].tolist() == [3, 1]
    assert best.scores[0].tolist() == pytest.approx([1 + 0.5 * 2 / 3, r3 / item_peak + 0.5 / 3])
    popular_only = Hybrid(
        components={"items": ItemKNN(), "popular": Popularity()}, weights={"items": 0}
    )
    assert (
        popular_only.fit(SEED).recommend(SEED, 2).items.tolist()
        == Popularity().fit(SEED).recommend(SEED, 2).items.tolist()
    )
    with pytest.raises(ValueError, match="name components"):
        Hybrid(components={"items": ItemKNN()}, weights={"other": 1.0}).fit(SEED)


def test_top_n_keeps_positive_scores_ties_by_item_and_pads() -> None:
    scores = sparse.csr_matrix(
        np.array([[0.2, 0.9, 0.0, 0.9, -1.0, 0.5], [0, 0, 0, 0, 0, 0], [0, 0.1, 0, 0, 0, 0]])
    )
    best = top_n(scores, 3)
    assert best.items.tolist() == [[1, 3, 5], [-1, -1, -1], [1, -1, -1]]
    assert np.isnan(best.scores[1]).all()
    # unsorted indices and many rows of different widths give the same answer as sorting
    rng = np.random.default_rng(0)
    wide = sparse.random(3_000, 400, density=0.05, format="csr", random_state=1)
    wide.data = np.round(wide.data, 1)  # many ties
    shuffled = wide.copy()
    for i in range(shuffled.shape[0]):
        lo, hi = shuffled.indptr[i], shuffled.indptr[i + 1]
        perm = rng.permutation(hi - lo)
        shuffled.indices[lo:hi] = shuffled.indices[lo:hi][perm]
        shuffled.data[lo:hi] = shuffled.data[lo:hi][perm]
    expected = [
        sorted((-v, j) for v, j in zip(row.data, row.indices, strict=True) if v > 0)[:10]
        for row in (wide[i] for i in range(3_000))
    ]
    got = top_n(shuffled, 10, group=64)
    for i, want in enumerate(expected):
        assert got.items[i, : len(want)].tolist() == [int(j) for _, j in want]


def test_item_scores_for_the_engine() -> None:
    model = ItemKNN(neighbours=3).fit(SEED)
    columns = item_scores(model, SEED, [3, 1])
    assert columns.shape == (3, 2)
    assert columns[0].tolist() == pytest.approx([2 / math.sqrt(6) + 0.5, 1 / math.sqrt(3)])


def test_unfitted_and_misshapen_input_raise() -> None:
    with pytest.raises(NotFittedError):
        ItemKNN().recommend(SEED)
    with pytest.raises(ValueError, match="item columns"):
        ItemKNN().fit(SEED).recommend(sparse.csr_matrix((1, 5)))
    with pytest.raises(ValueError, match="item_features"):
        ContentBased().fit(SEED)


def test_user_pool_is_a_seeded_sample() -> None:
    X = sparse.random(500, 50, density=0.1, format="csr", random_state=2)
    first = UserKNN(pool=100, random_state=3).fit(X)
    again = UserKNN(pool=100, random_state=3).fit(X)
    assert first.pool_.shape == (100, 50)
    assert (first.pool_ != again.pool_).nnz == 0
    np.testing.assert_array_equal(first.recommend(X[:20]).items, again.recommend(X[:20]).items)


def test_calibrated_probabilities_rise_with_the_score_and_match_the_take_up_rate() -> None:
    """On holdings with structure, a higher hybrid score means a higher share taken up later, and
    the probabilities average to the observed take-up rate of the candidates."""
    from tenure.analytics.nba.calibration import Calibration, calibrate
    from tenure.analytics.nba.evaluation import time_split
    from tenure.analytics.nba.synthetic import synthetic_holdings

    data = synthetic_holdings(customers=3_000, items=60, clusters=6, random_state=5)
    split = time_split(data.interactions, 0.7)
    model = ItemKNN(neighbours=20)
    found = calibrate(model, split, candidates=10)
    assert found.pairs > 10_000 and 0 < found.positives < found.pairs
    # isotonic regression keeps the mean: over the same candidates, the mean P is the take-up rate
    held = split.train[np.diff(split.train.indptr) > 0]
    scores = model.recommend(held, 10).scores
    scores = scores[~np.isnan(scores)]
    assert found.probability(scores).mean() == pytest.approx(found.positives / found.pairs)
    low, high = found.probability(np.quantile(scores, [0.25, 0.95]))
    assert high > 2 * low > 0  # the score separates: top candidates are taken up far more often
    assert list(found.probabilities) == sorted(found.probabilities)
    assert Calibration.from_dict(found.to_dict()) == found
    assert np.isnan(Calibration((), (), 0, 0).probability([0.5])).all()
