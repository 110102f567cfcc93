"""The lean ASGI route of the telephony API answers exactly as the API through Django does, and
leaves every other request (errors, anything the middleware chain would act on) to Django."""

from __future__ import annotations

import json
from typing import Any

import pytest
from auditlog.models import LogEntry
from tests.factories import make_partner

from tenure.accounts.services import token_create
from tenure.core.asgi import TenureASGIHandler
from tenure.core.tests.test_asgi import CLIENT_ADDRESS, request
from tenure.cti import lean
from tenure.cti.models import Call

# the application runs each request in a thread of its own: the data has to be committed
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DJANGO_ONLY = TenureASGIHandler()  # no lean route: the endpoint through the middleware chain


def scope(headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": lean.PATH,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": (CLIENT_ADDRESS, 50123),
        **changes,
    }


@pytest.fixture
def token(make_user) -> str:
    make_user("agent", extension="201")
    make_partner("1", "Erika", phones=("+493411234567",))
    return token_create(username=make_user("telephony", username="pbx").username)


def event(call_id: str, **fields: str) -> bytes:
    body = {"call_id": call_id, "event": "ringing", "caller": "0341 1234567", "extension": "201"}
    return json.dumps({**body, **fields}).encode()


def both(headers: dict[str, str], body_lean: bytes, body_django: bytes, **options: Any) -> Any:
    """The same kind of request through tenure.asgi's application and through Django only."""
    through_lean = request("POST", lean.PATH, headers=headers, body=body_lean, **options)
    through_django = request(
        "POST", lean.PATH, headers=headers, body=body_django, app=DJANGO_ONLY, **options
    )
    return through_lean, through_django


def test_a_call_event_is_answered_and_audited_as_through_django(token: str) -> None:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "X-Correlation-ID": "pbx-trace-1",
    }
    assert lean.answer(scope(headers), event("c0")) is not None  # the lean route answers it

    for body_lean, body_django in [(event("c1"), event("c2")), (event("c2"), event("c1"))]:
        (status, answer_headers, answer), (django_status, django_headers, django_answer) = both(
            headers, body_lean, body_django
        )
        assert status == django_status == 200
        assert {**json.loads(answer), "call_id": "-"} == {
            **json.loads(django_answer),
            "call_id": "-",
        }
        assert answer_headers.pop("server-timing").startswith("app;dur=")
        assert django_headers.pop("server-timing").startswith("app;dur=")
        assert answer_headers == django_headers
    # the second round was answered as duplicates, on both paths
    assert json.loads(answer)["duplicate"] and json.loads(django_answer)["duplicate"]

    by_lean, by_django = (
        LogEntry.objects.get_for_object(Call.objects.get(call_id=call_id)).get()
        for call_id in ("c1", "c2")
    )
    for entry in (by_lean, by_django):
        assert entry.actor.username == "pbx"
        assert entry.remote_addr == CLIENT_ADDRESS
        assert entry.cid == "pbx-trace-1"
    own = {"id", "call_id", "ringing_at", "created_at"}  # differ between two calls
    assert by_lean.changes.keys() == by_django.changes.keys()
    assert {k: v for k, v in by_lean.changes.items() if k not in own} == {
        k: v for k, v in by_django.changes.items() if k not in own
    }
    assert Call.objects.count() == 3


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, event("c1"), 401),
        ({"Authorization": "Bearer tnr_wrong"}, event("c1"), 401),
        ({"Authorization": "Token {token}"}, event("c1"), 401),
        ({"Authorization": "Bearer {token}"}, event("c1", event="hangup"), 422),
        ({"Authorization": "Bearer {token}"}, event("", extension=""), 422),
        ({"Authorization": "Bearer {token}"}, event("c1", at="2026-11-25T10:15:00"), 422),
        ({"Authorization": "Bearer {token}"}, b"[1, 2]", 422),
        ({"Authorization": "Bearer {token}"}, b"{not json", 400),
    ],
)
def test_other_requests_are_left_to_django(
    token: str, headers: dict, body: bytes, status: int
) -> None:
    headers = {"Content-Type": "application/json"} | {
        name: value.format(token=token) for name, value in headers.items()
    }
    assert lean.answer(scope(headers), body) is None
    (got, _, answer), (django_status, _, django_answer) = both(headers, body, body)
    assert got == django_status == status
    assert json.loads(answer) == json.loads(django_answer)
    assert not Call.objects.exists()


def test_a_user_without_the_permission_is_left_to_django(token: str, make_user) -> None:
    agent_token = token_create(username=make_user("agent", username="someone").username)
    headers = {"Authorization": f"Bearer {agent_token}", "Content-Type": "application/json"}
    assert lean.answer(scope(headers), event("c1")) is None
    status, _, answer = request("POST", lean.PATH, headers=headers, body=event("c1"))
    assert status == 403 and json.loads(answer)["detail"] == "your role does not allow this"


@pytest.mark.parametrize(
    ("extra", "changes"),
    [
        ({"Accept-Language": "de"}, {}),
        ({"Cookie": "django_language=it"}, {}),
        ({"Content-Type": "text/plain"}, {}),
        ({}, {"scheme": "https"}),
        ({}, {"query_string": b"debug=1"}),
        ({}, {"headers": [(b"host", b"evil.example")]}),
    ],
)
def test_requests_the_middleware_would_act_on_are_left_to_django(
    token: str, extra: dict[str, str], changes: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **extra}
    plain = scope(headers)
    if "headers" in changes:
        changes["headers"] = changes["headers"] + plain["headers"][1:]
    assert lean.answer(plain | changes, event("c1")) is None
    assert not Call.objects.exists()


def test_django_answers_in_the_language_asked_for(token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, answer_headers, _ = request(
        "POST", lean.PATH, headers=headers | {"Accept-Language": "de"}, body=event("c1")
    )
    assert status == 200 and answer_headers["content-language"] == "de"
