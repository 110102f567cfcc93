"""Synthetic product holdings whose structure is known, for recommender tests and benchmarks.

:func:`synthetic_holdings` draws ``customers`` customers, each in one of ``clusters`` taste
groups (equal shares), and ``items`` products, each with a home group (``category``, as the
catalogue shows it; for ``category_noise`` of the items the shown category is another, at
random), a price band (1..5) and a brand (1..50, unrelated to taste). Every item has a
popularity weight ``rank^(−popularity_exponent)`` over a random ranking (a long tail).

A customer holds ``1 + Poisson(items_per_customer − 1)`` draws, without repeats: each draw is,
with probability ``affinity``, an item of the customer's group (by popularity within the group),
else any item (by popularity). Each holding has a time, uniform in [0, 1); the last ``test_share``
of the time is the test period of an offline evaluation. So the items a customer takes up later
are predictable from the group their earlier items reveal — collaborative filtering should find
it, content filtering through the shown category, popularity not at all — and what is not
predictable (the ``1 − affinity`` share) is drawn as popularity would guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse


@dataclass(frozen=True)
class Holdings:
    """``interactions`` (customer, item, time; customers and items numbered from 0), ``items``
    (item, category, price_band, brand, group) and ``customers`` (customer, group)."""

    interactions: pd.DataFrame
    items: pd.DataFrame
    customers: pd.DataFrame

    def matrix(self, until: float | None = None, since: float | None = None) -> sparse.csr_matrix:
        """The binary customer × item matrix of the holdings with ``since ≤ time < until``."""
        table = self.interactions
        keep = np.ones(len(table), dtype=bool)
        if until is not None:
            keep &= table["time"].to_numpy() < until
        if since is not None:
            keep &= table["time"].to_numpy() >= since
        shape = (len(self.customers), len(self.items))
        rows, columns = table["customer"].to_numpy()[keep], table["item"].to_numpy()[keep]
        data = np.ones(len(rows), dtype=np.float32)
        return sparse.csr_matrix((data, (rows, columns)), shape=shape)


def synthetic_holdings(
    customers: int = 10_000,
    items: int = 500,
    *,
    clusters: int = 20,
    items_per_customer: float = 8.0,
    affinity: float = 0.7,
    popularity_exponent: float = 1.0,
    category_noise: float = 0.1,
    random_state: int = 0,
) -> Holdings:
    """Holdings with the taste-group structure of the module docstring."""
    if customers < 1 or items < clusters or clusters < 1 or items_per_customer < 1:
        raise ValueError(
            "need customers ≥ 1, clusters ≥ 1, items ≥ clusters, items_per_customer ≥ 1"
        )
    rng = np.random.default_rng(random_state)
    item_group = rng.permutation(np.arange(items) % clusters)
    weight = np.empty(items)
    weight[rng.permutation(items)] = np.arange(1, items + 1, dtype=float) ** -popularity_exponent
    customer_group = rng.integers(0, clusters, customers)

    draws = 1 + rng.poisson(items_per_customer - 1, customers)
    owner = np.repeat(np.arange(customers), draws)
    chosen = _draw(rng, weight, np.arange(items), len(owner))
    own_group = np.flatnonzero(rng.random(len(owner)) < affinity)
    by_group = own_group[np.argsort(customer_group[owner[own_group]], kind="stable")]
    bounds = np.searchsorted(customer_group[owner[by_group]], np.arange(clusters + 1))
    for group in range(clusters):
        members = np.flatnonzero(item_group == group)
        here = by_group[bounds[group] : bounds[group + 1]]
        chosen[here] = _draw(rng, weight[members], members, len(here))
    time = rng.random(len(owner))

    # one holding per customer and item, at its earliest draw; ordered by customer, then time
    key = owner.astype(np.int64) * items + chosen
    order = np.argsort(key, kind="stable")
    key, time = key[order], time[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    key, time = key[starts], np.minimum.reduceat(time, starts)
    owner, chosen = key // items, key % items
    order = _by(owner, time)
    table = pd.DataFrame({"customer": owner[order], "item": chosen[order], "time": time[order]})
    shown = item_group.copy()
    noisy = rng.random(items) < category_noise
    shown[noisy] = (item_group[noisy] + rng.integers(1, clusters, noisy.sum())) % clusters
    catalogue = pd.DataFrame(
        {
            "item": np.arange(items),
            "category": shown,
            "price_band": rng.integers(1, 6, items),
            "brand": rng.integers(1, 51, items),
            "group": item_group,
        }
    )
    people = pd.DataFrame({"customer": np.arange(customers), "group": customer_group})
    return Holdings(table, catalogue, people)


def _draw(
    rng: np.random.Generator, weight: np.ndarray, values: np.ndarray, size: int
) -> np.ndarray:
    """``size`` draws from ``values`` with probabilities proportional to ``weight``."""
    cumulative = np.cumsum(weight)
    picks = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    return values[np.minimum(picks, len(values) - 1)]


def _by(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The order that sorts by ``first``, then ``second`` (two argsorts beat ``np.lexsort``)."""
    inner = np.argsort(second)
    return inner[np.argsort(first[inner], kind="stable")]
