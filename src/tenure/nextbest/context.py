"""The customer context the next-best-action rules read: one partner (a call) or the whole base.

One set-based query per source (current customer value row, indicators, overdue payments, open
complaints, running campaigns, last campaign contact, consents) merged by partner id into a table
with the columns of :data:`tenure.nextbest.fields.CONTEXT_FIELDS`; the call-time path runs the
same queries restricted to one partner, so both paths read the same fields the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from tenure.campaigns.models import Contact
from tenure.campaigns.selectors import running
from tenure.customerdata.models import Complaint, Payment
from tenure.customervalue.models import CurrentCustomerValue
from tenure.nextbest.fields import CONTEXT_FIELDS
from tenure.partners.models import BusinessPartner, Channel, ChannelConsent
from tenure.retention.models import PartnerIndicator


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


def _only(query: QuerySet[Any], ids: Sequence[int] | None, field: str = "partner_id") -> Any:
    return query if ids is None else query.filter(**{f"{field}__in": list(ids)})


def context_frame(
    partner_ids: Sequence[int] | None = None,
    *,
    day: dt.date,
    intent: str | None = None,
    channel: str | None = None,
) -> pd.DataFrame:
    """One row per partner (all partners when ``partner_ids`` is None): ``customer`` (the
    partner id), ``number`` and every context field."""
    base = _frame(
        _only(BusinessPartner.objects.all(), partner_ids, "id").values_list(
            "id", "number", "customer_since", "left_on"
        ),
        ["customer", "number", "customer_since", "left_on"],
    )
    value_columns = ["segment", "customer_value", "risk_class", "churn_score", "bad_debt_score"]
    value_columns += ["clv", "probability_alive"]
    values = _frame(
        _only(CurrentCustomerValue.objects.all(), partner_ids).values_list(
            "partner_id",
            "segment_id",
            "customer_value",
            "risk_class_id",
            "churn_score",
            "bad_debt_score",
            "clv",
            "probability_alive",
        ),
        ["customer", *value_columns],
    )
    indicators = _frame(
        _only(PartnerIndicator.objects.all(), partner_ids).values_list(
            "partner_id", "traffic_light", "nps"
        ),
        ["customer", "traffic_light", "nps"],
    )
    overdue = _frame(
        _only(Payment.objects.filter(paid_date__isnull=True, due_date__lt=day), partner_ids)
        .values("partner_id")
        .annotate(n=Count("id"), amount=Sum("amount"), oldest=Min("due_date"))
        .values_list("partner_id", "n", "amount", "oldest"),
        ["customer", "payments_overdue", "overdue_amount", "oldest_due"],
    )
    open_now = Q(opened__lte=day) & (Q(closed__isnull=True) | Q(closed__gt=day))
    complaints = _frame(
        _only(Complaint.objects.filter(open_now), partner_ids)
        .values("partner_id")
        .annotate(n=Count("id"), major=Count("id", filter=Q(severity="major")))
        .values_list("partner_id", "n", "major"),
        ["customer", "open_complaints", "open_major_complaints"],
    )
    campaigns = _frame(
        _only(Contact.objects.filter(running(day), group="treated"), partner_ids)
        .values_list("partner_id", "campaign__type")
        .distinct(),
        ["customer", "type"],
    )
    worked = _frame(
        _only(Contact.objects.filter(worked_at__isnull=False), partner_ids)
        .values("partner_id")
        .annotate(last=Max("worked_at"))
        .values_list("partner_id", "last"),
        ["customer", "last_worked"],
    )
    consents = _frame(
        _only(ChannelConsent.objects.all(), partner_ids).values_list(
            "partner_id", "channel", "granted"
        ),
        ["customer", "channel", "granted"],
    )
    frame = base
    for part in (values, indicators, overdue, complaints, worked):
        frame = frame.merge(part, on="customer", how="left")
    return _derive(frame, campaigns, consents, day=day, intent=intent, channel=channel)


def _derive(
    frame: pd.DataFrame,
    campaigns: pd.DataFrame,
    consents: pd.DataFrame,
    *,
    day: dt.date,
    intent: str | None,
    channel: str | None,
) -> pd.DataFrame:
    today = pd.Timestamp(day)
    for name in ("payments_overdue", "overdue_amount", "open_complaints", "open_major_complaints"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").fillna(0).astype(float)
    oldest = pd.to_datetime(frame.pop("oldest_due"))
    frame["days_overdue"] = (today - oldest).dt.days.fillna(0).astype(float)
    for name in ("customer_value", "churn_score", "bad_debt_score", "clv", "probability_alive"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    frame["nps"] = pd.to_numeric(frame["nps"], errors="coerce").astype(float)
    frame["clv_at_risk"] = (frame["clv"] * frame["churn_score"] / 100).round(2)
    frame["traffic_light"] = frame["traffic_light"].replace("", None)
    since = pd.to_datetime(frame.pop("customer_since"))
    months = (today.year - since.dt.year) * 12 + (today.month - since.dt.month)
    months -= (since.dt.day > today.day).astype(float)
    frame["tenure_months"] = months.astype(float)
    left = pd.to_datetime(frame.pop("left_on"))
    frame["is_customer"] = (left.isna() | (left > today)).to_numpy(dtype=bool)
    last = pd.to_datetime(frame.pop("last_worked"), utc=True)
    frame["days_since_campaign_contact"] = (pd.Timestamp(day, tz="UTC") - last).dt.days.astype(
        float
    )
    for kind in ("retention", "loyalty", "caring"):
        members = set(campaigns.loc[campaigns["type"] == kind, "customer"])
        frame[f"in_{kind}_campaign"] = frame["customer"].isin(members).to_numpy(dtype=bool)
    for code in Channel.values:
        own = consents[consents["channel"] == code].set_index("customer")["granted"]
        frame[f"consent_{code}"] = frame["customer"].map(own).astype(object)
        frame[f"consent_{code}"] = frame[f"consent_{code}"].where(frame[f"consent_{code}"].notna())
    frame["intent"] = intent or None
    frame["channel"] = channel or None
    frame = frame.replace({np.nan: None}) if frame.empty else frame
    return frame[["customer", "number", *CONTEXT_FIELDS]]


def partner_context(
    partner_id: int,
    *,
    day: dt.date,
    intent: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """The context of one partner (empty dict if there is no such partner)."""
    frame = context_frame([partner_id], day=day, intent=intent, channel=channel)
    if frame.empty:
        return {}
    return frame.iloc[0].to_dict()
