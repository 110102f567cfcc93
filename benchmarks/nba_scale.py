"""Benchmark: next best action at scale (issue 9): recommenders, the engine's batch mode, evaluation.

    flock /tmp/tenure-bench.lock .venv/bin/python benchmarks/nba_scale.py             # everything
    .venv/bin/python benchmarks/nba_scale.py --customers 100000 --items 2000          # a trial
    .venv/bin/python benchmarks/nba_scale.py --only engine evaluation

Phases, in one process (``peak_rss_mib`` is the process's peak so far, so it only grows):

1. ``recommenders``: synthetic holdings (``tenure.analytics.nba.synthetic``, seed 9, not
   measured): ``--customers`` customers × ``--items`` items in ``--groups`` taste groups, 8 draws a
   customer, popularity ``rank^−1``. Each recommender is fitted on all holdings and asked for the
   top 10 items of every customer (``--content-customers`` for content filtering, which scores
   every item for every customer: its time is also given per customer): popularity, item-based
   kNN (50 neighbours per item), user-based kNN (50 neighbours among a pool of ``--pool``
   customers), content-based (category, price band, brand), hybrid (item-based + 0.1 ×
   popularity). The user-based search is compared with scikit-learn's
   ``NearestNeighbors(metric="cosine", algorithm="brute")`` on the same queries.
2. ``engine``: ``example_customers`` (27 context fields) and ``example_history`` (1.5 past
   contacts a customer) for ``--customers`` customers, the 20-action ``example_catalogue``: the
   batch decision (``decide_batch``, top 3 per customer) in track and score arbitration, and the
   call-time ``decide`` of ``--calls`` customers one at a time with their contacts (p50 / p95).
3. ``evaluation``: precision@k, recall@k and coverage on a time split of CDNOW (kinds of purchase,
   cutoff 1997-10-01, k = 3, 5, 10) and of synthetic holdings (100,000 customers × 2,000 items,
   cutoff at 75 % of the time, k = 10), each recommender against popularity.

Targets (issue 9): a proactive run over 1M customers < 2 min including the database (the engine
part here); CF fit and top-10 for 1M customers × 10k items "fast".
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from typing import Any

import numpy as np
import pandas as pd
from common import ROOT, machine, measured, now_utc, save_result, source_version

from tenure.analytics.nba import decide, decide_batch
from tenure.analytics.nba.evaluation import cdnow_items, evaluate, read_cdnow, time_split
from tenure.analytics.nba.example import (
    example_catalogue,
    example_customers,
    example_history,
)
from tenure.analytics.nba.pressure import Contact
from tenure.analytics.nba.recommend import (
    ContentBased,
    Hybrid,
    ItemKNN,
    Popularity,
    Recommender,
    UserKNN,
    item_features,
)
from tenure.analytics.nba.synthetic import synthetic_holdings

CDNOW = ROOT / "tests" / "data" / "cdnow" / "CDNOW_master.txt"
NOW = dt.datetime(2024, 12, 2, 9, 0)
PHASES = ("recommenders", "engine", "evaluation")


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed(label: str, work: Any) -> tuple[Any, dict[str, Any]]:
    """Run ``work()`` and return its result and the measurement."""
    with measured() as (took, load):
        result = work()
    figures = {"seconds": round(took[0], 2), "peak_rss_mib": peak_rss_mib(), **load.as_dict()}
    print(f"{label}: {figures['seconds']} s (load {load.loadavg_before})", flush=True)
    return result, figures


def recommenders(options: argparse.Namespace) -> dict[str, Any]:
    holdings = synthetic_holdings(
        options.customers, options.items, clusters=options.groups, random_state=9
    )
    X = holdings.matrix()
    features = item_features(holdings.items, ["category", "price_band", "brand"])
    popularity = np.asarray(X.sum(axis=0)).ravel()
    out: dict[str, Any] = {
        "customers": X.shape[0],
        "items": X.shape[1],
        "holdings": int(X.nnz),
        "holdings_per_customer": round(X.nnz / X.shape[0], 2),
        "density": X.nnz / (X.shape[0] * X.shape[1]),
        "most_held_item_share": round(float(popularity.max()) / X.shape[0], 3),
        "models": {},
    }
    models: dict[str, tuple[Recommender, int]] = {
        "popularity": (Popularity(), X.shape[0]),
        "item_knn": (ItemKNN(neighbours=50), X.shape[0]),
        "user_knn": (UserKNN(neighbours=50, pool=options.pool), X.shape[0]),
        "content": (ContentBased(), min(options.content_customers, X.shape[0])),
        "hybrid_item_popularity": (
            Hybrid(
                components={"items": ItemKNN(neighbours=50), "popular": Popularity()},
                weights={"items": 1.0, "popular": 0.1},
            ),
            X.shape[0],
        ),
    }
    for name, (model, customers) in models.items():
        _, fit = timed(f"{name} fit", lambda model=model: model.fit(X, features))
        found, top = timed(
            f"{name} top 10 × {customers}",
            lambda model=model, customers=customers: model.recommend(X[:customers], 10),
        )
        filled = float((found.items >= 0).mean())
        out["models"][name] = {
            "fit": fit,
            "recommend": {**top, "customers": customers},
            "microseconds_per_customer": round(1e6 * top["seconds"] / customers, 1),
            "share_of_slots_filled": round(filled, 4),
        }
    out["user_search_vs_sklearn"] = user_search_vs_sklearn(X, options.pool)
    return out


def user_search_vs_sklearn(X: Any, pool: int) -> dict[str, Any]:
    """The 50 nearest pool customers of 20,000 queries: the sparse product vs NearestNeighbors."""
    from sklearn.neighbors import NearestNeighbors
    from sklearn.preprocessing import normalize

    from tenure.analytics.nba.recommend import _keep_top_k

    model = UserKNN(neighbours=50, pool=pool).fit(X)
    queries = X[:20_000]

    def ours() -> Any:
        for start in range(0, queries.shape[0], 2_048):
            block = normalize(queries[start : start + 2_048]) @ model.pool_normalised_t_
            _keep_top_k(block.tocsr(), 50)

    search = NearestNeighbors(n_neighbors=50, metric="cosine", algorithm="brute").fit(model.pool_)
    _, sparse_product = timed("user search, sparse product, 20,000 queries", ours)
    _, sklearn = timed(
        "user search, NearestNeighbors, 20,000 queries", lambda: search.kneighbors(queries)
    )
    return {
        "queries": 20_000,
        "sparse_product": sparse_product,
        "sklearn_nearest_neighbors": sklearn,
    }


def engine(options: argparse.Namespace) -> dict[str, Any]:
    base = example_customers(options.customers, random_state=21)
    history = example_history(base, now=NOW, contacts_per_customer=1.5, random_state=22)
    out: dict[str, Any] = {
        "customers": len(base),
        "context_fields": base.shape[1] - 1,
        "contacts": len(history),
        "actions": len(example_catalogue().actions),
        "batch": {},
    }
    for mode in ("track", "score"):
        catalogue = example_catalogue(mode)
        decision, figures = timed(
            f"decide_batch ({mode}) × {len(base)}",
            lambda catalogue=catalogue: decide_batch(
                catalogue, base, now=NOW, history=history, limit=3
            ),
        )
        ranked = decision.ranked
        out["batch"][mode] = {
            **figures,
            "ranked_rows": len(ranked),
            "customers_with_an_action": int(ranked["customer"].nunique()),
            "first_actions": ranked[ranked["rank"] == 1]["action"].value_counts().head(5).to_dict(),
        }
    catalogue = example_catalogue()
    sample = base.sample(options.calls, random_state=23)
    records = sample.to_dict("records")
    by_customer = {
        key: [Contact(r.at, r.action, r.channel, r.response) for r in rows.itertuples()]
        for key, rows in history[history["customer"].isin(sample["customer"])].groupby("customer")
    }
    times = []
    for record in records:
        started = time.perf_counter()
        decide(catalogue, record, now=NOW, history=by_customer.get(record["customer"], []))
        times.append(time.perf_counter() - started)
    milliseconds = np.array(times) * 1e3
    out["call_time"] = {
        "calls": len(times),
        "p50_ms": round(float(np.percentile(milliseconds, 50)), 3),
        "p95_ms": round(float(np.percentile(milliseconds, 95)), 3),
        "max_ms": round(float(milliseconds.max()), 3),
    }
    print(f"decide one at a time: {out['call_time']}", flush=True)
    return out


def evaluation(options: argparse.Namespace) -> dict[str, Any]:
    def models() -> dict[str, Recommender]:
        return {
            "popularity": Popularity(),
            "item_knn": ItemKNN(neighbours=50),
            "user_knn": UserKNN(neighbours=50, pool=10_000),
            "hybrid_item_popularity": Hybrid(
                components={"items": ItemKNN(neighbours=50), "popular": Popularity()},
                weights={"items": 1.0, "popular": 0.1},
            ),
        }

    purchases = read_cdnow(CDNOW)
    split = time_split(cdnow_items(purchases), pd.Timestamp("1997-10-01"))
    cdnow = {
        "purchases": len(purchases),
        "customers_trained": len(split.customers),
        "kinds_of_purchase": len(split.items),
        "customers_judged": len(split.judged),
        "results": {
            k: evaluate(models(), split, k=k).round(4).to_dict("records") for k in (3, 5, 10)
        },
    }
    holdings = synthetic_holdings(100_000, 2_000, clusters=50, random_state=31)
    split = time_split(holdings.interactions, 0.75)
    features = item_features(holdings.items, ["category", "price_band", "brand"])
    category = item_features(holdings.items, ["category"])
    synthetic_models = {
        **models(),
        "content_all_attributes": ContentBased(),
        "hybrid_item_content_popularity": Hybrid(
            components={"items": ItemKNN(), "content": ContentBased(), "popular": Popularity()},
            weights={"items": 1.0, "content": 0.3, "popular": 0.1},
        ),
    }
    results = evaluate(synthetic_models, split, k=10, item_features=features)
    by_category = evaluate(
        {
            "content_category": ContentBased(),
            "hybrid_content_category_popularity": Hybrid(
                components={"content": ContentBased(), "popular": Popularity()},
                weights={"content": 1.0, "popular": 0.3},
            ),
        },
        split,
        k=10,
        item_features=category,
    )
    synthetic = {
        "customers": len(holdings.customers),
        "items": len(holdings.items),
        "customers_judged": len(split.judged),
        "results": pd.concat([results, by_category]).round(4).to_dict("records"),
    }
    for name, table in (
        ("CDNOW k=3", cdnow["results"][3]),
        ("synthetic k=10", synthetic["results"]),
    ):
        print(name, pd.DataFrame(table).to_string(index=False), sep="\n", flush=True)
    return {"cdnow": cdnow, "synthetic": synthetic}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--pool", type=int, default=10_000, help="user-based neighbour pool")
    parser.add_argument("--content-customers", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument("--only", nargs="+", choices=PHASES, default=list(PHASES))
    options = parser.parse_args()
    result: dict[str, Any] = {
        "benchmark": "nba_scale",
        "started": now_utc(),
        "command": " ".join(sys.argv),
        "machine": machine(),
        "source": source_version(),
        "options": vars(options),
    }
    for phase in options.only:
        result[phase] = globals()[phase](options)
    result["finished"] = now_utc()
    save_result("nba-scale", result)


if __name__ == "__main__":
    main()
