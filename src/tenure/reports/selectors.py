"""Reading saved searches: the ones a user may see (shared ones and their own)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from tenure.reports.models import SavedSearch


def saved_searches_visible(*, user: User | AnonymousUser) -> QuerySet[SavedSearch]:
    """Shared searches and the user's own, by name."""
    return (
        SavedSearch.objects.filter(Q(shared=True) | Q(owner_id=user.pk))
        .select_related("owner")
        .order_by("name")
    )


def saved_search_visible(*, user: User | AnonymousUser, pk: int) -> SavedSearch | None:
    return saved_searches_visible(user=user).filter(pk=pk).first()
