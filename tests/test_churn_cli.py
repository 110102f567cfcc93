"""``tenure demo-data`` trains and publishes a churn model; ``tenure churn score`` explains it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import fresh_database

TENURE = str(Path(sys.executable).with_name("tenure"))


@pytest.fixture(scope="module")
def tenure(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    folder = tmp_path_factory.mktemp("churn")
    with fresh_database(folder, "tenure_churn") as url:
        env = {**os.environ, "DATABASE_URL": url, "COLUMNS": "200"}

        def run(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [TENURE, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == code, done.stdout + done.stderr
            return done

        run.folder = folder  # type: ignore[attr-defined]
        run("migrate")
        yield run


def test_demo_churn_model_beats_its_baseline_and_scores_with_reasons(tenure) -> None:
    purchases = tenure.folder / "var" / "purchases.csv"
    demo = tenure(
        "demo-data", "--partners", "1000", "--months", "2", "--transactions", str(purchases)
    )
    shown = " ".join(demo.stdout.split())
    assert "churn model trained and published as propensity-run-1" in shown
    auc = shown.split("test ROC AUC ")[1].split(",")[0]
    baseline = shown.split("logistic baseline ")[1].split(")")[0]
    assert float(auc) > float(baseline) > 0.6
    base = tenure.folder / "var" / "demo-base"
    assert {p.name for p in base.iterdir()} >= {"customers.parquet", "payments.parquet"}

    scored = tenure("churn", "score", "--base", str(base), code=3)  # partners without datasets
    assert "Scored" in scored.stdout and "no customer value dataset yet" in scored.stdout
    accepted = int(scored.stdout.split("accepted ")[1].split(",")[0])
    assert accepted > 500
    explained = int(
        scored.stdout.split("Reasons for ")[1].split(" customers (risk class 3 and up)")[0]
    )
    again = tenure("churn", "score", "--base", str(base), code=3)
    assert "accepted 0," in again.stdout
    shown = tenure("customer-value", "1000001").stdout
    assert "source propensity-run-1" in shown
    for number in range(1000001, 1000101):  # reasons only for the two highest risk classes
        shown = " ".join(tenure("customer-value", str(number)).stdout.split())
        if "source propensity-run-1" not in shown:
            continue
        risk = shown.split("), churn score")[0].split("(")[-1]
        assert ("why this churn score:" in shown) == (risk in ("3", "4")), shown
        if risk == "2":
            break
    else:
        pytest.fail("no scored customer in risk class 2 among the first 100")

    wider = tenure("churn", "score", "--base", str(base), "--reasons-from", "2", code=3)
    more = int(wider.stdout.split("Reasons for ")[1].split(" customers (risk class 2 and up)")[0])
    assert more > explained and int(wider.stdout.split("accepted ")[1].split(",")[0]) > 0
    shown = " ".join(tenure("customer-value", str(number)).stdout.split())
    assert "why this churn score:" in shown  # the same day's newer dataset, now with reasons
    refused = tenure("churn", "score", "--base", str(base), "--reasons-from", "9", code=2)
    assert "no risk class '9'" in " ".join(refused.stderr.split())


def test_train_refuses_a_missing_base(tenure) -> None:
    done = tenure("churn", "train", "--base", str(tenure.folder / "nowhere"), code=2)
    assert "missing customers.parquet" in " ".join(done.stderr.split())
