"""``tenure propensity`` as an analyst runs it: the bad-debt worked example on ISLR's Default."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import fresh_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "data" / "default" / "Default.csv"
FEATURES = ROOT / "samples" / "credit-features.csv"
TENURE = str(Path(sys.executable).with_name("tenure"))


@pytest.fixture(scope="module")
def tenure(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    folder = tmp_path_factory.mktemp("propensity")
    with fresh_database(folder, "tenure_propensity") as url:
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


def test_train_prints_both_models_and_saves_the_model(tenure) -> None:
    done = tenure("propensity", "train", str(DEFAULT), "--target", "default", "--positive", "Yes",
                  "--out", "bad-debt", "--json")  # fmt: skip
    metrics = json.loads(done.stdout)
    assert metrics["model"]["roc_auc"] > 0.93 and metrics["baseline"]["roc_auc"] > 0.93
    assert [row["decile"] for row in metrics["gains"]] == list(range(1, 11))
    assert metrics["gains"][0]["lift"] > 5
    cv = metrics["cross_validation"]
    assert cv["folds"] == 5 and cv["model"]["mean"]["roc_auc"] > 0.9
    assert 0 < cv["baseline"]["std"]["roc_auc"] < 0.05
    folder = tenure.folder / "bad-debt"
    assert {"model.joblib", "model.json", "metrics.json", "report.html"} <= {
        p.name for p in folder.iterdir()
    }
    assert (folder / "report.html").read_text(encoding="utf-8").count("<svg") == 4

    tenure("propensity", "score", "bad-debt", str(FEATURES), "--id-col", "partner",
           "--out", "scores.csv")  # fmt: skip
    with (tenure.folder / "scores.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2000 and set(rows[0]) == {"partner", "probability", "score", "reasons"}
    riskiest = max(rows, key=lambda row: float(row["probability"]))
    assert int(riskiest["score"]) > 50 and riskiest["reasons"].startswith("balance")


def test_record_publish_and_score_the_base(tenure) -> None:
    partners = tenure.folder / "partners.csv"
    values = tenure.folder / "values.csv"
    partners.write_text("number,name,kind,street,postcode,city,country,phone,email\n"
                        "1000001,A,person,,,,DE,,\n1000002,B,person,,,,DE,,\n", encoding="utf-8")  # fmt: skip
    values.write_text("partner,as_of,segment,customer_value,risk_class,churn_score,bad_debt_score,"
                      "source\n1000001,2026-11-01,A,9,1,10,,crm\n", encoding="utf-8")  # fmt: skip
    tenure("import", "partners", str(partners))
    tenure("import", "customer-values", str(values))
    trained = tenure("propensity", "train", str(DEFAULT), "--target", "default", "--out", "m",
                     "--record", "--predicts", "bad_debt", "--json")  # fmt: skip
    run = json.loads(trained.stdout)["run"]
    refused = tenure("propensity", "score-base", str(run), str(FEATURES), "--id-col", "partner",
                     code=2)  # fmt: skip
    assert "not published" in refused.stderr
    assert "is published" in tenure("propensity", "publish", str(run)).stdout
    scored = tenure("propensity", "score-base", str(run), str(FEATURES), "--id-col", "partner",
                    "--as-of", "2026-12-01", "--rejects", "rejects.csv", code=3)  # fmt: skip
    assert "accepted 1," in scored.stdout and "rejected rows 1999" in scored.stdout
    with (tenure.folder / "rejects.csv").open(encoding="utf-8") as handle:
        reasons = [row["reason"] for row in csv.DictReader(handle)]
    assert reasons[0].startswith("no customer value dataset yet")
    assert reasons[1:] == ["unknown business partner"] * 1998
    assert "published" in tenure("propensity", "runs").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--target", "nope"), "--target: no column 'nope'"),
        (("--target", "default", "--positive", "Maybe"), "--positive 'Maybe' is not a value"),
        (("--target", "default", "--model", "forest"), "--model must be lightgbm or logistic"),
        (("--target", "default", "--time-col", "when"), "--time-col: no column 'when'"),
    ],
)
def test_bad_input_exits_2_and_says_why(tenure, args: tuple[str, ...], message: str) -> None:
    done = tenure("propensity", "train", str(DEFAULT), *args, "--out", "x", code=2)
    assert message in " ".join(done.stderr.split())
