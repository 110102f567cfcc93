"""Call scripts: Markdown with customer placeholders, rendered for one contact.

markdown-it-py renders with raw HTML disabled, so neither a script nor a customer's data can
inject markup: placeholders are filled in first and everything is escaped by the renderer.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext
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
_BRACED = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
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


def unknown_placeholders(script: str) -> list[str]:
    """The ``{names}`` in a script that are not placeholders (a typo would reach the customer)."""
    return sorted(
        {
            match.group(0)
            for match in _BRACED.finditer(script)
            if match.group(0)[1:-1] not in PLACEHOLDERS
        }
    )


def check_placeholders(script: str) -> None:
    """Refuse a script with unknown placeholders, naming them and the ones there are."""
    unknown = unknown_placeholders(script)
    if unknown:
        raise ValidationError(
            ngettext(
                "Unknown placeholder %(names)s: an agent would read it out as written. "
                "Use one of %(known)s.",
                "Unknown placeholders %(names)s: an agent would read them out as written. "
                "Use one of %(known)s.",
                len(unknown),
            )
            % {
                "names": ", ".join(unknown),
                "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            },
            code="unknown_placeholder",
        )


def render_script(script: str, values: dict[str, str]) -> SafeString:
    """The script as safe HTML for the contact page."""
    html = _markdown.render(fill_placeholders(script, values))
    return mark_safe(html)  # markdown-it escaped everything: raw HTML is disabled
