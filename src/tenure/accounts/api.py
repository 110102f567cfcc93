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


class BrowserSession(SessionAuth):
    """The logged-in browser's session, with Django's CSRF check.

    Without a logged-in session this method does not apply (401 from the API), rather than
    answering 403 for a CSRF token that a system sending a wrong bearer token never had.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


api_auth = [BearerToken(), BrowserSession(csrf=True)]


def require_permission(request: HttpRequest, *permissions: str) -> None:
    """403 unless the authenticated user holds every permission."""
    if not request.user.has_perms(permissions):
        raise HttpError(403, "your role does not allow this")
