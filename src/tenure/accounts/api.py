"""API authentication (bearer token for systems, session + CSRF for the browser) and role checks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from tenure.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    """``Authorization: Bearer tnr_…`` as printed by ``tenure token create``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = getattr(request, "token_user", None) or token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api_auth = [BearerToken(), SessionAuth(csrf=True)]


def require_permission(request: HttpRequest, *permissions: str) -> None:
    """403 unless the authenticated user holds every permission."""
    if not request.user.has_perms(permissions):
        raise HttpError(403, "your role does not allow this")
