"""``tenure uplift``: learn from a finished campaign whom its contact moved, and list the runs."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from tenure.cli import setup_django

uplift_app = typer.Typer(
    help="Uplift models from finished campaigns with a control group: train, list.",
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True)
EXIT_BAD_INPUT = 2


@uplift_app.command("train")
def train(
    campaign: Annotated[str, typer.Argument(help="The finished campaign: its id or exact name")],
    method: Annotated[str, typer.Option(help="two_model | class_transformation")] = "two_model",
    as_of: Annotated[
        str | None,
        typer.Option(help="Measure who stayed on this day, YYYY-MM-DD (default today)"),
    ] = None,
    model: Annotated[str, typer.Option(help="Base learner: lightgbm | logistic")] = "lightgbm",
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON")] = False,
) -> None:
    """Fit an uplift model on the campaign's contacted and control targets (features as they
    stood before its start), judge it on held-out targets (Qini, AUUC, uplift by decile) and
    record it as an uplift run."""
    setup_django()
    from tenure.campaigns.models import Campaign
    from tenure.campaigns.services import CampaignError
    from tenure.campaigns.uplift import METHODS, run_summary, uplift_run_train
    from tenure.core.importing import started_by_os_user

    if method not in METHODS:
        _fail(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    if model not in ("lightgbm", "logistic"):
        _fail(f"--model must be lightgbm or logistic, got {model!r}")
    day = None
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            _fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
    found = Campaign.objects.filter(pk=int(campaign)) if campaign.isdigit() else None
    if not found:
        found = Campaign.objects.filter(name=campaign)
    if found.count() != 1:
        _fail(f"no campaign {campaign!r} (give its id, or its exact name if it is unique)")
    chosen = found.get()
    try:
        with errors.status(f"Training {method} uplift on “{chosen.name}”…") as status:
            run = uplift_run_train(
                chosen,
                method=method,
                as_of=day,
                base=model,
                started_by=started_by_os_user(),
                progress=lambda message: status.update(f"Uplift on “{chosen.name}”: {message}…"),
            )
    except CampaignError as exc:
        _fail(str(exc))
    summary = run_summary(run)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    console.print(
        f"Uplift run [bold]{run.pk}[/bold] on “{chosen.name}” ({run.get_method_display()}, "
        f"{model}): features before {summary['features_before']}, retained measured on "
        f"{summary['as_of']}; {run.rows_train} training and {run.rows_test} held-out targets."
    )
    console.print(
        f"Held out: Qini coefficient [bold]{summary['qini_coefficient']:.3f}[/bold] "
        f"(ranking by churn score {summary['baseline_churn_score_qini']:.3f}, random 0), "
        f"AUUC {summary['auuc']:.3f}; retained {summary['treated_rate']:.1%} contacted vs "
        f"{summary['control_rate']:.1%} control ({summary['average_uplift']:+.1%})."
    )
    table = Table(title="Uplift by decile of predicted uplift (held-out targets)")
    for column in ("decile", "customers", "contacted", "control", "retained contacted",
                   "retained control", "observed uplift", "predicted uplift"):  # fmt: skip
        table.add_column(column, justify="right")
    for row in summary["deciles"]:
        table.add_row(str(row["decile"]), str(row["customers"]), str(row["treated"]),
                      str(row["control"]), _share(row["treated_rate"]),
                      _share(row["control_rate"]), _points(row["uplift"]),
                      _points(row["predicted_uplift"]))  # fmt: skip
    console.print(table)
    segments = ", ".join(f"{key.replace('_', ' ')} {count}"
                         for key, count in summary["segments"].items() if count)  # fmt: skip
    console.print(f"Segments of all {run.metrics['targets']} targets: {segments}.")
    console.print(f"See it at /campaigns/uplift/{run.pk}/")


@uplift_app.command("runs")
def runs(limit: Annotated[int, typer.Option(help="How many, newest first")] = 20) -> None:
    """List the recorded uplift runs with their held-out Qini coefficient."""
    setup_django()
    from tenure.campaigns.models import UpliftRun

    table = Table(title="Uplift runs")
    for column in ("Run", "Campaign", "Method", "Measured on", "Qini (churn score)", "AUUC",
                   "Held out", "Created"):  # fmt: skip
        table.add_column(column)
    for run in UpliftRun.objects.select_related("campaign").defer("artifact", "figures")[:limit]:
        metrics = run.metrics
        table.add_row(str(run.pk), f"{run.campaign.name} ({run.campaign_id})", run.method,
                      run.as_of.isoformat(),
                      f"{metrics['qini_coefficient']:.3f} ({metrics['baseline_churn_score_qini']:.3f})",
                      f"{metrics['auuc']:.3f}", str(run.rows_test),
                      f"{run.created_at:%Y-%m-%d %H:%M} {run.created_by}")  # fmt: skip
    console.print(table)


@uplift_app.command("target")
def target(
    run_id: Annotated[int, typer.Argument(help="The uplift run whose model ranks the partners")],
    campaign: Annotated[int, typer.Argument(help="The campaign to populate (its id)")],
    search: Annotated[str | None, typer.Option(help="Among a saved search (its name)")] = None,
    segment: Annotated[str | None, typer.Option(help="Among a customer segment (its key)")] = None,
    top: Annotated[
        int | None, typer.Option(help="How many, highest predicted uplift first")
    ] = None,
    share: Annotated[float | None, typer.Option(help="Or which share of them, e.g. 0.2")] = None,
    preview: Annotated[bool, typer.Option(help="Only show the counts, add nothing")] = False,
) -> None:
    """Populate a campaign with the partners of a saved search or segment whom the run's model
    predicts the contact to move most (persuadables; predicted uplift above 0 only)."""
    setup_django()
    from tenure.campaigns.models import Campaign, UpliftRun
    from tenure.campaigns.services import (
        CampaignError,
        campaign_populate,
        population_plan,
        source_from_saved_search,
        source_from_segment,
    )
    from tenure.campaigns.uplift import source_from_uplift
    from tenure.reports.models import SavedSearch

    run = UpliftRun.objects.defer("figures").filter(pk=run_id).first()
    chosen = Campaign.objects.filter(pk=campaign).first()
    if run is None or chosen is None:
        _fail(f"no uplift run {run_id}" if run is None else f"no campaign {campaign}")
    if (search is None) == (segment is None):
        _fail("give --search NAME or --segment KEY")
    try:
        if search is not None:
            saved = SavedSearch.objects.filter(name=search).first()
            if saved is None:
                _fail(f"no saved search {search!r}")
            among = source_from_saved_search(saved.pk)
        else:
            among = source_from_segment(str(segment))
        with errors.status("Scoring the partners by predicted uplift…"):
            source = source_from_uplift(run, among, top=top, share=share)
        plan = population_plan(chosen, source)
        if not preview:
            campaign_populate(chosen, source, actor=None)
    except CampaignError as exc:
        _fail(str(exc))
    left_out = ", ".join(f"{reason} {n}" for reason, n in plan.excluded_labelled() if n) or "none"
    verb = "Would add" if preview else "Added"
    console.print(f"{source.label}: {len(source.partner_ids)} partners; left out: {left_out}.")
    console.print(f"{verb} {plan.treated} to the contacted group and {plan.control} to the "
                  f"control group of “{chosen.name}”.")  # fmt: skip


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _points(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}"


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]Cannot do that:[/red] {message}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)
