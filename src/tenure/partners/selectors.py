"""Finding business partners: search by number, name, city, e-mail or phone number."""

from __future__ import annotations

import contextlib
from collections.abc import Collection

from django.db import connection
from django.db.models import Q, QuerySet

from tenure.partners.models import BusinessPartner
from tenure.partners.phones import to_e164


def partner_search(*, query: str) -> QuerySet[BusinessPartner]:
    """Partners whose number, name, city or e-mail contains the query, or with that phone number."""
    text = query.strip()
    partners = BusinessPartner.objects.order_by("name", "number")
    if not text:
        return partners
    condition = (
        Q(number__iexact=text)
        | Q(number__istartswith=text)
        | Q(name__icontains=text)
        | Q(city__istartswith=text)
        | Q(email__istartswith=text)
    )
    if sum(char.isdigit() for char in text) >= 5:
        with contextlib.suppress(ValueError):
            condition |= Q(phone_numbers__e164=to_e164(text, strict=False))
    return partners.filter(condition).distinct()


def partner_by_number(*, number: str) -> BusinessPartner | None:
    return BusinessPartner.objects.filter(number=number).prefetch_related("phone_numbers").first()


def partners_with_phone(*, e164: str, limit: int = 20) -> list[BusinessPartner]:
    """Partners who have this E.164 number (indexed lookup), by name; at most ``limit``."""
    return list(
        BusinessPartner.objects.filter(phone_numbers__e164=e164)
        .order_by("name", "number")
        .distinct()[:limit]
    )


def partner_ids_by_number(numbers: Collection[str]) -> dict[str, int]:
    """Partner ids for many partner numbers at once (imports look up 10,000 per chunk).

    On PostgreSQL one array parameter (``= ANY(%s)``) instead of the ORM's 10,000 placeholders:
    the same index scan, a quarter of the time (docs/benchmarks.md).
    """
    if connection.vendor == "postgresql":
        table = BusinessPartner._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT number, id FROM {table} WHERE number = ANY(%s)", [list(numbers)]
            )
            return dict(cursor.fetchall())
    return dict(BusinessPartner.objects.filter(number__in=numbers).values_list("number", "id"))
