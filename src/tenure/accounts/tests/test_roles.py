"""Every role's allowed and forbidden actions, page by page and endpoint by endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from tests.factories import make_dataset, make_partner

pytestmark = pytest.mark.django_db

EVERYONE = {"agent", "marketing", "analyst", "admin"}  # the people; "telephony" is a system
ADMIN = {"admin"}

RULE = {
    "key": "R99",
    "option": "Text",
    "segment": "A",
    "risk_class": "1",
    "text": "Say thank you",
}

# (method, path, body, roles that may) — forbidden answers 403, allowed 2xx/3xx
PAGES: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("get", "/partners/", None, EVERYONE),
    ("get", "/partners/new/", None, {"agent", "admin"}),
    ("get", "/partners/4711/", None, EVERYONE),
    ("get", "/partners/tasks/mine/", None, EVERYONE),
    ("post", "/partners/4711/notes/", {"text": "Prefers e-mail"}, {"agent", "admin"}),
    ("post", "/partners/4711/tasks/", {"title": "Call back"}, {"agent", "admin"}),
    ("get", "/customer-value/partners/4711/history/", None, EVERYONE),
    ("get", "/recommendations/", None, EVERYONE),
    ("get", "/recommendations/C01ExampleCuGu/", None, EVERYONE),
    ("get", "/recommendations/new/", None, ADMIN),
    ("post", "/recommendations/C07ExampleCuGu/delete/", {}, ADMIN),
    ("get", "/administration/imports/", None, {"analyst", "admin"}),
    ("get", "/customer-value/model-runs/", None, {"analyst", "admin"}),
    ("get", "/administration/modules/", None, {"analyst", "admin"}),
    ("post", "/administration/modules/customer_value/", {"active": "on"}, ADMIN),
    ("get", "/administration/audit/", None, ADMIN),
    ("get", "/admin/", None, ADMIN),
    ("get", "/api/docs", None, EVERYONE | {"telephony"}),
]

API: list[tuple[str, str, Any, set[str]]] = [
    ("get", "/api/v1/partners?q=Erika", None, EVERYONE),
    ("get", "/api/v1/partners/4711", None, EVERYONE),
    ("get", "/api/v1/partners/4711/customer-value", None, EVERYONE),
    ("get", "/api/v1/partners/4711/notes", None, EVERYONE),
    ("post", "/api/v1/partners/4711/notes", {"text": "Prefers e-mail"}, {"agent", "admin"}),
    ("get", "/api/v1/partners/4711/tasks", None, EVERYONE),
    ("post", "/api/v1/partners/4711/tasks", {"title": "Call back"}, {"agent", "admin"}),
    ("get", "/api/v1/recommendations", None, EVERYONE),
    ("get", "/api/v1/recommendations/C01ExampleCuGu", None, EVERYONE),
    ("post", "/api/v1/recommendations", RULE, ADMIN),
    ("put", "/api/v1/recommendations/C01ExampleCuGu", {**RULE, "key": "C01ExampleCuGu"}, ADMIN),
    ("delete", "/api/v1/recommendations/C07ExampleCuGu", None, ADMIN),
    ("post", "/api/v1/customer-value-datasets", [], ADMIN),
    ("get", "/api/v1/model-runs", None, {"analyst", "admin"}),
    (
        "post",
        "/api/v1/cti/calls",
        {"call_id": "c1", "event": "ringing", "extension": "201"},
        {"admin", "telephony"},
    ),
]


@pytest.fixture(autouse=True)
def partner() -> None:
    make_dataset(make_partner("4711"))


def _csrf_post(client: Client, path: str, data: dict[str, Any]) -> Any:
    # a real browser sends the token from the form it was served; take it from a page
    client.get("/accounts/login/")
    return client.post(path, data, headers={"X-CSRFToken": client.cookies["csrftoken"].value})


@pytest.mark.parametrize(("method", "path", "body", "allowed"), PAGES, ids=[p[1] for p in PAGES])
def test_pages(client_as, role: str, method: str, path: str, body: Any, allowed: set[str]) -> None:
    client = client_as(role)
    response = client.get(path) if method == "get" else _csrf_post(client, path, body)
    if role in allowed:
        assert response.status_code in (200, 302), response.content[:300]
    elif path == "/admin/":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"), API, ids=[f"{a[0]} {a[1]}" for a in API]
)
def test_api(api_as, role: str, method: str, path: str, body: Any, allowed: set[str]) -> None:
    client = api_as(role)
    kwargs = {} if body is None else {"data": json.dumps(body), "content_type": "application/json"}
    response = getattr(client, method)(path, **kwargs)
    if role in allowed:
        assert 200 <= response.status_code < 300, response.content[:300]
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": "your role does not allow this", "errors": []}


@pytest.mark.parametrize("path", ["/partners/", "/partners/4711/", "/recommendations/"])
def test_pages_need_a_login(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", [a[1] for a in API if a[0] == "get"] + ["/api/docs"])
def test_api_needs_authentication(client: Client, path: str) -> None:
    response = client.get(path)
    if path == "/api/docs":
        assert response.status_code == 302
    else:
        assert response.status_code == 401
        assert response.json()["detail"] == "authentication required"


def test_wrong_or_revoked_token_is_refused(api_as) -> None:
    from tenure.accounts.models import ApiToken

    assert Client(headers={"Authorization": "Bearer tnr_wrong"}).get(API[0][1]).status_code == 401
    client = api_as("agent")
    assert client.get(API[0][1]).status_code == 200
    ApiToken.objects.update(revoked=True)
    assert client.get(API[0][1]).status_code == 401


def test_session_api_writes_need_the_csrf_token(client_as) -> None:
    client = client_as("admin")
    path, body = "/api/v1/recommendations", json.dumps(RULE)
    refused = client.post(path, body, content_type="application/json")
    assert refused.status_code == 403
    client.get("/partners/")
    token = client.cookies["csrftoken"].value
    created = client.post(
        path, body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert created.status_code == 201


def test_tokens_are_stored_as_digests_only(make_user) -> None:
    from tenure.accounts.models import ApiToken
    from tenure.accounts.services import token_create

    make_user("agent")
    token = token_create(username="agent")
    stored = ApiToken.objects.get()
    assert token.startswith("tnr_") and token not in (stored.digest, stored.prefix)


@pytest.mark.real_password_hashing
def test_passwords_are_hashed_by_django(make_user) -> None:
    user = make_user("agent")
    assert user.password.startswith(("pbkdf2_", "argon2", "bcrypt", "scrypt"))
