"""``tenure clv`` as an analyst runs it: real processes, the CDNOW sample, a database of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tenure.analytics.tests.conftest import write_cdnow_csv
from tests.processes import fresh_database

TENURE = str(Path(sys.executable).with_name("tenure"))
PARTNERS = 50


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clv")
    write_cdnow_csv(folder / "cdnow.csv")
    lines = ["number,name,kind,street,postcode,city,country,phone,email"] + [
        f"{n},Customer {n},person,Markt {n},04109,Leipzig,DE,," for n in range(1, PARTNERS + 1)
    ]
    (folder / "partners.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tenure(workdir: Path) -> Iterator:
    with fresh_database(workdir, "tenure_clv") as url:
        env = {**os.environ, "DATABASE_URL": url, "COLUMNS": "200"}

        def run(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [TENURE, *args], env=env, cwd=workdir, capture_output=True, text=True, timeout=180
            )
            assert done.returncode == code, done.stdout + done.stderr
            return done

        run("migrate")
        run("import", "partners", "partners.csv")
        yield run


FIT = (
    "clv", "fit", "cdnow.csv", "--customer-col", "customer", "--date-col", "date",
    "--amount-col", "amount", "--calibration-end", "1997-09-30",
)  # fmt: skip


def test_fit_prints_the_published_parameters_and_writes_the_report(tenure, workdir: Path) -> None:
    done = tenure(*FIT, "--holdout-end", "1998-06-30", "--json", "--report", "fit.html")
    result = json.loads(done.stdout)
    assert {k: round(v, 3) for k, v in result["parameters"].items()} == {
        "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426,
    }  # fmt: skip
    assert round(result["spend_model"]["parameters"]["gamma"], 2) == 15.44
    assert result["holdout"]["customers"] == 2357 and result["holdout"]["mae"] > 0
    assert isinstance(result["model_run"], int)
    report = (workdir / "fit.html").read_text(encoding="utf-8")
    assert report.count("<svg") == 2


def test_fit_as_a_table_names_the_model_run(tenure) -> None:
    done = tenure(*FIT, "--model", "paretonbd", "--no-save")
    assert "Pareto/NBD on 2357 customers" in done.stdout and "Gamma-Gamma" in done.stdout
    assert "model run" not in done.stdout


def test_score_appends_datasets_and_lists_the_unknown_customers(tenure, workdir: Path) -> None:
    run_id = json.loads(tenure(*FIT, "--json").stdout)["model_run"]
    done = tenure("clv", "score", str(run_id), "--rejects", "rejects.csv", code=3)
    assert "Scored 2357 customers as of 1998-06-30" in done.stdout
    assert f"accepted {PARTNERS}," in done.stdout and "unknown business partner" in done.stdout
    rejects = (workdir / "rejects.csv").read_text(encoding="utf-8").splitlines()
    assert len(rejects) == 1 + 2357 - PARTNERS
    again = tenure("clv", "score", str(run_id), code=3)
    assert "accepted 0," in again.stdout and f"duplicates/unchanged {PARTNERS}" in again.stdout
    listing = tenure("clv", "runs").stdout
    assert f"{run_id}" in listing and "scored" in listing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--customer-col", "client"), "no column 'client' in cdnow.csv"),
        (("--calibration-end", "1997-13-01"), "'1997-13-01' is not a date"),
        (("--calibration-end", "2001-01-01"), "outside the data"),
        (("--model", "nbd"), "--model must be one of bgnbd, paretonbd"),
    ],
)
def test_bad_input_exits_2_and_says_why(tenure, args: tuple[str, ...], message: str) -> None:
    done = tenure(*FIT, *args, code=2)
    assert message in " ".join(done.stderr.split())


def test_scoring_an_unknown_run_says_so(tenure) -> None:
    assert "No model run 999" in tenure("clv", "score", "999", code=2).stderr
