"""Benchmark: propensity models at scale (issue 6): training, scoring, the database scoring run.

    .venv/bin/python benchmarks/propensity_scale.py                  # 1,000,000 × 50, all phases
    .venv/bin/python benchmarks/propensity_scale.py --rows 50000     # trial run, a few minutes
    .venv/bin/python benchmarks/propensity_scale.py --only train score default
    .venv/bin/python benchmarks/propensity_scale.py --only db-sqlite db-postgresql --profile
    (no scripts/with-postgres needed: the script starts it for the PostgreSQL steps)

Data (generated once, cached under benchmarks/data/propensity-scale/, not a measured phase): a
churn table of ``--rows`` customers (``customer_id`` = business partner number 10,000,000 + i, as
the partners of benchmarks/tile_latency.py), 50 features (42 numeric, 8 categorical; missing
values in 7 of them) and the outcome ``churned``. Features follow three latent factors
(engagement, financial stress, satisfaction) so they correlate as in a real base; the churn
log-odds are non-linear (thresholds, a U-shape in age, a spend drop that matters more for
price-sensitive tariffs, a renewal window, an interaction of device and dropped calls) plus
unobserved frailty, with the intercept solved so that 15 % churn. 5 of the numeric columns are
noise.

Phases, each in its own Python process so that its peak RSS (``ru_maxrss``) is that phase's:

1. ``train-lightgbm``, ``train-logistic``, ``train-hgb``: the stratified 75/25 split of
   ``train_propensity`` (random_state 0); ``PropensityModel("lightgbm")`` and
   ``PropensityModel("logistic")`` (each holds out 25 % of its training rows for early stopping
   and calibration, as in the product), and scikit-learn's ``HistGradientBoostingClassifier``
   with default settings and ``early_stopping=True`` on the same training rows; fit timed, then
   ROC AUC, PR AUC, Brier score and ECE (``tenure.analytics.propensity.evaluate``) on the same
   test rows.
2. ``score-proba``, ``score-reasons``, ``score-hgb``: ``predict_proba`` on all rows (and in
   chunks of 10,000, as the scoring run calls it); the top-3 ``reasons`` and their phrases for
   the rows the scoring run explains by default (churn score ≥ 50, the two highest of the default
   risk classes; ``--reasons-all``: all rows, ~8 min at 1M), the TreeSHAP contributions alone on
   100,000 rows; plain HGB ``predict_proba``.
3. ``db-sqlite``, ``db-postgresql`` (PostgreSQL durable, started by ``scripts/with-postgres``):
   one business partner and one customer value dataset per row written straight into the tables
   (COPY with benchmarks/tile_latency.py's loader; SQLite: executemany of the same rows); the
   LightGBM model recorded and published as a propensity run; ``propensity_run_score`` over all
   rows (timed end to end, in-process), then again (must add nothing); the same model as a
   bad-debt run, which scores without reasons (the cost of everything but TreeSHAP); another
   churn run scored by ``tenure propensity score-base``, interrupted with SIGINT once
   ``--interrupt-after`` of the rows are in, and run again to completion (``--cli-full``: one
   more from scratch). ``--profile`` adds a cProfile of the scoring of ``--profile-rows`` rows.
4. ``default``: ISLR Default (tests/data/default/Default.csv, default = Yes): the LightGBM model
   and the logistic baseline via ``train_propensity``, and HGB on the same stratified split, plus
   the mean over ``--default-repeats`` further splits.
5. ``demo``: the demo's churn model (``tenure demo-data``: 2,000 partners, seed 7): LightGBM and
   the logistic baseline on the training snapshots, tested on the later test snapshot (as
   ``tenure churn train``), and HGB on the same rows.

Before each timed step the script waits until no CTI benchmark runs (``pgrep -f cti_push``) and
the 1-minute load average is below ``--max-load``, and records the load.

Targets (issue 6): the scoring run appends datasets for ≥ 1,000,000 customers in < 2 min.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import pstats
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from common import (
    DATA,
    ROOT,
    TENURE,
    child_env,
    engine_of,
    fresh_sqlite_url,
    machine,
    measured,
    now_utc,
    postgres_version,
    rebuild_current,
    run_tenure,
    save_result,
    source_version,
)

WORK = DATA / "propensity-scale"
GENERATOR = "v1"  # bump when the generator changes, so the cached table is made again
SEED = 6
FIRST_NUMBER = 10_000_000  # as benchmarks/tile_latency.py numbers its partners
ID, TARGET = "customer_id", "churned"
CHURN_RATE = 0.15
TARGET_SCORING_SECONDS = 120.0
EXPLAIN_FROM_SCORE = 50  # the scoring run's default: the two highest of the default risk classes
DEFAULT_CSV = ROOT / "tests" / "data" / "default" / "Default.csv"
KINDS = ("lightgbm", "logistic", "hgb")
CATEGORIES = {
    "region": (["north", "east", "south", "west", "central"], [0.2, 0.15, 0.3, 0.25, 0.1]),
    "tariff": (["budget", "flex", "standard", "premium"], [0.3, 0.2, 0.35, 0.15]),
    "payment_method": (["direct_debit", "invoice", "card", "paypal"], [0.55, 0.2, 0.15, 0.1]),
    "channel": (["web", "shop", "phone", "partner", "door"], [0.4, 0.25, 0.15, 0.15, 0.05]),
    "contract_type": (["12m", "24m", "none"], [0.35, 0.45, 0.2]),
    "device": (["new", "mid", "old", "byod", "tablet", "none"],
               [0.25, 0.3, 0.15, 0.15, 0.05, 0.1]),
    "segment": (["A", "B", "C", "D"], [0.1, 0.2, 0.4, 0.3]),
}  # fmt: skip
PLAN_CODES = 60  # more than PropensityModel's max_categories (50): the rarest are pooled


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def children_peak_rss_mib() -> float:
    """The largest peak RSS of the child processes waited for so far."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def table_path(rows: int) -> Path:
    return WORK / f"churn-{rows}-{GENERATOR}.parquet"


def features_path(rows: int) -> Path:
    """The same table without the outcome: what a scoring run reads."""
    return WORK / f"churn-{rows}-{GENERATOR}-features.parquet"


def models_dir(rows: int) -> Path:
    return WORK / f"models-{rows}"


# --- coordination --------------------------------------------------------------------------


def wait_for_quiet(max_load: float, timeout: float) -> dict[str, Any]:
    """Wait until no CTI benchmark runs and the 1-minute load is below ``max_load``."""
    started = time.monotonic()
    first = Path("/proc/loadavg").read_text().split()[0]
    while True:
        cti = subprocess.run(["pgrep", "-f", "cti_push"], capture_output=True, text=True)
        load1 = float(Path("/proc/loadavg").read_text().split()[0])
        busy = bool(cti.stdout.strip())
        if (not busy and load1 < max_load) or time.monotonic() - started > timeout:
            return {
                "waited_seconds": round(time.monotonic() - started, 1),
                "load1_when_asked": float(first),
                "load1_at_start": load1,
                "cti_push_running": busy,
                "gave_up_waiting": busy or load1 >= max_load,
            }
        time.sleep(5)


# --- data ------------------------------------------------------------------------------------


def synthetic_churn_table(rows: int, seed: int = SEED) -> tuple[Any, dict[str, Any]]:
    """The table described in the module docstring, and the facts of its generation."""
    import numpy as np
    import pandas as pd
    from scipy.optimize import brentq
    from scipy.special import expit

    rng = np.random.default_rng(seed)
    n = rows
    engagement, stress, satisfaction = (rng.standard_normal(n) for _ in range(3))
    frailty = rng.standard_normal(n)  # unobserved
    cat = {
        name: rng.choice(np.array(levels, dtype=object), size=n, p=weights)
        for name, (levels, weights) in CATEGORIES.items()
    }
    zipf = 1 / np.arange(1, PLAN_CODES + 1) ** 1.1
    cat["plan_code"] = rng.choice(
        np.array([f"P{k:03d}" for k in range(PLAN_CODES)], dtype=object),
        size=n,
        p=zipf / zipf.sum(),
    )
    price_sensitive = np.isin(cat["tariff"], ["budget", "flex"])

    def poisson(rate: Any) -> Any:
        return rng.poisson(np.broadcast_to(np.clip(rate, 0, None), (n,))).astype(np.float64)

    tenure_days = np.round(rng.gamma(1.4, 650, n) + 1)
    late_rate = np.exp(-2.8 + 0.9 * stress)
    contract_left = np.where(cat["contract_type"] == "none", 0, rng.integers(0, 25, n))
    age = np.clip(np.round(rng.normal(46, 16, n)), 18, 95)
    spend_level = np.exp(3.4 + 0.4 * engagement + rng.normal(0, 0.3, n))
    spend_change = np.clip(
        rng.normal(0.0, 0.12, n) - 0.25 * (rng.random(n) < 0.12) * rng.random(n), -0.9, 1.5
    )
    usage = [spend_level * np.exp(rng.normal(0, 0.08, n)) for _ in range(6)]
    decline = spend_change < -0.1
    for month in range(3, 6):
        usage[month] = usage[month] * np.where(decline, 1 + spend_change, 1.0)
    open_complaints = poisson(0.08 + 0.15 * (stress > 1) - 0.04 * satisfaction)
    dropped_calls = poisson(np.where(cat["device"] == "old", 3.0, 1.0))
    outage = np.round(rng.exponential(40, n) * (rng.random(n) < 0.3))
    nps = np.clip(np.round(7 + 1.6 * satisfaction - 2.0 * (open_complaints > 0)
                           - 1.2 * (stress > 1) + rng.normal(0, 1.2, n)), 0, 10)  # fmt: skip
    numeric = {
        "tenure_days": tenure_days,
        "days_since_last_purchase": np.round(rng.exponential(25 * np.exp(-0.5 * engagement))),
        "frequency": poisson(np.minimum(tenure_days, 1500) / 90 * np.exp(0.5 * engagement)),
        "total_spend": np.round(spend_level * np.minimum(tenure_days, 2000) / 30.4, 2),
        "spend_per_month": np.round(spend_level, 2),
        "monetary_value": np.round(spend_level * np.exp(rng.normal(0, 0.2, n)), 2),
        "spend_change": np.round(spend_change, 4),
        "late_payments": poisson(late_rate * np.minimum(tenure_days, 1000) / 30.4),
        "late_payments_recent": poisson(6 * late_rate),
        "payment_delay_days": np.round(rng.exponential(2 + 6 * (stress > 1)), 1),
        "overdue_invoices": poisson(0.05 + 0.5 * (stress > 1.2)),
        "open_complaints": open_complaints,
        "complaints_recent": open_complaints + poisson(0.1),
        "open_major_complaints": np.minimum(open_complaints, poisson(0.3 * open_complaints)),
        "interactions": poisson(1 + 2 * open_complaints + 0.5 * (stress > 1)),
        "interactions_per_month": np.round(
            rng.gamma(1.5, 0.15, n) * (1 + open_complaints), 3
        ),
        "nps": np.where(rng.random(n) < 0.25, nps, np.nan),
        "age": np.where(rng.random(n) < 0.05, np.nan, age),
        "income": np.where(rng.random(n) < 0.12, np.nan,
                           np.round(np.exp(10.5 - 0.3 * stress + rng.normal(0, 0.4, n)))),
        "household_size": np.clip(poisson(1.4) + 1, 1, 8),
        **{f"usage_m{m + 1}": np.round(usage[m], 2) for m in range(6)},
        "discount_rate": rng.choice([0.0, 0.1, 0.2], n, p=[0.6, 0.3, 0.1]),
        "contract_months_left": contract_left.astype(np.float64),
        "web_logins_30d": poisson(4 * np.exp(0.6 * engagement)),
        "app_sessions_30d": poisson(9 * np.exp(0.7 * engagement)),
        "support_calls_90d": poisson(0.3 + 0.8 * open_complaints),
        "outage_minutes_90d": outage,
        "dropped_calls_30d": dropped_calls,
        "data_gb_month": np.where(
            rng.random(n) < 0.03, np.nan, np.round(rng.gamma(2, 4 * np.exp(0.3 * engagement)), 1)
        ),
        "loyalty_points": np.round(rng.gamma(1.2, 300, n) * (1 + tenure_days / 1000)),
        "credit_score": np.where(rng.random(n) < 0.08, np.nan,
                                 np.clip(np.round(rng.normal(650, 70, n) - 40 * stress), 300, 850)),
        "auto_pay": (rng.random(n) < 0.55 - 0.1 * (stress > 1)).astype(np.float64),
        **{f"noise_{k}": np.round(rng.normal(0, 1, n), 3) for k in range(1, 6)},
    }  # fmt: skip
    drop = np.maximum(0.0, -spend_change)
    nps_known = ~np.isnan(numeric["nps"])
    region_effect = {"north": 0.25, "east": -0.2, "central": 0.1}
    eta = (
        0.45 * np.minimum(numeric["late_payments_recent"], 4)
        + 1.1 * (numeric["overdue_invoices"] >= 2)
        + 0.7 * (open_complaints > 0)
        + 1.2 * (numeric["open_major_complaints"] > 0)
        + 1.0 * (nps_known & (nps <= 6))
        - 0.6 * (nps_known & (nps >= 9))
        + 0.9 * (tenure_days < 180)
        + 0.35 * ((tenure_days >= 180) & (tenure_days < 365))
        + 2.5 * drop
        + price_sensitive * (0.5 + 3.5 * drop)
        - 1.8 * (contract_left > 2)
        + 1.4 * ((contract_left <= 2) & (cat["contract_type"] != "none"))
        + 0.12 * np.minimum(dropped_calls, 10) * (cat["device"] == "old")
        + 0.5 * ((age < 25) | (age > 70))
        + np.vectorize(lambda r: region_effect.get(r, 0.0), otypes=[float])(cat["region"])
        + 0.004 * np.minimum(outage, 300)
        - 0.4 * numeric["auto_pay"]
        + 0.6 * (numeric["days_since_last_purchase"] > 60)
        - 0.3 * satisfaction
        + 0.6 * frailty
    )
    intercept = brentq(lambda b: expit(b + eta).mean() - CHURN_RATE, -20, 20)
    churned = rng.random(n) < expit(intercept + eta)
    for name in ("device", "payment_method"):  # a few unknown categories
        cat[name] = np.where(rng.random(n) < (0.04 if name == "device" else 0.02), None, cat[name])
    columns: dict[str, Any] = {ID: np.arange(FIRST_NUMBER, FIRST_NUMBER + n, dtype=np.int64)}
    columns.update(numeric)
    columns.update({name: pd.Categorical(values) for name, values in cat.items()})
    columns[TARGET] = churned
    table = pd.DataFrame(columns)
    features = [c for c in table.columns if c not in (ID, TARGET)]
    info = {
        "rows": n,
        "features": len(features),
        "numeric": len(numeric),
        "categorical": len(cat),
        "columns_with_missing": [c for c in features if table[c].isna().any()],
        "positives": int(churned.sum()),
        "positive_rate": round(float(churned.mean()), 4),
        "intercept": round(float(intercept), 4),
        "seed": seed,
        "generator": GENERATOR,
    }
    return table, info


def phase_generate(options: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    table, info = synthetic_churn_table(options.rows)
    for path, frame in ((table_path(options.rows), table),
                        (features_path(options.rows), table.drop(columns=[TARGET]))):  # fmt: skip
        partial = path.with_name(path.name + ".partial")
        frame.to_parquet(partial, index=False)
        partial.replace(path)
    info["seconds"] = round(time.perf_counter() - started, 2)
    info["file_bytes"] = table_path(options.rows).stat().st_size
    info["peak_rss_mib"] = peak_rss_mib()
    table_path(options.rows).with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def split_rows(y: Any, random_state: int = 0) -> tuple[Any, Any]:
    """Training and test row positions exactly as ``train_propensity`` splits a flat table."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    return train_test_split(
        np.arange(len(y)), test_size=0.25, stratify=y, random_state=random_state
    )


def hgb(random_state: int = 0) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    # default settings; early stopping is "auto" (on above 10,000 rows): set on explicitly
    return HistGradientBoostingClassifier(early_stopping=True, random_state=random_state)


def as_categories(frame: Any) -> Any:
    """Text columns as pandas categories, which HistGradientBoostingClassifier reads natively."""
    text = [c for c in frame.columns if frame[c].dtype == object]
    return frame.astype(dict.fromkeys(text, "category")) if text else frame


def metrics_of(y: Any, p: Any) -> dict[str, Any]:
    from tenure.analytics.propensity import evaluate

    found = evaluate(y, p, positive_label=True).as_dict()
    return {key: round(value, 6) if isinstance(value, float) else value
            for key, value in found.items()}  # fmt: skip


# --- phases: training and scoring in Python -----------------------------------------------------


def phase_train(options: argparse.Namespace, kind: str) -> dict[str, Any]:
    import joblib
    import numpy as np
    import pandas as pd

    from tenure.analytics.propensity import PropensityModel

    started, cpu = time.perf_counter(), cpu_seconds()
    table = pd.read_parquet(table_path(options.rows))
    y = table[TARGET].to_numpy()
    train_rows, test_rows = split_rows(y)
    X_train, X_test = table.iloc[train_rows], table.iloc[test_rows]
    y_train, y_test = y[train_rows], y[test_rows]
    del table
    load = {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mib": peak_rss_mib()}
    folder = models_dir(options.rows)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "y_test.npy", y_test)

    started, cpu = time.perf_counter(), cpu_seconds()
    if kind == "hgb":
        features = [c for c in X_train.columns if c not in (ID, TARGET)]
        model: Any = hgb().fit(X_train[features], y_train)
        fit_seconds, fit_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        details = {"n_iter": int(model.n_iter_), "parameters": _plain(model.get_params()),
                   "validation_fraction": model.validation_fraction}  # fmt: skip
        joblib.dump(model, folder / "hgb.joblib")
        started = time.perf_counter()
        p_test = model.predict_proba(X_test[features])[:, 1]
    else:
        model = PropensityModel(kind, id_columns=(ID,), positive_label=True)
        model.fit(X_train.drop(columns=[TARGET]), y_train)
        fit_seconds, fit_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        details = {
            "best_iteration": model.best_iteration_,
            "calibration": model.calibration_,
            "calibration_note": model.calibration_note_,
            "rows_fit": model.n_train_,
            "rows_calibration_and_early_stopping": model.n_valid_,
            "features": len(model.pipeline_.features_),
            "design_columns": len(model.pipeline_.feature_names_["logistic"]),
            "notes": model.pipeline_.notes_,
        }
        model.save(folder / kind)
        started = time.perf_counter()
        p_test = model.predict_proba(X_test.drop(columns=[TARGET]))
    predict_seconds = time.perf_counter() - started
    np.save(folder / f"p_test_{kind}.npy", p_test)
    return {
        "kind": kind,
        "rows_train": len(train_rows),
        "rows_test": len(test_rows),
        "load": load,
        "fit_seconds": round(fit_seconds, 2),
        "fit_cpu_seconds": round(fit_cpu, 1),
        "predict_test_seconds": round(predict_seconds, 2),
        "metrics": metrics_of(y_test, p_test),
        "details": details,
        "peak_rss_mib": peak_rss_mib(),
    }


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value if isinstance(value, str | int | float | bool | None) else str(value)
            for key, value in values.items()}  # fmt: skip


def phase_score(options: argparse.Namespace, what: str) -> dict[str, Any]:
    import joblib
    import numpy as np
    import pandas as pd

    from tenure.analytics.propensity import PropensityModel, describe

    steps: dict[str, Any] = {}

    def timed(name: str, action: Callable[[], Any]) -> Any:
        started, cpu = time.perf_counter(), cpu_seconds()
        value = action()
        steps[name] = {"seconds": round(time.perf_counter() - started, 2),
                       "cpu_seconds": round(cpu_seconds() - cpu, 1),
                       "peak_rss_mib_so_far": peak_rss_mib()}  # fmt: skip
        return value

    X = timed("read_features", lambda: pd.read_parquet(features_path(options.rows)))
    result: dict[str, Any] = {"rows": len(X)}
    if what == "hgb":
        model = joblib.load(models_dir(options.rows) / "hgb.joblib")
        features = [c for c in X.columns if c != ID]
        p = timed("predict_proba", lambda: model.predict_proba(X[features])[:, 1])
        result["mean_probability"] = round(float(np.mean(p)), 4)
    else:
        model = PropensityModel.load(models_dir(options.rows) / "lightgbm")
        if what == "proba":
            p = timed("predict_proba", lambda: model.predict_proba(X))
            result["mean_probability"] = round(float(np.mean(p)), 4)
            starts = range(0, len(X), 10_000)
            timed(
                "predict_proba_in_10000_row_chunks",
                lambda: [model.predict_proba(X.iloc[s : s + 10_000]) for s in starts],
            )
        else:
            if not options.reasons_all:  # what the scoring run explains: scores from 50 up
                score = np.floor(model.predict_proba(X) * 100 + 0.5)
                X = X[score >= EXPLAIN_FROM_SCORE]
                result["rows_explained"] = len(X)
            why = timed("reasons_top3", lambda: model.reasons(X, top=3))
            phrases = timed("describe", lambda: [[describe(*r) for r in row] for row in why])
            counts = np.bincount([len(row) for row in why], minlength=4)
            result["rows_with_n_reasons"] = {str(k): int(v) for k, v in enumerate(counts)}
            result["example"] = {"customer": int(X[ID].iloc[0]), "reasons": phrases[0]}
            del why, phrases
            sample = X.iloc[:100_000]  # TreeSHAP alone, on fewer rows: it is most of the time
            timed("contributions_first_100000_rows", lambda: model.contributions(sample))
    result["steps"] = steps
    result["peak_rss_mib"] = peak_rss_mib()
    return result


# --- phases: the scoring run in the database ---------------------------------------------------


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    import django

    django.setup()


def sqlite_path(database_url: str) -> str:
    return database_url.removeprefix("sqlite:///")


def load_sqlite(database_url: str, partners: int, seed: int) -> dict[str, Any]:
    """The rows benchmarks/tile_latency.py copies into PostgreSQL, here with executemany."""
    from tile_latency import dataset_lines, partner_lines, phone_lines

    def rows(lines: Iterator[str]) -> Iterator[list[str | None]]:
        for line in lines:
            yield [None if v == "\\N" else v for v in line.rstrip("\n").split("\t")]

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    steps = (
        ("partners", "INSERT INTO partners_businesspartner (id, number, name, kind, street, "
         "postcode, city, country, email, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
         partner_lines(partners, now)),
        ("phones", "INSERT INTO partners_partnerphonenumber (partner_id, e164, position) "
         "VALUES (?,?,?)", phone_lines(partners)),
        ("datasets", "INSERT INTO customervalue_customervaluedataset (id, partner_id, as_of, "
         "segment_id, customer_value, risk_class_id, churn_score, bad_debt_score, source, "
         "import_run_id, imported_at, fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
         dataset_lines(partners, 1, seed, now)),
    )  # fmt: skip
    timings: dict[str, Any] = {}
    connection = sqlite3.connect(sqlite_path(database_url))
    try:
        for name, statement, lines in steps:
            started = time.perf_counter()
            with connection:
                connection.executemany(statement, rows(lines))
            timings[f"insert_{name}"] = round(time.perf_counter() - started, 1)
        timings["rebuild_current"] = rebuild_current(database_url)
        started = time.perf_counter()
        connection.execute("ANALYZE")
        timings["analyze"] = round(time.perf_counter() - started, 1)
    finally:
        connection.close()
    return timings


def database_size(database_url: str) -> int:
    if engine_of(database_url) == "sqlite":
        path = sqlite_path(database_url)
        return sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))
    import psycopg

    with psycopg.connect(database_url) as connection:
        row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0


def count_source(database_url: str, source: str) -> int:
    """Datasets written by one run, counted in SQL on a separate connection."""
    query = "SELECT count(*) FROM customervalue_customervaluedataset WHERE source = "
    if engine_of(database_url) == "sqlite":
        connection = sqlite3.connect(sqlite_path(database_url), timeout=60)
        try:
            return int(connection.execute(query + "?", (source,)).fetchone()[0])
        finally:
            connection.close()
    import psycopg

    with psycopg.connect(database_url) as pg:
        row = pg.execute(query + "%s", (source,)).fetchone()
        return int(row[0]) if row else 0


def phase_db_setup(options: argparse.Namespace) -> dict[str, Any]:
    database_url = os.environ["DATABASE_URL"]
    started = time.perf_counter()
    run_tenure("migrate", database_url=database_url)
    timings: dict[str, Any] = {"migrate": round(time.perf_counter() - started, 1)}
    if engine_of(database_url) == "postgresql":
        from tile_latency import load

        timings.update(load(database_url, options.rows, 1, options.seed))
    else:
        timings.update(load_sqlite(database_url, options.rows, options.seed))
    timings["database_bytes"] = database_size(database_url)
    return timings


def phase_db_record(options: argparse.Namespace) -> dict[str, Any]:
    """Record the trained LightGBM model (with its logistic baseline and their test metrics) as
    one run per name in ``--run-names`` (churn; a bad-debt run for ``bad_debt``, which scores
    without reasons); publish the first churn run and the bad-debt run."""
    import numpy as np

    from tenure.analytics.propensity import PropensityModel, evaluate
    from tenure.analytics.propensity.workflow import TrainedPropensity

    django_setup()
    from tenure.retention.services import propensity_run_publish, propensity_run_record

    folder = models_dir(options.rows)
    model = PropensityModel.load(folder / "lightgbm")
    baseline = PropensityModel.load(folder / "logistic")
    y_test = np.load(folder / "y_test.npy")
    trained = TrainedPropensity(
        model=model,
        baseline=baseline,
        evaluation=evaluate(y_test, np.load(folder / "p_test_lightgbm.npy"), positive_label=True),
        baseline_evaluation=evaluate(
            y_test, np.load(folder / "p_test_logistic.npy"), positive_label=True
        ),
        rows_train=model.n_train_ + model.n_valid_,
        rows_test=len(y_test),
        split="stratified: 25% of the rows kept for testing",
        seconds=0.0,
    )
    started = time.perf_counter()
    runs = {}
    for name in options.run_names.split(","):
        target = "bad_debt" if name == "bad_debt" else "churn"
        run = propensity_run_record(
            trained, target=target, name=f"benchmark {options.rows} × 50 ({name})",
            data={"file": str(table_path(options.rows).relative_to(ROOT))}, started_by="benchmark",
        )  # fmt: skip
        runs[name] = run.pk
        if name in ("score", "bad_debt"):
            propensity_run_publish(run=run, user=None)
    return {"runs": runs, "record_seconds": round(time.perf_counter() - started, 2),
            "artifact_bytes": len(run.artifact)}  # fmt: skip


def run_by_id(pk: int) -> Any:
    from tenure.retention.models import PropensityRun

    return PropensityRun.objects.get(pk=pk)


def phase_db_score(options: argparse.Namespace) -> dict[str, Any]:
    """``propensity_run_score`` in this process, timed; with ``--profile-out`` under cProfile."""
    import pandas as pd

    steps: dict[str, float] = {}
    started = time.perf_counter()
    django_setup()
    from tenure.retention.services import propensity_run_publish, propensity_run_score

    steps["django_setup"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    features = pd.read_parquet(features_path(options.rows))
    if options.limit:
        features = features.iloc[: options.limit]
    steps["read_features"] = round(time.perf_counter() - started, 2)
    run = run_by_id(options.run)
    if not run.is_published:
        propensity_run_publish(run=run, user=None)
    ticks: list[tuple[float, int]] = []
    as_of = dt.date.fromisoformat(options.as_of)
    before = database_size(os.environ["DATABASE_URL"])

    def progress(done: int, total: int | None) -> None:
        ticks.append((time.perf_counter(), done))

    def score() -> Any:
        return propensity_run_score(run=run, features=features, id_col=ID, as_of=as_of,
                                    progress=progress)  # fmt: skip

    cpu = cpu_seconds()
    started = time.perf_counter()
    if options.profile_out:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(score)
        profiler.dump_stats(options.profile_out)
    else:
        result = score()
    seconds = time.perf_counter() - started
    report = result.report
    run.refresh_from_db()
    return {
        "run": run.pk,
        "source": run.source,
        "customers": result.customers,
        "seconds": round(seconds, 2),
        "cpu_seconds_this_process": round(cpu_seconds() - cpu, 1),
        "customers_per_second": round(result.customers / seconds),
        "first_progress_after_seconds": round(ticks[0][0] - started, 2) if ticks else None,
        "progress_calls": len(ticks),
        "accepted": report.accepted,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
        "import_run": report.run_id,
        "run_scored_datasets": run.scored_datasets,
        "run_message": run.message,
        "database_growth_bytes": database_size(os.environ["DATABASE_URL"]) - before,
        "steps_before_scoring": steps,
        "peak_rss_mib": peak_rss_mib(),
    }


def phase_db_cli(options: argparse.Namespace) -> dict[str, Any]:
    """``tenure propensity score-base`` as a child process, interrupted with SIGINT after
    ``--sigint-after`` of the rows are in (0: not interrupted); its peak RSS too."""
    database_url = os.environ["DATABASE_URL"]
    run = str(options.run)
    source = f"propensity-run-{run}"
    run_tenure("propensity", "publish", run, database_url=database_url)
    before = count_source(database_url, source)
    log = WORK / f"score-base-{engine_of(database_url)}-{run}-{int(time.time())}.log"
    command = [TENURE, "propensity", "score-base", run,
               str(features_path(options.rows).relative_to(ROOT)), "--id-col", ID, "--as-of",
               options.as_of]  # fmt: skip
    started = time.perf_counter()
    with log.open("w") as output:
        # SIGINT as at a terminal, even where this benchmark was started in the background by a
        # shell without job control, which makes it ignored (SIG_IGN is inherited over exec)
        child = subprocess.Popen(command, env=child_env(database_url), cwd=ROOT, stdout=output,
                                 stderr=subprocess.STDOUT, preexec_fn=default_sigint)  # fmt: skip
        interrupted_at = None
        if options.sigint_after:
            wanted = int(options.sigint_after * options.rows)
            while child.poll() is None and count_source(database_url, source) - before < wanted:
                time.sleep(2)
            if child.poll() is None:
                interrupted_at = round(time.perf_counter() - started, 2)
                child.send_signal(signal.SIGINT)
        code = child.wait()
    seconds = time.perf_counter() - started
    text = log.read_text()
    return {
        "command": " ".join(["tenure", *command[1:]]),
        "run": int(run),
        "exit_code": code,
        "seconds": round(seconds, 2),
        "sigint_after_seconds": interrupted_at,
        "datasets_of_the_run_before": before,
        "datasets_of_the_run_after": count_source(database_url, source),
        "output_tail": text[-1500:],
        "log": str(log.relative_to(ROOT)),
        "import_runs": import_runs(database_url, f"{source} as of {options.as_of}"),
        "run_scored_datasets": scored_datasets(database_url, int(run)),
        "peak_rss_mib_of_tenure": children_peak_rss_mib(),
    }


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _query(database_url: str, sql: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    if engine_of(database_url) == "sqlite":
        connection = sqlite3.connect(sqlite_path(database_url), timeout=60)
        try:
            return connection.execute(sql.replace("%s", "?"), parameters).fetchall()
        finally:
            connection.close()
    import psycopg

    with psycopg.connect(database_url) as pg:
        return pg.execute(sql, parameters).fetchall()  # type: ignore[arg-type]


def import_runs(database_url: str, file_name: str) -> list[dict[str, Any]]:
    """The audited import runs of one scoring (status and counts), oldest first."""
    names = ("id", "status", "rows_read", "accepted", "duplicates", "rejected", "message")
    rows = _query(database_url, f"SELECT {', '.join(names)} FROM core_importrun "
                  "WHERE file_name = %s ORDER BY id", (file_name,))  # fmt: skip
    return [dict(zip(names, row, strict=True)) for row in rows]


def scored_datasets(database_url: str, run: int) -> int:
    rows = _query(database_url, "SELECT scored_datasets FROM retention_propensityrun "
                  "WHERE id = %s", (run,))  # fmt: skip
    return int(rows[0][0]) if rows else -1


PROFILED = {
    # label: (file name ends with, function names); cumulative times, the main thread only
    "predict_proba": ("propensity/model.py", ("predict_proba",)),
    "model work (thread: predict, risk classes, reasons)": (
        "retention/services.py",
        ("_predict_chunk",),
    ),
    "reasons (TreeSHAP contributions + top 3)": ("propensity/model.py", ("reasons",)),
    "  of which contributions (TreeSHAP)": ("propensity/model.py", ("contributions",)),
    "  of which feature matrices (pipeline.transform)": ("propensity/features.py", ("transform",)),
    "describe (reason phrases)": ("propensity/explain.py", ("describe",)),
    "classify (risk class, per row)": ("clv/scoring.py", ("classify",)),
    "current_values (partners and carried values, one query)": (
        "retention/services.py",
        ("current_values",),
    ),
    "_score_chunks (the whole generator, main thread)": (
        "retention/services.py",
        ("_score_chunks",),
    ),
    "waiting for threads (the model; PostgreSQL: the writer)": (
        "concurrent/futures/_base.py",
        ("result",),
    ),
    "scored_dataset_values (row and fingerprint)": (
        "customervalue/services.py",
        ("scored_dataset_values",),
    ),
    "  of which dataset_fingerprint": ("customervalue/", ("dataset_fingerprint",)),
    "ScoredDatasetWriter.prepare": ("customervalue/services.py", ("prepare",)),
    "ScoredDatasetWriter.write (insert)": ("customervalue/services.py", ("write",)),
    "run_model (unpickle the model)": ("retention/services.py", ("run_model",)),
}


def profile_breakdown(path: Path) -> dict[str, Any]:
    stats = pstats.Stats(str(path))
    table = stats.stats  # type: ignore[attr-defined]
    total = max(entry[3] for entry in table.values())
    breakdown = {}
    for label, (suffix, names) in PROFILED.items():
        found = [(entry[3], entry[1]) for (file, _line, name), entry in table.items()
                 if name in names and suffix in file]  # fmt: skip
        if found:
            breakdown[label] = {"seconds": round(sum(ct for ct, _ in found), 2),
                                "calls": sum(calls for _, calls in found)}  # fmt: skip
    top = WORK / (path.stem + "-top.txt")
    with top.open("w") as handle:
        pstats.Stats(str(path), stream=handle).sort_stats("cumulative").print_stats(45)
        pstats.Stats(str(path), stream=handle).sort_stats("tottime").print_stats(30)
    return {"total_seconds": round(total, 2), "breakdown": breakdown,
            "top_functions": str(top.relative_to(ROOT))}  # fmt: skip


def database_benchmark(options: argparse.Namespace) -> dict[str, Any]:
    """Steps of the database scoring run on the database of DATABASE_URL (each a child)."""
    database_url = os.environ["DATABASE_URL"]
    engine = engine_of(database_url)
    extra = ["--as-of", options.as_of]
    result: dict[str, Any] = {"engine": engine}
    if engine == "postgresql":
        result["database"] = postgres_version(database_url)
    result["setup"] = run_phase("db-setup", options, timed=False)
    names = ["score", "cli", "bad_debt"]
    names += ["cli_full"] if options.cli_full else []
    names += ["profile"] if options.profile else []
    record = ["--run-names", ",".join(names)]
    result["record"] = run_phase("db-record", options, record, timed=False)
    runs = result["record"]["runs"]
    score = ["--run", str(runs["score"]), *extra]
    result["score"] = run_phase("db-score", options, score)
    result["score_again"] = run_phase("db-score", options, score)
    bad_debt = ["--run", str(runs["bad_debt"]), *extra]
    result["score_bad_debt_no_reasons"] = run_phase("db-score", options, bad_debt)
    cli = ["--run", str(runs["cli"]), *extra]
    result["cli_interrupted"] = run_phase(
        "db-cli", options, [*cli, "--sigint-after", str(options.interrupt_after)]
    )
    result["cli_resumed"] = run_phase("db-cli", options, cli)
    if options.cli_full:
        result["cli_full"] = run_phase("db-cli", options, ["--run", str(runs["cli_full"]), *extra])
    if options.profile:
        profile = WORK / f"profile-{engine}-{options.profile_rows}.pstats"
        limit = ["--limit", str(options.profile_rows), "--profile-out", str(profile)]
        arguments = ["--run", str(runs["profile"]), *extra, *limit]
        result["profile"] = run_phase("db-score", options, arguments)
        result["profile"].update(profile_breakdown(profile))
    result["checks"] = database_checks(result, options.rows)
    return result


def database_checks(result: dict[str, Any], rows: int) -> dict[str, Any]:
    """What must hold: every customer scored once, the second run adds nothing, the interrupted
    run plus its re-run give every customer exactly one dataset."""
    stopped, resumed = result["cli_interrupted"], result["cli_resumed"]
    stopped_run = stopped["import_runs"][0] if stopped["import_runs"] else {}
    return {
        "first_run_added_all": result["score"]["accepted"] == rows,
        "second_run_added_nothing": result["score_again"]["accepted"] == 0
        and result["score_again"]["duplicates"] == rows,
        "interrupted_exit_code_130": stopped["exit_code"] == 130,
        "interrupted_import_run_status": stopped_run.get("status"),
        "interrupted_partial_rows": stopped["datasets_of_the_run_after"],
        "resumed_complete": resumed["datasets_of_the_run_after"] == rows,
        "resumed_added_the_rest": bool(resumed["import_runs"])
        and resumed["import_runs"][-1]["accepted"] + stopped["datasets_of_the_run_after"] == rows,
        "interrupted_run_scored_datasets_after_resume": resumed["run_scored_datasets"],
        "run_scored_datasets_equals_rows": resumed["run_scored_datasets"] == rows,
        "bad_debt_run_added_all": result["score_bad_debt_no_reasons"]["accepted"] == rows,
        "cli_full_complete": result["cli_full"]["datasets_of_the_run_after"] == rows
        if "cli_full" in result
        else None,
    }


# --- Default.csv ---------------------------------------------------------------------------------


def phase_default(options: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from tenure.analytics.propensity.workflow import train_propensity

    table = pd.read_csv(DEFAULT_CSV)
    y = (table["default"].astype(str).str.strip() == "Yes").to_numpy()
    features = table.drop(columns=["default"])
    result: dict[str, Any] = {"rows": len(table), "positives": int(y.sum()), "splits": []}
    for seed in range(options.default_repeats + 1):
        started = time.perf_counter()
        trained = train_propensity(table, target="default", positive="Yes", random_state=seed)
        seconds = time.perf_counter() - started
        train_rows, test_rows = split_rows(y, random_state=seed)
        X_test = features.iloc[test_rows]
        check = metrics_of(y[test_rows], trained.model.predict_proba(X_test))
        same_split = check["roc_auc"] == round(trained.evaluation.roc_auc, 6)
        started = time.perf_counter()
        model = hgb(seed).fit(as_categories(features.iloc[train_rows]), y[train_rows])
        hgb_seconds = time.perf_counter() - started
        p_hgb = model.predict_proba(as_categories(X_test))[:, 1]
        result["splits"].append({
            "random_state": seed,
            "same_test_rows_as_train_propensity": same_split,
            "rows_test": len(test_rows),
            "positives_test": int(y[test_rows].sum()),
            "lightgbm": {**metrics_of(y[test_rows], trained.model.predict_proba(X_test)),
                         "calibration": trained.model.calibration_,
                         "best_iteration": trained.model.best_iteration_},
            "logistic": metrics_of(y[test_rows], trained.baseline.predict_proba(X_test)),
            "hgb": {**metrics_of(y[test_rows], p_hgb), "n_iter": int(model.n_iter_)},
            "train_propensity_seconds": round(seconds, 2),
            "hgb_fit_seconds": round(hgb_seconds, 2),
        })  # fmt: skip
    names = ("roc_auc", "pr_auc", "brier", "ece")
    repeats = result["splits"][1:]
    if len(repeats) > 1:
        result["repeats_mean_sd"] = {
            kind: {name: [round(float(np.mean([s[kind][name] for s in repeats])), 4),
                          round(float(np.std([s[kind][name] for s in repeats], ddof=1)), 4)]
                   for name in names}
            for kind in KINDS
        }  # fmt: skip
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def phase_demo(options: argparse.Namespace) -> dict[str, Any]:
    """The demo's churn model (``tenure demo-data``: 2,000 partners, seed 7, as of ``--as-of``):
    LightGBM and the logistic baseline via ``train_propensity`` on the training snapshots, tested
    on the later test snapshot, as ``tenure churn train`` does, and HGB on the same rows."""
    import tempfile

    from tenure.analytics.propensity.churn import churn_training_tables, read_base, write_base
    from tenure.analytics.propensity.synthetic import synthetic_subscription_base
    from tenure.analytics.propensity.workflow import train_propensity

    as_of = dt.date.fromisoformat(options.as_of)
    with tempfile.TemporaryDirectory() as folder:
        directory = write_base(synthetic_subscription_base(2000, seed=7, as_of=as_of),
                               Path(folder) / "demo-base")  # fmt: skip
        tables = churn_training_tables(read_base(directory), as_of=as_of, horizon_days=90,
                                       snapshots=6)  # fmt: skip
    train, test = tables.train, tables.test
    started = time.perf_counter()
    trained = train_propensity(train, target="churned", positive="True", id_col="customer_id",
                               test=test)  # fmt: skip
    seconds = time.perf_counter() - started
    y_train = train["churned"].astype(str).str.strip().eq("True").to_numpy()
    y_test = test["churned"].astype(str).str.strip().eq("True").to_numpy()
    usable = [c for c in train.columns if c not in ("customer_id", "churned")
              and (train[c].dtype.kind in "biuf" or train[c].dtype == object
                   or str(train[c].dtype) == "category")]  # fmt: skip
    started = time.perf_counter()
    model = hgb().fit(as_categories(train[usable]), y_train)
    hgb_seconds = time.perf_counter() - started
    X_test = test.drop(columns=["churned"])
    return {
        "customers": 2000,
        "seed": 7,
        "train_snapshots": [d.isoformat() for d in tables.train_dates],
        "test_snapshot": tables.test_date.isoformat(),
        "rows_train": len(train),
        "rows_test": len(test),
        "positives_train": int(y_train.sum()),
        "positives_test": int(y_test.sum()),
        "lightgbm": {**metrics_of(y_test, trained.model.predict_proba(X_test)),
                     "calibration": trained.model.calibration_,
                     "best_iteration": trained.model.best_iteration_},
        "logistic": metrics_of(y_test, trained.baseline.predict_proba(X_test)),
        "hgb": {**metrics_of(y_test, model.predict_proba(as_categories(test[usable]))[:, 1]),
                "n_iter": int(model.n_iter_), "features": len(usable)},
        "model_features": len(trained.model.pipeline_.features_),
        "train_propensity_seconds": round(seconds, 2),
        "hgb_fit_seconds": round(hgb_seconds, 2),
    }  # fmt: skip


# --- orchestration ---------------------------------------------------------------------------


PHASES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "generate": phase_generate,
    "train-lightgbm": lambda o: phase_train(o, "lightgbm"),
    "train-logistic": lambda o: phase_train(o, "logistic"),
    "train-hgb": lambda o: phase_train(o, "hgb"),
    "score-proba": lambda o: phase_score(o, "proba"),
    "score-reasons": lambda o: phase_score(o, "reasons"),
    "score-hgb": lambda o: phase_score(o, "hgb"),
    "demo": phase_demo,
    "db-setup": phase_db_setup,
    "db-record": phase_db_record,
    "db-score": phase_db_score,
    "db-cli": phase_db_cli,
    "default": phase_default,
}
QUIET: dict[str, Any] = {"max_load": 1.0, "timeout": 1800.0}


def run_phase(
    name: str, options: argparse.Namespace, extra: list[str] | None = None, timed: bool = True
) -> dict[str, Any]:
    """Run one phase in a fresh Python process; its figures, the wall time and the load."""
    report = WORK / f"phase-{name}-{os.getpid()}.json"
    report.unlink(missing_ok=True)
    arguments = [sys.executable, str(Path(__file__).resolve()), "--phase", name, "--report",
                 str(report), "--rows", str(options.rows), "--seed", str(options.seed),
                 "--default-repeats", str(options.default_repeats), *(extra or []),
                 *(["--reasons-all"] if options.reasons_all else [])]  # fmt: skip
    quiet = wait_for_quiet(QUIET["max_load"], QUIET["timeout"]) if timed else None
    print(f"[{now_utc()}] {name} {' '.join(extra or [])} (load {quiet}) …", flush=True)
    with measured() as (took, load):
        subprocess.run(arguments, cwd=ROOT, check=True)
    figures = json.loads(report.read_text())
    report.unlink()
    figures["process_seconds"] = round(took[0], 2)
    figures["load"] = {**load.as_dict(), "waited_for_quiet": quiet}
    print(f"    {name}: {took[0]:.1f} s, peak RSS {figures.get('peak_rss_mib')} MiB", flush=True)
    return figures


def run_database(engine: str, options: argparse.Namespace) -> dict[str, Any]:
    """The database steps on a fresh SQLite file, or on a durable throwaway PostgreSQL server."""
    arguments = [sys.executable, str(Path(__file__).resolve()), "--database-steps", "--report",
                 str(WORK / f"db-{engine}.json"), "--rows", str(options.rows), "--seed",
                 str(options.seed), "--as-of", options.as_of, "--interrupt-after",
                 str(options.interrupt_after), "--max-load", str(options.max_load),
                 "--quiet-timeout", str(options.quiet_timeout), "--profile-rows",
                 str(options.profile_rows)]  # fmt: skip
    arguments += ["--profile"] if options.profile else []
    arguments += ["--cli-full"] if options.cli_full else []
    env = {**os.environ, "TENURE_PG_DURABLE": "1"}
    if engine == "postgresql":
        env.pop("DATABASE_URL", None)
        arguments = [str(ROOT / "scripts" / "with-postgres"), *arguments]
    else:
        env["DATABASE_URL"] = fresh_sqlite_url(f"propensity-scale-{options.rows}.sqlite3")
    print(f"[{now_utc()}] database steps on {engine} …", flush=True)
    subprocess.run(arguments, cwd=ROOT, env=env, check=True)
    return json.loads((WORK / f"db-{engine}.json").read_text())


def versions() -> dict[str, str]:
    names = ("lightgbm", "scikit-learn", "numpy", "pandas", "pyarrow", "scipy", "django",
             "psycopg")  # fmt: skip
    return {name: importlib.metadata.version(name) for name in names}


def short(count: int) -> str:
    for size, suffix in ((10**6, "M"), (10**3, "k")):
        if count >= size and count % size == 0:
            return f"{count // size}{suffix}"
    return str(count)


def summary(result: dict[str, Any]) -> list[str]:
    lines = []
    for kind, figures in result.get("train", {}).items():
        m = figures["metrics"]
        lines.append(f"train {kind:<9} {figures['fit_seconds']:7.1f} s, peak RSS "
                     f"{figures['peak_rss_mib']:,.0f} MiB; ROC AUC {m['roc_auc']:.4f}, PR AUC "
                     f"{m['pr_auc']:.4f}, Brier {m['brier']:.4f}, ECE {m['ece']:.4f}")  # fmt: skip
    for what, figures in result.get("score", {}).items():
        steps = ", ".join(f"{k} {v['seconds']} s" for k, v in figures["steps"].items())
        lines.append(f"score {what:<8} {steps}; peak RSS {figures['peak_rss_mib']:,.0f} MiB")
    for engine, figures in result.get("database", {}).items():
        score, again = figures["score"], figures["score_again"]
        verdict = "met" if score["seconds"] < TARGET_SCORING_SECONDS else "MISSED"
        lines.append(f"db {engine:<10} score {score['customers']:,} in {score['seconds']} s "
                     f"(target < {TARGET_SCORING_SECONDS:.0f} s: {verdict}), added "
                     f"{score['accepted']:,}; again {again['seconds']} s, added "
                     f"{again['accepted']}; bad-debt run (no reasons) "
                     f"{figures['score_bad_debt_no_reasons']['seconds']} s; checks "
                     f"{figures['checks']}")  # fmt: skip
    if "default" in result:
        first = result["default"]["splits"][0]
        for kind in KINDS:
            m = first[kind]
            lines.append(
                f"Default.csv {kind:<9} ROC AUC {m['roc_auc']:.4f}, PR AUC {m['pr_auc']:.4f}, "
                f"Brier {m['brier']:.4f}, ECE {m['ece']:.4f}"
            )
    return lines


ALL = ("train", "score", "db-sqlite", "db-postgresql", "default", "demo")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers (1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the datasets in the database")
    parser.add_argument("--only", nargs="+", choices=ALL, default=list(ALL))
    parser.add_argument("--as-of", default=dt.date.today().isoformat(),
                        help="as-of date of the scored datasets (today)")  # fmt: skip
    parser.add_argument("--interrupt-after", type=float, default=0.3,
                        help="share of the rows written before the SIGINT (0.3)")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="also profile the scoring run")
    parser.add_argument("--cli-full", action="store_true",
                        help="also score another run from scratch with the CLI")  # fmt: skip
    parser.add_argument("--profile-rows", type=int, default=200_000)
    parser.add_argument("--reasons-all", action="store_true",
                        help="score phase: reasons for every row, not only scores ≥ 50")  # fmt: skip
    parser.add_argument("--default-repeats", type=int, default=10,
                        help="further stratified splits of Default.csv (10)")  # fmt: skip
    parser.add_argument("--max-load", type=float, default=1.0,
                        help="wait for a 1-minute load below this before timed steps")  # fmt: skip
    parser.add_argument("--quiet-timeout", type=float, default=1800.0,
                        help="longest wait for a quiet machine, seconds")  # fmt: skip
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--database-steps", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run-names", default="score", help=argparse.SUPPRESS)
    parser.add_argument("--sigint-after", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    QUIET.update(max_load=options.max_load, timeout=options.quiet_timeout)

    if options.phase:  # a child process: one phase, its figures to --report
        figures = PHASES[options.phase](options)
        figures.setdefault("peak_rss_mib", peak_rss_mib())
        options.report.write_text(json.dumps(figures, indent=2, default=str) + "\n")
        return
    if options.database_steps:  # under scripts/with-postgres, or with a fresh SQLite file
        figures = database_benchmark(options)
        options.report.write_text(json.dumps(figures, indent=2, default=str) + "\n")
        return

    WORK.mkdir(parents=True, exist_ok=True)
    started = now_utc()
    if table_path(options.rows).exists() and features_path(options.rows).exists():
        data = json.loads(table_path(options.rows).with_suffix(".json").read_text())
        data["cached"] = True
    else:
        data = run_phase("generate", options, timed=False)
        data["cached"] = False
    result: dict[str, Any] = {"benchmark": "propensity_scale", "date": started, "data": data}
    partial = WORK / f"partial-{short(options.rows)}.json"  # what is done so far, if cut off

    def keep() -> None:
        partial.write_text(json.dumps(result, indent=2, default=str) + "\n")

    if "train" in options.only:
        result["train"] = {}
        for kind in KINDS:
            result["train"][kind] = run_phase(f"train-{kind}", options)
            keep()
    if "score" in options.only:
        result["score"] = {}
        for what in ("proba", "reasons", "hgb"):
            result["score"][what] = run_phase(f"score-{what}", options)
            keep()
    for engine in ("sqlite", "postgresql"):
        if f"db-{engine}" in options.only:
            result.setdefault("database", {})[engine] = run_database(engine, options)
            keep()
    if "default" in options.only:
        result["default"] = run_phase("default", options)
        keep()
    if "demo" in options.only:
        result["demo"] = run_phase("demo", options)
    problems = []
    for engine, figures in result.get("database", {}).items():
        if figures["score"]["seconds"] >= TARGET_SCORING_SECONDS:
            problems.append(f"{engine}: scoring took {figures['score']['seconds']} s, "
                            f"target < {TARGET_SCORING_SECONDS:.0f} s")  # fmt: skip
        failed = [name for name, ok in figures["checks"].items() if ok is False]
        if failed:
            problems.append(f"{engine}: checks failed: {', '.join(failed)}")
    executable = Path(sys.executable)
    shown = executable.relative_to(ROOT) if executable.is_relative_to(ROOT) else executable
    result.update({
        "finished": now_utc(),
        "command": " ".join([shown.as_posix(), *sys.argv]),
        "source": source_version(),
        "targets_seconds": {"database_scoring": TARGET_SCORING_SECONDS},
        "problems": problems,
        "versions": versions(),
        "machine": machine(),
    })  # fmt: skip
    save_result(f"propensity-scale-{short(options.rows)}", result)
    print("\n".join(["", "Summary", "-------", *summary(result), *problems]))


if __name__ == "__main__":
    main()
