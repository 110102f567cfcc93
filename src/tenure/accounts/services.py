"""Users, roles and tokens: the jobs behind ``tenure user add`` and ``tenure token create``."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from tenure.accounts.models import AgentProfile, ApiToken
from tenure.accounts.roles import ADMIN, GROUP_NAMES, ROLES

TOKEN_PREFIX = "tnr_"


@transaction.atomic
def user_add(
    *, username: str, role: str, password: str, extension: str = "", validate: bool = True
) -> User:
    """Create a user in one role, or update password and role if the user exists."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    user = User.objects.filter(username=username).first() or User(username=username)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.is_staff = role == ADMIN
    user.save()
    user.groups.set([Group.objects.get(name=GROUP_NAMES[role])])
    AgentProfile.objects.update_or_create(user=user, defaults={"extension": extension})
    return user


def user_role(user: User) -> str | None:
    names = set(user.groups.values_list("name", flat=True))
    return next((role for role in reversed(ROLES) if GROUP_NAMES[role] in names), None)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, username: str, label: str = "") -> str:
    """Create an API token for an existing user and return it; it is shown only this once."""
    user = User.objects.get(username=username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, label=label, prefix=token[:12], digest=token_digest(token))
    return token


def token_authenticate(token: str) -> User | None:
    """The active user behind a bearer token, or None."""
    api_token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked=False, user__is_active=True)
        .first()
    )
    if api_token is None:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token.user
