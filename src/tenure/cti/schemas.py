"""API shapes of the telephony interface."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema


class CallEventIn(Schema):
    """One event of an inbound call, as the telephony system reports it."""

    call_id: str = Field(..., min_length=1, max_length=100, description="The telephony's call id")
    event: Literal["ringing", "answered", "ended"]
    caller: str = Field(
        "", max_length=40, description="Caller number in any common form; empty = withheld"
    )
    called: str = Field("", max_length=40, description="The number that was dialled")
    extension: str = Field(..., min_length=1, max_length=20, description="The agent's extension")
    at: dt.datetime | None = Field(None, description="When it happened (ISO 8601); default: now")


class CallEventOut(Schema):
    call_id: str
    event: str
    state: str
    duplicate: bool = Field(description="This event was reported before; nothing changed")
    caller_e164: str
    partner: str | None = Field(description="The partner number when exactly one matches")
    matches: int = Field(description="How many business partners have the caller's number")
    agent: str | None = Field(description="The agent at the extension, if any")
