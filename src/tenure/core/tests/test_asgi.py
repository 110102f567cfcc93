"""The ASGI application that ``tenure serve`` runs (``tenure.asgi``), called as an ASGI server
calls it: login, CSRF, static files, the telephony API's audit entry with actor and address,
and the agents' event stream, all through the real middleware chain."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from tests.factories import make_partner

from tenure.accounts.services import token_create
from tenure.asgi import application
from tenure.cti.models import Call

CLIENT_ADDRESS = "192.0.2.7"  # TEST-NET-1: the address the audit trail must name


def request(
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    first_chunk_only: bool = False,
    app: Any = application,
    scheme: str = "http",
) -> tuple[int, dict[str, str], bytes]:
    """One request through ``tenure.asgi.application`` (or ``app``); with ``first_chunk_only``
    the client disconnects after the first part of a streamed answer (as a closing browser tab
    does)."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
        "client": (CLIENT_ADDRESS, 50123),
        "server": ("testserver", 80),
    }
    messages: list[dict[str, Any]] = []

    async def run() -> None:
        body_sent = False
        answered = asyncio.Event()

        async def receive() -> dict[str, Any]:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)
            if message["type"] == "http.response.body" and (
                not message.get("more_body") or (first_chunk_only and message.get("body"))
            ):
                answered.set()

        await asyncio.wait_for(app(scope, receive, send), 30)

    asyncio.run(run())
    start = messages[0]
    assert start["type"] == "http.response.start"
    answer_headers = {name.decode().lower(): value.decode() for name, value in start["headers"]}
    return start["status"], answer_headers, b"".join(m.get("body", b"") for m in messages[1:])


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# the application runs each request in a thread of its own: the data has to be committed
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_telephony_api_audits_with_the_systems_actor_and_address(make_user) -> None:
    make_user("agent", extension="201")
    make_partner("1", "Erika", phones=("+493411234567",))
    system = make_user("telephony", username="telephony-system")
    token = token_create(username=system.username)
    body = {"call_id": "c1", "event": "ringing", "caller": "0341 1234567", "extension": "201"}

    status, headers, answer = request(
        "POST",
        "/api/v1/cti/calls",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )

    assert status == 200, answer
    assert json.loads(answer)["partner"] == "1"
    assert headers["server-timing"].startswith("app;dur=")
    entry = LogEntry.objects.get_for_object(Call.objects.get()).get()
    assert entry.actor == system
    assert entry.remote_addr == CLIENT_ADDRESS
    assert entry.action == LogEntry.Action.CREATE


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_telephony_api_refuses_a_wrong_token() -> None:
    status, _, _ = request(
        "POST",
        "/api/v1/cti/calls",
        headers={"Authorization": "Bearer tnr_wrong", "Content-Type": "application/json"},
        body=b"{}",
    )
    assert status == 401
    assert not Call.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_need_a_login_and_forms_a_csrf_token(make_user) -> None:
    status, headers, _ = request("GET", "/partners/")
    assert status == 302 and headers["location"].startswith("/accounts/login/?next=")

    cookie = session_cookie(make_user("agent"))
    status, headers, _ = request("GET", "/partners/", headers={"Cookie": cookie})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert headers["x-frame-options"] == "DENY"

    status, _, _ = request("POST", "/accounts/logout/", headers={"Cookie": cookie})
    assert status == 403  # no CSRF token
    assert request("GET", "/partners/", headers={"Cookie": cookie})[0] == 200  # still logged in


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_static_files_are_served_without_a_login() -> None:
    status, headers, content = request("GET", "/static/tenure/tenure.css")
    assert status == 200
    assert headers["content-type"].startswith("text/css")
    assert content == Path(str(finders.find("tenure/tenure.css"))).read_bytes()
    assert request("GET", "/static/tenure/missing.css")[0] == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_event_stream_opens_for_an_agent_and_not_without_a_login(make_user) -> None:
    cookie = session_cookie(make_user("agent", extension="201"))
    status, headers, first = request(
        "GET", "/cti/stream/", headers={"Cookie": cookie}, first_chunk_only=True
    )
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    assert first.startswith(b"retry: 1000\n")

    assert request("GET", "/cti/stream/")[0] == 302  # to the login page


def test_the_servers_start_up_objects_are_out_of_the_collectors_reach() -> None:
    import gc

    from tenure.core.asgi import GC_YOUNG_THRESHOLD

    # importing tenure.asgi (above) froze them: a full collection no longer scans them
    assert gc.get_freeze_count() > 50_000
    assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
