"""``tenure import payments`` and ``tenure import complaints`` as an administrator runs them: real
processes on their own database."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import fresh_database

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
TENURE = str(Path(sys.executable).with_name("tenure"))


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("cli"), "tenure_customerdata_cli") as url:
        yield url


@pytest.fixture(scope="module")
def tenure(database_url: str):
    """Run ``tenure ARGS`` against the fresh database (with the sample partners)."""
    env = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "200"}

    def run(*args: str, check_code: int | None = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([TENURE, *args], env=env, capture_output=True, text=True, timeout=120)
        if check_code is not None:
            assert done.returncode == check_code, done.stdout + done.stderr
        return done

    run("migrate")
    run("import", "partners", str(SAMPLES / "partners.csv"))
    return run


def test_sample_files_import_once_and_redeliveries_update(tenure, tmp_path: Path) -> None:
    payments = tenure("import", "payments", str(SAMPLES / "payments.csv")).stdout
    assert "accepted 16, updated 0" in payments
    complaints = tenure("import", "complaints", str(SAMPLES / "complaints.csv")).stdout
    assert "accepted 7, updated 0" in complaints

    again = tenure("import", "payments", str(SAMPLES / "payments.csv")).stdout
    assert "accepted 0, updated 0, duplicates/unchanged 16" in again
    again = tenure("import", "complaints", str(SAMPLES / "complaints.csv")).stdout
    assert "accepted 0, updated 0, duplicates/unchanged 7" in again

    paid = tmp_path / "payments-paid.csv"
    paid.write_text(
        (SAMPLES / "payments.csv")
        .read_text(encoding="utf-8")
        .replace("RE-26-10032,2026-10-15,,", "RE-26-10032,2026-10-15,2026-11-30,"),
        encoding="utf-8",
    )
    assert (
        "accepted 0, updated 1, duplicates/unchanged 15"
        in tenure("import", "payments", str(paid)).stdout
    )
    closed = tmp_path / "complaints-closed.csv"
    closed.write_text(
        "partner,reference,opened,closed,severity,subject\n"
        "2000003,CMP-26-0102,2026-10-20,2026-11-30,major,Service outage for three days\n",
        encoding="utf-8",
    )
    assert "updated 1" in tenure("import", "complaints", str(closed)).stdout


def test_rejected_rows_exit_3_and_are_written_to_the_rejects_file(tenure, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    bad = tenure("import", "payments", str(SAMPLES / "payments-with-errors.csv"),
                 "--rejects", str(rejects), check_code=3)  # fmt: skip
    assert "accepted 2" in bad.stdout and "Rejected rows" in bad.stdout
    with rejects.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["row"], row["column"], row["reason"]) for row in rows] == [
        ("3", "partner", "unknown business partner"),
        ("4", "partner", "partner number is required"),
        ("5", "reference", "reference is required"),
        ("6", "due_date", "expected a date as YYYY-MM-DD"),
        ("7", "due_date", "due date is required"),
        ("8", "paid_date", "expected a date as YYYY-MM-DD"),
        ("9", "amount", "out of range: must not be negative"),
        ("10", "amount", "expected an amount such as 49.90"),
        ("11", "amount", "at most 2 decimal places"),
        ("12", "amount", "amount is required"),
        ("13", "reference", "delivered twice: the partner's reference is already in row 2"),
        ("14", "*", "the row has 3 fields, the header has 5"),
    ]
    again = tenure("import", "payments", str(SAMPLES / "payments-with-errors.csv"), check_code=3)
    assert "accepted 0, updated 0, duplicates/unchanged 2, rejected rows 12" in again.stdout


def test_an_unusable_file_exits_2(tenure, tmp_path: Path) -> None:
    missing = tmp_path / "complaints.csv"
    missing.write_text("partner,reference,opened\n2000001,CMP-1,2026-11-02\n", encoding="utf-8")
    done = tenure("import", "complaints", str(missing), check_code=2)
    assert (
        "File rejected" in done.stderr
        and "missing column(s): closed, severity, subject" in done.stderr
    )


def test_products_then_holdings_from_the_samples(tenure, tmp_path: Path) -> None:
    """Holdings name products by key: before the catalogue every row is rejected with the reason,
    after it the same file is accepted once; a product delivered again with a new name updates."""
    early = tenure("import", "holdings", str(SAMPLES / "holdings.csv"), check_code=3).stdout
    assert "accepted 0" in early and "unknown product" in early
    products = tenure("import", "products", str(SAMPLES / "products.csv")).stdout
    assert "accepted 5, updated 0" in products
    holdings = tenure("import", "holdings", str(SAMPLES / "holdings.csv")).stdout
    assert "accepted 5, updated 0" in holdings
    again = tenure("import", "holdings", str(SAMPLES / "holdings.csv")).stdout
    assert "accepted 0, updated 0, duplicates/unchanged 5" in again
    renamed = tmp_path / "products.csv"
    renamed.write_text(
        "key,name,category\ne-bill,Paperless billing,service\nTV Max,TV max,tv\n,No key,tv\n",
        encoding="utf-8",
    )
    done = tenure("import", "products", str(renamed), check_code=3).stdout
    assert "accepted 0, updated 1" in done
    assert "lower-case letters, digits, - and _, at most 40" in done and "key is required" in done
