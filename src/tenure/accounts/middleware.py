"""Bearer tokens resolved before the audit trail starts, so API changes name their actor."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tenure.accounts.services import token_authenticate


class ApiTokenMiddleware:
    """Set ``request.user`` from ``Authorization: Bearer tnr_…``; django-ninja still checks it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            user = token_authenticate(token.strip())
            if user is not None:
                request.user = user
                request.token_user = user  # type: ignore[attr-defined]
        return self.get_response(request)
