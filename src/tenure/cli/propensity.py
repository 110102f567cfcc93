"""``tenure propensity``: train, check and use yes/no propensity models (churn, bad debt, …) on any
flat table, and — with a recorded, published run — score the customer base in the database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tenure.cli import setup_django

if TYPE_CHECKING:
    from tenure.analytics.propensity.workflow import TrainedPropensity

propensity_app = typer.Typer(
    help="Propensity models (churn, bad debt, …): train, check, publish, score.",
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True)
EXIT_BAD_INPUT = 2


@propensity_app.command("train")
def train(
    data: Annotated[Path, typer.Argument(help="One row per customer: CSV or Parquet")],
    target: Annotated[str, typer.Option(help="Column with the outcome (two values)")],
    out: Annotated[Path, typer.Option(help="Directory to save the model, its metrics and report")],
    positive: Annotated[
        str | None, typer.Option(help="The outcome's positive value, e.g. Yes (default: inferred)")
    ] = None,
    id_col: Annotated[str | None, typer.Option(help="Customer id column (not a feature)")] = None,
    time_col: Annotated[
        str | None, typer.Option(help="Time column: train on earlier rows, test on later ones")
    ] = None,
    model: Annotated[str, typer.Option(help="lightgbm | logistic")] = "lightgbm",
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON")] = False,
    record: Annotated[
        bool, typer.Option(help="Also record the model as a run in the database (to publish it)")
    ] = False,
    predicts: Annotated[
        str, typer.Option(help="With --record: churn | bad_debt | other")
    ] = "churn",
    name: Annotated[str | None, typer.Option(help="With --record: a name for the run")] = None,
) -> None:
    """Train the model and the logistic baseline; print ROC AUC, PR AUC, Brier score, calibration
    error and lift by decile of both on test rows neither has seen."""
    from tenure.analytics.propensity.workflow import InputError, read_table, train_propensity

    if model not in ("lightgbm", "logistic"):
        _fail(f"--model must be lightgbm or logistic, got {model!r}")
    try:
        with errors.status(f"Training {model} and the logistic baseline on {data.name}…"):
            table = read_table(data)
            trained = train_propensity(
                table,
                target=target,
                positive=positive,
                id_col=id_col,
                time_col=time_col,
                kind=model,
            )
    except InputError as exc:
        _fail(str(exc))
    metrics = trained.metrics()
    trained.model.save(out, metrics=metrics["model"])
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "report.html").write_text(_report(trained, data.name), encoding="utf-8")
    run_id = None
    if record:
        setup_django()
        from tenure.core.importing import started_by_os_user
        from tenure.retention.services import propensity_run_record

        info = {"file": str(data), "target": target, "positive": positive, "id_col": id_col,
                "time_col": time_col, "split": trained.split}  # fmt: skip
        try:
            run_id = propensity_run_record(
                trained,
                target=predicts,
                name=name or f"{target} = {positive or 'inferred'} ({data.name})",
                data=info,
                started_by=started_by_os_user(),
            ).pk
        except ValueError as exc:
            _fail(str(exc))
    if as_json:
        typer.echo(json.dumps({**metrics, "model_dir": str(out), "run": run_id}, indent=2))
        return
    _print_metrics(trained)
    console.print(f"Model, metrics and report saved in [bold]{out}[/bold]")
    if run_id is not None:
        console.print(f"Recorded as run [bold]{run_id}[/bold]: tenure propensity publish {run_id}")


@propensity_app.command("score")
def score(
    model_dir: Annotated[Path, typer.Argument(help="A directory written by `propensity train`")],
    data: Annotated[Path, typer.Argument(help="Customers to score: CSV or Parquet")],
    out: Annotated[Path, typer.Option(help="CSV to write: id, probability, score, reasons")],
    id_col: Annotated[str | None, typer.Option(help="Customer id column to copy")] = None,
) -> None:
    """Score a table with a saved model: calibrated probability, score 0..100, top reasons."""
    from tenure.analytics.propensity import PropensityModel, describe
    from tenure.analytics.propensity.workflow import InputError, read_table

    try:
        model = PropensityModel.load(model_dir)
        table = read_table(data)
        if id_col is not None and id_col not in table.columns:
            raise InputError(f"--id-col: no column {id_col!r} in {data.name}")
        probability = model.predict_proba(table)
        reasons = model.reasons(table, top=3)
    except ValueError as exc:
        _fail(str(exc))
    result = table[[id_col]].copy() if id_col else table.iloc[:, :0].copy()
    result["probability"] = probability.round(6)
    result["score"] = (probability * 100 + 0.5).astype(int).clip(0, 100)
    result["reasons"] = ["; ".join(describe(*reason) for reason in row) for row in reasons]
    result.to_csv(out, index=False)
    console.print(f"Scored {len(result)} rows into [bold]{out}[/bold]")


@propensity_app.command("publish")
def publish(run_id: Annotated[int, typer.Argument(help="Run to publish")]) -> None:
    """Publish a recorded run: it scores its target from now on; the previous one retires."""
    setup_django()
    from tenure.retention.models import PropensityRun
    from tenure.retention.services import propensity_run_publish

    run = PropensityRun.objects.defer("artifact").filter(pk=run_id).first()
    if run is None:
        _fail(f"no propensity run {run_id} (`tenure propensity runs` lists them)")
    previous = propensity_run_publish(run=run, user=None)
    console.print(f"{run.source} is published for {run.get_target_display()}.")
    if previous is not None:
        console.print(f"{previous.source} is retired.")


@propensity_app.command("runs")
def runs(limit: Annotated[int, typer.Option(help="How many, newest first")] = 20) -> None:
    """List the recorded runs with their test metrics."""
    setup_django()
    from tenure.retention.models import PropensityRun

    table = Table(title="Propensity runs")
    for column in ("Run", "Predicts", "Name", "Model", "ROC AUC (baseline)", "Status", "Created"):
        table.add_column(column)
    for run in PropensityRun.objects.defer("artifact", "figures")[:limit]:
        model, baseline = run.metrics.get("model", {}), run.metrics.get("baseline", {})
        auc = f"{model.get('roc_auc', 0):.3f} ({baseline.get('roc_auc', 0):.3f})"
        status = "published" if run.is_published else ("retired" if run.retired_at else "–")
        table.add_row(str(run.pk), run.target, run.name, run.model, auc, status,
                      f"{run.created_at:%Y-%m-%d %H:%M} {run.created_by}")  # fmt: skip
    console.print(table)


@propensity_app.command("score-base")
def score_base(
    run_id: Annotated[int, typer.Argument(help="The published run to score with")],
    data: Annotated[Path, typer.Argument(help="Features of the customers: CSV or Parquet")],
    id_col: Annotated[str, typer.Option(help="Column with the business partner number")],
    as_of: Annotated[
        str | None, typer.Option(help="As-of date of the datasets (default today)")
    ] = None,
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
    """Append a customer value dataset per business partner with the run's score."""
    setup_django()
    from tenure.analytics.propensity.workflow import InputError, read_table
    from tenure.cli.imports import show_import_report
    from tenure.retention.models import PropensityRun
    from tenure.retention.services import propensity_run_score

    run = PropensityRun.objects.filter(pk=run_id).first()
    if run is None:
        _fail(f"no propensity run {run_id} (`tenure propensity runs` lists them)")
    day = dt.date.today()
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            _fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:  # fmt: skip
        task = progress.add_task(f"Scoring with {run.source}", total=None)
        try:
            features = read_table(data)
            result = propensity_run_score(
                run=run,
                features=features,
                id_col=id_col,
                as_of=day,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                reasons_from=reasons_from,
            )
        except (InputError, ValueError) as exc:
            progress.stop()
            _fail(str(exc))
        except KeyboardInterrupt:
            progress.stop()
            errors.print("[yellow]Interrupted.[/yellow] What was written is kept; run it again.")
            raise typer.Exit(130) from None
    console.print(f"Scored {result.customers} customers as of {result.as_of}.")
    if result.reasons_from is not None:
        console.print(
            f"Reasons for {result.explained} customers (risk class {result.reasons_from} and up)."
        )
    show_import_report(result.report, console, rejects)


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]Cannot do that:[/red] {message}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def _print_metrics(trained: TrainedPropensity) -> None:
    metrics = trained.metrics()
    table = Table(title=f"Test rows: {trained.rows_test} ({trained.split})")
    for column in ("metric", trained.model.kind, f"baseline ({trained.baseline.kind})", "better"):
        table.add_column(column)
    for row in metrics["comparison"]:
        table.add_row(row["metric"], f"{row['model']:.4f}", f"{row['baseline']:.4f}", row["better"])
    console.print(table)
    gains = Table(title="Lift and cumulative gains by decile (highest scores first)")
    for column in ("decile", "customers", "positives", "rate", "lift", "cumulative gain"):
        gains.add_column(column, justify="right")
    for row in metrics["gains"]:
        gains.add_row(str(row["decile"]), str(row["customers"]), str(row["positives"]),
                      f"{row['rate']:.1%}", f"{row['lift']:.2f}", f"{row['cumulative_gain']:.1%}")  # fmt: skip
    console.print(gains)
    cv = metrics.get("cross_validation")
    if cv:
        folds = Table(title=f"Stratified {cv['folds']}-fold cross-validation on the training rows")
        for column in ("metric", f"{trained.model.kind} mean ± sd", "baseline mean ± sd"):
            folds.add_column(column)
        for metric in ("roc_auc", "pr_auc", "brier", "ece"):
            model, baseline = cv["model"], cv["baseline"]
            folds.add_row(metric, f"{model['mean'][metric]:.4f} ± {model['std'][metric]:.4f}",
                          f"{baseline['mean'][metric]:.4f} ± {baseline['std'][metric]:.4f}")  # fmt: skip
        console.print(folds)
    console.print(f"Calibration: {metrics['calibration']} ({metrics['calibration_note']})")


def _report(trained: TrainedPropensity, source: str) -> str:
    import html

    metrics = trained.metrics()
    rows = "".join(
        f"<tr><th>{html.escape(r['metric'])}</th><td>{r['model']:.4f}</td>"
        f"<td>{r['baseline']:.4f}</td></tr>"
        for r in metrics["comparison"]
    )
    figures = "".join(f'<figure id="{key}">{svg}</figure>' for key, svg in trained.figures.items())
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Propensity model: {html.escape(source)}</title><style>body{{font-family:"
        "system-ui,sans-serif;max-width:60rem;margin:2rem auto}td{text-align:right;padding:0 1rem}"
        "svg{max-width:100%;height:auto}</style></head><body>"
        f"<h1>Propensity model: {html.escape(source)}</h1><p>{html.escape(trained.split)}; "
        f"{trained.rows_train} training rows, {trained.rows_test} test rows.</p>"
        f"<table><tr><th></th><th>{trained.model.kind}</th><th>baseline</th></tr>{rows}</table>"
        f"{figures}</body></html>\n"
    )
