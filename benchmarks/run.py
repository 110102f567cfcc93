"""Run the benchmarks (``make benchmarks``) and print a summary; see docs/benchmarks.md.

    .venv/bin/python benchmarks/run.py                       # full size (about 30 minutes)
    .venv/bin/python benchmarks/run.py --quick               # small sizes, a few minutes
    .venv/bin/python benchmarks/run.py --only tile --partners 200000

The import runs on a fresh SQLite file under benchmarks/data/ and on a throwaway PostgreSQL
server (``scripts/with-postgres``); the tile latency on PostgreSQL only. PostgreSQL runs durable
(``TENURE_PG_DURABLE=1``: fsync on, as in production) unless ``--no-durable``. Every result is
kept as JSON under benchmarks/data/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from common import RESULTS, ROOT

BENCHMARKS = ("import-sqlite", "import-postgres", "tile")


def run(arguments: list[str], *, postgres: bool, durable: bool) -> None:
    env = {**os.environ, "TENURE_PG_DURABLE": "1" if durable else "0"}
    env.pop("DATABASE_URL", None)  # SQLite: a fresh file; PostgreSQL: the throwaway server
    prefix = [str(ROOT / "scripts" / "with-postgres")] if postgres else []
    print(f"\n$ {' '.join([*prefix, 'python', *arguments])}", flush=True)
    subprocess.run([*prefix, sys.executable, *arguments], env=env, cwd=ROOT, check=True)


def summarize(paths: list[Path]) -> str:
    lines = ["", "Summary", "-------"]
    for path in paths:
        result: dict[str, Any] = json.loads(path.read_text())
        if result["benchmark"] == "import_datasets":
            first, again = result["import"], result["reimport"]
            verdict = "met" if result["target_met"] else "MISSED"
            lines.append(
                f"import {result['engine']:<10} {result['rows']:>9,} rows in "
                f"{first['seconds']:7.1f} s = {result['rows_per_second']:>7,} rows/s "
                f"(target {result['target_rows_per_second']:,}: {verdict}); re-import "
                f"{again['seconds']:.1f} s, added {again['accepted']}; machine busy "
                f"{first['load']['machine_cpu_busy_percent']} %"
            )
        else:
            for variant, measured in result["results"].items():
                for endpoint in ("tile_api", "partner_page"):
                    figures = measured[endpoint]
                    server, client = figures["server_ms"], figures["client_ms"]
                    verdict = "met" if figures["target_met"] else "MISSED"
                    lines.append(
                        f"{endpoint:<12} {variant:<11} server p50/p95/p99 "
                        f"{server['p50']}/{server['p95']}/{server['p99']} ms, client "
                        f"{client['p50']}/{client['p95']}/{client['p99']} ms "
                        f"(target p95 < 50 ms: {verdict}); machine busy "
                        f"{figures['load']['machine_cpu_busy_percent']} %"
                    )
            lines.append(f"tile set-up: {result['setup_seconds']}")
        lines.append(f"  ({path.relative_to(ROOT)})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="dataset rows to import")
    parser.add_argument("--partners", type=int, default=1_000_000, help="partners (latency)")
    parser.add_argument("--months", type=int, default=10, help="datasets per partner")
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint")
    parser.add_argument("--quick", action="store_true", help="100,000 rows; 20,000 partners")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--no-durable", action="store_true", help="PostgreSQL with fsync off")
    parser.add_argument("--variant", action="append", default=None,
                        help="tile server variants (default: pooled)")  # fmt: skip
    options = parser.parse_args()
    if options.quick:
        options.rows, options.partners, options.requests = 100_000, 20_000, 300
    durable = not options.no_durable
    before = set(RESULTS.glob("*.json")) if RESULTS.exists() else set()
    importer = ["benchmarks/import_datasets.py", "--rows", str(options.rows),
                "--months", str(options.months)]  # fmt: skip
    if "import-sqlite" in options.only:
        run(importer, postgres=False, durable=durable)
    if "import-postgres" in options.only:
        run(importer, postgres=True, durable=durable)
    if "tile" in options.only:
        variants = [f"--variant={text}" for text in options.variant or ["pooled"]]
        run(["benchmarks/tile_latency.py", "--partners", str(options.partners), "--months",
             str(options.months), "--requests", str(options.requests), *variants],
            postgres=True, durable=durable)  # fmt: skip
    print(summarize(sorted(set(RESULTS.glob("*.json")) - before)))


if __name__ == "__main__":
    main()
