"""Template filters for recommendations for action."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

CONDITION_LABELS = {
    "validity": _("Validity"),
    "segment": _("Customer segment"),
    "risk_class": _("Churn risk class"),
    "churn_score": _("Churn score"),
    "customer_value": _("Customer value"),
    "bad_debt_score": _("Bad debt score"),
}


@register.filter
def condition_label(condition: str) -> str:
    """The translated name of a rule condition (the matcher reports its key)."""
    return str(CONDITION_LABELS.get(condition, condition))
