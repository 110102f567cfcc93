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
