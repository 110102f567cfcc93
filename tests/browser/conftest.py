"""Fixtures for the browser tests: one headless Chromium per session, a fresh context per test.

The live server runs in a thread of this process and answers from the test database, so these
tests need ``transactional_db``; that flushes every table after each test, which would erase
what the data migrations installed (role groups, key tables, sample rules, the module licence).
``serialized_rollback=True`` makes Django reload that data before each test, and pytest-django
runs transactional tests after all ordinary ``db`` tests, so nothing else sees the flushed state.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import TEST_PASSWORD
from django.db import connections
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
# `make screenshots` refreshes docs/screenshots/; a plain test run takes them into a scratch folder,
# so that re-running `make test` leaves the working tree as it was.
SCREENSHOTS = Path(
    os.environ.get("TENURE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "tenure-screenshots"
)
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

browser_test = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[Browser]:
    # Playwright's sync API leaves its asyncio loop marked as running in this thread. From then on
    # asgiref hands Django a different connection object here than the one the test database was
    # created (and serialized) on, so Django would silently skip the serialized rollback: carry
    # the serialized contents over to the connections the tests will use from now on.
    serialized = {
        alias: connections[alias]._test_serialized_contents  # type: ignore[attr-defined]
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents  # type: ignore[attr-defined]
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class JsErrors:
    """What the page reported: console messages of type error and uncaught exceptions."""

    console: list[str] = field(default_factory=list)
    uncaught: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.uncaught.append(str(error)))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console.append(f"{message.text} @ {message.location.get('url', '')}")


@dataclass
class Requests:
    """The page's requests still waiting for an answer (event streams never end: not counted)."""

    pending: set[Request] = field(default_factory=set)

    def watch(self, page: Page) -> None:
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_answer)
        page.on("requestfailed", self._on_answer)

    def _on_request(self, request: Request) -> None:
        if request.resource_type != "eventsource":
            self.pending.add(request)

    def _on_answer(self, request: Request) -> None:
        self.pending.discard(request)

    def wait_until_answered(self, page: Page, seconds: float = 10) -> None:
        """Before the test's data are wiped: a request that loads a card after the page opened
        (htmx ``hx-trigger="load"``) would otherwise write into the next test's database."""
        deadline = time.monotonic() + seconds
        while self.pending and time.monotonic() < deadline and not page.is_closed():
            page.wait_for_timeout(50)


@dataclass
class Session:
    """A browser context against the live server, with its page and the JS errors it collected."""

    context: BrowserContext
    page: Page
    base_url: str
    errors: JsErrors

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None

    def login(self, username: str, password: str = TEST_PASSWORD) -> None:
        """Log in through the real login form."""
        self.goto("/accounts/login/")
        self.page.get_by_label("User name").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_url("**/partners/")


@pytest.fixture
def open_session(browser: Browser, live_server) -> Iterator[Callable[[], Session]]:
    """Open as many independent browser sessions (cookies, pages) as a test needs."""
    contexts: list[tuple[BrowserContext, JsErrors, Requests]] = []

    def open_() -> Session:
        context = browser.new_context(
            viewport=VIEWPORT, locale="en-US", timezone_id="Europe/Berlin"
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors, requests = JsErrors(), Requests()
        errors.watch(page)
        requests.watch(page)
        contexts.append((context, errors, requests))
        return Session(context, page, live_server.url, errors)

    yield open_
    for context, errors, requests in contexts:
        for page in context.pages:
            requests.wait_until_answered(page)
        context.close()
        assert not errors.uncaught, f"uncaught JavaScript errors: {errors.uncaught}"


@pytest.fixture
def session(open_session: Callable[[], Session]) -> Session:
    return open_session()
