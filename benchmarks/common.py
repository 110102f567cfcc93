"""Shared helpers for the benchmarks: the machine, the load on it, running ``tenure``, results."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
RESULTS = DATA / "results"
TENURE = str(Path(sys.executable).with_name("tenure"))
SUMMARY = re.compile(
    r"rows read (?P<read>\d+), accepted (?P<accepted>\d+), updated (?P<updated>\d+), "
    r"duplicates/unchanged (?P<duplicates>\d+), rejected rows (?P<rejected>\d+)"
)


def machine() -> dict[str, str]:
    """CPU, cores, memory, OS, Python and SQLite versions, for the results table."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    cpu = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "unknown",
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def postgres_version(database_url: str) -> dict[str, str]:
    """Server version and the settings that matter for the figures (fsync = durable mode)."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        names = ("server_version", "fsync", "synchronous_commit", "shared_buffers", "work_mem")
        shown = {name: connection.execute(f"SHOW {name}").fetchone() for name in names}
        return {name: str(row[0]) if row else "" for name, row in shown.items()}


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _other_busy_processes(limit: int = 5) -> list[str]:
    """The processes using most CPU right now (outside this benchmark), as ``ps`` shows them."""
    own = {os.getpid(), os.getppid()}
    listing = subprocess.run(
        ["ps", "-eo", "pid,pcpu,etime,comm,args", "--sort=-pcpu", "--no-headers"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    busy = []
    for line in listing:
        parts = line.split(None, 4)
        if len(parts) < 5 or int(parts[0]) in own or float(parts[1]) < 5:
            continue
        busy.append(f"{parts[1]}% {parts[4][:90]}")
    return busy[:limit]


@dataclass
class Load:
    """What else ran while a step was measured: load average and machine-wide CPU use."""

    loadavg_before: str = ""
    loadavg_after: str = ""
    machine_cpu_busy_percent: float = 0.0
    busy_processes_before: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "loadavg_before": self.loadavg_before,
            "loadavg_after": self.loadavg_after,
            "machine_cpu_busy_percent": self.machine_cpu_busy_percent,
            "busy_processes_before": self.busy_processes_before,
        }


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@contextmanager
def measured() -> Iterator[tuple[list[float], Load]]:
    """``with measured() as (took, load):`` then ``took[0]`` is the wall time in seconds and
    ``load`` tells what the machine did meanwhile (100 % = every core busy)."""
    took: list[float] = []
    load = Load(loadavg_before=_loadavg(), busy_processes_before=_other_busy_processes())
    busy_before, total_before = _cpu_ticks()
    started = time.perf_counter()
    yield took, load
    took.append(time.perf_counter() - started)
    busy_after, total_after = _cpu_ticks()
    load.loadavg_after = _loadavg()
    load.machine_cpu_busy_percent = round(
        100 * (busy_after - busy_before) / max(total_after - total_before, 1), 1
    )


def child_env(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for ``tenure``: the database, and compiled modules cached under
    benchmarks/data/pycache (as an installed system has them) even where the shell sets
    PYTHONDONTWRITEBYTECODE, which would make every start compile all modules again (~1.5 s)."""
    env = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "250",
           "PYTHONPYCACHEPREFIX": str(DATA / "pycache"), **(extra or {})}  # fmt: skip
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def source_version() -> dict[str, str]:
    """The commit measured, and whether src/ had uncommitted changes (their diff's hash)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    diff = git("diff", "HEAD", "--", "src")
    untracked = git("ls-files", "--others", "--exclude-standard", "--", "src")
    changed = git("status", "--porcelain", "--", "src").splitlines()
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_src_files": str(len(changed)),
        "uncommitted_src_sha1": hashlib.sha1((diff + untracked).encode()).hexdigest()[:12]
        if changed
        else "",
    }


def run_tenure(
    *args: str, database_url: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the real ``tenure`` command line against ``database_url``."""
    return subprocess.run(
        [TENURE, *args],
        env=child_env(database_url, env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
    )


def rebuild_current(database_url: str) -> float:
    """Fill the table of each partner's current dataset after a raw load that bypassed Tenure's
    writers (``tenure customervalue rebuild-current``); returns the seconds it took."""
    started = time.perf_counter()
    run_tenure("customervalue", "rebuild-current", database_url=database_url)
    return round(time.perf_counter() - started, 1)


def import_summary(output: str) -> dict[str, int]:
    """The counts from the summary line ``tenure import`` prints."""
    found = SUMMARY.search(" ".join(output.split()))
    if found is None:
        raise RuntimeError(f"no import summary in the output:\n{output[-2000:]}")
    return {name: int(value) for name, value in found.groupdict().items()}


def fresh_sqlite_url(name: str) -> str:
    """A fresh SQLite database file under benchmarks/data/."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / name
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def engine_of(database_url: str) -> str:
    return "postgresql" if database_url.startswith(("postgres://", "postgresql://")) else "sqlite"


def save_result(name: str, result: dict[str, Any]) -> Path:
    """Print the result as JSON and keep it under benchmarks/data/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}-{name}.json"
    text = json.dumps(result, indent=2, default=str)
    path.write_text(text + "\n")
    print(text, flush=True)
    print(f"(saved to {path.relative_to(ROOT)})", flush=True)
    return path


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a generated CSV under a temporary name first, so a cut-off run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    partial.replace(path)


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
