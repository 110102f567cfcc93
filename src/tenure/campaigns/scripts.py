"""Call scripts: Markdown with customer placeholders, rendered for one contact.

markdown-it-py renders with raw HTML disabled, so neither a script nor a customer's data can
inject markup: placeholders are filled in first and everything is escaped by the renderer.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from tenure.customervalue.selectors import partner_current_dataset

PLACEHOLDERS = (
    "name",
    "partner_number",
    "city",
    "segment",
    "customer_value",
    "churn_score",
    "offer",
    "agent",
)
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def script_values(contact: Any, agent_name: str) -> dict[str, str]:
    """The placeholder values for one contact (missing data becomes "–")."""
    partner = contact.partner
    dataset = partner_current_dataset(partner_id=partner.pk)
    return {
        "name": partner.name,
        "partner_number": partner.number,
        "city": partner.city or "–",
        "segment": dataset.segment_label if dataset else "–",
        "customer_value": str(dataset.customer_value)
        if dataset and dataset.customer_value
        else "–",
        "churn_score": str(dataset.churn_score)
        if dataset and dataset.churn_score is not None
        else "–",
        "offer": contact.campaign.action_object or "–",
        "agent": agent_name or "–",
    }


def fill_placeholders(script: str, values: dict[str, str]) -> str:
    """Replace the known ``{placeholder}`` names; anything else in braces stays as written."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), script)


def render_script(script: str, values: dict[str, str]) -> SafeString:
    """The script as safe HTML for the contact page."""
    html = _markdown.render(fill_placeholders(script, values))
    return mark_safe(html)  # markdown-it escaped everything: raw HTML is disabled
