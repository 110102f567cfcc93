"""``tenure churn``: train a churn model on a subscription base and score the active customers.

A base is a directory of Parquet files (see :mod:`tenure.analytics.propensity.churn`);
``tenure demo-data`` writes one for the demo partners to ``var/demo-base/``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tenure.cli import setup_django
from tenure.cli.propensity import _fail, _print_metrics

if TYPE_CHECKING:
    from tenure.retention.models import PropensityRun

churn_app = typer.Typer(help="Churn: train on a subscription base, score it.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def default_base() -> Path:
    setup_django()
    from django.conf import settings

    return Path(settings.VAR_DIR) / "demo-base"


@churn_app.command("train")
def train(
    base: Annotated[
        Path | None, typer.Option(help="Base directory (default var/demo-base)")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Data known up to this day (default today)")
    ] = None,
    horizon: Annotated[int, typer.Option(help="Churn within this many days")] = 90,
    snapshots: Annotated[int, typer.Option(help="Training snapshots (every other month end)")] = 6,
    model: Annotated[str, typer.Option(help="lightgbm | logistic")] = "lightgbm",
    publish: Annotated[bool, typer.Option(help="Publish the run right away")] = False,
) -> None:
    """Train on monthly snapshots, test on the latest snapshot whose outcome is known, print both
    models' metrics and record the run."""
    directory = base or default_base()
    day = _day(as_of)
    run = train_churn_run(directory, as_of=day, horizon=horizon, snapshots=snapshots, kind=model)
    console.print(
        f"Recorded as run [bold]{run.pk}[/bold] ({run.source}); "
        + ("published." if publish else f"publish it with: tenure propensity publish {run.pk}")
    )
    if publish:
        from tenure.retention.services import propensity_run_publish

        propensity_run_publish(run=run, user=None)


def train_churn_run(
    directory: Path, *, as_of: dt.date, horizon: int, snapshots: int, kind: str, quiet: bool = False
) -> PropensityRun:
    """Train and record a churn run from a base directory (shared with ``tenure demo-data``)."""
    setup_django()
    from tenure.analytics.propensity.churn import churn_training_tables, read_base
    from tenure.analytics.propensity.workflow import InputError, train_propensity
    from tenure.core.importing import started_by_os_user
    from tenure.retention.services import propensity_run_record

    if kind not in ("lightgbm", "logistic"):
        _fail(f"--model must be lightgbm or logistic, got {kind!r}")
    try:
        with errors.status(f"Building snapshots and training on {directory}…"):
            tables = churn_training_tables(
                read_base(directory), as_of=as_of, horizon_days=horizon, snapshots=snapshots
            )
            trained = train_propensity(
                tables.train,
                target="churned",
                positive="True",
                id_col="customer_id",
                kind=kind,
                test=tables.test,
                test_description=(
                    f"trained on snapshots {tables.train_dates[0]} … {tables.train_dates[-1]}, "
                    f"tested on {tables.test_date}, churn within {horizon} days"
                ),
            )
    except (InputError, ValueError) as exc:
        _fail(str(exc))
    if not quiet:
        _print_metrics(trained)
    data = {
        "base": str(directory),
        "from": tables.train_dates[0].isoformat(),
        "to": tables.test_date.isoformat(),
        "horizon_days": horizon,
        "snapshots": [d.isoformat() for d in tables.train_dates],
        "test_snapshot": tables.test_date.isoformat(),
    }
    return propensity_run_record(
        trained,
        target="churn",
        name=f"Churn within {horizon} days ({kind}, {directory.name})",
        data=data,
        started_by=started_by_os_user(),
    )


@churn_app.command("score")
def score(
    base: Annotated[
        Path | None, typer.Option(help="Base directory (default var/demo-base)")
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="Score as of this day (default today)")] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Write the rejected rows to this CSV")
    ] = None,
    reasons_from: Annotated[
        str | None,
        typer.Option(
            help="Churn: give reasons from this risk class up (default: the two highest classes)"
        ),
    ] = None,
) -> None:
    """Score every active customer with the published churn run: churn score, risk class and
    reasons in a new customer value dataset per business partner."""
    setup_django()
    directory = base or default_base()
    day = _day(as_of)
    from tenure.analytics.propensity.churn import churn_scoring_features, read_base
    from tenure.cli.imports import show_import_report
    from tenure.retention.services import propensity_run_score, published_run

    run = published_run("churn")
    if run is None:
        _fail("no churn run is published: train one (tenure churn train) and publish it")
    try:
        with errors.status(f"Computing the features as of {day}…"):
            features = churn_scoring_features(read_base(directory), as_of=day)
    except ValueError as exc:
        _fail(str(exc))
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:  # fmt: skip
        task = progress.add_task(f"Scoring with {run.source}", total=len(features))
        try:
            result = propensity_run_score(
                run=run,
                features=features,
                id_col="customer_id",
                as_of=day,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                reasons_from=reasons_from,
            )
        except ValueError as exc:
            progress.stop()
            _fail(str(exc))
        except KeyboardInterrupt:
            progress.stop()
            errors.print("[yellow]Interrupted.[/yellow] What was written is kept; run it again.")
            raise typer.Exit(130) from None
    console.print(f"Scored {result.customers} active customers as of {day}.")
    console.print(
        f"Reasons for {result.explained} customers (risk class {result.reasons_from} and up)."
    )
    show_import_report(result.report, console, rejects)


def _day(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{value!r} is not a date (YYYY-MM-DD)")
