"""API shapes for business partners."""

from __future__ import annotations

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


class PartnerPage(Schema):
    count: int
    results: list[PartnerOut]
