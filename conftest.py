"""Fixtures shared by every test: users in each role, logged-in clients, API clients with tokens."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tenure.accounts.roles import ROLES
from tenure.accounts.services import token_create, user_add

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls there
# unless told that this is intended (the tests, not the server, touch the database this way).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TEST_PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(request: pytest.FixtureRequest, settings: Any) -> None:
    """Hash test passwords cheaply; tests marked ``real_password_hashing`` keep Django's default."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """Create (or update) a user in one of the four roles."""

    def make(role: str, username: str | None = None, extension: str = "") -> User:
        return user_add(
            username=username or role,
            role=role,
            password=TEST_PASSWORD,
            extension=extension,
            validate=False,
        )

    return make


@pytest.fixture
def client_as(make_user: Callable[..., User]) -> Callable[[str], Client]:
    """A browser-like test client logged in as a user of the given role (CSRF checks on)."""

    def login(role: str) -> Client:
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_user(role))
        return client

    return login


@pytest.fixture
def api_as(make_user: Callable[..., User]) -> Callable[[str], Client]:
    """A test client that sends a bearer token of a user in the given role."""

    def with_token(role: str) -> Client:
        user = make_user(role, username=f"{role}-system")
        return Client(headers={"Authorization": f"Bearer {token_create(username=user.username)}"})

    return with_token


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)
