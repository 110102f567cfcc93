"""API shapes for payments, complaints and product holdings: a partner's recent ones and batch
deliveries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema

from tenure.customervalue.schemas import Loose, RejectedOut


class PaymentOut(Schema):
    reference: str
    due_date: dt.date
    paid_date: dt.date | None
    amount: Decimal
    days_late: int


class ComplaintOut(Schema):
    reference: str
    opened: dt.date
    closed: dt.date | None
    severity: str
    subject: str
    is_open: bool


class PaymentIn(Schema):
    """One delivered payment; values are checked row by row so one bad row rejects only itself."""

    partner: Loose = None
    reference: Loose = None
    due_date: Loose = None
    paid_date: Loose = None
    amount: Loose = None


class ComplaintIn(Schema):
    """One delivered complaint; values are checked row by row so one bad row rejects only itself."""

    partner: Loose = None
    reference: Loose = None
    opened: Loose = None
    closed: Loose = None
    severity: Loose = None
    subject: Loose = None


class HoldingIn(Schema):
    """One delivered product holding (contract); checked row by row like payments."""

    partner: Loose = None
    reference: Loose = None
    product: Loose = None
    started: Loose = None
    ended: Loose = None


class HoldingOut(Schema):
    reference: str
    product: str
    product_name: str
    category: str
    started: dt.date
    ended: dt.date | None
    is_held: bool


class CustomerDataDeliveryOut(Schema):
    """What a delivery did: new rows, changed rows updated, unchanged rows, rejected rows."""

    accepted: int
    updated: int
    duplicates: int
    rejected: list[RejectedOut]
