"""The module licence: an inactive "Customer value" module leaves no menu entry, tile, page or API."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from tests.factories import make_dataset, make_partner

from tenure.core.models import CUSTOMER_VALUE, Module

pytestmark = pytest.mark.django_db


def toggle(client, active: bool):
    client.get("/administration/modules/")
    return client.post(
        f"/administration/modules/{CUSTOMER_VALUE}/",
        {"active": "1" if active else "0"},
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )


def test_module_is_active_after_installation() -> None:
    assert Module.objects.get(key=CUSTOMER_VALUE).active


def test_inactive_module_disappears_everywhere(client_as) -> None:
    make_dataset(make_partner("4711"))
    admin, agent = client_as("admin"), client_as("agent")
    page = agent.get("/partners/4711/").content.decode()
    assert "Customer value and churn score" in page and "/recommendations/" in page

    assert toggle(admin, active=False).status_code == 302
    page = agent.get("/partners/4711/").content.decode()
    assert "Customer value and churn score" not in page
    assert 'href="/recommendations/"' not in page
    assert "Erika Mustermann" in page  # the partner page itself stays
    assert agent.get("/recommendations/").status_code == 404
    assert agent.get("/customer-value/partners/4711/history/").status_code == 404

    toggle(admin, active=True)
    assert "Customer value and churn score" in agent.get("/partners/4711/").content.decode()


def test_licence_changes_are_audited_with_the_actor(client_as) -> None:
    toggle(client_as("admin"), active=False)
    entry = LogEntry.objects.get_for_object(Module.objects.get(key=CUSTOMER_VALUE)).get()
    assert entry.actor.username == "admin"
    assert entry.changes_dict["active"] == ["True", "False"]


def test_audit_page_lists_changes(client_as) -> None:
    admin = client_as("admin")
    toggle(admin, active=False)
    page = admin.get("/administration/audit/").content.decode()
    assert "admin" in page and "active" in page


def test_responses_carry_the_server_time(client_as) -> None:
    response = client_as("agent").get("/partners/")
    name, _, duration = response["Server-Timing"].partition(";dur=")
    assert name == "app" and float(duration) > 0
