"""``tenure nba``: the proactive next-best-action run over the whole base (progress bar; Ctrl+C
leaves nothing behind), the top actions of the latest run, and the purge of old decisions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from tenure.cli import setup_django

nba_app = typer.Typer(
    help="Next best actions: the proactive run over the whole base, and the housekeeping."
)
console = Console()
errors = Console(stderr=True)
EXIT_INTERRUPTED = 130


@contextmanager
def staged_progress(quiet: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar per stage; yields ``report(stage, done, total)``."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=errors, disable=quiet) as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage.capitalize(), total=total or 1)
            progress.update(tasks[stage], completed=done, total=total or 1)

        yield report


@nba_app.command("run")
def run(
    quiet: Annotated[bool, typer.Option(help="No progress bar")] = False,
) -> None:
    """Decide every partner's next best action now and store each one's top action."""
    setup_django()
    from tenure.nextbest.proactive import run_proactive

    with staged_progress(quiet) as report:
        try:
            result = run_proactive(progress=report)
        except KeyboardInterrupt:
            errors.print("Interrupted: nothing was stored; the previous run stays in use.")
            raise typer.Exit(EXIT_INTERRUPTED) from None
    seconds = (result.finished_at - result.started_at).total_seconds() if result.finished_at else 0
    console.print(f"Run {result.pk}: {result.partners} partners decided in {seconds:.1f} s.")
    _summary(result.pk)


@nba_app.command("purge")
def purge(
    older_than_days: Annotated[
        int | None,
        typer.Option(help="Age in days (default: setting TENURE_NBA_KEEP_DAYS, 90)", min=1),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar")] = False,
) -> None:
    """Delete unanswered decisions and proactive runs older than the given age (answered
    decisions and the latest complete run stay). Safe to stop: each chunk is committed."""
    setup_django()
    from tenure.nextbest.housekeeping import purge as purge_old

    with staged_progress(quiet) as report:
        try:
            purged = purge_old(older_than_days=older_than_days, progress=report)
        except KeyboardInterrupt:
            errors.print("Interrupted: the chunks done so far are deleted; run it again.")
            raise typer.Exit(EXIT_INTERRUPTED) from None
    console.print(
        f"Deleted {purged.decisions:,} unanswered decision(s) and {purged.runs:,} proactive "
        f"run(s) with {purged.results:,} result(s)."
    )


@nba_app.command("fit-recommender")
def fit_recommender(
    k: Annotated[int, typer.Option(help="Recommendations judged per customer", min=1)] = 3,
    test_share: Annotated[
        float, typer.Option(help="Latest share of the holdings' start dates held out", min=0.01)
    ] = 0.25,
    quiet: Annotated[bool, typer.Option(help="No progress bar")] = False,
) -> None:
    """Evaluate (time split, against popularity), calibrate and fit the product recommender on the
    product holdings; product actions then take P from it. Interrupted, it stores nothing."""
    setup_django()
    from tenure.nextbest.recommender import NotEnoughHoldings
    from tenure.nextbest.recommender import fit_recommender as fit

    if not test_share < 1:
        errors.print("--test-share must be below 1 (e.g. 0.25).")
        raise typer.Exit(2)
    with staged_progress(quiet) as report:
        try:
            run = fit(k=k, test_share=test_share, progress=report)
        except NotEnoughHoldings as exc:
            errors.print(f"Not fitted: {exc}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            errors.print("Interrupted: nothing was stored; the previous recommender stays in use.")
            raise typer.Exit(EXIT_INTERRUPTED) from None
    table = Table(
        title=f"Run {run.pk}: {run.holdings:,} holdings, {run.customers:,} partners, "
        f"{run.products} products; judged on the take-ups after {run.cutoff}",
        title_justify="left",
    )
    for column in ("Model", "Partners judged", f"Precision@{k}", f"Recall@{k}", "Coverage"):
        table.add_column(column, justify="left" if column == "Model" else "right")
    for row in run.evaluation:
        table.add_row(row["model"], f"{row['customers']:,}", f"{row['precision']:.3f}",
                      f"{row['recall']:.3f}", f"{row['coverage']:.2f}")  # fmt: skip
    console.print(table)


def _summary(run_id: int) -> None:
    from django.db.models import Count

    from tenure.nextbest.models import ProactiveResult

    table = Table(title="Top actions", title_justify="left")
    table.add_column("Action")
    table.add_column("Partners", justify="right")
    counts = (
        ProactiveResult.objects.filter(run_id=run_id)
        .values("action")
        .annotate(n=Count("id"))
        .order_by("-n", "action")
    )
    for row in counts:
        table.add_row(row["action"], f"{row['n']:,}")
    console.print(table)
