"""Demo purchases for ``make demo``: two years of transactions of the demo partners, drawn from
the BG/NBD story (gamma-distributed purchase rates, beta-distributed dropout), and a model run
fitted on them, so that the analyst has a run to inspect and ``tenure clv score`` to try.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from rich.console import Console

WEEKS = 104
MIN_CHURN_CUSTOMERS = 500  # fewer leave too few churners in the test snapshot


def write_demo_transactions(numbers: list[str], path: Path, *, seed: int, today: dt.date) -> int:
    """Write ``partner,date,amount`` rows for the partners; returns the number of purchases."""
    rng = np.random.default_rng(seed)
    n = len(numbers)
    start = today - dt.timedelta(weeks=WEEKS)
    birth = rng.integers(0, WEEKS * 7 // 2, n)  # acquired in the first year
    rate = rng.gamma(shape=0.6, scale=1 / 4.0, size=n)  # purchases per week while active
    dropout = rng.beta(0.8, 3.0, n)  # chance of leaving after each purchase
    spend = rng.gamma(6.0, 9.0, n)  # the customer's typical basket
    lines = ["partner,date,amount"]
    for i, number in enumerate(numbers):
        day = float(birth[i])
        while day <= WEEKS * 7:
            amount = rng.gamma(8.0, spend[i] / 8.0)
            lines.append(f"{number},{start + dt.timedelta(days=int(day))},{amount:.2f}")
            if rng.random() < dropout[i]:
                break
            day += rng.exponential(7.0 / max(rate[i], 1e-3))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def demo_model_run(numbers: list[str], path: Path, *, seed: int, console: Console) -> int:
    """The demo's BG/NBD run (fitted once; later calls find it); returns its id."""
    from tenure.analytics.clv.workflow import TransactionSource, fit_clv, load_transactions
    from tenure.customervalue.models import ModelRun
    from tenure.customervalue.scoring import model_run_record

    existing = ModelRun.objects.filter(settings__file=str(path), created_by="demo data").first()
    if existing is not None and path.exists():
        return existing.pk
    today = dt.date.today()
    purchases = write_demo_transactions(numbers, path, seed=seed, today=today)
    source = TransactionSource(path, customer="partner", date="date", amount="amount")
    fit = fit_clv(
        load_transactions(source),
        source,
        calibration_end=today - dt.timedelta(weeks=26),
        holdout_end=today,
    )
    run = model_run_record(fit, source, started_by="demo data")
    console.print(
        f"Demo purchases: {purchases} in {path}; BG/NBD and Gamma-Gamma fitted as model run "
        f"{run.pk} (score the partners with: tenure clv score {run.pk})."
    )
    return run.pk


def demo_churn_run(directory: Path, *, partners: int, seed: int, console: Console) -> int | None:
    """The demo's subscription base (payments, complaints, usage, NPS of the demo partners) and a
    published churn model trained on it, made once; returns the run id."""
    from tenure.analytics.propensity.churn import write_base
    from tenure.analytics.propensity.synthetic import synthetic_subscription_base
    from tenure.cli.churn import train_churn_run
    from tenure.retention.models import PropensityRun
    from tenure.retention.services import propensity_run_publish

    existing = PropensityRun.objects.filter(target="churn", data__base=str(directory)).first()
    if existing is not None and directory.exists():
        return existing.pk
    today = dt.date.today()
    base = synthetic_subscription_base(partners, seed=seed, as_of=today)
    write_base(base, directory)
    if partners < MIN_CHURN_CUSTOMERS:
        console.print(
            f"Demo subscription base in {directory}; too few customers for a churn model."
        )
        return None
    run = train_churn_run(
        directory, as_of=today, horizon=90, snapshots=6, kind="lightgbm", quiet=True
    )
    propensity_run_publish(run=run, user=None)
    model, baseline = run.metrics["model"], run.metrics["baseline"]
    console.print(
        f"Demo subscription base in {directory}; churn model trained and published as "
        f"{run.source} (test ROC AUC {model['roc_auc']:.3f}, logistic baseline "
        f"{baseline['roc_auc']:.3f}); score the partners with: tenure churn score"
    )
    return run.pk
