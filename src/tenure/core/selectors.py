"""Reads about licensed modules."""

from __future__ import annotations

from tenure.core.models import Module


def module_is_active(key: str) -> bool:
    """True when the module exists and is switched on; an unknown module is inactive."""
    return Module.objects.filter(key=key, active=True).exists()


def active_module_keys() -> set[str]:
    return set(Module.objects.filter(active=True).values_list("key", flat=True))
