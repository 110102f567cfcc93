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
