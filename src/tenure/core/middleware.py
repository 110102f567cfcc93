"""Login required on every page; the API authenticates itself (bearer token or session)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Django's login-required middleware, leaving ``/api/`` to django-ninja's auth (401, no redirect)."""

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> Any:
        if request.path.startswith("/api/v1/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
