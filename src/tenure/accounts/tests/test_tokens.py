"""Bearer tokens: one query per request finds token and user, permissions come from a short-lived
cache per process that changes made in the process clear at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenure.accounts import services
from tenure.accounts.models import ApiToken
from tenure.accounts.roles import GROUP_NAMES, ROLES
from tenure.accounts.services import token_authenticate, token_create

pytestmark = pytest.mark.django_db


def _token_for(make_user, role: str) -> str:
    return token_create(username=make_user(role, username=f"{role}-system").username)


@pytest.mark.parametrize("role", ROLES)
def test_permissions_are_those_django_computes(make_user, role: str) -> None:
    user = token_authenticate(_token_for(make_user, role))
    assert user is not None
    fresh = User.objects.get(pk=user.pk)  # Django's own computation, from the database
    assert user.get_all_permissions() == fresh.get_all_permissions()
    assert user.get_group_permissions() == fresh.get_group_permissions()
    assert user.get_user_permissions() == fresh.get_user_permissions()
    assert (user.username, user.is_active, user.date_joined) == (
        fresh.username,
        fresh.is_active,
        fresh.date_joined,
    )


def test_one_query_per_request_once_warm(make_user) -> None:
    token = _token_for(make_user, "telephony")
    token_authenticate(token)  # first use: marks the token used, loads the permissions
    with CaptureQueriesContext(connection) as queries:
        user = token_authenticate(token)
        assert user is not None and user.has_perm("cti.add_call")
        assert not user.has_perm("partners.view_businesspartner")
    assert len(queries) == 1


def test_last_use_is_recorded(make_user) -> None:
    token_authenticate(_token_for(make_user, "telephony"))
    assert ApiToken.objects.get().last_used_at is not None


def test_revoked_token_and_inactive_user_are_refused_at_once(make_user) -> None:
    token = _token_for(make_user, "telephony")
    assert token_authenticate(token) is not None
    User.objects.update(is_active=False)  # no signals: the token is still checked every time
    assert token_authenticate(token) is None
    User.objects.update(is_active=True)
    ApiToken.objects.update(revoked=True)
    assert token_authenticate(token) is None
    assert token_authenticate("tnr_not-a-token") is None


def test_role_changes_in_this_process_apply_at_once(make_user) -> None:
    token = _token_for(make_user, "agent")
    user = token_authenticate(token)
    assert user is not None and not user.has_perm("cti.add_call")
    make_user("telephony", username="agent-system")  # the same user, now a telephony system
    user = token_authenticate(token)
    assert user is not None and user.has_perm("cti.add_call")
    Group.objects.get(name=GROUP_NAMES["telephony"]).permissions.clear()
    user = token_authenticate(token)
    assert user is not None and not user.has_perm("cti.add_call")


def test_changes_made_elsewhere_apply_after_the_cache_time(make_user, monkeypatch) -> None:
    token = _token_for(make_user, "telephony")
    assert token_authenticate(token).has_perm("cti.add_call")  # type: ignore[union-attr]
    # another process changes the group (here: SQL, which sends no signals to this process)
    group = Group.objects.get(name=GROUP_NAMES["telephony"])
    through = Group.permissions.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {through} WHERE group_id = %s", [group.pk])
    assert token_authenticate(token).has_perm("cti.add_call")  # type: ignore[union-attr]
    monkeypatch.setattr(services, "PERMISSIONS_TTL", 0.0)
    assert not token_authenticate(token).has_perm("cti.add_call")  # type: ignore[union-attr]


def test_a_superusers_token_has_every_permission(make_user) -> None:
    token = _token_for(make_user, "agent")
    User.objects.update(is_superuser=True)
    user = token_authenticate(token)
    assert user is not None and user.has_perm("cti.add_call")
    assert user.get_all_permissions() == {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }


def test_the_api_answers_401_and_403_as_before(make_user) -> None:
    agent = Client(headers={"Authorization": f"Bearer {_token_for(make_user, 'agent')}"})
    body = {"call_id": "c1", "event": "ringing", "extension": "201"}
    assert agent.post("/api/v1/cti/calls", body, content_type="application/json").status_code == 403
    ApiToken.objects.update(revoked=True)
    assert agent.post("/api/v1/cti/calls", body, content_type="application/json").status_code == 401
