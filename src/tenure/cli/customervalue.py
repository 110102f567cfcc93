"""``tenure customervalue``: upkeep of the customer value module's derived data."""

from __future__ import annotations

import time

import typer
from rich.console import Console

from tenure.cli import setup_django

customervalue_app = typer.Typer(help="Customer value: upkeep.", no_args_is_help=True)
console = Console()


@customervalue_app.command("rebuild-current")
def rebuild_current() -> None:
    """Recompute every partner's current dataset row from the datasets (repair after writes that
    bypassed Tenure, such as raw SQL loads); safe to run at any time."""
    setup_django()
    from tenure.customervalue.current import current_datasets_rebuild

    started = time.perf_counter()
    rebuilt = current_datasets_rebuild()
    console.print(
        f"Current datasets rebuilt: {rebuilt.rows:,} partners, {rebuilt.repaired:,} of them "
        f"missing, wrong or left over before ({time.perf_counter() - started:.1f} s)."
    )
