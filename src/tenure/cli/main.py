"""``tenure``: every administration job on the command line; all honour ``DATABASE_URL``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tenure.cli import setup_django
from tenure.cli.campaigns import campaigns_app
from tenure.cli.churn import churn_app
from tenure.cli.clv import clv_app
from tenure.cli.cti import cti_app
from tenure.cli.customervalue import customervalue_app
from tenure.cli.nba import nba_app
from tenure.cli.propensity import propensity_app
from tenure.cli.uplift import uplift_app

app = typer.Typer(
    help="Tenure: customer value, churn risk and retention.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
user_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for systems.", no_args_is_help=True)
import_app = typer.Typer(help="Import delivered files (CSV or Parquet).", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(import_app, name="import")
app.add_typer(cti_app, name="cti")
app.add_typer(clv_app, name="clv")
app.add_typer(propensity_app, name="propensity")
app.add_typer(churn_app, name="churn")
app.add_typer(uplift_app, name="uplift")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(customervalue_app, name="customervalue")
app.add_typer(nba_app, name="nba")
console = Console()
errors = Console(stderr=True)
GRACEFUL_SHUTDOWN_SECONDS = 5


@app.command()
def migrate() -> None:
    """Create or update the database schema (idempotent)."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve Tenure over HTTP with the ASGI server uvicorn."""
    setup_django()
    import uvicorn

    console.print(f"Tenure is serving on [bold]http://{host}:{port}/[/bold] (Ctrl+C stops it)")
    # open CTI event streams never end by themselves: without a limit, stopping would wait forever
    options: dict[str, Any] = {
        "log_level": "warning",
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
    }
    if workers == 1:
        uvicorn.run("tenure.asgi:application", host=host, port=port, **options)
    else:
        config = uvicorn.Config(
            "tenure.asgi:application", host=host, port=port, workers=workers, **options
        )
        serve_workers(config)


def serve_workers(config: Any) -> None:
    """``uvicorn.run`` for several worker processes, with Nagle's algorithm off.

    For workers, uvicorn binds the listening socket itself, without naming the protocol, and
    asyncio switches Nagle's algorithm off only on connections of a socket that names TCP. With
    it on, an answer written in two parts (head, then body) waited for the client's delayed
    acknowledgement of the first: about 40 ms on every telephony request (docs/benchmarks.md,
    section 3). Linux hands ``TCP_NODELAY`` from the listening socket to its connections.
    """
    import socket

    from uvicorn.supervisors import Multiprocess

    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[sock]).run()


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name")],
    role: Annotated[str, typer.Option(help="agent | marketing | analyst | admin")],
    extension: Annotated[str, typer.Option(help="Phone extension of an agent")] = "",
) -> None:
    """Create a user (or update password and role); the password comes from TENURE_PASSWORD."""
    setup_django()
    from django.core.exceptions import ValidationError

    from tenure.accounts.services import user_add as add

    password = os.environ.get("TENURE_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        add(username=name, role=role, password=password, extension=extension)
    except (ValueError, ValidationError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        errors.print(f"[red]Not saved:[/red] {message}")
        raise typer.Exit(2) from None
    console.print(f"User [bold]{name}[/bold] has the role [bold]{role}[/bold].")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="User name the token acts as")],
    label: Annotated[str, typer.Option(help="What the token is for")] = "",
) -> None:
    """Create an API token for a user and print it (it is shown only once)."""
    setup_django()
    from django.contrib.auth.models import User

    from tenure.accounts.services import token_create as create

    try:
        token = create(username=name, label=label)
    except User.DoesNotExist:
        errors.print(
            f"[red]No user {name!r}[/red]; create it with: tenure user add {name} --role …"
        )
        raise typer.Exit(2) from None
    typer.echo(token)


@import_app.command("partners")
def import_partners(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file", exists=True, dir_okay=False)],
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows to this CSV")] = None,
) -> None:
    """Import business partners (number, name, kind, street, postcode, city, country, phone, email)."""
    from tenure.cli.imports import run_cli_import

    setup_django()
    from tenure.partners.services import partner_import_file

    run_cli_import(partner_import_file, file, rejects, console, errors)


@import_app.command("customer-values")
def import_customer_values(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file", exists=True, dir_okay=False)],
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows to this CSV")] = None,
) -> None:
    """Import customer value datasets (partner, as_of, segment, customer_value, risk_class, …)."""
    from tenure.cli.imports import run_cli_import

    setup_django()
    from tenure.customervalue.services import dataset_import_file

    run_cli_import(dataset_import_file, file, rejects, console, errors)


@import_app.command("payments")
def import_payments(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file", exists=True, dir_okay=False)],
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows to this CSV")] = None,
) -> None:
    """Import payments (partner, reference, due_date, paid_date, amount); a known reference is
    updated."""
    from tenure.cli.imports import run_cli_import

    setup_django()
    from tenure.customerdata.services import payment_import_file

    run_cli_import(payment_import_file, file, rejects, console, errors)


@import_app.command("complaints")
def import_complaints(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file", exists=True, dir_okay=False)],
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows to this CSV")] = None,
) -> None:
    """Import complaints (partner, reference, opened, closed, severity, subject); a known reference
    is updated."""
    from tenure.cli.imports import run_cli_import

    setup_django()
    from tenure.customerdata.services import complaint_import_file

    run_cli_import(complaint_import_file, file, rejects, console, errors)


@import_app.command("products")
def import_products(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file", exists=True, dir_okay=False)],
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows to this CSV")] = None,
) -> None:
    """Import the product catalogue (key, name, category[, features, active]); a known key is
    updated."""
    from tenure.cli.imports import run_cli_import

    setup_django()
    from tenure.customerdata.products import product_import_file

    run_cli_import(product_import_file, file, rejects, console, errors)


@import_app.command("holdings")
def import_holdings(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet file", exists=True, dir_okay=False)],
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows to this CSV")] = None,
) -> None:
    """Import product holdings (partner, reference, product, started, ended); a known contract
    reference is updated (e.g. ended filled in)."""
    from tenure.cli.imports import run_cli_import

    setup_django()
    from tenure.customerdata.services import holding_import_file

    run_cli_import(holding_import_file, file, rejects, console, errors)


@import_app.command("traffic-lights")
def import_traffic_lights(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet: partner, traffic_light, reason")],
    rejects: Annotated[
        Path | None, typer.Option(help="Write the rejected rows to this CSV")
    ] = None,
) -> None:
    """Set traffic lights from a file (origin: import; unchanged lights change nothing)."""
    from tenure.cli.imports import run_cli_import

    setup_django()
    from tenure.retention.indicators import traffic_light_import_file

    run_cli_import(traffic_light_import_file, file, rejects, console, errors)


@import_app.command("consents")
def import_consents(
    file: Annotated[
        Path,
        typer.Argument(help="CSV or Parquet: partner, channel, granted[, recorded_at, source]"),
    ],
    rejects: Annotated[
        Path | None, typer.Option(help="Write the rejected rows to this CSV")
    ] = None,
) -> None:
    """Import contact consents per channel (phone, email, letter, sms); unchanged ones change nothing."""
    from tenure.cli.imports import run_cli_import

    setup_django()
    from tenure.partners.consents import consent_import_file

    run_cli_import(consent_import_file, file, rejects, console, errors)


indicators_app = typer.Typer(help="Customer Retention & Loyalty indicators.", no_args_is_help=True)
app.add_typer(indicators_app, name="indicators")


@indicators_app.command("refresh")
def indicators_refresh(
    as_of: Annotated[
        str | None, typer.Option(help="Reference day, YYYY-MM-DD (default today)")
    ] = None,
) -> None:
    """Apply the traffic-light rules to every business partner (lights set by an operator or an
    import recently are kept); only changed lights are written, with the rule that fired."""
    import datetime as dt

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    setup_django()
    from tenure.retention.indicators import traffic_lights_refresh

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        errors.print(f"[red]--as-of {as_of!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console) as progress:  # fmt: skip
        task = progress.add_task("Traffic lights", total=None)
        try:
            report = traffic_lights_refresh(
                day=day,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except KeyboardInterrupt:
            progress.stop()
            errors.print("[yellow]Interrupted.[/yellow] What was done is kept; run it again.")
            raise typer.Exit(130) from None
    console.print(
        f"{report.partners} business partners: {report.changed} traffic lights changed, "
        f"{report.held} set by an operator or import recently and kept."
    )


@app.command("demo-data")
def demo_data(
    partners: Annotated[int, typer.Option(help="Number of business partners")] = 2000,
    months: Annotated[int, typer.Option(help="Monthly datasets per partner")] = 24,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
    transactions: Annotated[
        Path | None,
        typer.Option(help="Where to write the demo purchases (default var/demo-transactions.csv)"),
    ] = None,
) -> None:
    """Load plausible demo partners with monthly customer value datasets, their purchases with a
    fitted lifetime-value model run, and one user per role."""
    setup_django()
    from django.conf import settings

    from tenure.cli.demo import load_demo

    path = transactions or settings.VAR_DIR / "demo-transactions.csv"
    load_demo(partners=partners, months=months, seed=seed, console=console, transactions=path)


if __name__ == "__main__":
    app()


@app.command("customer-value")
def customer_value(
    number: Annotated[str, typer.Argument(help="Business partner number")],
    explain: Annotated[bool, typer.Option(help="Show why each rule fits or not")] = False,
) -> None:
    """Show a partner's tile "Customer value and churn score" (the same content as page and API)."""
    setup_django()
    from tenure.cli.tile import print_tile

    raise typer.Exit(print_tile(number, explain=explain, console=console, errors=errors))
