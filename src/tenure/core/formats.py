"""Numbers for people: formatted in the active language (2.2 in English, 2,2 in German)."""

from __future__ import annotations

from django.utils.formats import number_format


def signed_number(value: float | None, decimals: int = 1) -> str:
    """``value`` with its sign (``+2.2``, ``-0.4``, ``+0.0``) and the language's decimal mark;
    ``–`` when there is none."""
    if value is None:
        return "–"
    rounded = round(float(value), decimals)
    sign = "-" if rounded < 0 else "+"
    return sign + number_format(abs(rounded), decimal_pos=decimals)


def plain_number(value: float | None, decimals: int = 1) -> str:
    """``value`` rounded, with the language's decimal mark; ``–`` when there is none."""
    if value is None:
        return "–"
    return number_format(round(float(value), decimals), decimal_pos=decimals)
