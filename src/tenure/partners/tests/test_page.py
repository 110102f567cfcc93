"""The partner page per role, the notes and tasks forms (htmx and plain), and "My tasks"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories import make_dataset, make_partner

from tenure.customervalue.models import CustomerValueDataset
from tenure.partners.models import Note, Task

pytestmark = pytest.mark.django_db
PAGE = "/partners/4711/"


@pytest.fixture(autouse=True)
def partner():
    partner = make_partner("4711")
    dataset = make_dataset(partner, churn_score=71)
    CustomerValueDataset.objects.filter(pk=dataset.pk).update(
        reasons=["Two late payments this year", "Contract ends in 6 weeks"]
    )
    return partner


def post(client: Client, path: str, data: dict[str, str], htmx: bool = True, target: str = ""):
    client.get("/accounts/login/")
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value}
    if target:
        headers["HX-Target"] = target
    if htmx:
        headers["HX-Request"] = "true"
    return client.post(path, data, headers=headers)


def test_the_agents_page_has_every_card_but_not_the_analysis(client_as) -> None:
    page = client_as("agent").get(PAGE).content.decode()
    for testid in ("indicator-strip", "customer-value-tile", "partner-contact", "consents",
                   "recent-interactions", "notes", "note-form", "tasks", "task-form",
                   "partner-holdings"):  # fmt: skip
        assert f'data-testid="{testid}"' in page, testid
    assert 'data-testid="model-reasons"' not in page
    assert 'data-testid="campaign-history"' not in page
    assert "No contact consent: do not make marketing offers." in page  # an alert in words
    assert 'href="/partners/tasks/mine/"' in page  # My tasks in the navigation


@pytest.mark.parametrize("role", ["analyst", "marketing", "admin"])
def test_analysts_and_marketing_see_model_reasons_and_campaign_history(client_as, role) -> None:
    page = client_as(role).get(PAGE).content.decode()
    assert 'data-testid="model-reasons"' in page and "Contract ends in 6 weeks" in page
    assert 'data-testid="campaign-history"' in page
    if role != "admin":
        assert 'data-testid="note-form"' not in page and 'data-testid="task-form"' not in page


def test_adding_a_note_with_htmx_swaps_the_card_and_keeps_text_on_errors(client_as) -> None:
    agent = client_as("agent")
    refused = post(agent, PAGE + "notes/", {"text": "  ", "pinned": "1"})
    assert refused.status_code == 422
    assert 'id="note-text-error"' in refused.content.decode()
    assert "checked" in refused.content.decode()  # the pin is kept
    added = post(agent, PAGE + "notes/", {"text": "Prefers e-mail"})
    assert added.status_code == 200 and "Prefers e-mail" in added.content.decode()
    assert added["HX-Trigger"] == "partner-notes-changed"  # the timeline reloads itself
    assert Note.objects.get().author.username == "agent"
    plain = post(agent, PAGE + "notes/", {"text": "Second"}, htmx=False)
    assert plain.status_code == 302 and plain["Location"] == PAGE
    assert post(client_as("analyst"), PAGE + "notes/", {"text": "x"}).status_code == 403
    assert Client().post(PAGE + "notes/", {"text": "x"}).status_code in (302, 403)  # no login


def test_a_refused_task_keeps_what_was_typed(client_as) -> None:
    agent = client_as("agent")
    refused = post(
        agent,
        PAGE + "tasks/",
        {"title": "", "description": "About the bill", "due_on": "2026-12-24"},
    )
    body = refused.content.decode()
    assert refused.status_code == 422 and 'id="task-title-error"' in body
    assert "About the bill" in body and 'value="2026-12-24"' in body
    plain = post(agent, PAGE + "tasks/", {"title": ""}, htmx=False)  # without JavaScript: the page
    assert (
        plain.status_code == 422 and 'data-testid="customer-value-tile"' in plain.content.decode()
    )
    assert Task.objects.count() == 0


def test_my_tasks_due_first_overdue_in_words_and_complete(client_as, partner) -> None:
    from django.contrib.auth.models import User

    agent = client_as("agent")
    me = str(User.objects.get(username="agent").pk)
    today = timezone.localdate()
    for title, due in (
        ("Later", today + dt.timedelta(days=5)),
        ("Overdue", today - dt.timedelta(days=2)),
    ):
        assert post(agent, PAGE + "tasks/", {"title": title, "assignee": me,
                                             "due_on": due.isoformat()}).status_code == 200  # fmt: skip
    page = agent.get("/partners/tasks/mine/").content.decode()
    assert page.index("Overdue") < page.index("Later")
    assert "overdue since" in page and "2 open tasks" in page
    assert "1 task is overdue." in agent.get(PAGE).content.decode()
    task = Task.objects.get(title="Overdue")
    done = post(
        agent,
        f"/partners/tasks/{task.pk}/done/",
        {"next": "/partners/tasks/mine/"},
        target="my-tasks",
    )
    assert done.status_code == 200 and "1 open task" in done.content.decode()
    task.refresh_from_db()
    assert task.status == "done"
    other = Task.objects.get(title="Later")
    assert post(client_as("marketing"), f"/partners/tasks/{other.pk}/done/", {}).status_code == 403
    plain = post(
        agent, f"/partners/tasks/{other.pk}/done/", {"next": "https://evil.example/"}, htmx=False
    )
    assert plain.status_code == 302 and plain["Location"] == "/partners/tasks/mine/"


def test_the_interactions_filter_answers_with_its_card(client_as, partner) -> None:
    Note.objects.create(partner=partner, text="A note for the timeline")
    agent = client_as("agent")
    card = agent.get(
        PAGE, {"kind": "note"}, headers={"HX-Request": "true", "HX-Target": "interactions"}
    )
    body = card.content.decode()
    assert body.startswith("<section") and "A note for the timeline" in body
    empty = agent.get(
        PAGE, {"kind": "call"}, headers={"HX-Request": "true", "HX-Target": "interactions"}
    )
    assert "No interactions yet." in empty.content.decode()
    assert "A note for the timeline" in agent.get(PAGE, {"kind": "bogus"}).content.decode()


def test_the_products_card_lists_held_products_first(client_as, partner) -> None:
    from tenure.customerdata.models import Product, ProductHolding

    fibre = Product.objects.create(key="fibre-500", name="Fibre 500 internet", category="internet")
    bill = Product.objects.create(key="e-bill", name="E-billing", category="service")
    now = timezone.now()
    ProductHolding.objects.create(partner=partner, reference="C-1", product=fibre,
                                  started=dt.date(2023, 1, 1), ended=dt.date(2024, 1, 1),
                                  imported_at=now)  # fmt: skip
    ProductHolding.objects.create(partner=partner, reference="C-2", product=bill,
                                  started=dt.date(2022, 5, 1), imported_at=now)  # fmt: skip
    page = client_as("agent").get(PAGE).content.decode()
    card = page[page.index('data-testid="partner-holdings"') :]
    assert card.index("E-billing") < card.index("Fibre 500 internet")
    assert "held" in card and "ended" in card
