"""Notes and tasks: services, who may change a task, the REST API with its 4xx answers, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from tests.factories import make_partner

from tenure.partners.models import Note, Task
from tenure.partners.notes import (
    NoteTaskInvalid,
    TaskForbidden,
    note_create,
    partner_open_tasks,
    task_complete,
    task_create,
    task_update,
    user_tasks,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    return make_partner("4711")


def test_a_note_needs_text_and_keeps_its_author(partner, make_user) -> None:
    agent = make_user("agent")
    with pytest.raises(NoteTaskInvalid) as refused:
        note_create(partner=partner, author=agent, text="   ")
    assert refused.value.errors == {"text": "required"}
    note = note_create(partner=partner, author=agent, text=" Asked about the tariff ", pinned=True)
    assert (note.text, note.author, note.pinned) == ("Asked about the tariff", agent, True)
    assert LogEntry.objects.get_for_object(note).count() == 1  # audited


def test_task_validation_names_each_field(partner, make_user) -> None:
    agent = make_user("agent")
    values = {"title": "", "assignee": "nobody", "due_on": "31.12.2026", "description": "x" * 4001}
    with pytest.raises(NoteTaskInvalid) as refused:
        task_create(partner=partner, created_by=agent, values=values)
    assert set(refused.value.errors) == {"title", "assignee", "due_on", "description"}
    assert Task.objects.count() == 0


def test_tasks_open_then_done_with_the_time(partner, make_user) -> None:
    agent, other = make_user("agent"), make_user("agent", username="agent2")
    values = {"title": "Call back about the bill", "assignee": "agent", "due_on": "2026-12-03"}
    task = task_create(partner=partner, created_by=other, values=values)
    assert (task.status, task.assignee, task.due_on, task.done_at) == (
        "open", agent, dt.date(2026, 12, 3), None,
    )  # fmt: skip
    task_complete(task=task, user=agent)
    task.refresh_from_db()
    assert task.status == "done" and task.done_at is not None
    task_update(task=task, user=other, values={"status": "open"})  # the creator reopens it
    task.refresh_from_db()
    assert task.status == "open" and task.done_at is None
    with pytest.raises(NoteTaskInvalid):
        task_update(task=task, user=agent, values={"status": "finished"})


def test_only_assignee_creator_or_admin_change_a_task(partner, make_user) -> None:
    creator, assignee = make_user("agent"), make_user("agent", username="agent2")
    stranger, admin = make_user("agent", username="agent3"), make_user("admin")
    task = task_create(
        partner=partner, created_by=creator, values={"title": "T", "assignee": assignee.pk}
    )
    for user in (stranger, make_user("analyst"), make_user("marketing"), AnonymousUser()):
        with pytest.raises(TaskForbidden):
            task_complete(task=task, user=user)
    task_update(task=task, user=admin, values={"title": "Renamed"})
    task_complete(task=task, user=assignee)


def test_open_tasks_earliest_due_first_without_due_date_last(partner, make_user) -> None:
    agent = make_user("agent")
    for title, due in (("none", ""), ("later", "2026-12-20"), ("sooner", "2026-12-02")):
        task_create(
            partner=partner,
            created_by=agent,
            values={"title": title, "assignee": agent.pk, "due_on": due},
        )
    done = task_create(
        partner=partner, created_by=agent, values={"title": "done", "assignee": agent.pk}
    )
    task_complete(task=done, user=agent)
    assert [t.title for t in partner_open_tasks(partner_id=partner.pk)] == [
        "sooner",
        "later",
        "none",
    ]
    assert [t.title for t in user_tasks(user=agent)] == ["sooner", "later", "none"]
    assert [t.title for t in user_tasks(user=agent, include_done=True)][-1] == "done"


# --- REST API ---------------------------------------------------------------------------------


def test_api_notes_read_and_write(partner, api_as) -> None:
    agent = api_as("agent")
    created = agent.post(
        "/api/v1/partners/4711/notes",
        {"text": "Wants paper bills"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["author"] == "agent-system"
    refused = agent.post(
        "/api/v1/partners/4711/notes", {"text": " "}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "text", "error": "required"}]
    missing = agent.post("/api/v1/partners/4711/notes", {}, content_type="application/json")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "text"
    assert (
        agent.post(
            "/api/v1/partners/0000/notes", {"text": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    analyst = api_as("analyst")
    assert [n["text"] for n in analyst.get("/api/v1/partners/4711/notes").json()] == [
        "Wants paper bills"
    ]
    assert (
        analyst.post(
            "/api/v1/partners/4711/notes", {"text": "x"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_api_tasks_create_list_and_complete(partner, api_as, make_user) -> None:
    agent = api_as("agent")
    body = {"title": "Send the offer", "assignee": "agent-system", "due_on": "2026-12-24"}
    created = agent.post("/api/v1/partners/4711/tasks", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    task = created.json()
    assert (task["status"], task["assignee"], task["due_on"]) == (
        "open",
        "agent-system",
        "2026-12-24",
    )
    bad = agent.post(
        "/api/v1/partners/4711/tasks",
        {"title": "x", "due_on": "soon"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "due_on"
    unknown = agent.post(
        "/api/v1/partners/4711/tasks",
        {"title": "x", "assignee": "ghost"},
        content_type="application/json",
    )
    assert unknown.json()["errors"] == [{"field": "assignee", "error": "no active user ghost"}]
    assert [t["title"] for t in api_as("marketing").get("/api/v1/partners/4711/tasks").json()] == [
        "Send the offer"
    ]
    assert agent.get("/api/v1/partners/4711/tasks?status=maybe").status_code == 422

    url = f"/api/v1/tasks/{task['id']}"
    other = api_as("admin")  # may complete any task
    stranger = make_user("agent", username="agent-stranger")
    from django.test import Client

    from tenure.accounts.services import token_create

    stranger_client = Client(
        headers={"Authorization": f"Bearer {token_create(username=stranger.username)}"}
    )
    assert (
        stranger_client.patch(url, {"status": "done"}, content_type="application/json").status_code
        == 403
    )
    assert (
        api_as("analyst")
        .patch(url, {"status": "done"}, content_type="application/json")
        .status_code
        == 403
    )
    assert agent.patch(url, {"status": "later"}, content_type="application/json").status_code == 422
    done = agent.patch(url, {"status": "done"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert (
        other.patch(url, {"status": "open"}, content_type="application/json").json()["status"]
        == "open"
    )
    assert (
        agent.patch(
            "/api/v1/tasks/999999", {"status": "done"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Note.objects.count() == 0


def test_openapi_documents_notes_and_tasks(client_as) -> None:
    paths = client_as("agent").get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/v1/partners/{number}/notes"]) == {"get", "post"}
    assert set(paths["/api/v1/partners/{number}/tasks"]) == {"get", "post"}
    assert set(paths["/api/v1/tasks/{task_id}"]) == {"patch"}


def test_tasks_are_given_to_people_who_may_work_them(make_user) -> None:
    from tenure.partners.notes import assignable_users

    for role in ("agent", "marketing", "analyst", "admin", "telephony"):
        make_user(role)
    assert [user.username for user in assignable_users()] == ["admin", "agent"]
