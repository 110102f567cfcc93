"""Notes and tasks on a business partner: write them (services) and read them (selectors).

Who may do what: every role reads; agents write notes and tasks. A task is completed or edited by
its assignee or its creator, or by someone allowed to complete any task (administrators).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from tenure.partners.models import BusinessPartner, Note, Task

User = get_user_model()
Actor = Any  # request.user: a user with permissions, or anonymous (may do nothing)
TEXT_LIMIT = 4000
TITLE_LIMIT = 200


class NoteTaskInvalid(ValueError):
    """A note or task failed validation; ``errors`` maps field to reason."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in errors.items()))
        self.errors = errors


class TaskForbidden(PermissionError):
    """The user may not change this task (neither assignee nor creator)."""


def _text(errors: dict[str, str], name: str, value: Any, *, limit: int, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors[name] = "required"
    elif len(text) > limit:
        errors[name] = f"at most {limit} characters"
    return text


def _assignee(errors: dict[str, str], value: Any) -> Any:
    """The user a task is assigned to, by id or user name (empty: nobody)."""
    if value in (None, ""):
        return None
    if isinstance(value, User):
        return value
    key = str(value).strip()
    found = User.objects.filter(is_active=True)
    found = found.filter(pk=int(key)) if key.isdigit() else found.filter(username=key)
    user = found.first()
    if user is None:
        errors["assignee"] = f"no active user {key}"
    return user


def _due(errors: dict[str, str], value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors["due_on"] = "expected a date like 2026-12-31"
        return None


def note_create(
    *, partner: BusinessPartner, author: Actor, text: Any, pinned: bool = False
) -> Note:
    """Write a note on a partner; the author is the logged-in user."""
    errors: dict[str, str] = {}
    clean = _text(errors, "text", text, limit=TEXT_LIMIT, required=True)
    if errors:
        raise NoteTaskInvalid(errors)
    return Note.objects.create(
        partner=partner, author=author if author.is_authenticated else None, text=clean,
        pinned=bool(pinned),
    )  # fmt: skip


def note_pin(*, note: Note, pinned: bool) -> Note:
    """Pin a note to the top of the partner's notes, or unpin it."""
    note.pinned = pinned
    note.save(update_fields=["pinned"])
    return note


def task_create(*, partner: BusinessPartner, created_by: Actor, values: dict[str, Any]) -> Task:
    """Create an open task on a partner: a title, optionally a description, assignee, due date."""
    errors: dict[str, str] = {}
    title = _text(errors, "title", values.get("title"), limit=TITLE_LIMIT, required=True)
    description = _text(
        errors, "description", values.get("description"), limit=TEXT_LIMIT, required=False
    )
    assignee = _assignee(errors, values.get("assignee"))
    due_on = _due(errors, values.get("due_on"))
    if errors:
        raise NoteTaskInvalid(errors)
    return Task.objects.create(
        partner=partner, title=title, description=description, assignee=assignee, due_on=due_on,
        created_by=created_by if created_by.is_authenticated else None,
    )  # fmt: skip


def task_may_change(*, task: Task, user: Actor) -> bool:
    """Whether ``user`` may edit or complete ``task``: its assignee or creator with the right to
    change tasks, or anyone allowed to complete any task."""
    if user.has_perm("partners.complete_any_task"):
        return True
    return user.has_perm("partners.change_task") and user.pk in (
        task.assignee_id,
        task.created_by_id,
    )


@transaction.atomic
def task_update(*, task: Task, user: Actor, values: dict[str, Any]) -> Task:
    """Change the fields given in ``values`` (title, description, assignee, due_on, status);
    status ``done`` completes the task (records when), ``open`` reopens it."""
    if not task_may_change(task=task, user=user):
        raise TaskForbidden("only the assignee or the creator may change this task")
    errors: dict[str, str] = {}
    if "title" in values:
        task.title = _text(errors, "title", values["title"], limit=TITLE_LIMIT, required=True)
    if "description" in values:
        task.description = _text(
            errors, "description", values["description"], limit=TEXT_LIMIT, required=False
        )
    if "assignee" in values:
        task.assignee = _assignee(errors, values["assignee"])
    if "due_on" in values:
        task.due_on = _due(errors, values["due_on"])
    if "status" in values:
        status = values["status"]
        if status not in Task.Status.values:
            errors["status"] = f"expected one of {', '.join(Task.Status.values)}"
        elif status != task.status:
            task.status = status
            task.done_at = timezone.now() if status == Task.Status.DONE else None
    if errors:
        raise NoteTaskInvalid(errors)
    task.save()
    return task


def task_complete(*, task: Task, user: Actor) -> Task:
    """Mark a task done now (its assignee, creator or an administrator)."""
    return task_update(task=task, user=user, values={"status": Task.Status.DONE})


def partner_notes(*, partner_id: int, limit: int = 50) -> list[Note]:
    """A partner's notes, pinned first, then the newest."""
    notes = Note.objects.filter(partner_id=partner_id).select_related("author")
    return list(notes.order_by("-pinned", "-created_at", "-id")[:limit])


def partner_open_tasks(*, partner_id: int) -> QuerySet[Task]:
    """A partner's open tasks, the earliest due first (no due date last)."""
    return (
        Task.objects.filter(partner_id=partner_id, status=Task.Status.OPEN)
        .select_related("assignee")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )


def partner_tasks(*, partner_id: int) -> QuerySet[Task]:
    """All of a partner's tasks: open ones first (earliest due first), then the done ones."""
    return Task.objects.filter(partner_id=partner_id).select_related("assignee", "created_by")


def user_tasks(*, user: Actor, include_done: bool = False) -> QuerySet[Task]:
    """The tasks assigned to ``user``: open ones due first (no due date last), with partners."""
    tasks = Task.objects.filter(assignee_id=user.pk).select_related("partner")
    if not include_done:
        tasks = tasks.filter(status=Task.Status.OPEN)
    return tasks


def assignable_users() -> QuerySet[Any]:
    """The people a task can be given to: active users who may change tasks (the agents)."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            groups__permissions__codename="change_task",
            groups__permissions__content_type__app_label="partners",
        )
        .distinct()
        .order_by("username")
    )
