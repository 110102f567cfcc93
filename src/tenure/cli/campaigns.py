"""``tenure campaigns``: list campaigns, populate one from a saved search, a segment or a list of
partner numbers (preview table, then a progress bar), and show a campaign's effectiveness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tenure.cli import setup_django

if TYPE_CHECKING:
    from tenure.campaigns.models import Campaign

campaigns_app = typer.Typer(
    help="Retention, Loyalty and Caring campaigns: list, populate, effectiveness.",
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True)
EXIT_BAD_INPUT = 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    errors.print(f"[red]Error:[/red] {message}")
    raise typer.Exit(code)


def _campaign(key: str) -> Campaign:
    """A campaign by id or by its exact name."""
    from tenure.campaigns.models import Campaign

    found = list(Campaign.objects.filter(pk=int(key))) if key.isdigit() else []
    if not found:
        found = list(Campaign.objects.filter(name=key)[:2])
    if len(found) > 1:
        _fail(f"several campaigns are named {key!r}; give the id (see: tenure campaigns list)")
    if not found:
        _fail(f"no campaign {key!r} (see: tenure campaigns list)")
    return found[0]


@campaigns_app.command("list")
def list_campaigns(
    kind: Annotated[str | None, typer.Option("--type", help="retention | loyalty | caring")] = None,
    running: Annotated[bool, typer.Option(help="Only campaigns running today")] = False,
) -> None:
    """Campaigns, newest first, with their group sizes and the contacts worked."""
    setup_django()
    from django.db.models import Count, Q
    from django.utils import timezone

    from tenure.campaigns.models import Campaign

    campaigns = Campaign.objects.all()
    if kind:
        if kind not in Campaign.Type.values:
            _fail(f"--type must be one of {', '.join(Campaign.Type.values)}, got {kind!r}")
        campaigns = campaigns.filter(type=kind)
    today = timezone.localdate()
    treated = Q(contacts__group="treated")
    rows = campaigns.annotate(
        contacted=Count("contacts", filter=treated),
        held_out=Count("contacts", filter=Q(contacts__group="control")),
        worked=Count("contacts", filter=treated & ~Q(contacts__status="open")),
    ).order_by("-starts_on", "name", "pk")
    table = Table(title="Campaigns", title_justify="left")
    for column in ("Id", "Name", "Type", "Dates", "State", "Contacted", "Control", "Worked"):
        table.add_column(column, justify="right" if column in ("Id", "Contacted", "Control",
                                                                "Worked") else "left")  # fmt: skip
    shown = 0
    for campaign in rows:
        is_running = campaign.is_running(today)
        if running and not is_running:
            continue
        state = "running" if is_running else ("active" if campaign.active else "closed")
        dates = f"{campaign.starts_on} – {campaign.ends_on or '…'}"
        table.add_row(str(campaign.pk), campaign.name, campaign.get_type_display(), dates, state,
                      str(campaign.contacted), str(campaign.held_out), str(campaign.worked))  # fmt: skip
        shown += 1
    if shown:
        console.print(table)
    else:
        console.print("No campaigns.")


def _source(search: str | None, segment: str | None, partner_list: Path | None) -> Any:
    from tenure.campaigns.services import (
        CampaignError,
        source_from_list,
        source_from_saved_search,
        source_from_segment,
    )
    from tenure.core.tabular import FileRejected
    from tenure.customervalue.models import CustomerSegment
    from tenure.reports.models import SavedSearch
    from tenure.reports.search import CriteriaError

    if sum(value is not None for value in (search, segment, partner_list)) != 1:
        _fail("give exactly one of --search NAME, --segment KEY, --list FILE")
    try:
        if search is not None:
            saved = SavedSearch.objects.filter(name=search).first()
            if saved is None and search.isdigit():
                saved = SavedSearch.objects.filter(pk=int(search)).first()
            if saved is None:
                _fail(f"no saved search {search!r}")
            return source_from_saved_search(saved.pk), []
        if segment is not None:
            if not CustomerSegment.objects.filter(pk=segment).exists():
                keys = ", ".join(CustomerSegment.objects.values_list("key", flat=True))
                _fail(f"no customer segment {segment!r}; the segments are: {keys}")
            return source_from_segment(segment), []
    except (CampaignError, CriteriaError) as exc:
        _fail(str(exc))
    assert partner_list is not None
    if not partner_list.is_file():
        _fail(f"{partner_list} is not a file")
    try:
        return source_from_list(partner_list, file_name=partner_list.name)
    except FileRejected as exc:
        _fail(f"{partner_list.name} rejected: {exc}")


def _by_uplift(source: Any, run_id: int, top: int | None, share: float | None) -> Any:
    from tenure.campaigns.models import UpliftRun
    from tenure.campaigns.services import CampaignError
    from tenure.campaigns.uplift import source_from_uplift

    run = UpliftRun.objects.filter(pk=run_id).first()
    if run is None:
        _fail(f"no uplift run {run_id} (see: tenure uplift runs)")
    try:
        with errors.status(f"Scoring {source.label} with uplift run {run_id}…"):
            return source_from_uplift(run, source, top=top, share=share)
    except CampaignError as exc:
        _fail(str(exc))


@campaigns_app.command("populate")
def populate(
    campaign_key: Annotated[str, typer.Argument(metavar="CAMPAIGN", help="Campaign id or name")],
    search: Annotated[str | None, typer.Option(help="Name of a saved advanced search")] = None,
    segment: Annotated[str | None, typer.Option(help="Customer segment key, e.g. A")] = None,
    partner_list: Annotated[
        Path | None, typer.Option("--list", help="CSV or Parquet file with a column partner_number")
    ] = None,
    uplift_run: Annotated[
        int | None,
        typer.Option(help="Keep the source's partners with the highest predicted uplift (run id)"),
    ] = None,
    top: Annotated[int | None, typer.Option(help="With --uplift-run: this many")] = None,
    share: Annotated[
        float | None, typer.Option(help="With --uplift-run: this share (0–1) of uplift > 0")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Show the preview only; add nothing")] = False,
    by: Annotated[
        str | None, typer.Option(help="User name recorded as having added the targets")
    ] = None,
) -> None:
    """Add targets to a campaign, holding out its control group; prints the preview first.

    Left out, each for one reason: already in the campaign, no longer a customer, in a running
    campaign of the same type, contacted within the contact pressure window, no consent for the
    channel. Populating is all or nothing; rejected rows of a list are printed.
    """
    setup_django()
    from django.contrib.auth.models import User

    from tenure.campaigns.services import CampaignError, campaign_populate, population_plan

    campaign = _campaign(campaign_key)
    actor = None
    if by is not None:
        actor = User.objects.filter(username=by).first()
        if actor is None:
            _fail(f"no user {by!r}")
    source, rejects = _source(search, segment, partner_list)
    if uplift_run is not None:
        source = _by_uplift(source, uplift_run, top, share)
    with errors.status(f"Counting the targets of {source.label}…"):
        plan = population_plan(campaign, source)
    table = Table(title=f"Preview: {campaign.name} ← {source.label}", title_justify="left")
    table.add_column("")
    table.add_column("Customers", justify="right")
    table.add_row("Matched", str(plan.matched))
    for label, count in plan.excluded_labelled():
        table.add_row(f"Left out: {label}", str(count))
    table.add_row("To the contacted group", str(plan.treated), style="bold")
    held_out = f"{campaign.control_share:.0%}, seed {campaign.control_seed}"
    table.add_row(f"To the control group ({held_out})", str(plan.control), style="bold")
    console.print(table)
    if rejects:
        rejected = Table(title=f"{len(rejects)} rejected rows", title_justify="left")
        for column in ("Row", "Column", "Value", "Reason"):
            rejected.add_column(column)
        for error in rejects[:50]:
            rejected.add_row(str(error.row), error.column, error.value, error.reason)
        errors.print(rejected)
        if len(rejects) > 50:
            errors.print(f"… and {len(rejects) - 50} more.")
    if dry_run:
        console.print("Dry run: nothing was added.")
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=errors) as progress:
        task = progress.add_task("Adding targets", total=plan.to_add or 1)

        def report(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total or 1)

        try:
            population = campaign_populate(campaign, source, actor=actor, progress=report)
        except CampaignError as exc:
            _fail(str(exc))
    console.print(
        f"Added {population.added_treated} customers to the contacted group and "
        f"{population.added_control} to the control group of {campaign.name} "
        f"(population {population.pk})."
    )


def _effectiveness_json(campaign: Campaign) -> dict[str, Any]:
    from tenure.campaigns.effectiveness import campaign_effectiveness

    result = campaign_effectiveness(campaign)
    lift = result.lift
    return {
        "campaign": campaign.pk,
        "name": campaign.name,
        "as_of": result.as_of.isoformat(),
        "contacts_treated": result.treated,
        "contacts_control": result.control,
        "worked": result.worked,
        "reached": result.reached,
        "reach_rate": result.reach_rate,
        "outcomes": result.outcomes,
        "cost": str(result.cost),
        "cost_per_retained": None
        if result.cost_per_retained is None
        else str(result.cost_per_retained),
        "treated_retained": result.treated_retained,
        "control_retained": result.control_retained,
        "treated_rate": lift.treated_rate,
        "control_rate": lift.control_rate,
        "difference": lift.difference,
        "low": lift.low,
        "high": lift.high,
        "confidence": lift.confidence,
        "significant": lift.significant,
        "days": [
            {"day": d.day.isoformat(), "worked": d.worked, "reached": d.reached}
            for d in result.days
            if d.day
        ],
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


@campaigns_app.command("effectiveness")
def effectiveness(
    campaign_key: Annotated[str, typer.Argument(metavar="CAMPAIGN", help="Campaign id or name")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
) -> None:
    """Contacts, reach, outcomes, cost and the retention rate contacted vs control with the
    difference and its 95 % interval (Newcombe)."""
    setup_django()
    campaign = _campaign(campaign_key)
    data = _effectiveness_json(campaign)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    table = Table(title=f"Effectiveness: {campaign.name} (as of {data['as_of']})",
                  title_justify="left", show_header=False)  # fmt: skip
    table.add_column("")
    table.add_column("", justify="right")
    table.add_row("Contacted group", str(data["contacts_treated"]))
    table.add_row("Control group", str(data["contacts_control"]))
    table.add_row("Worked", str(data["worked"]))
    table.add_row("Reached", str(data["reached"]))
    table.add_row("Reach rate", _pct(data["reach_rate"]))
    for outcome, count in data["outcomes"].items():
        table.add_row(f"Outcome: {outcome.replace('_', ' ')}", str(count))
    table.add_row("Cost", data["cost"])
    table.add_row("Cost per retained customer", data["cost_per_retained"] or "–")
    table.add_row("Retention rate, contacted", _pct(data["treated_rate"]))
    table.add_row("Retention rate, control", _pct(data["control_rate"]))
    console.print(table)
    if data["difference"] is None:
        console.print("No difference to show: one of the groups is empty.")
        return
    points = data["difference"] * 100
    low, high = data["low"] * 100, data["high"] * 100
    verdict = (
        "the campaign very likely helped retention"
        if low > 0
        else "the campaign very likely did harm"
        if high < 0
        else "the interval includes zero: the effect is not shown yet"
    )
    console.print(
        f"Difference: [bold]{points:+.1f}[/bold] percentage points "
        f"(95 % interval {low:+.1f} to {high:+.1f}); {verdict}."
    )
