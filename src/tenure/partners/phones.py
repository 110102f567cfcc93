"""Phone numbers in, E.164 out, through Google's libphonenumber port (``phonenumbers``)."""

from __future__ import annotations

import phonenumbers
from django.conf import settings


def to_e164(raw: str, *, region: str | None = None, strict: bool = True) -> str:
    """Normalise a number written in any common form; raise ValueError with the reason if invalid.

    ``strict`` (imports) requires a number valid in its country's numbering plan; lookups of a
    caller or a search term only need a possible one, so that nothing findable is refused.
    """
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region or settings.TENURE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {raw!r} ({exc._msg})") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"not a possible phone number: {raw!r}")
    if strict and not phonenumbers.is_valid_number(parsed):
        region_code = phonenumbers.region_code_for_number(parsed) or "its country"
        raise ValueError(f"not a valid phone number in {region_code}: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """The number in international format for people to read (+49 341 1234567)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
