"""The CTI screen pop end to end: a real ``tenure serve`` on a database of its own, set up through
the command line, a telephony system posting over HTTP, and agents' desktops in Chromium.

Why not pytest-django's ``live_server``: it is a threaded WSGI server, and the pop needs the ASGI
event stream. The events reach the desktops through the server process, so calls are posted to the
very process the browsers are connected to. One server serves the whole package.

Chromium runs on a thread of its own. Playwright's sync API refuses to start in a thread where it
runs already, and ``tests/browser`` keeps one open for the whole session; so the tests here that
use ``desktops`` run on that thread (see ``pytest_pyfunc_call``), and so do their fixtures' calls.
"""

from __future__ import annotations

import csv
import inspect
import itertools
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Request, expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, JsErrors
from tests.processes import free_port, fresh_database

TENURE = str(Path(sys.executable).with_name("tenure"))
PASSWORD = "a long enough pass phrase"
T = TypeVar("T")


class Partner(NamedTuple):
    number: str
    name: str
    phone: str


HELGA = Partner("3000001", "Helga Brandt", "0341 5550101")
MUELLER_GMBH = Partner("3000002", "Müller Haustechnik GmbH", "0341 5550202")
KARIN = Partner("3000003", "Karin Müller", "0341 5550202")  # the firm's number, too
PETER = Partner("3000004", "Peter Lang", "0341 5550404")  # no customer value data
KATHARINA = Partner("3000005", "Katharina Vogel", "0341 5550505")

PARTNERS = [
    # number, name, kind, street, postcode, city, country, phone, email
    (*HELGA[:2], "person", "Karl-Heine-Straße 41", "04229", "Leipzig", "DE", HELGA.phone,
     "helga.brandt@example.org"),
    (*MUELLER_GMBH[:2], "organisation", "Industriestraße 7", "04179", "Leipzig", "DE",
     MUELLER_GMBH.phone, "info@mueller-haustechnik.example"),
    (*KARIN[:2], "person", "Industriestraße 7", "04179", "Leipzig", "DE", KARIN.phone, ""),
    (*PETER[:2], "person", "Zschochersche Straße 3", "04229", "Leipzig", "DE", PETER.phone, ""),
    (*KATHARINA[:2], "person", "Gohliser Straße 19", "04155", "Leipzig", "DE", KATHARINA.phone,
     "katharina.vogel@example.net"),
    ("3000006", "Stadtwerke-Shop Lindenau", "organisation", "Lützner Straße 90", "04177",
     "Leipzig", "DE", "0341 5550606", ""),
]  # fmt: skip
CUSTOMER_VALUES = [
    # partner, as_of, segment, customer_value, risk_class, churn_score, bad_debt_score, source
    (HELGA.number, "2026-10-01", "A", "9", "1", "8", "0.5", "DataProvider GmbH"),
    (MUELLER_GMBH.number, "2026-10-01", "B", "7", "1", "22", "1.2", "DataProvider GmbH"),
    (KARIN.number, "2026-10-01", "D", "2", "4", "91", "7.8", "DataProvider GmbH"),
    (KATHARINA.number, "2026-09-01", "B", "6", "2", "41", "2.0", "DataProvider GmbH"),
    (KATHARINA.number, "2026-10-01", "C", "5", "3", "58", "2.6", "DataProvider GmbH"),
    (KATHARINA.number, "2026-11-01", "C", "4", "3", "67", "3.1", "DataProvider GmbH"),
    ("3000006", "2026-11-01", "B", "7", "1", "15", "", "DataProvider GmbH"),
]

# --- the server and its command line -------------------------------------------------------------


@pytest.fixture(scope="package")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("cti"), "tenure_cti") as url:
        yield url


@dataclass
class Tenure:
    """The ``tenure`` command, run against the package's database."""

    env: dict[str, str]
    folder: Path

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            [TENURE, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"tenure {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def import_rows(self, what: str, header: str, rows: list[tuple[str, ...]]) -> None:
        path = self.folder / f"{what}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header.split(","))
            writer.writerows(rows)
        assert f"accepted {len(rows)}," in self("import", what, str(path))


class Server:
    """``tenure serve`` (uvicorn, ASGI) as a process that the tests stop and start again."""

    def __init__(self, tenure: Tenure) -> None:
        self.tenure = tenure
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tenure.folder / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.launch()
        self.wait_until_up()

    def launch(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [TENURE, "serve", "--port", str(self.port)],
                env=self.tenure.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"tenure serve exited: {self.log.read_text()}"
            try:
                if httpx.get(self.url + "/accounts/login/", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"tenure serve does not answer: {self.log.read_text()}")

    def stop(self) -> None:
        """Stop as an administrator would (SIGTERM); open event streams must not hold it up."""
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("tenure serve did not stop within 20 s of SIGTERM") from None
        finally:
            self.process = None


@dataclass
class Site:
    url: str
    server: Server
    tenure: Tenure
    telephony_token: str
    agent_token: str


@pytest.fixture(scope="package")
def site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A running Tenure with agents anna (201), ben (202), carla (203), the administrator root,
    the telephony system pbx and the partners above; all set up with the ``tenure`` command."""
    env = {**os.environ, "DATABASE_URL": database_url, "TENURE_PASSWORD": PASSWORD}
    tenure = Tenure(env, tmp_path_factory.mktemp("cti-site"))
    tenure("migrate")
    server = Server(tenure)
    server.launch()  # it boots while the data goes in
    try:
        for name, extension in (("anna", "201"), ("ben", "202"), ("carla", "203")):
            tenure("user", "add", name, "--role", "agent", "--extension", extension)
        tenure("user", "add", "root", "--role", "admin")
        tenure("user", "add", "pbx", "--role", "telephony")
        telephony_token = tenure("token", "create", "pbx").strip()
        agent_token = tenure("token", "create", "anna").strip()
        tenure.import_rows(
            "partners", "number,name,kind,street,postcode,city,country,phone,email", PARTNERS
        )
        tenure.import_rows(
            "customer-values",
            "partner,as_of,segment,customer_value,risk_class,churn_score,bad_debt_score,source",
            CUSTOMER_VALUES,
        )
        server.wait_until_up()
        yield Site(server.url, server, tenure, telephony_token, agent_token)
    finally:  # also when the setup failed: leave no server running
        if server.process is not None:
            server.stop()


# --- the telephony system ------------------------------------------------------------------------


@dataclass
class Telephony:
    """The telephony system: reports call events over HTTP with its token."""

    url: str
    token: str
    calls: dict[str, str] = field(default_factory=dict)  # call id -> extension
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def post(self, body: dict[str, Any], token: str | None = None) -> httpx.Response:
        token = self.token if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # a new connection each time: the server may have been restarted in between
        return httpx.post(f"{self.url}/api/v1/cti/calls", json=body, headers=headers, timeout=10)

    def report(self, call_id: str, event: str, *, caller: str = "", extension: str = "201") -> Any:
        body = {"call_id": call_id, "event": event, "caller": caller, "extension": extension,
                "called": "0341 5550000", "at": "2026-11-25T10:15:00+01:00"}  # fmt: skip
        response = self.post(body)
        assert response.status_code == 200, response.text
        self.calls[call_id] = extension
        return response.json()

    def ring(self, caller: str, extension: str = "201") -> tuple[str, Any]:
        """A new call rings at the extension; returns its id and the API's answer."""
        call_id = f"pbx-{uuid.uuid4().hex[:8]}-{next(self._ids)}"
        return call_id, self.report(call_id, "ringing", caller=caller, extension=extension)

    def hang_up_all(self) -> None:
        """End every call of the test, so the next test's fresh pages have no open call to show."""
        for call_id, extension in self.calls.items():
            self.report(call_id, "ended", extension=extension)


@pytest.fixture
def pbx(site: Site) -> Iterator[Telephony]:
    telephony = Telephony(site.url, site.telephony_token)
    yield telephony
    telephony.hang_up_all()


# --- the agents' desktops ------------------------------------------------------------------------

_chromium_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cti-chromium")


def on_chromium_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return _chromium_thread.submit(function, *args, **kwargs).result()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run tests that drive desktops on the Chromium thread (with their fixtures' values)."""
    if "desktops" not in pyfuncitem.fixturenames:
        return None
    parameters = inspect.signature(pyfuncitem.obj).parameters
    on_chromium_thread(pyfuncitem.obj, **{name: pyfuncitem.funcargs[name] for name in parameters})
    return True


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    def launch() -> tuple[Any, Browser]:
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        return playwright, browser

    playwright, browser = on_chromium_thread(launch)
    yield browser

    def close() -> None:
        browser.close()
        playwright.stop()

    on_chromium_thread(close)


@dataclass
class Desktop:
    """One agent's browser window, logged in through the login form."""

    page: Page
    url: str
    dialogs_fetched: list[str] = field(default_factory=list)  # what the pop asked the server for

    def goto(self, path: str) -> None:
        response = self.page.goto(self.url + path)
        assert response is not None and response.ok, path

    def login(self, username: str) -> None:
        self.goto("/accounts/login/")
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(PASSWORD)
        self.page.locator("#main").get_by_role("button", name="Log in").click()
        self.page.wait_for_url("**/partners/")

    @property
    def status(self) -> Locator:
        return self.page.get_by_test_id("cti-status")

    @property
    def pop(self) -> Locator:
        return self.page.locator("aside#cti")

    @property
    def dialog(self) -> Locator:
        return self.pop.get_by_test_id("cti-dialog")

    def expect_connected(self, timeout: float = 10_000) -> None:
        expect(self.status).to_have_attribute("data-state", "connected", timeout=timeout)
        expect(self.status).to_have_text("Telephony: ready")


@pytest.fixture
def desktops(site: Site, chromium: Browser) -> Iterator[Callable[..., Desktop]]:
    """Open a logged-in desktop for a user (called in the test, on the Chromium thread); for an
    agent with an extension, wait until its event stream is connected."""
    opened: list[tuple[Any, JsErrors]] = []

    def open_(username: str, *, telephony: bool = True) -> Desktop:
        context = chromium.new_context(
            viewport=VIEWPORT, locale="en-US", timezone_id="Europe/Berlin"
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors = JsErrors()
        errors.watch(page)
        opened.append((context, errors))
        desktop = Desktop(page, site.url)

        def note_dialog(request: Request) -> None:
            if "/cti/calls/" in request.url:
                desktop.dialogs_fetched.append(request.url.removeprefix(site.url))

        page.on("request", note_dialog)
        desktop.login(username)
        if telephony:
            desktop.expect_connected()
        return desktop

    yield open_
    on_chromium_thread(lambda: [context.close() for context, _ in opened])
    uncaught = [error for _, errors in opened for error in errors.uncaught]
    assert not uncaught, f"uncaught JavaScript errors: {uncaught}"


# --- reading the event stream over HTTP ----------------------------------------------------------


def login(url: str, username: str) -> httpx.Client:
    """An HTTP client with the session of a user who logged in through the login form."""
    client = httpx.Client(base_url=url, timeout=10)
    form = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post(
        "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
    )
    assert answer.status_code == 302 and answer.headers["location"] == "/partners/", answer.text
    return client
