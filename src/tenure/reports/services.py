"""Saving, changing and deleting saved searches (the criteria are validated before they are kept)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from tenure.reports.models import SavedSearch
from tenure.reports.search import CriteriaError, parse_criteria


class SavedSearchInvalid(ValueError):
    """A saved search that cannot be kept: ``field`` (name, criteria.…) and ``reason``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _checked(*, name: str, criteria: Any, exclude: int | None = None) -> dict[str, Any]:
    name = (name or "").strip()
    if not name:
        raise SavedSearchInvalid("name", "a name is required")
    if len(name) > 200:
        raise SavedSearchInvalid("name", "at most 200 characters")
    clash = SavedSearch.objects.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise SavedSearchInvalid("name", f"a saved search named {name!r} exists already")
    try:
        return {"name": name, "criteria": parse_criteria(criteria).as_json()}
    except CriteriaError as exc:
        raise SavedSearchInvalid(f"criteria.{exc.path}", str(exc)) from None


@transaction.atomic
def saved_search_create(
    *, name: str, criteria: Any, owner: User | None, description: str = "", shared: bool = True
) -> SavedSearch:
    values = _checked(name=name, criteria=criteria)
    return SavedSearch.objects.create(
        **values, description=description.strip(), owner=owner, shared=shared
    )


@transaction.atomic
def saved_search_update(
    *,
    search: SavedSearch,
    name: str | None = None,
    criteria: Any = None,
    description: str | None = None,
    shared: bool | None = None,
) -> SavedSearch:
    """Change what is given; the rest stays. auditlog records the change."""
    values = _checked(
        name=search.name if name is None else name,
        criteria=search.criteria if criteria is None else criteria,
        exclude=search.pk,
    )
    search.name, search.criteria = values["name"], values["criteria"]
    if description is not None:
        search.description = description.strip()
    if shared is not None:
        search.shared = shared
    search.save()
    return search


@transaction.atomic
def saved_search_delete(*, search: SavedSearch) -> None:
    search.delete()
