"""The customer context fields the next-best-action rules may read, with what each means.

One list for the rule validation, the admin's help text and docs/nextbest.md: a rule naming
any other field is refused when saved (except a learned rate, ``response_rate:ACTION``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CONTEXT_FIELDS: dict[str, str] = {
    "segment": "customer segment of the current customer value dataset (A..D)",
    "customer_value": "customer value 1..10 of the current dataset",
    "risk_class": "churn risk class key of the current dataset ('1'..'4')",
    "churn_score": "churn score 0..100 of the current dataset",
    "bad_debt_score": "bad debt score of the current dataset",
    "clv": "customer lifetime value of the current dataset",
    "clv_at_risk": "clv × churn_score / 100 (what a retention offer can save)",
    "probability_alive": "probability that the customer is still active",
    "traffic_light": "retention traffic light: red, yellow, green (empty: not set)",
    "nps": "last NPS recorded, 0..10",
    "open_complaints": "complaints open today",
    "open_major_complaints": "major complaints open today",
    "payments_overdue": "invoices unpaid after their due date",
    "overdue_amount": "sum of the overdue invoices",
    "days_overdue": "days since the oldest overdue invoice was due",
    "in_retention_campaign": "a treated contact of a running retention campaign",
    "in_loyalty_campaign": "a treated contact of a running loyalty campaign",
    "in_caring_campaign": "a treated contact of a running caring campaign",
    "days_since_campaign_contact": "days since the last worked campaign contact",
    "consent_phone": "consent to marketing contact by phone (true/false, missing: not asked)",
    "consent_email": "consent to marketing contact by e-mail",
    "consent_letter": "consent to marketing contact by letter",
    "consent_sms": "consent to marketing contact by SMS",
    "tenure_months": "whole months since customer_since",
    "is_customer": "true unless the partner has left",
    "intent": "the caller's stated intent (cancellation, billing, upgrade, move, complaint)",
    "channel": "the channel of the contact asking (phone, email, letter, sms)",
}
LEARNED_RATE_PREFIX = "response_rate:"
HOLDS_PRODUCT_PREFIX = "holds_product:"
"""``holds_product:<product key>``: the customer holds the product today (true/false)."""
PRODUCT_PROPENSITY_PREFIX = "product_propensity:"
"""``product_propensity:<product key>``: the recommender's calibrated probability of a take-up."""
PREFIXES = (LEARNED_RATE_PREFIX, HOLDS_PRODUCT_PREFIX, PRODUCT_PROPENSITY_PREFIX)
INTENT_LABELS = {
    "cancellation": _("Wants to cancel"),
    "billing": _("Billing question"),
    "upgrade": _("Wants more / upgrade"),
    "move": _("Moving house"),
    "complaint": _("Complaint"),
}
"""The caller's stated intents the agent can pick on the card (a rule reads the key)."""
INTENTS = tuple(INTENT_LABELS)
CHANNEL_LABELS = {
    "phone": _("Phone"),
    "email": _("E-mail"),
    "letter": _("Letter"),
    "sms": _("SMS"),
}


def is_known_field(name: str) -> bool:
    """Whether a rule may read ``name``."""
    return name in CONTEXT_FIELDS or name.startswith(PREFIXES)


def help_text() -> str:
    """The field list as the admin form shows it."""
    return "Fields: " + "; ".join(f"{name} – {what}" for name, what in CONTEXT_FIELDS.items())
