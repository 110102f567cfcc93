"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest

from tenure.core.selectors import active_module_keys


def modules(request: HttpRequest) -> dict[str, object]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"active_modules": set()}
    return {"active_modules": active_module_keys()}
