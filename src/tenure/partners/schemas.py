"""API shapes for business partners."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class PartnerOut(Schema):
    number: str
    name: str
    kind: str
    street: str
    postcode: str
    city: str
    country: str
    email: str
    phones: list[str]
    customer_since: dt.date | None = None
    left_on: dt.date | None = None


class PartnerPage(Schema):
    count: int
    results: list[PartnerOut]


class ConsentOut(Schema):
    channel: str
    granted: bool
    recorded_at: dt.datetime
    source: str


class ConsentIn(Schema):
    granted: bool
    source: str = ""


class ConsentDeliveryIn(Schema):
    partner: str
    channel: str
    granted: str | bool
    recorded_at: str | None = None
    source: str | None = None


class ConsentRejectedOut(Schema):
    index: int
    field: str
    error: str


class ConsentDeliveryOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: list[ConsentRejectedOut]


class NoteIn(Schema):
    text: str
    pinned: bool = False


class NoteOut(Schema):
    id: int
    partner: str
    author: str | None
    text: str
    pinned: bool
    created_at: dt.datetime


class TaskIn(Schema):
    title: str
    description: str = ""
    assignee: str | None = None
    """User name (or id) of the person to do it; empty: nobody yet."""
    due_on: dt.date | None = None


class TaskPatch(Schema):
    title: str | None = None
    description: str | None = None
    assignee: str | None = None
    due_on: dt.date | None = None
    status: str | None = None
    """``done`` completes the task, ``open`` reopens it."""


class TaskOut(Schema):
    id: int
    partner: str
    title: str
    description: str
    assignee: str | None
    due_on: dt.date | None
    status: str
    created_by: str | None
    created_at: dt.datetime
    done_at: dt.datetime | None
