"""Run every benchmark (``make benchmarks``); see docs/benchmarks.md for the recorded results.

    .venv/bin/python benchmarks/run.py [--rows 1000000] [--partners 1000000]

SQLite runs on a file under benchmarks/data/; PostgreSQL on a throwaway durable server
(``scripts/with-postgres`` with fsync on).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*command: str, postgres: bool = False) -> None:
    env = {**os.environ, "TENURE_PG_DURABLE": "1"}
    env.pop("DATABASE_URL", None)
    prefix = [str(ROOT / "scripts" / "with-postgres")] if postgres else []
    subprocess.run([*prefix, sys.executable, *command], env=env, cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="1000000", help="dataset rows to import")
    parser.add_argument("--partners", default="1000000", help="partners for the latency test")
    parser.add_argument("--months", default="10", help="datasets per partner (latency test)")
    options = parser.parse_args()
    importer = "benchmarks/import_datasets.py"
    run(importer, "--rows", options.rows)
    run(importer, "--rows", options.rows, postgres=True)
    run("benchmarks/tile_latency.py", "--partners", options.partners, "--months", options.months,
        postgres=True)  # fmt: skip


if __name__ == "__main__":
    main()
