"""Offline evaluation of recommenders on a time split: precision@k, recall@k, coverage.

The interactions before a cutoff train the recommender; for each customer with at least one item
before the cutoff and at least one *new* item after it (an item not held before), the ``k``
recommendations are compared with those new items. Precision@k is the share of the ``k`` slots
that hit (a customer given fewer than ``k`` items still counts ``k`` slots), recall@k the share
of the customer's new items hit, both averaged over the customers; coverage is the share of all
items recommended to anyone. Customers new after the cutoff cannot be judged (nothing to
recommend from) and are left out, as are those whose later items were all held before.

CDNOW has no product ids: :func:`cdnow_items` makes an honest stand-in, the *kind* of purchase
(price per CD in six bands × number of CDs in four bands, 24 "items"), so what is evaluated there
is whether a recommender predicts a customer's next kinds of purchase. With 24 such items,
popularity is hard to beat; the synthetic holdings (:mod:`.synthetic`) are the test of the
recommenders on products with structure.
"""

from __future__ import annotations

import time as clock
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from tenure.analytics.nba.recommend import Recommender

PRICE_BANDS = (0.0, 11.0, 13.0, 15.0, 17.0)
"""Lower bounds of the price-per-CD bands in US dollars (a purchase of $0 is "free")."""
PRICE_BAND_NAMES = ("free", "< $11", "$11–13", "$13–15", "$15–17", "$17+")
QUANTITY_BANDS = (1, 2, 3, 5)
"""Lower bounds of the number-of-CDs bands."""
QUANTITY_BAND_NAMES = ("1 CD", "2 CDs", "3–4 CDs", "5+ CDs")


@dataclass(frozen=True)
class Split:
    """A time split: ``train`` (customers × items before the cutoff), ``test`` (the items new
    after it), the row and column labels, and the rows of the customers judged."""

    train: sparse.csr_matrix
    test: sparse.csr_matrix
    customers: pd.Index
    items: pd.Index
    judged: NDArray[np.int64]


def time_split(
    interactions: pd.DataFrame,
    cutoff: Any,
    *,
    customer: str = "customer",
    item: str = "item",
    time: str = "time",
) -> Split:
    """Split ``interactions`` (one row per customer, item and time) at ``cutoff``: before it
    is training, from it on is test."""
    before = interactions[time] < cutoff
    customers = pd.Index(np.sort(interactions.loc[before, customer].unique()))
    items = pd.Index(np.sort(interactions[item].unique()))

    def matrix(rows: pd.DataFrame) -> sparse.csr_matrix:
        known = customers.get_indexer(rows[customer])
        kept = known >= 0
        columns = items.get_indexer(rows[item])[kept]
        data = np.ones(int(kept.sum()))
        shape = (len(customers), len(items))
        built = sparse.csr_matrix((data, (known[kept], columns)), shape=shape)
        built.data[:] = 1.0  # repeated purchases count once
        return built

    train = matrix(interactions[before])
    later = matrix(interactions[~before])
    test = later - later.multiply(train > 0)
    test.eliminate_zeros()
    judged = np.flatnonzero(np.diff(test.indptr) > 0)
    return Split(train, sparse.csr_matrix(test), customers, items, judged)


def hits(recommended: NDArray[np.int64], relevant: sparse.csr_matrix) -> NDArray[np.int64]:
    """How many of each row's recommended items (−1 = none) are in that row of ``relevant``."""
    m, n_items = relevant.shape
    rows = np.repeat(np.arange(m), recommended.shape[1])
    items = recommended.ravel()
    given = items >= 0
    wanted = relevant.tocoo()
    keys = wanted.row.astype(np.int64) * n_items + wanted.col
    hit = np.isin(rows[given].astype(np.int64) * n_items + items[given], keys)
    return np.bincount(rows[given][hit], minlength=m)


def precision_at_k(recommended: NDArray[np.int64], relevant: sparse.csr_matrix, k: int) -> float:
    """Mean share of the ``k`` recommendation slots that hit a relevant item."""
    top = recommended[:, :k]
    return float(np.mean(hits(top, relevant) / k)) if len(top) else float("nan")


def recall_at_k(recommended: NDArray[np.int64], relevant: sparse.csr_matrix, k: int) -> float:
    """Mean share of each customer's relevant items found in their ``k`` recommendations."""
    top = recommended[:, :k]
    wanted = np.diff(sparse.csr_matrix(relevant).indptr)
    if not len(top) or (wanted == 0).any():
        raise ValueError("recall needs at least one relevant item per customer")
    return float(np.mean(hits(top, relevant) / wanted))


def coverage(recommended: NDArray[np.int64], n_items: int) -> float:
    """Share of the ``n_items`` items recommended to at least one customer."""
    shown = np.unique(recommended[recommended >= 0])
    return len(shown) / n_items


def evaluate(
    models: Mapping[str, Recommender], split: Split, *, k: int = 10, item_features: Any = None
) -> pd.DataFrame:
    """Fit each model on ``split.train`` and judge its top ``k`` on the judged customers.

    Columns: model, customers, precision, recall, coverage, fit_seconds, recommend_seconds.
    """
    rows = []
    judged_train = split.train[split.judged]
    relevant = split.test[split.judged]
    for name, model in models.items():
        started = clock.perf_counter()
        model.fit(split.train, item_features)
        fitted = clock.perf_counter()
        recommended = model.recommend(judged_train, k).items
        done = clock.perf_counter()
        rows.append(
            {
                "model": name,
                "customers": len(split.judged),
                "precision": precision_at_k(recommended, relevant, k),
                "recall": recall_at_k(recommended, relevant, k),
                "coverage": coverage(recommended, split.train.shape[1]),
                "fit_seconds": fitted - started,
                "recommend_seconds": done - fitted,
            }
        )
    return pd.DataFrame(rows)


def read_cdnow(path: str | Path) -> pd.DataFrame:
    """CDNOW purchases (Fader & Hardie's master or sample file, with or without its header) as
    customer, date, quantity, amount."""
    table = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, comment=None)
    if not table.iloc[0, 0].isdigit():
        table = table.iloc[1:]
    if table.shape[1] == 5:  # the sample's extra column: the id within the sample
        table = table.drop(columns=1)
    table.columns = ["customer", "date", "quantity", "amount"]
    return pd.DataFrame(
        {
            "customer": table["customer"].astype(int).to_numpy(),
            "date": pd.to_datetime(table["date"], format="%Y%m%d").to_numpy(),
            "quantity": table["quantity"].astype(int).to_numpy(),
            "amount": table["amount"].astype(float).to_numpy(),
        }
    )


def cdnow_items(purchases: pd.DataFrame) -> pd.DataFrame:
    """Each purchase as a kind of purchase (customer, item, time): its price-per-CD band
    (:data:`PRICE_BANDS`) × its number-of-CDs band (:data:`QUANTITY_BANDS`), e.g. "$13–15 × 2 CDs"."""
    amount = purchases["amount"].to_numpy(dtype=float)
    quantity = purchases["quantity"].to_numpy()
    price_band = np.searchsorted(PRICE_BANDS, amount / quantity, side="right")
    price_band = np.where(amount <= 0, 0, price_band)
    quantity_band = np.searchsorted(QUANTITY_BANDS, quantity, side="right") - 1
    names = np.array(
        [f"{p} × {q}" for p in PRICE_BAND_NAMES for q in QUANTITY_BAND_NAMES], dtype=object
    )
    return pd.DataFrame(
        {
            "customer": purchases["customer"].to_numpy(),
            "item": names[price_band * len(QUANTITY_BANDS) + quantity_band],
            "time": purchases["date"].to_numpy(),
        }
    )
