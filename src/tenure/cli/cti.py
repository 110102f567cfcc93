"""``tenure cti call``: a telephony simulator that reports call events over real HTTP."""

from __future__ import annotations

import os
import time
import uuid
from typing import Annotated

import httpx
import typer
from rich.console import Console

from tenure.cli import setup_django

cti_app = typer.Typer(help="Telephony (CTI): simulate inbound calls.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
SIMULATOR_USER = "telephony-simulator"


@cti_app.command("call")
def call(
    caller: Annotated[str, typer.Option("--from", help="Caller number; empty = withheld")],
    extension: Annotated[str, typer.Option(help="Extension of the agent the call rings at")],
    event: Annotated[str, typer.Option(help="ringing | answered | ended")] = "ringing",
    call_id: Annotated[str, typer.Option(help="Call id (default: a new one)")] = "",
    answer_after: Annotated[float, typer.Option(help="Then report 'answered' after N s")] = 0,
    end_after: Annotated[float, typer.Option(help="Then report 'ended' after N more s")] = 0,
    url: Annotated[str, typer.Option(help="Tenure's address")] = "http://127.0.0.1:8000",
    token: Annotated[
        str,
        typer.Option(
            help="API token (default: TENURE_TOKEN, else a new token of a local simulator user)"
        ),
    ] = "",
) -> None:
    """Report an inbound call to a running Tenure, as a telephony system would."""
    token = token or os.environ.get("TENURE_TOKEN", "") or _local_token()
    call_id = call_id or f"sim-{uuid.uuid4().hex[:12]}"
    events = [event]
    if answer_after:
        events.append("answered")
    if end_after:
        events.append("ended")
    pauses = {"answered": answer_after, "ended": end_after}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        for name in events:
            time.sleep(pauses.get(name, 0) if name != event else 0)
            body = {"call_id": call_id, "event": name, "caller": caller, "extension": extension}
            try:
                response = client.post("/api/v1/cti/calls", json=body, timeout=10)
            except httpx.TransportError as exc:
                errors.print(f"[red]Tenure is not reachable at {url}:[/red] {exc}")
                raise typer.Exit(2) from None
            if response.status_code != 200:
                errors.print(f"[red]{response.status_code}:[/red] {response.text}")
                raise typer.Exit(2)
            answer = response.json()
            console.print(
                f"{call_id} [bold]{name}[/bold] → partner {answer['partner'] or '–'} "
                f"({answer['matches']} match(es)), agent {answer['agent'] or '–'}"
            )


def _local_token() -> str:
    """A token of the simulator's telephony user in the local database (created when missing)."""
    setup_django()
    import secrets

    from django.contrib.auth.models import User

    from tenure.accounts.roles import TELEPHONY
    from tenure.accounts.services import token_create, user_add

    if not User.objects.filter(username=SIMULATOR_USER).exists():
        user_add(
            username=SIMULATOR_USER,
            role=TELEPHONY,
            password=secrets.token_urlsafe(24),
            validate=False,
        )
    return token_create(username=SIMULATOR_USER, label="tenure cti call")
