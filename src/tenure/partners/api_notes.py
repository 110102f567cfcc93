"""REST API for notes and tasks on a partner (mounted at /api/v1: tasks are addressed by id).

Every role reads; agents write notes and tasks and change the tasks they are assigned or created.
Refused input answers 422 with each field and its reason; a task someone else owns, 403.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError

from tenure.accounts.api import require_permission
from tenure.core.apierrors import InvalidRequest
from tenure.partners.models import BusinessPartner, Note, Task
from tenure.partners.notes import (
    NoteTaskInvalid,
    TaskForbidden,
    note_create,
    partner_notes,
    partner_tasks,
    task_create,
    task_update,
)
from tenure.partners.schemas import NoteIn, NoteOut, TaskIn, TaskOut, TaskPatch
from tenure.partners.selectors import partner_by_number

router = Router(tags=["partners"])


def _partner(number: str) -> BusinessPartner:
    partner = partner_by_number(number=number)
    if partner is None:
        raise HttpError(404, f"no business partner {number}")
    return partner


def _invalid(exc: NoteTaskInvalid) -> InvalidRequest:
    errors = [{"field": name, "error": reason} for name, reason in exc.errors.items()]
    return InvalidRequest(errors, str(exc))


def _note_out(note: Note, number: str) -> NoteOut:
    return NoteOut(
        id=note.pk, partner=number, author=note.author.get_username() if note.author else None,
        text=note.text, pinned=note.pinned, created_at=note.created_at,
    )  # fmt: skip


def _task_out(task: Task) -> TaskOut:
    return TaskOut(
        id=task.pk, partner=task.partner.number, title=task.title, description=task.description,
        assignee=task.assignee.get_username() if task.assignee else None, due_on=task.due_on,
        status=task.status, created_by=task.created_by.get_username() if task.created_by else None,
        created_at=task.created_at, done_at=task.done_at,
    )  # fmt: skip


@router.get("/partners/{number}/notes", response=list[NoteOut], summary="A partner's notes")
def list_notes(
    request: HttpRequest,
    number: str,
    limit: int = Query(50, ge=1, le=500),  # type: ignore[type-arg]
) -> list[NoteOut]:
    """Pinned notes first, then the newest."""
    require_permission(request, "partners.view_note")
    partner = _partner(number)
    return [_note_out(note, number) for note in partner_notes(partner_id=partner.pk, limit=limit)]


@router.post("/partners/{number}/notes", response={201: NoteOut}, summary="Write a note")
def add_note(request: HttpRequest, number: str, body: NoteIn) -> Status[NoteOut]:
    require_permission(request, "partners.add_note")
    partner = _partner(number)
    try:
        note = note_create(partner=partner, author=request.user, text=body.text, pinned=body.pinned)
    except NoteTaskInvalid as exc:
        raise _invalid(exc) from exc
    return Status(201, _note_out(note, number))


@router.get("/partners/{number}/tasks", response=list[TaskOut], summary="A partner's tasks")
def list_tasks(request: HttpRequest, number: str, status: str = "") -> list[TaskOut]:
    """Open tasks first (the earliest due first), then done ones; ``status`` filters."""
    require_permission(request, "partners.view_task")
    partner = _partner(number)
    tasks = partner_tasks(partner_id=partner.pk)
    if status:
        if status not in Task.Status.values:
            expected = ", ".join(Task.Status.values)
            raise InvalidRequest([{"field": "status", "error": f"expected one of {expected}"}])
        tasks = tasks.filter(status=status)
    return [_task_out(task) for task in tasks[:500]]


@router.post("/partners/{number}/tasks", response={201: TaskOut}, summary="Create a task")
def add_task(request: HttpRequest, number: str, body: TaskIn) -> Status[TaskOut]:
    require_permission(request, "partners.add_task")
    partner = _partner(number)
    try:
        task = task_create(partner=partner, created_by=request.user, values=body.model_dump())
    except NoteTaskInvalid as exc:
        raise _invalid(exc) from exc
    return Status(201, _task_out(task))


@router.patch("/tasks/{task_id}", response=TaskOut, summary="Change or complete a task")
def change_task(request: HttpRequest, task_id: int, body: TaskPatch) -> TaskOut:
    """Only the fields sent change; ``"status": "done"`` completes the task."""
    require_permission(request, "partners.change_task")
    task = (
        Task.objects.select_related("partner", "assignee", "created_by").filter(pk=task_id).first()
    )
    if task is None:
        raise HttpError(404, f"no task {task_id}")
    try:
        task = task_update(task=task, user=request.user, values=body.model_dump(exclude_unset=True))
    except TaskForbidden as exc:
        raise HttpError(403, str(exc)) from exc
    except NoteTaskInvalid as exc:
        raise _invalid(exc) from exc
    return _task_out(task)
