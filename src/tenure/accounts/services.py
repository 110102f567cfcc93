"""Users, roles and tokens: the jobs behind ``tenure user add`` and ``tenure token create``."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import time
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission, User
from django.contrib.auth.password_validation import validate_password
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
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
    """The active user behind a bearer token, or None.

    The token and its user are read from the database on every request, so revoking a token or
    deactivating its user takes effect at once. The user's permissions (its groups' and its own)
    are kept per server process for up to ``PERMISSIONS_TTL`` seconds and put into the caches
    of Django's ``ModelBackend``, so that ``has_perm`` needs no query: a telephony system
    reports up to hundreds of call events a second with one token, and the three ORM queries
    this replaces took about 2 ms of each (docs/benchmarks.md, section 3).
    """
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [now - TOKEN_TOUCH, token_digest(token)])
        row = cursor.fetchone()
    if row is None:
        return None
    *user_values, token_id, stale = row
    user = _user_from_row(user_values)
    if not user.is_superuser:  # a superuser has every permission: Django answers that itself
        group, own = _permissions_of(user)
        # the caches that ModelBackend.get_*_permissions() fill on first use
        user._group_perm_cache = set(group)  # type: ignore[attr-defined]
        user._user_perm_cache = set(own)  # type: ignore[attr-defined]
        user._perm_cache = group | own  # type: ignore[attr-defined]
    if stale:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


TOKEN_TOUCH = dt.timedelta(seconds=60)
"""``last_used_at`` is written at most once a minute per token, not on every request."""

PERMISSIONS_TTL = 30.0
"""Seconds a server process reuses a token user's permissions. Changes made in the same process
(roles, groups, permissions) apply at once; made elsewhere (``tenure user add`` on the command
line, another server worker), they apply to API tokens within this time."""

_permissions: dict[int, tuple[float, frozenset[str], frozenset[str]]] = {}
_generation = [0]  # counts changes, so a load that raced with one is not kept


def _permissions_of(user: User) -> tuple[frozenset[str], frozenset[str]]:
    """The user's permissions through its groups and its own, from this process's cache."""
    cached = _permissions.get(user.pk)
    if cached is not None and time.monotonic() - cached[0] < PERMISSIONS_TTL:
        return cached[1], cached[2]
    generation = _generation[0]
    backend = ModelBackend()
    group = frozenset(backend.get_group_permissions(user))
    own = frozenset(backend.get_user_permissions(user))
    if generation == _generation[0]:
        _permissions[user.pk] = (time.monotonic(), group, own)
    return group, own


def _forget_permissions(**kwargs: Any) -> None:
    _generation[0] += 1
    _permissions.clear()


_RELATIONS: list[type[Model]] = [
    User.groups.through,
    User.user_permissions.through,
    Group.permissions.through,
]
for _relation in _RELATIONS:
    m2m_changed.connect(_forget_permissions, sender=_relation, dispatch_uid=f"tokens {_relation}")
for _model in (User, Group, Permission):
    post_save.connect(_forget_permissions, sender=_model, dispatch_uid=f"tokens save {_model}")
    post_delete.connect(_forget_permissions, sender=_model, dispatch_uid=f"tokens del {_model}")


_USER_FIELDS = User._meta.concrete_fields


@functools.cache
def _token_sql() -> str:
    """The user's columns, the token's id and whether it was last used before %s."""
    columns = ", ".join(f"u.{connection.ops.quote_name(f.column)}" for f in _USER_FIELDS)
    return f"""
        SELECT {columns}, t.id,
               CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END
        FROM {ApiToken._meta.db_table} t
        JOIN {User._meta.db_table} u ON u.id = t.user_id
        WHERE t.digest = %s AND NOT t.revoked AND u.is_active
    """


def _user_from_row(values: list[Any]) -> User:
    """A user from its columns as the database returned them, converted as the ORM does (on
    SQLite, times come as text and booleans as integers)."""
    converted = []
    for field, value in zip(_USER_FIELDS, values, strict=True):
        column = field.get_col(User._meta.db_table)
        for converter in connection.ops.get_db_converters(column) + column.get_db_converters(
            connection
        ):
            value = converter(value, column, connection)
        converted.append(value)
    return User.from_db(connection.alias, [f.attname for f in _USER_FIELDS], converted)
