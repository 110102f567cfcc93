"""Benchmark: the validated import of customer value datasets (CSV), on SQLite or PostgreSQL.

    .venv/bin/python benchmarks/import_datasets.py                    # SQLite, 1,000,000 rows
    TENURE_PG_DURABLE=1 scripts/with-postgres .venv/bin/python benchmarks/import_datasets.py
    .venv/bin/python benchmarks/import_datasets.py --rows 100000      # quick check

Generates (seeded, cached under benchmarks/data/) a partner file and a dataset file of
``--rows`` rows = partners × ``--months`` monthly deliveries, month after month as a provider
delivers them. On a fresh database (a new SQLite file, or the throwaway PostgreSQL server of
``scripts/with-postgres``) it runs the real command line, each step timed on its own:

1. ``tenure import partners``           set-up, timed apart
2. ``tenure import customer-values``    the measured import: read, validate every row, write
3. the same command again               a re-import, which must add no row
4. ``tenure customervalue rebuild-current`` (not timed): the imports kept each partner's current
   row, so it must find nothing to repair

The wall times include the command's start-up (Python, Django), measured separately on a file
with only the header. ``--profile`` runs step 2 under cProfile and prints where the time went.
"""

from __future__ import annotations

import argparse
import cProfile  # noqa: F401  (documents the dependency of --profile, run as ``-m cProfile``)
import datetime as dt
import io
import os
import pstats
import random
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import (
    DATA,
    ROOT,
    TENURE,
    child_env,
    engine_of,
    fresh_sqlite_url,
    import_summary,
    machine,
    measured,
    now_utc,
    postgres_version,
    run_tenure,
    save_result,
    source_version,
    write_csv,
)

FIRST_NUMBER = 7_000_000
SOURCE = "Energieforen Leipzig"
PARTNER_HEADER = ("number", "name", "kind", "street", "postcode", "city", "country", "phone",
                  "email")  # fmt: skip
DATASET_HEADER = ("partner", "as_of", "segment", "customer_value", "risk_class", "churn_score",
                  "bad_debt_score", "source")  # fmt: skip
_FIRST = ("Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Jürgen", "Karla", "Lukas")
_LAST = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Köhler")
_PLACES = (("04109", "Leipzig", "341"), ("04416", "Markkleeberg", "341"),
           ("04808", "Wurzen", "3425"), ("06108", "Halle (Saale)", "345"))  # fmt: skip
_BANDS = ((24, "1"), (49, "2"), (74, "3"), (100, "4"))  # churn score ≤ bound → risk class


def month_starts(months: int) -> list[dt.date]:
    """``months`` first days of the month, oldest first, ending November 2026 (fixed: seeded)."""
    year, month, days = 2026, 11, []
    for _ in range(months):
        days.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(days)


def partner_rows(count: int, seed: int) -> Iterator[tuple[str, ...]]:
    """Partners as a provider delivers them: a landline each, a mobile for a third, most with
    an e-mail address."""
    rng = random.Random(seed)
    for index in range(count):
        postcode, city, area = _PLACES[index % len(_PLACES)]
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        phones = f"0{area} {2_000_000 + index}"
        if rng.random() < 0.3:
            phones += f";+49 151 {10_000_000 + index}"
        email = f"partner{index}@example.org" if rng.random() < 0.7 else ""
        yield (str(FIRST_NUMBER + index), f"{first} {last}", "person",
               f"Hauptstraße {index % 180 + 1}", postcode, city, "DE", phones, email)  # fmt: skip


def dataset_rows(partners: int, months: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """Monthly datasets, month after month; one partner's segment stays, the scores move."""
    rng = random.Random(seed + 1)
    segments = [rng.choice("AABBBCCCDD") for _ in range(partners)]
    churn = [rng.randint(0, 100) for _ in range(partners)]
    for as_of in month_starts(months):
        day = as_of.isoformat()
        for index in range(partners):
            score = min(100, max(0, churn[index] + rng.randint(-8, 8)))
            churn[index] = score
            risk = next(key for bound, key in _BANDS if score <= bound)
            value = "" if index % 13 == 5 else rng.randint(1, 10)
            bad_debt = round(rng.uniform(0, 1), 3) if index % 3 == 0 else ""
            yield (FIRST_NUMBER + index, day, segments[index], value, risk, score, bad_debt,
                   SOURCE)  # fmt: skip


def data_files(rows: int, months: int, seed: int) -> tuple[Path, Path, Path, bool]:
    """The partner, dataset and header-only files (generated once per size and seed)."""
    if rows % months:
        raise SystemExit(f"--rows ({rows}) must be a multiple of --months ({months})")
    partners = rows // months
    partner_file = DATA / f"import-partners-{partners}-s{seed}.csv"
    dataset_file = DATA / f"import-datasets-{partners}x{months}-s{seed}.csv"
    empty_file = DATA / "import-datasets-header-only.csv"
    generated = False
    if not partner_file.exists():
        write_csv(partner_file, PARTNER_HEADER, partner_rows(partners, seed))
        generated = True
    if not dataset_file.exists():
        write_csv(dataset_file, DATASET_HEADER, dataset_rows(partners, months, seed))
        generated = True
    if not empty_file.exists():
        write_csv(empty_file, DATASET_HEADER, [])
    return partner_file, dataset_file, empty_file, generated


def dataset_count(database_url: str) -> int:
    """Datasets in the database, counted directly (not through the application)."""
    query = "SELECT count(*) FROM customervalue_customervaluedataset"
    if engine_of(database_url) == "postgresql":
        import psycopg

        with psycopg.connect(database_url) as connection:
            return int(connection.execute(query).fetchone()[0])  # type: ignore[index]
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        return int(connection.execute(query).fetchone()[0])


def database_size(database_url: str) -> int:
    """Bytes the database takes (SQLite: the file and its WAL)."""
    if engine_of(database_url) == "postgresql":
        import psycopg

        with psycopg.connect(database_url) as connection:
            query = "SELECT pg_database_size(current_database())"
            return int(connection.execute(query).fetchone()[0])  # type: ignore[index]
    path = database_url.removeprefix("sqlite:///")
    return sum(Path(path + suffix).stat().st_size for suffix in ("", "-wal")
               if Path(path + suffix).exists())  # fmt: skip


def remove_sqlite(database_url: str) -> None:
    path = database_url.removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(path + suffix).unlink(missing_ok=True)


def timed_import(kind: str, file: Path, database_url: str) -> dict[str, Any]:
    """Run ``tenure import KIND FILE`` and return its wall time, counts and the load meanwhile."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with measured() as (took, load):
        done = run_tenure("import", kind, str(file), database_url=database_url, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 3):
        raise RuntimeError(f"tenure import {kind} failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": round(took[0], 2), "exit_code": done.returncode,
            **import_summary(done.stdout),
            "import_process_cpu_seconds": round(cpu, 2),  # the rest: database server, waiting
            "load": load.as_dict()}  # fmt: skip


def profile_import(file: Path, database_url: str, top: int) -> str:
    """Run the import under cProfile and return the functions with the most own time."""
    output = DATA / "import-datasets.prof"
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(output), TENURE, "import",
         "customer-values", str(file)],
        env=child_env(database_url), cwd=ROOT, capture_output=True, check=True,
    )  # fmt: skip
    text = io.StringIO()
    pstats.Stats(str(output), stream=text).sort_stats("tottime").print_stats(top)
    return text.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="dataset rows (1,000,000)")
    parser.add_argument("--months", type=int, default=10, help="monthly datasets per partner")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="profile the import instead")
    parser.add_argument("--keep-db", action="store_true", help="keep the SQLite file afterwards")
    options = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or fresh_sqlite_url(
        f"import-bench-{os.getpid()}.sqlite3"  # own file: concurrent runs must not share one
    )
    engine = engine_of(database_url)
    with measured() as (generate_took, _):
        partner_file, dataset_file, empty_file, generated = data_files(
            options.rows, options.months, options.seed
        )
    run_tenure("migrate", database_url=database_url)
    if dataset_count(database_url):
        raise SystemExit("the database already holds datasets: this benchmark needs a fresh one")
    partners = timed_import("partners", partner_file, database_url)
    if options.profile:
        print(profile_import(dataset_file, database_url, top=30))
        if engine == "sqlite" and not options.keep_db:
            remove_sqlite(database_url)
        return
    size_before = database_size(database_url)
    startup = timed_import("customer-values", empty_file, database_url)
    first = timed_import("customer-values", dataset_file, database_url)
    again = timed_import("customer-values", dataset_file, database_url)
    stored = dataset_count(database_url)

    problems = []
    if first["accepted"] != options.rows or first["rejected"] or first["exit_code"]:
        problems.append(f"the import did not accept every row: {first}")
    if again["accepted"] or again["duplicates"] != options.rows:
        problems.append(f"the re-import added rows or missed duplicates: {again}")
    if stored != options.rows:
        problems.append(f"{stored} datasets stored, expected {options.rows}")
    # the import keeps each partner's current row; a rebuild must find nothing to repair
    checked = run_tenure("customervalue", "rebuild-current", database_url=database_url, check=False)
    current_check = " ".join((checked.stdout + checked.stderr[-300:]).split())
    if f"{options.rows // options.months:,} partners, 0 of them" not in current_check:
        problems.append(f"the current-dataset rows are not as defined: {current_check}")
    target = 20_000 if engine == "sqlite" else 50_000
    rate = options.rows / first["seconds"]
    result = {
        "benchmark": "import_datasets",
        "date": now_utc(),
        "command": " ".join(sys.argv),
        "engine": engine,
        "source": source_version(),
        "database": postgres_version(database_url)
        if engine == "postgresql"
        else {"file": database_url.removeprefix("sqlite:///"), "sqlite": sqlite3.sqlite_version},
        "rows": options.rows,
        "partners": options.rows // options.months,
        "months": options.months,
        "dataset_file_mb": round(dataset_file.stat().st_size / 1e6, 1),
        "generate_seconds": round(generate_took[0], 1) if generated else "cached",
        "partner_import": partners,
        "startup_seconds": startup["seconds"],
        "import": first,
        "rows_per_second": round(rate),
        "rows_per_second_without_startup": round(
            options.rows / max(first["seconds"] - startup["seconds"], 1e-9)
        ),
        "target_rows_per_second": target,
        "target_met": rate >= target,
        "reimport": again,
        "reimport_rows_per_second": round(options.rows / again["seconds"]),
        "datasets_stored": stored,
        "current_rows_check": current_check,
        "database_growth_mb": round((database_size(database_url) - size_before) / 1e6, 1),
        "problems": problems,
        "machine": machine(),
    }
    save_result(f"import-{engine}-{options.rows}", result)
    if engine == "sqlite" and not options.keep_db:
        remove_sqlite(database_url)
    if problems:
        raise SystemExit("; ".join(problems))


if __name__ == "__main__":
    main()
