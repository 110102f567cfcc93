"""The telephony interface and the agents' event stream over real HTTP (no browser): what the
telephony system posts arrives as a Server-Sent Event at the agent at that extension, once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import httpx
import pytest

from tests.cti.conftest import HELGA, KATHARINA, Site, Telephony, login

READ_TIMEOUT = httpx.Timeout(10, read=20)  # the server sends a keepalive every 15 s


class Frames:
    """Reads an open ``text/event-stream`` response frame by frame."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()

    def next(self, within: float = 10) -> dict[str, str]:
        """The next frame with fields (comments such as keepalives are skipped)."""
        deadline = time.monotonic() + within
        fields: dict[str, str] = {}
        for line in self._lines:
            if line.startswith(":"):
                pass
            elif line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
            elif fields:
                return fields
            assert time.monotonic() < deadline, "no event arrived in time"
        raise AssertionError("the stream ended")

    def next_call(self) -> tuple[int, dict[str, Any]]:
        frame = self.next()
        assert frame["event"] == "call", frame
        assert frame["id"].isdigit(), frame
        data = json.loads(frame["data"])
        assert data["id"] == int(frame["id"])
        return int(frame["id"]), data


@contextmanager
def event_stream(client: httpx.Client, last_event_id: int | None = None) -> Iterator[Frames]:
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    with client.stream("GET", "/cti/stream/", headers=headers, timeout=READ_TIMEOUT) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        frames = Frames(response)
        assert frames.next() == {"retry": "1000"}  # sent once this desktop is subscribed
        yield frames


@pytest.fixture
def carla(site: Site) -> Iterator[httpx.Client]:
    """The session of agent carla (extension 203)."""
    with closing(login(site.url, "carla")) as client:
        yield client


def test_a_posted_event_arrives_once_as_a_server_sent_event(carla, pbx: Telephony) -> None:
    with event_stream(carla) as frames:
        call_id, answer = pbx.ring(HELGA.phone, extension="203")
        assert answer == {"call_id": call_id, "event": "ringing", "state": "ringing",
                          "duplicate": False, "caller_e164": "+493415550101",
                          "partner": HELGA.number, "matches": 1, "agent": "carla"}  # fmt: skip
        ringing_id, ringing = frames.next_call()
        assert ringing == {"id": ringing_id, "call": ringing["call"], "call_id": call_id,
                           "event": "ringing", "state": "ringing"}  # fmt: skip

        # the telephony system retries: nothing changes, nothing is pushed
        again = pbx.report(call_id, "ringing", caller=HELGA.phone, extension="203")
        assert again["duplicate"] is True and again["state"] == "ringing"
        answered = pbx.report(call_id, "answered", extension="203")
        assert answered["duplicate"] is False and answered["state"] == "answered"
        answered_id, message = frames.next_call()  # the very next frame: not the repeat
        assert (message["event"], message["state"], message["call"]) == (
            "answered",
            "answered",
            ringing["call"],
        )
        assert answered_id > ringing_id


def test_a_desktop_that_reconnects_gets_what_it_missed_in_order(carla, pbx: Telephony) -> None:
    with event_stream(carla) as frames:
        first_call, _ = pbx.ring(HELGA.phone, extension="203")
        seen, _ = frames.next_call()
    # disconnected: the call goes on, another one rings
    pbx.report(first_call, "answered", extension="203")
    pbx.report(first_call, "ended", extension="203")
    pbx.ring(KATHARINA.phone, extension="203")

    with event_stream(carla, last_event_id=seen) as frames:
        replayed = [frames.next_call() for _ in range(3)]
    ids = [event_id for event_id, _ in replayed]
    assert ids == sorted(ids) and ids[0] > seen
    assert [(data["event"], data["state"]) for _, data in replayed] == [
        ("answered", "ended"),  # the state the call is in now
        ("ended", "ended"),
        ("ringing", "ringing"),
    ]
    assert replayed[0][1]["call"] == replayed[1][1]["call"] != replayed[2][1]["call"]

    # a fresh page (no Last-Event-ID) is shown only the call still open, then what comes next
    with event_stream(carla) as frames:
        assert frames.next_call() == replayed[2]
        pbx.ring(HELGA.phone, extension="203")
        _, data = frames.next_call()
    assert data["event"] == "ringing" and data["call"] > replayed[2][1]["call"]


def test_events_go_only_to_the_agent_at_the_extension(carla, site: Site, pbx: Telephony) -> None:
    with closing(login(site.url, "ben")) as ben, event_stream(ben) as ben_frames:
        with event_stream(carla) as carla_frames:
            pbx.ring(HELGA.phone, extension="203")
            _, for_carla = carla_frames.next_call()
            pbx.ring(KATHARINA.phone, extension="202")
            _, for_ben = ben_frames.next_call()  # ben's first frame is his own call
        assert for_ben["call"] != for_carla["call"]


VALID = {"call_id": "pbx-bad-1", "event": "ringing", "caller": HELGA.phone, "extension": "203"}


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"call_id": None}, "call_id", "Field required"),
        ({"event": "foo"}, "event", "Input should be 'ringing', 'answered' or 'ended'"),
        ({"extension": None}, "extension", "Field required"),
        ({"at": "2026-11-25T10:15:00"}, "at", "give a time zone"),
    ],
    ids=["missing call_id", "unknown event", "missing extension", "time without zone"],
)
def test_bad_events_are_refused_with_field_and_reason(
    pbx: Telephony, change: dict[str, Any], field: str, reason: str
) -> None:
    body = {key: value for key, value in {**VALID, **change}.items() if value is not None}
    response = pbx.post(body)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == [field]
    assert reason in errors[0]["error"]


def test_only_the_telephony_system_may_report_calls(pbx: Telephony, site: Site) -> None:
    for token in ("", "tnr_not-a-token"):
        refused = pbx.post(VALID, token=token)
        assert refused.status_code == 401, refused.text
        assert refused.json()["detail"] == "authentication required"
    agent = pbx.post(VALID, token=site.agent_token)
    assert agent.status_code == 403
    assert agent.json()["detail"] == "your role does not allow this"


def test_the_stream_needs_a_login(site: Site) -> None:
    response = httpx.get(site.url + "/cti/stream/", timeout=10)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/accounts/login/")
