"""``{% load tenure_numbers %}``: ``{{ value|signed }}`` or ``{{ value|signed:2 }}``, a number with
its sign in the active language's format (see :mod:`tenure.core.formats`)."""

from __future__ import annotations

from django import template

from tenure.core.formats import signed_number

register = template.Library()


@register.filter
def signed(value: float | None, decimals: int = 1) -> str:
    return signed_number(value, int(decimals))
