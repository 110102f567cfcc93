"""The customer context the next-best-action rules read: one partner (a call) or the whole base.

One set-based query per source, by partner id: the partner joined with its current customer
value row and indicators, overdue payments, open complaints, running campaigns, the last campaign
contact, consents. The whole base
is merged into a table with pandas (:func:`context_frame`); a call runs the same queries for one
partner and derives the fields in plain Python (:func:`partner_context`, a few milliseconds
instead of pandas' per-call overhead). A test checks both give the same fields and values.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from tenure.campaigns.models import Contact
from tenure.campaigns.selectors import running
from tenure.customerdata.models import Complaint, Payment
from tenure.nextbest.fields import CONTEXT_FIELDS
from tenure.partners.models import BusinessPartner, Channel, ChannelConsent

CAMPAIGN_TYPES = ("retention", "loyalty", "caring")
VALUE_COLUMNS = ["segment", "customer_value", "risk_class", "churn_score", "bad_debt_score",
                 "clv", "probability_alive"]  # fmt: skip
VALUE_FIELDS = ["segment_id", "customer_value", "risk_class_id", "churn_score", "bad_debt_score",
                "clv", "probability_alive"]  # fmt: skip
COUNTS = ("payments_overdue", "overdue_amount", "open_complaints", "open_major_complaints")
NUMBERS = ("customer_value", "churn_score", "bad_debt_score", "clv", "probability_alive", "nps")


def _only(query: QuerySet[Any], ids: Sequence[int] | None, field: str = "partner_id") -> Any:
    return query if ids is None else query.filter(**{f"{field}__in": list(ids)})


def _sources(ids: Sequence[int] | None, day: dt.date) -> dict[str, tuple[Any, list[str]]]:
    """Each source's query (rows keyed by partner id first) and its column names."""
    open_now = Q(opened__lte=day) & (Q(closed__isnull=True) | Q(closed__gt=day))
    return {
        "base": (
            _only(BusinessPartner.objects.all(), ids, "id").values_list(
                "id",
                "number",
                "customer_since",
                "left_on",
                *(f"current_value__{name}" for name in VALUE_FIELDS),
                "indicator__traffic_light",
                "indicator__nps",
            ),
            [
                "customer",
                "number",
                "customer_since",
                "left_on",
                *VALUE_COLUMNS,
                "traffic_light",
                "nps",
            ],
        ),
        "overdue": (
            _only(Payment.objects.filter(paid_date__isnull=True, due_date__lt=day), ids)
            .values("partner_id")
            .annotate(n=Count("id"), amount=Sum("amount"), oldest=Min("due_date"))
            .values_list("partner_id", "n", "amount", "oldest"),
            ["customer", "payments_overdue", "overdue_amount", "oldest_due"],
        ),
        "complaints": (
            _only(Complaint.objects.filter(open_now), ids)
            .values("partner_id")
            .annotate(n=Count("id"), major=Count("id", filter=Q(severity="major")))
            .values_list("partner_id", "n", "major"),
            ["customer", "open_complaints", "open_major_complaints"],
        ),
        "worked": (
            _only(Contact.objects.filter(worked_at__isnull=False), ids)
            .values("partner_id")
            .annotate(last=Max("worked_at"))
            .values_list("partner_id", "last"),
            ["customer", "last_worked"],
        ),
        "campaigns": (
            _only(Contact.objects.filter(running(day), group="treated"), ids)
            .values_list("partner_id", "campaign__type")
            .distinct(),
            ["customer", "type"],
        ),
        "consents": (
            _only(ChannelConsent.objects.all(), ids).values_list(
                "partner_id", "channel", "granted"
            ),
            ["customer", "channel", "granted"],
        ),
    }


def context_frame(
    partner_ids: Sequence[int] | None = None,
    *,
    day: dt.date,
    intent: str | None = None,
    channel: str | None = None,
) -> pd.DataFrame:
    """One row per partner (all partners when ``partner_ids`` is None): ``customer`` (the
    partner id), ``number`` and every context field."""
    parts = {
        name: pd.DataFrame.from_records(list(query), columns=columns)
        for name, (query, columns) in _sources(partner_ids, day).items()
    }
    frame = parts["base"]
    for name in ("overdue", "complaints", "worked"):
        frame = frame.merge(parts[name], on="customer", how="left")
    today = pd.Timestamp(day)
    for name in COUNTS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").fillna(0).astype(float)
    oldest = pd.to_datetime(frame.pop("oldest_due"))
    frame["days_overdue"] = (today - oldest).dt.days.fillna(0).astype(float)
    for name in NUMBERS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    frame["clv_at_risk"] = (frame["clv"] * frame["churn_score"] / 100).round(2)
    frame["traffic_light"] = frame["traffic_light"].replace("", None)
    since = pd.to_datetime(frame.pop("customer_since"))
    months = (today.year - since.dt.year) * 12 + (today.month - since.dt.month)
    frame["tenure_months"] = (months - (since.dt.day > today.day)).astype(float)
    left = pd.to_datetime(frame.pop("left_on"))
    frame["is_customer"] = (left.isna() | (left > today)).to_numpy(dtype=bool)
    last = pd.to_datetime(frame.pop("last_worked"), utc=True)
    since_contact = pd.Timestamp(day, tz="UTC") - last
    frame["days_since_campaign_contact"] = since_contact.dt.days.astype(float)
    campaigns, consents = parts["campaigns"], parts["consents"]
    for kind in CAMPAIGN_TYPES:
        members = set(campaigns.loc[campaigns["type"] == kind, "customer"])
        frame[f"in_{kind}_campaign"] = frame["customer"].isin(members).to_numpy(dtype=bool)
    for code in Channel.values:
        own = consents[consents["channel"] == code].set_index("customer")["granted"]
        frame[f"consent_{code}"] = frame["customer"].map(own).astype(object)
    frame["intent"] = intent or None
    frame["channel"] = channel or None
    return frame[["customer", "number", *CONTEXT_FIELDS]]


def partner_context(
    partner_id: int,
    *,
    day: dt.date,
    intent: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """The context of one partner (empty dict if there is no such partner); missing numbers are
    NaN and missing values None, as in :func:`context_frame`."""
    rows = {
        name: [dict(zip(columns, row, strict=True)) for row in query]
        for name, (query, columns) in _sources([partner_id], day).items()
    }
    if not rows["base"]:
        return {}
    found: dict[str, Any] = dict(rows["base"][0])
    for name in ("overdue", "complaints", "worked"):
        found.update(rows[name][0] if rows[name] else {})
    context: dict[str, Any] = {"customer": partner_id, "number": found["number"]}
    context["segment"], context["risk_class"] = found.get("segment"), found.get("risk_class")
    context["traffic_light"] = found.get("traffic_light") or None
    for name in NUMBERS:
        value = found.get(name)
        context[name] = math.nan if value is None else float(value)
    for name in COUNTS:
        context[name] = float(found.get(name) or 0)
    oldest = found.get("oldest_due")
    context["days_overdue"] = float((day - oldest).days) if oldest else 0.0
    clv, churn = context["clv"], context["churn_score"]
    context["clv_at_risk"] = round(clv * churn / 100, 2)
    since = found.get("customer_since")
    months = (day.year - since.year) * 12 + (day.month - since.month) if since else math.nan
    context["tenure_months"] = float(months - (since.day > day.day)) if since else math.nan
    left = found.get("left_on")
    context["is_customer"] = left is None or left > day
    last = found.get("last_worked")
    context["days_since_campaign_contact"] = (
        float((dt.datetime.combine(day, dt.time(), dt.UTC) - last).days) if last else math.nan
    )
    types = {row["type"] for row in rows["campaigns"]}
    for kind in CAMPAIGN_TYPES:
        context[f"in_{kind}_campaign"] = kind in types
    granted = {row["channel"]: row["granted"] for row in rows["consents"]}
    for code in Channel.values:
        context[f"consent_{code}"] = granted.get(code)
    context["intent"] = intent or None
    context["channel"] = channel or None
    return {name: context[name] for name in ("customer", "number", *CONTEXT_FIELDS)}
