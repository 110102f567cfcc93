"""Writes about licensed modules."""

from __future__ import annotations

from django.db import transaction

from tenure.core.models import Module


@transaction.atomic
def module_set_active(*, key: str, active: bool) -> Module:
    """Switch a module on or off; auditlog records who changed it, when, old → new."""
    module = Module.objects.select_for_update().get(key=key)
    if module.active != active:
        module.active = active
        module.save(update_fields=["active"])
    return module
