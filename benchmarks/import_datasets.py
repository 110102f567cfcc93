"""Benchmark: validated import of customer value datasets (CSV) on SQLite or PostgreSQL.

    .venv/bin/python benchmarks/import_datasets.py --rows 1000000            # SQLite
    scripts/with-postgres .venv/bin/python benchmarks/import_datasets.py     # PostgreSQL

Generates (seeded) business partners and monthly datasets, loads the partners (timed apart), then
times the whole dataset import as ``tenure import customer-values`` runs it (read, validate, write),
and a re-import of the same file, which must add nothing.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
from pathlib import Path

from common import DATA, machine, setup_django, sqlite_url, stopwatch


def write_files(rows: int, months: int, seed: int) -> tuple[Path, Path]:
    """Partners and datasets CSVs (cached by size and seed)."""
    DATA.mkdir(parents=True, exist_ok=True)
    partners_count = rows // months
    partners = DATA / f"partners-{partners_count}-{seed}.csv"
    datasets = DATA / f"datasets-{rows}-{seed}.csv"
    rng = random.Random(seed)
    if not partners.exists():
        with partners.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["number", "name", "kind", "street", "postcode", "city", "country",
                          "phone", "email"])  # fmt: skip
            for index in range(partners_count):
                out.writerow([f"{5_000_000 + index}", f"Partner {index}", "person",
                              f"Hauptstraße {index % 200 + 1}", "04109", "Leipzig", "DE",
                              f"0341 {2_000_000 + index}", ""])  # fmt: skip
    if not datasets.exists():
        first = dt.date(2026, 12, 1)
        days = [(first - dt.timedelta(days=31 * m)).replace(day=1) for m in range(months)]
        with datasets.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["partner", "as_of", "segment", "customer_value", "risk_class",
                          "churn_score", "bad_debt_score", "source"])  # fmt: skip
            for index in range(partners_count):
                for day in days:
                    out.writerow([f"{5_000_000 + index}", day.isoformat(), rng.choice("ABCD"),
                                  rng.randint(1, 10), rng.randint(1, 4), rng.randint(0, 100),
                                  round(rng.uniform(0, 10), 2), "benchmark"])  # fmt: skip
    return partners, datasets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL") or sqlite_url("import.sqlite3")
    engine = "postgresql" if database_url.startswith("postgres") else "sqlite"
    partners_file, datasets_file = write_files(options.rows, options.months, options.seed)
    setup_django(database_url)
    from django.core.management import call_command

    from tenure.customervalue.services import dataset_import_file
    from tenure.partners.services import partner_import_file

    call_command("migrate", verbosity=0)
    with stopwatch() as partners_took:
        partners = partner_import_file(source=partners_file, file_name=partners_file.name)
    with stopwatch() as took:
        first = dataset_import_file(source=datasets_file, file_name=datasets_file.name)
    with stopwatch() as again_took:
        again = dataset_import_file(source=datasets_file, file_name=datasets_file.name)
    assert first.accepted == options.rows and not first.errors, first
    assert again.accepted == 0 and again.duplicates == options.rows, again
    result = {
        "benchmark": "import_datasets",
        "engine": engine,
        "rows": options.rows,
        "partners": partners.accepted,
        "partners_seconds": round(partners_took[0], 2),
        "seconds": round(took[0], 2),
        "rows_per_second": round(options.rows / took[0]),
        "reimport_seconds": round(again_took[0], 2),
        "reimport_rows_per_second": round(options.rows / again_took[0]),
        "reimport_added": again.accepted,
        "machine": machine(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
