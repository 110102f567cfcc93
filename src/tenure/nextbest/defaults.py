"""The catalogue installed with the module (migration 0002): three tracks, eight actions.

Mapped to the delivered recommendations of SPEC §1.2 (C01..C07) and the campaign types
(retention, loyalty, caring). Figures are illustrative; administrators change them.
"""

from __future__ import annotations

from typing import Any


def rule(name: str, field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"name": name, "field": field, "op": op, "value": value}


PHONE = rule("phone consent", "consent_phone", "is true")
LETTER = rule("still a customer", "is_customer", "is true")
TRACKS: list[dict[str, Any]] = [
    {
        "key": "collections",
        "label": "Collections",
        "order": 1,
        "prioritisation": "profit",
        "exclusive": True,
        "rules": [rule("payments overdue", "payments_overdue", ">", 0)],
    },
    {
        "key": "retention",
        "label": "Retention",
        "order": 2,
        "prioritisation": "return",
        "exclusive": False,
        "rules": [rule("churn risk class 3-4", "risk_class", "in", ["3", "4"])],
    },
    {
        "key": "growth",
        "label": "Growth",
        "order": 3,
        "prioritisation": "profit",
        "exclusive": False,
        "rules": [rule("low churn risk", "risk_class", "in", ["1", "2"])],
    },
]
ACTIONS: list[dict[str, Any]] = [
    {
        "key": "payment-plan",
        "label": "Offer a payment plan for the overdue invoices",
        "track_id": "collections",
        "kind": "mandatory",
        "channel": "phone",
        "probability": 0.5,
        "value_field": "overdue_amount",
        "value": 0.0,
        "cost": 4.0,
    },
    {
        "key": "complaint-care-call",
        "label": "Caring call about the open complaint",
        "track_id": "retention",
        "kind": "discretionary",
        "channel": "phone",
        "probability": 0.3,
        "learned": True,
        "value_field": "clv_at_risk",
        "value": 100.0,
        "cost": 5.0,
        "eligibility": [PHONE],
        "applicability": [rule("open complaint", "open_complaints", ">=", 1)],
    },
    {
        "key": "retention-loyalty-discount",
        "label": "Retention call with a loyalty discount (5 years)",
        "track_id": "retention",
        "kind": "discretionary",
        "channel": "phone",
        "probability": 0.25,
        "learned": True,
        "value_field": "clv_at_risk",
        "value": 300.0,
        "cost": 50.0,
        "eligibility": [PHONE],
        "applicability": [rule("not in a retention campaign", "in_retention_campaign", "is false")],
        "suitability": [rule("segment C or D", "segment", "in", ["C", "D"])],
    },
    {
        "key": "premium-service-free",
        "label": "Premium service without additional fees in the first year",
        "track_id": "retention",
        "kind": "discretionary",
        "channel": "phone",
        "probability": 0.2,
        "learned": True,
        "value_field": "clv_at_risk",
        "value": 250.0,
        "cost": 50.0,
        "eligibility": [PHONE],
        "suitability": [rule("segment B or C", "segment", "in", ["B", "C"])],
    },
    {
        "key": "loyalty-campaign",
        "label": "Add to the customer loyalty campaign before the termination period",
        "track_id": "retention",
        "kind": "discretionary",
        "channel": "letter",
        "probability": 0.1,
        "learned": True,
        "value_field": "clv_at_risk",
        "value": 150.0,
        "cost": 2.0,
        "eligibility": [LETTER],
        "applicability": [rule("not in a loyalty campaign", "in_loyalty_campaign", "is false")],
        "suitability": [rule("segment A or B", "segment", "in", ["A", "B"])],
    },
    {
        "key": "cross-sell",
        "label": "Make a cross-selling quote",
        "track_id": "growth",
        "kind": "discretionary",
        "channel": "phone",
        "probability": 0.08,
        "learned": True,
        "value": 200.0,
        "cost": 5.0,
        "eligibility": [PHONE],
        "suitability": [rule("segment A or B", "segment", "in", ["A", "B"])],
    },
    {
        "key": "tariff-optimisation",
        "label": "Offer a tariff optimisation (the customer asked)",
        "track_id": "growth",
        "kind": "discretionary",
        "channel": "phone",
        "probability": 0.3,
        "learned": True,
        "value": 60.0,
        "cost": 3.0,
        "applicability": [rule("caller asks", "intent", "in", ["billing", "upgrade"])],
        "suitability": [rule("segment A", "segment", "==", "A")],
    },
    {
        "key": "personal-cover-letter",
        "label": "Personal cover letter for customer loyalty during the contract",
        "track_id": "growth",
        "kind": "discretionary",
        "channel": "letter",
        "probability": 0.05,
        "learned": True,
        "value": 80.0,
        "cost": 1.5,
        "eligibility": [LETTER],
        "suitability": [rule("customer value ≥ 8", "customer_value", ">=", 8)],
    },
]
PRESSURE: list[dict[str, Any]] = [
    {"name": "at most 1 offer per 7 days", "type": "limit", "max_offers": 1, "days": 7},
    {
        "name": "no offer for 30 days after a refusal",
        "type": "refusal",
        "days": 30,
        "scope": "any",
    },
]
WEIGHTS: list[dict[str, Any]] = [
    {
        "rule": rule("caller wants to cancel", "intent", "==", "cancellation"),
        "weight": 5.0,
        "track_id": "retention",
    },
    {
        "rule": rule("caller wants more", "intent", "==", "upgrade"),
        "weight": 3.0,
        "track_id": "growth",
    },
]
