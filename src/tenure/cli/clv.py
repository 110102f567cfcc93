"""``tenure clv``: fit lifetime-value models on a transactions file, check them on a hold-out,
record them as model runs and score the customer base with them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from tenure.cli import setup_django

if TYPE_CHECKING:
    from tenure.analytics.clv.workflow import ClvFit

clv_app = typer.Typer(help="Customer lifetime value: fit, check and score.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
EXIT_BAD_INPUT = 2


@clv_app.command("fit")
def fit(
    transactions: Annotated[Path, typer.Argument(help="Transactions as CSV or Parquet")],
    customer_col: Annotated[str, typer.Option(help="Column with the customer (partner) number")],
    date_col: Annotated[str, typer.Option(help="Column with the purchase date")],
    calibration_end: Annotated[str, typer.Option(help="Last day of calibration, YYYY-MM-DD")],
    amount_col: Annotated[
        str | None, typer.Option(help="Column with the amount spent (fits Gamma-Gamma too)")
    ] = None,
    date_format: Annotated[
        str | None, typer.Option(help="strftime format of text dates, e.g. %Y%m%d")
    ] = None,
    holdout_end: Annotated[
        str | None, typer.Option(help="Last day of the hold-out period, YYYY-MM-DD")
    ] = None,
    model: Annotated[str, typer.Option(help="bgnbd | paretonbd")] = "bgnbd",
    time_unit: Annotated[str, typer.Option(help="W (weeks) | D (days)")] = "W",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
    report: Annotated[Path, typer.Option(help="HTML report to write")] = Path("clv-report.html"),
    save: Annotated[
        bool, typer.Option(help="Record the fit as a model run in the database (for scoring)")
    ] = True,
) -> None:
    """Fit BG/NBD or Pareto/NBD (and Gamma-Gamma with an amount) and check it on a hold-out."""
    from tenure.analytics.clv.report import render_report
    from tenure.analytics.clv.workflow import (
        InputError,
        TransactionSource,
        fit_clv,
        load_transactions,
    )

    source = TransactionSource(transactions, customer_col, date_col, amount_col, date_format)
    try:
        calibration = _date("--calibration-end", calibration_end)
        holdout = _date("--holdout-end", holdout_end) if holdout_end else None
        with _steps() as step:
            step(f"Reading {transactions.name}")
            table = load_transactions(source)
            result = fit_clv(
                table,
                source,
                calibration_end=calibration,
                holdout_end=holdout,
                model=model,
                time_unit=time_unit,
                step=step,
            )
            step(f"Writing {report}")
            report.write_text(render_report(result, transactions.name), encoding="utf-8")
    except InputError as exc:
        errors.print(f"[red]Cannot fit:[/red] {exc}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    run_id = None
    if save:
        setup_django()
        from tenure.core.importing import started_by_os_user
        from tenure.customervalue.scoring import model_run_record

        run_id = model_run_record(result, source, started_by=started_by_os_user()).pk
    if as_json:
        body = {**result.as_dict(), "report": str(report), "model_run": run_id}
        typer.echo(json.dumps(body, indent=2))
    else:
        _print_fit(result)
        console.print(f"Report: [bold]{report}[/bold]")
        if run_id is not None:
            console.print(
                f"Recorded as model run [bold]{run_id}[/bold]; "
                f"score the customers with: tenure clv score {run_id}"
            )


@clv_app.command("score")
def score(
    run_id: Annotated[int, typer.Argument(help="Model run to score with (see `tenure clv runs`)")],
    transactions: Annotated[
        Path | None,
        typer.Option(help="Transactions to score (default: the file the model was fitted on)"),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Score as of this day, YYYY-MM-DD (default: last purchase)")
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Write the rejected customers to this CSV")
    ] = None,
) -> None:
    """Append a customer value dataset per partner: CLV, P(alive), expected purchases, customer
    value, segment and risk class by the rules; all or nothing."""
    setup_django()
    from tenure.analytics.clv.workflow import InputError
    from tenure.cli.imports import show_import_report
    from tenure.customervalue.models import ModelRun
    from tenure.customervalue.scoring import model_run_score

    run = ModelRun.objects.filter(pk=run_id).first()
    if run is None:
        errors.print(f"[red]No model run {run_id}.[/red] `tenure clv runs` lists them.")
        raise typer.Exit(EXIT_BAD_INPUT)
    day = _date("--as-of", as_of) if as_of else None
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(f"Scoring with {run.source}", total=None)

        def advance(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = model_run_score(run, transactions=transactions, as_of=day, progress=advance)
        except (InputError, ValueError) as exc:
            progress.stop()
            errors.print(f"[red]Cannot score:[/red] {exc}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            progress.stop()
            errors.print("[yellow]Interrupted.[/yellow] Nothing was written; run it again.")
            raise typer.Exit(130) from None
    console.print(f"Scored {result.customers} customers as of {result.as_of}.")
    show_import_report(result.report, console, rejects)


@clv_app.command("runs")
def runs(limit: Annotated[int, typer.Option(help="How many, newest first")] = 20) -> None:
    """List the model runs."""
    setup_django()
    from tenure.customervalue.models import ModelRun

    table = Table(title="Model runs")
    for column in ("Run", "Model", "Data", "Customers", "Log-likelihood", "Status", "Created"):
        table.add_column(column)
    for run in ModelRun.objects.all()[:limit]:
        window = f"{run.first_purchase} – {run.calibration_end}"
        if run.holdout_end:
            window += f" (hold-out to {run.holdout_end})"
        table.add_row(
            str(run.pk),
            run.model,
            window,
            str(run.customers),
            f"{run.log_likelihood:.2f}",
            run.get_status_display(),
            f"{run.created_at:%Y-%m-%d %H:%M} {run.created_by}",
        )
    console.print(table)


def _date(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.print(f"[red]{option} {value!r} is not a date (YYYY-MM-DD)[/red]", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


class _steps:
    """A spinner per step on stderr; ``step(description)`` finishes the previous one."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=errors
        )
        self.progress.__enter__()
        return self.step

    def step(self, description: str) -> None:
        for task in self.progress.tasks:
            if not task.finished:
                self.progress.update(task.id, completed=1, total=1)
        self.progress.add_task(description, total=None)

    def __exit__(self, exc_type: object, *rest: object) -> None:
        for task in self.progress.tasks:
            if not task.finished and exc_type is None:
                self.progress.update(task.id, completed=1, total=1)
        self.progress.__exit__(None, None, None)


def _print_fit(result: ClvFit) -> None:
    from tenure.analytics.clv.report import holdout_rows, parameter_rows
    from tenure.analytics.clv.workflow import MODEL_NAMES

    summary = result.as_dict()
    unit = "weeks" if result.time_unit == "W" else "days"
    title = f"{MODEL_NAMES[result.model]} on {result.customers} customers ({unit})"
    rows = parameter_rows(summary["parameters"], summary["log_likelihood"])
    rows.append(("fit time", f"{result.fit_seconds * 1000:.0f} ms"))
    _print_rows(title, rows)
    if spend := summary["spend_model"]:
        title = f"Gamma-Gamma on {spend['customers']} repeat customers"
        _print_rows(title, parameter_rows(spend["parameters"], spend["log_likelihood"]))
    if result.holdout:
        title = f"Hold-out {result.calibration_end} – {result.holdout_end}"
        _print_rows(title, holdout_rows(result.holdout))


def _print_rows(title: str, rows: list[tuple[str, str]]) -> None:
    table = Table(title=title)
    table.add_column("")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
