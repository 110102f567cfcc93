"""Benchmark: BG/NBD and Gamma-Gamma fits on the full CDNOW data, Tenure against ``lifetimes``.

    .venv/bin/python benchmarks/clv_fit.py
    .venv/bin/python benchmarks/clv_fit.py --repeats 3        # quick check

Set-up (not timed as a fit): the CDNOW master file (customer id, date YYYYMMDD, number of CDs,
dollar value; columns separated by runs of spaces, which DuckDB's CSV reader does not collapse)
is read with pandas into an Ibis memtable on DuckDB, and Tenure's
``tenure.analytics.mart.customer_mart`` builds the calibration summary (calibration end
1997-09-30, weeks): frequency = repeat purchase days, recency t_x, T, monetary value = mean
spend per repeat purchase day. The mart build is timed once and reported separately.

Measured: ``BetaGeoModel().fit(frequency, recency, T)`` against
``lifetimes.BetaGeoFitter().fit(frequency, recency, T)``, and ``GammaGammaModel().fit(frequency,
monetary_value)`` against ``lifetimes.GammaGammaFitter().fit(...)`` on the repeat buyers with
spend > 0 (a few spent $0 on their repeat days, which Tenure rejects and lifetimes cannot fit), each with default settings, one row per customer, no penalizer. Each fit runs
once to warm up, then ``--repeats`` times, Tenure and lifetimes alternating, in this process on
the same arrays; min and median wall times are reported. lifetimes' ``fit`` also computes the
Hessian (standard errors); Tenure does that in ``summary()``, so ``fit + summary()`` is timed too.

Checked: both fits reach the same log-likelihood to 1e-6 relative. Both are evaluated with
Tenure's likelihood functions at each library's parameters, because lifetimes' BG/NBD objective
is the mean over customers in its own rescaled time unit (T.max() = 1), which shifts it by a
constant.

lifetimes 0.11.3 is a benchmark-only dependency, installed outside the virtualenv::

    .venv/bin/python -m pip install --target benchmarks/data/pylib --no-deps \\
        lifetimes==0.11.3 autograd==1.9.1 dill==0.4.1
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from common import DATA, ROOT, machine, measured, now_utc, save_result, source_version

PYLIB = DATA / "pylib"
CDNOW = Path("/work/shared/data/CDNOW_master.txt")
CALIBRATION_END = dt.date(1997, 9, 30)
TARGET_SPEEDUP = 10.0
RELATIVE_TOLERANCE = 1e-6


def load_lifetimes() -> Any:
    """``lifetimes`` from benchmarks/data/pylib (never from the virtualenv)."""
    if not (PYLIB / "lifetimes").is_dir():
        raise SystemExit(f"lifetimes is not installed under {PYLIB}; see this module's docstring")
    sys.path.insert(0, str(PYLIB))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pkg_resources deprecation from lifetimes.datasets
        import lifetimes
    return lifetimes


def calibration_summary(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Tenure's customer mart on the CDNOW master file, as NumPy columns."""
    import ibis
    import pandas as pd

    from tenure.analytics.mart import customer_mart, duckdb_connection

    with measured() as (took, _):
        raw = pd.read_csv(
            path,
            sep=r"\s+",
            header=0,  # " customer_id  date number_of_cds  dollar_value"
            names=["customer_id", "date", "quantity", "amount"],
            dtype={"customer_id": "int64", "date": "str", "quantity": "int64", "amount": "float64"},
        )
        raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d").dt.date
        con = duckdb_connection()
        transactions = ibis.memtable(raw[["customer_id", "date", "amount"]])
        mart = customer_mart(transactions, calibration_end=CALIBRATION_END, time_unit="W")
        table = con.to_pyarrow(mart.order_by("customer_id"))
    columns = {
        name: table[name].to_numpy().astype(np.float64)
        for name in ("frequency", "recency", "T", "monetary_value")
    }
    info = {
        "file": str(path),
        "transactions": len(raw),
        "customers": table.num_rows,
        "repeat_buyers": int(np.count_nonzero(columns["frequency"] > 0)),
        "repeat_buyers_with_zero_spend": int(
            np.count_nonzero((columns["frequency"] > 0) & (columns["monetary_value"] <= 0))
        ),
        "load_and_mart_seconds": round(took[0], 3),
    }
    return columns, info


def interleaved(fits: dict[str, Callable[[], Any]], repeats: int) -> dict[str, list[float]]:
    """Wall times of each fit, the fits taking turns, so load from outside hits them alike."""
    for fit in fits.values():
        fit()  # warm-up: imports, autograd tracing, caches
    times: dict[str, list[float]] = {name: [] for name in fits}
    for _ in range(repeats):
        for name, fit in fits.items():
            started = time.perf_counter()
            fit()
            times[name].append(time.perf_counter() - started)
    return times


def seconds(times: list[float]) -> dict[str, float]:
    return {
        "min": round(min(times), 4),
        "median": round(statistics.median(times), 4),
        "max": round(max(times), 4),
        "all": [round(t, 4) for t in times],
    }


def relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--data", type=Path, default=CDNOW, help=f"CDNOW master file ({CDNOW})")
    parser.add_argument("--repeats", type=int, default=7, help="timed fits per library (7)")
    options = parser.parse_args()

    lifetimes = load_lifetimes()
    from tenure.analytics.clv import BetaGeoModel, GammaGammaModel, bgnbd, gammagamma

    data, data_info = calibration_summary(options.data)
    x, t_x, T, m = data["frequency"], data["recency"], data["T"], data["monetary_value"]
    spenders = (x > 0) & (m > 0)  # a few repeat buyers spent $0: no Gamma-Gamma likelihood
    x_rep, m_rep = x[spenders], m[spenders]

    def bg_ll(params: list[float]) -> float:
        return float(bgnbd.log_likelihood(params, x, t_x, T)[0].sum())

    def gg_ll(params: list[float]) -> float:
        return float(gammagamma.log_likelihood(params, x_rep, m_rep)[0].sum())

    fits: dict[str, Callable[[], Any]] = {
        "bgnbd_tenure": lambda: BetaGeoModel().fit(x, t_x, T),
        "bgnbd_tenure_with_summary": lambda: BetaGeoModel().fit(x, t_x, T).summary(),
        "bgnbd_lifetimes": lambda: lifetimes.BetaGeoFitter().fit(x, t_x, T),
        "gammagamma_tenure": lambda: GammaGammaModel().fit(x_rep, m_rep),
        "gammagamma_tenure_with_summary": lambda: GammaGammaModel().fit(x_rep, m_rep).summary(),
        "gammagamma_lifetimes": lambda: lifetimes.GammaGammaFitter().fit(x_rep, m_rep),
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with measured() as (took, load):
            times = interleaved(fits, options.repeats)
        tenure_bg, lifetimes_bg = BetaGeoModel().fit(x, t_x, T), fits["bgnbd_lifetimes"]()
        tenure_gg, lifetimes_gg = (
            GammaGammaModel().fit(x_rep, m_rep),
            fits["gammagamma_lifetimes"](),
        )
    warned = sorted({f"{w.category.__name__}: {str(w.message)[:160]}" for w in caught})

    models: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    pairs = (
        ("bgnbd", tenure_bg, lifetimes_bg, bg_ll, ("r", "alpha", "a", "b")),
        ("gammagamma", tenure_gg, lifetimes_gg, gg_ll, ("p", "q", "v")),
    )
    for name, ours, theirs, ll, their_names in pairs:
        our_params = [ours.params_[n] for n in ours.param_names]
        their_params = [float(theirs.params_[n]) for n in their_names]
        ours_ll, theirs_ll = ll(our_params), ll(their_params)
        gap = relative(ours_ll, theirs_ll)
        tenure_median = statistics.median(times[f"{name}_tenure"])
        lifetimes_median = statistics.median(times[f"{name}_lifetimes"])
        speedup = lifetimes_median / tenure_median
        with_summary = statistics.median(times[f"{name}_tenure_with_summary"])
        models[name] = {
            "customers_fitted": ours.n_customers_,
            "tenure_seconds": seconds(times[f"{name}_tenure"]),
            "tenure_with_summary_seconds": seconds(times[f"{name}_tenure_with_summary"]),
            "lifetimes_seconds": seconds(times[f"{name}_lifetimes"]),
            "speedup_median": round(speedup, 1),
            "speedup_median_with_summary": round(lifetimes_median / with_summary, 1),
            "tenure_params": dict(zip(ours.param_names, our_params, strict=True)),
            "lifetimes_params": dict(zip(ours.param_names, their_params, strict=True)),
            "tenure_log_likelihood": ours_ll,
            "tenure_log_likelihood_reported": ours.log_likelihood_,
            "lifetimes_log_likelihood": theirs_ll,
            "log_likelihood_relative_difference": gap,
            "same_log_likelihood": gap <= RELATIVE_TOLERANCE,
            "tenure_iterations": ours.n_iter_,
            "target_speedup": TARGET_SPEEDUP,
            "target_met": speedup >= TARGET_SPEEDUP,
        }
        if gap > RELATIVE_TOLERANCE:
            problems.append(f"{name}: log-likelihoods differ by {gap:.2e} relative")
        if speedup < TARGET_SPEEDUP:
            problems.append(f"{name}: {speedup:.1f}x faster, target {TARGET_SPEEDUP:g}x")

    versions = {
        package: importlib.metadata.version(package)
        for package in ("numpy", "scipy", "pandas", "ibis-framework", "duckdb")
    }
    for package in ("lifetimes", "autograd", "dill"):
        versions[package] = importlib.metadata.version(package)  # found on sys.path via PYLIB
    result = {
        "benchmark": "clv_fit",
        "date": now_utc(),
        "command": " ".join([Path(sys.executable).relative_to(ROOT).as_posix(), *sys.argv])
        if Path(sys.executable).is_relative_to(ROOT)
        else " ".join([sys.executable, *sys.argv]),
        "source": source_version(),
        "data": data_info,
        "calibration_end": CALIBRATION_END.isoformat(),
        "time_unit": "weeks",
        "repeats": options.repeats,
        "models": models,
        "timing_seconds_total": round(took[0], 1),
        "load": load.as_dict(),
        "warnings": warned,
        "versions": versions,
        "problems": problems,
        "machine": machine(),
    }
    save_result("clv-fit-cdnow", result)
    if problems:
        raise SystemExit("; ".join(problems))


if __name__ == "__main__":
    main()
