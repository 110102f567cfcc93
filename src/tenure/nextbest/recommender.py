"""The product recommender behind the product actions: fitted on the product holdings, judged on a
time split against the baselines, calibrated to a probability, and read at decision time.

``fit_recommender`` (``tenure nba fit-recommender``) reads every holding (partner, product, start),
splits it in time (the last ``test_share`` of the start dates is the test period), evaluates
popularity, item-based and user-based collaborative filtering, content filtering and their hybrid
(precision@k, recall@k, coverage), calibrates the hybrid's score to the probability of a take-up
within the test period, fits the hybrid on all holdings and stores it (one transaction: stopped,
it stores nothing). A product action's P is then that probability for the customer
(``product_propensity:<key>``), and it is offered only to customers who do not hold the product
(``holds_product:<key>``); for one partner at call time and for the whole base in the proactive
run, from the same fitted model.
"""

from __future__ import annotations

import datetime as dt
import math
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from numpy.typing import NDArray
from scipy import sparse

from tenure.analytics.nba.calibration import Calibration, calibrate
from tenure.analytics.nba.evaluation import evaluate, time_split
from tenure.analytics.nba.recommend import (
    ContentBased,
    Hybrid,
    ItemKNN,
    Popularity,
    Recommender,
    UserKNN,
    attribute_features,
)
from tenure.customerdata.models import Product, ProductHolding
from tenure.nextbest import models as m
from tenure.nextbest.fields import HOLDS_PRODUCT_PREFIX as HOLDS
from tenure.nextbest.fields import PRODUCT_PROPENSITY_PREFIX as PROPENSITY

HYBRID_WEIGHTS = {"item": 1.0, "content": 0.2}
"""Collaborative filtering leads; content filtering adds products nobody similar holds yet. On the
demo holdings (2,000 partners, k = 3) content weights 0.1 / 0.2 / 0.3 gave precision 0.2380 /
0.2384 / 0.2358, item-based alone 0.2384, popularity 0.1686."""
MIN_JUDGED = 20
"""Fewer customers with a product new in the test period cannot judge or calibrate anything."""
Progress = Callable[[str, int, int], None]


class NotEnoughHoldings(ValueError):
    """Too few holdings to learn from (say how many there are)."""


def holdings_frame() -> pd.DataFrame:
    """Every holding as (customer, item, time, ended): partner id, product id, start, end."""
    rows = ProductHolding.objects.values_list("partner_id", "product_id", "started", "ended")
    table = pd.DataFrame.from_records(
        list(rows), columns=["customer", "item", "time", "ended"], coerce_float=False
    )
    table["time"] = pd.to_datetime(table["time"])
    return table


def product_features(products: Sequence[Product]) -> sparse.csr_matrix:
    """One row per product: its category and each of its features as a 0/1 attribute."""
    return attribute_features(
        [(f"category={p.category.strip().lower()}", *p.feature_list()) for p in products]
    )


def hybrid() -> Hybrid:
    """The recommender the decisions use."""
    components: dict[str, Recommender] = {
        "item": ItemKNN(neighbours=50),
        "content": ContentBased(candidates=100),
    }
    return Hybrid(components=components, weights=HYBRID_WEIGHTS)


def fit_recommender(
    *, k: int = 3, test_share: float = 0.25, progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> m.RecommenderRun:  # fmt: skip
    """Evaluate, calibrate and fit the product recommender (see the module docstring)."""
    if not 0 < test_share < 1 or k < 1:
        raise ValueError("test_share must be within (0, 1) and k ≥ 1")
    report = progress or (lambda stage, done, total: None)
    started = now or timezone.now()
    report("reading the holdings", 0, 1)
    table = holdings_frame()
    products = list(Product.objects.filter(pk__in=table["item"].unique()).order_by("pk"))
    report("reading the holdings", 1, 1)
    if table["customer"].nunique() < MIN_JUDGED or len(products) < 2:
        raise NotEnoughHoldings(
            f"{len(table)} holdings of {table['customer'].nunique()} partners and "
            f"{len(products)} products: import product holdings first (tenure import holdings)"
        )
    items = pd.Index([p.pk for p in products])
    features = product_features(products)
    cutoff = table["time"].quantile(1 - test_share)
    interactions = table.assign(item=items.get_indexer(table["item"]))
    split = time_split(interactions, cutoff)
    # the split numbers the items it saw; keep the catalogue's columns for content filtering
    split_features = features[split.items.to_numpy()]
    if len(split.judged) < MIN_JUDGED:
        raise NotEnoughHoldings(
            f"only {len(split.judged)} partners took a new product up after {cutoff:%Y-%m-%d}: "
            "too few to judge the recommender"
        )
    report("evaluating", 0, 1)
    models: dict[str, Recommender] = {
        "popularity": Popularity(),
        "item-based": ItemKNN(neighbours=50),
        "user-based": UserKNN(neighbours=50),
        "content-based": ContentBased(candidates=100),
        "hybrid": hybrid(),
    }
    scores = evaluate(models, split, k=k, item_features=split_features)
    report("evaluating", 1, 1)
    report("calibrating", 0, 1)
    calibration = calibrate(hybrid(), split, candidates=20, item_features=split_features)
    report("calibrating", 1, 1)
    report("fitting on all holdings", 0, 1)
    customers = pd.Index(np.sort(table["customer"].unique()))
    matrix = _matrix(customers, table, items)
    model = hybrid().fit(matrix, features)
    report("fitting on all holdings", 1, 1)
    horizon = (table["time"].max() - cutoff).days
    with transaction.atomic():
        run = m.RecommenderRun.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            complete=True,
            customers=len(customers),
            products=len(products),
            holdings=len(table),
            k=k,
            cutoff=cutoff.date(),
            horizon_days=max(int(horizon), 1),
            evaluation=scores.drop(columns=["fit_seconds", "recommend_seconds"]).to_dict("records"),
            calibration=calibration.to_dict(),
            product_keys=[p.key for p in products],
            model=pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
        )
    forget_recommender()
    return run


def _matrix(customers: pd.Index, table: pd.DataFrame, items: pd.Index) -> sparse.csr_matrix:
    """Customers × products, 1 where the customer holds or held the product."""
    rows = customers.get_indexer(table["customer"])
    columns = items.get_indexer(table["item"])
    kept = (rows >= 0) & (columns >= 0)
    shape = (len(customers), len(items))
    built = sparse.csr_matrix((np.ones(int(kept.sum())), (rows[kept], columns[kept])), shape)
    built.data[:] = 1.0
    return built


@dataclass(frozen=True)
class Fitted:
    """The latest complete run, unpickled once per process."""

    run_id: int
    model: Hybrid
    columns: dict[str, int]
    calibration: Calibration


_FITTED: dict[str, Any] = {}
CHECK_SECONDS = 60.0
"""How long a process uses its fitted recommender before looking for a newer run (setting
``TENURE_NBA_RATES_SECONDS``, the same as the learned rates)."""


def latest_run() -> m.RecommenderRun | None:
    """The latest complete run, without its fitted model (for pages)."""
    return m.RecommenderRun.objects.filter(complete=True).defer("model").order_by("-pk").first()


def forget_recommender() -> None:
    _FITTED.clear()


def latest_recommender() -> Fitted | None:
    """The latest complete run's model, reloaded when a newer run exists (checked each minute)."""
    seconds = float(getattr(settings, "TENURE_NBA_RATES_SECONDS", CHECK_SECONDS))
    if time.monotonic() - _FITTED.get("checked", -math.inf) >= seconds:
        latest = m.RecommenderRun.objects.filter(complete=True).aggregate(id=Max("id"))["id"]
        if latest is None:
            _FITTED.update(fitted=None)
        elif _FITTED.get("fitted") is None or _FITTED["fitted"].run_id != latest:
            run = m.RecommenderRun.objects.get(pk=latest)
            _FITTED["fitted"] = Fitted(
                run.pk,
                pickle.loads(bytes(run.model)),  # our own model, written by fit_recommender
                {key: i for i, key in enumerate(run.product_keys)},
                Calibration.from_dict(run.calibration),
            )
        _FITTED["checked"] = time.monotonic()
        _FITTED.pop("ids", None)
    return _FITTED.get("fitted")  # type: ignore[no-any-return]


def product_actions(cat: Any) -> list[str]:
    """The product keys of the catalogue's product actions (those reading a product propensity)."""
    fields = (a.propensity_field or "" for a in cat.actions)
    return sorted({f.removeprefix(PROPENSITY) for f in fields if f.startswith(PROPENSITY)})


def product_columns(customers: pd.Index, keys: Sequence[str], day: dt.date) -> pd.DataFrame:
    """:func:`product_values` as a table indexed by the customers (the proactive run)."""
    return pd.DataFrame(product_values(customers.to_numpy(), keys, day), index=customers)


def product_values(
    customers: NDArray[np.int64], keys: Sequence[str], day: dt.date
) -> dict[str, NDArray[Any]]:
    """For each customer (partner id) and product (key): whether they hold it on ``day``
    (``holds_product:<key>``) and the calibrated probability of a take-up
    (``product_propensity:<key>``; NaN without a run, so the action's fixed P applies)."""
    n = len(customers)
    if not keys:
        return {}
    products = _product_ids(keys)
    fitted = latest_recommender()
    run_products = _run_products(fitted) if fitted is not None else []
    wanted = sorted((set(products.values()) | set(run_products)) - {-1})
    rows = ProductHolding.objects.filter(product_id__in=wanted)
    if n <= 1_000:
        rows = rows.filter(partner_id__in=customers.tolist())
    found = list(rows.values_list("partner_id", "product_id", "ended"))
    owners = np.fromiter((r[0] for r in found), dtype=np.int64, count=len(found))
    items = np.fromiter((r[1] for r in found), dtype=np.int64, count=len(found))
    held_now = np.fromiter((r[2] is None or r[2] > day for r in found), bool, len(found))
    position = pd.Index(customers).get_indexer(owners)
    known = position >= 0
    values: dict[str, NDArray[Any]] = {}
    for key in keys:
        holds = np.zeros(n, dtype=bool)
        holds[position[known & held_now & (items == products.get(key, -2))]] = True
        values[HOLDS + key] = holds
        values[PROPENSITY + key] = np.full(n, np.nan)
    scored = [key for key in keys if fitted is not None and key in fitted.columns]
    if fitted is None or not scored:
        return values
    column = pd.Index(run_products).get_indexer(items)
    kept = known & (column >= 0)
    shape = (n, len(run_products))
    matrix = sparse.csr_matrix((np.ones(int(kept.sum())), (position[kept], column[kept])), shape)
    matrix.data[:] = 1.0
    scores = fitted.model.score_items(matrix, [fitted.columns[key] for key in scored])
    probabilities = fitted.calibration.probability(scores)
    for j, key in enumerate(scored):
        values[PROPENSITY + key] = probabilities[:, j]
    return values


def _product_ids(keys: Sequence[str]) -> dict[str, int]:
    """Product ids by key, kept with the fitted recommender (refreshed with it)."""
    cache = _FITTED.setdefault("ids", {})
    missing = [key for key in keys if key not in cache]
    if missing:
        cache.update(Product.objects.filter(key__in=missing).values_list("key", "pk"))
    return {key: cache[key] for key in keys if key in cache}


def _run_products(fitted: Fitted) -> list[int]:
    """The product ids of the run's matrix columns, in column order (−1: product deleted)."""
    cached = _FITTED.get("products")
    if cached is not None and cached[0] == fitted.run_id:
        return cached[1]  # type: ignore[no-any-return]
    ids = dict(Product.objects.filter(key__in=fitted.columns).values_list("key", "pk"))
    ordered = [ids.get(key, -1) for key in sorted(fitted.columns, key=fitted.columns.__getitem__)]
    _FITTED["products"] = (fitted.run_id, ordered)
    return ordered
