"""A demonstration catalogue of 20 actions, a random customer base and its contact history.

For tests (the batch mode must equal the call-time mode on a random base), the benchmark (1M
customers × 20 actions) and demonstrations. Four tracks in order: *service* (mandatory notices
and follow-ups), *collections* (exclusive: an overdue customer gets no retention or growth
offers), *retention* (customers with churn score ≥ 40, ranked by return) and *growth* (churn
score < 60, ranked by profit). A caller's stated intent weighs tracks: "cancellation" × 5 on
retention (which then comes first), "upgrade" × 3 on growth, "billing" × 2 on the payment plan.
Contact pressure: one offer per 7 days, two phone offers per 30 days, 30 days without an action
after it was refused. The figures are illustrative, not calibrated on any business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tenure.analytics.nba.catalogue import (
    Action,
    Arbitration,
    Catalogue,
    ContextWeight,
    Mode,
    Track,
)
from tenure.analytics.nba.pressure import RESPONSES, ContactLimit, RefusalSuppression
from tenure.analytics.nba.rules import Predicate, Rule

SEGMENTS = ("A", "B", "C", "D")
INTENTS = ("cancellation", "billing", "upgrade", "move")
CHANNELS = ("phone", "email", "sms", "letter")


def _settled(context: Mapping[str, Any]) -> bool:
    tenure, products = context.get("tenure_months"), context.get("products")
    return tenure is not None and products is not None and tenure >= 3 and products <= 3


def _settled_columns(frame: pd.DataFrame) -> np.ndarray:
    return ((frame["tenure_months"] >= 3) & (frame["products"] <= 3)).to_numpy()


def example_catalogue(arbitration_mode: Mode = "track") -> Catalogue:
    """The 20 actions, four tracks, three pressure policies and three intent weights."""
    phone = Rule("phone consent", "consent_phone", "is true")
    email = Rule("email consent", "consent_email", "is true")
    sms = Rule("SMS consent", "consent_sms", "is true")
    valuable = Rule("value ≥ 5", "customer_value", ">=", 5)
    settled = Predicate(
        "settled customer",
        _settled,
        _settled_columns,
        "tenure_months ≥ 3 and products ≤ 3",
        ("tenure_months", "products"),
    )
    tracks = (
        Track("service", 0, "profit"),
        Track(
            "collections",
            1,
            "profit",
            (Rule("overdue", "overdue_amount", ">", 0),),
            exclusive=True,
        ),
        Track("retention", 2, "return", (Rule("churn risk", "churn_score", ">=", 40),)),
        Track("growth", 3, "profit", (Rule("not at risk", "churn_score", "<", 60),)),
    )
    A = Action
    actions = (
        A("SVC_PRICE_NOTICE", "service", "mandatory", "letter", 1.0, value=0.0, cost=0.8,
          applicability=(Rule("price increase due", "price_increase_due", "is true"),)),
        A("SVC_COMPLAINT_FOLLOWUP", "service", "mandatory", "phone", 0.7, value=20.0, cost=3.0,
          applicability=(Rule("open complaint", "open_complaints", ">=", 1),)),
        A("SVC_UPDATE_EMAIL", "service", "discretionary", "phone", 0.5, value=2.0, cost=0.5,
          eligibility=(phone,), applicability=(Rule("email bounced", "email_bounced", "is true"),)),
        A("COL_REMINDER", "collections", "mandatory", "letter", 0.6, value_field="overdue_amount",
          cost=0.05, applicability=(Rule("7 days overdue", "days_overdue", ">=", 7),)),
        A("COL_PAYMENT_PLAN", "collections", "discretionary", "phone", 0.3,
          value_field="overdue_amount", cost=4.0, eligibility=(phone,),
          suitability=(Rule("bad debt < 0.8", "bad_debt_score", "<", 0.8),)),
        A("COL_CALL", "collections", "discretionary", "phone", 0.4, value_field="overdue_amount",
          cost=6.0, eligibility=(phone,),
          applicability=(Rule("30 days overdue", "days_overdue", ">=", 30),)),
        A("RET_DISCOUNT_10", "retention", "discretionary", "phone", 0.2, "p_retention",
          value_field="clv_at_risk", cost=15.0, eligibility=(phone,),
          applicability=(Rule("not in a retention campaign", "in_retention_campaign", "is false"),),
          suitability=(valuable,)),
        A("RET_DISCOUNT_20", "retention", "discretionary", "phone", 0.3, "p_retention",
          value_field="clv_at_risk", cost=30.0, eligibility=(phone,),
          suitability=(Rule("value ≥ 7", "customer_value", ">=", 7),
                       Rule("segment A or B", "segment", "in", ("A", "B")))),
        A("RET_LOYALTY_POINTS", "retention", "discretionary", "email", 0.1,
          value_field="clv_at_risk", cost=2.0, eligibility=(email,)),
        A("RET_CONTRACT_EXTENSION", "retention", "discretionary", "phone", 0.15, value_field="clv",
          cost=10.0, eligibility=(phone,),
          applicability=(Rule("12 months a customer", "tenure_months", ">=", 12),)),
        A("RET_CARE_CALL", "retention", "discretionary", "phone", 0.05, value_field="clv_at_risk",
          cost=5.0, eligibility=(phone,),
          applicability=(Rule("open complaint", "open_complaints", ">=", 1),)),
        A("RET_FREE_UPGRADE", "retention", "discretionary", "sms", 0.12, value_field="clv_at_risk",
          cost=8.0, eligibility=(sms,),
          suitability=(Rule("high risk", "risk_class", "in", (3, 4)),)),
        A("GRO_BROADBAND", "growth", "discretionary", "phone", 0.05, "p_broadband", 300.0,
          cost=10.0, eligibility=(phone,),
          applicability=(Rule("no broadband", "has_broadband", "is false"),)),
        A("GRO_TV", "growth", "discretionary", "email", 0.03, value=200.0, cost=1.0,
          eligibility=(email,), applicability=(Rule("no TV", "has_tv", "is false"),)),
        A("GRO_MOBILE", "growth", "discretionary", "sms", 0.04, value=250.0, cost=0.5,
          eligibility=(sms,), applicability=(Rule("no mobile", "has_mobile", "is false"),)),
        A("GRO_PREMIUM", "growth", "discretionary", "phone", 0.02, "p_premium", 500.0, cost=12.0,
          eligibility=(phone,),
          suitability=(Rule("value ≥ 6", "customer_value", ">=", 6),
                       Rule("bad debt ≤ 0.3", "bad_debt_score", "<=", 0.3))),
        A("GRO_INSURANCE", "growth", "discretionary", "email", 0.02, value=150.0, cost=1.0,
          eligibility=(email,), suitability=(Rule("bad debt ≤ 0.5", "bad_debt_score", "<=", 0.5),)),
        A("GRO_REFERRAL", "growth", "discretionary", "email", 0.05, value=80.0, cost=0.2,
          eligibility=(email,), suitability=(Rule("value ≥ 3", "customer_value", ">=", 3), settled)),
        A("GRO_SEASONAL", "growth", "discretionary", "email", 0.03, value=60.0, cost=0.1,
          valid_from=dt.date(2024, 11, 1), valid_until=dt.date(2024, 12, 31),
          eligibility=(email,)),
        A("GRO_APP", "growth", "discretionary", "sms", 0.1, value=20.0, cost=0.05,
          eligibility=(sms,), applicability=(Rule("no app", "uses_app", "is false"),)),
    )  # fmt: skip
    return Catalogue(
        actions=actions,
        tracks=tracks,
        pressure=(
            ContactLimit("one offer a week", 1, 7),
            ContactLimit("two phone offers a month", 2, 30, "phone"),
            RefusalSuppression("30 days after a refusal", 30, "action"),
        ),
        weights=(
            ContextWeight(
                Rule("caller wants to cancel", "intent", "==", "cancellation"),
                5.0,
                track="retention",
            ),
            ContextWeight(
                Rule("caller wants more", "intent", "==", "upgrade"), 3.0, track="growth"
            ),
            ContextWeight(
                Rule("billing question", "intent", "==", "billing"), 2.0, action="COL_PAYMENT_PLAN"
            ),
        ),
        arbitration=Arbitration(mode=arbitration_mode),
    )


def example_customers(customers: int = 1_000, *, random_state: int = 0) -> pd.DataFrame:
    """A random base with the context fields :func:`example_catalogue` reads (some missing)."""
    n = int(customers)
    rng = np.random.default_rng(random_state)
    churn = rng.integers(0, 101, n).astype(float)
    churn[rng.random(n) < 0.05] = np.nan
    value = rng.integers(1, 11, n).astype(float)
    value[rng.random(n) < 0.10] = np.nan
    bad_debt = np.round(rng.beta(1.5, 6, n), 3)
    bad_debt[rng.random(n) < 0.20] = np.nan
    overdue = np.where(rng.random(n) < 0.08, np.round(rng.gamma(2, 60, n), 2), 0.0)
    clv = np.round(rng.gamma(2.0, 400.0, n), 2)
    p_retention = np.round(rng.beta(2, 8, n), 4)
    p_retention[rng.random(n) < 0.30] = np.nan
    intent = rng.choice(np.array(INTENTS, dtype=object), n)
    intent[rng.random(n) >= 0.25] = None
    return pd.DataFrame(
        {
            "customer": np.arange(1, n + 1),
            "segment": rng.choice(SEGMENTS, n, p=[0.1, 0.2, 0.3, 0.4]),
            "customer_value": value,
            "churn_score": churn,
            "risk_class": np.clip((np.nan_to_num(churn, nan=50) // 25).astype(int) + 1, 1, 4),
            "bad_debt_score": bad_debt,
            "overdue_amount": overdue,
            "days_overdue": np.where(overdue > 0, rng.integers(1, 90, n), 0),
            "open_complaints": rng.poisson(0.3, n),
            "tenure_months": rng.integers(0, 120, n),
            "products": rng.integers(1, 6, n),
            "consent_phone": rng.random(n) < 0.7,
            "consent_email": rng.random(n) < 0.8,
            "consent_sms": rng.random(n) < 0.6,
            "in_retention_campaign": rng.random(n) < 0.05,
            "price_increase_due": rng.random(n) < 0.03,
            "email_bounced": rng.random(n) < 0.04,
            "has_broadband": rng.random(n) < 0.5,
            "has_tv": rng.random(n) < 0.3,
            "has_mobile": rng.random(n) < 0.6,
            "uses_app": rng.random(n) < 0.4,
            "intent": intent,
            "clv": clv,
            "clv_at_risk": np.round(clv * churn / 100, 2),
            "p_retention": p_retention,
            "p_broadband": np.round(rng.beta(1, 15, n), 4),
            "p_premium": np.round(rng.beta(1, 30, n), 4),
        }
    )


def example_history(
    customers: pd.DataFrame,
    *,
    now: dt.datetime,
    contacts_per_customer: float = 1.5,
    days: int = 60,
    random_state: int = 0,
) -> pd.DataFrame:
    """Past contacts of the base within ``days`` before ``now`` (columns customer, at, action,
    channel, response), with actions and channels from :func:`example_catalogue`."""
    rng = np.random.default_rng(random_state)
    catalogue = example_catalogue()
    count = rng.poisson(contacts_per_customer, len(customers))
    ids = np.repeat(customers["customer"].to_numpy(), count)
    m = len(ids)
    chosen = rng.integers(0, len(catalogue.actions), m)
    actions = np.array([a.key for a in catalogue.actions], dtype=object)[chosen]
    channels = np.array([a.channel for a in catalogue.actions], dtype=object)[chosen]
    seconds = rng.integers(1, days * 86_400, m)
    at = pd.Timestamp(now) - pd.to_timedelta(seconds, unit="s")
    response = rng.choice(np.array([*RESPONSES, None], dtype=object), m, p=[0.1, 0.3, 0.4, 0.2])
    return pd.DataFrame(
        {"customer": ids, "at": at, "action": actions, "channel": channels, "response": response}
    )
