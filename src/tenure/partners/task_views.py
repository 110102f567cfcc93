"""Notes and tasks on the partner page, and "My tasks": thin htmx views over tenure.partners.notes.

An htmx form gets its card back (422 with the errors and what was typed when refused); without
JavaScript the form posts and the browser is sent back to the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.core.http import HtmxHttpRequest
from tenure.partners.models import BusinessPartner, Task
from tenure.partners.notes import (
    NoteTaskInvalid,
    TaskForbidden,
    note_create,
    task_complete,
    task_create,
)
from tenure.partners.page import (
    my_tasks_context,
    notes_context,
    partner_page_context,
    tasks_context,
)
from tenure.partners.selectors import partner_by_number

NOTES_CHANGED = "partner-notes-changed"


def _partner(number: str) -> BusinessPartner:
    partner = partner_by_number(number=number)
    if partner is None:
        raise Http404("No such business partner")
    return partner


def _refused(
    request: HtmxHttpRequest, partner: BusinessPartner, card: str, extra: dict[str, object]
) -> HttpResponse:
    """A refused form: its card (htmx) or the whole page, with the errors, status 422."""
    if request.htmx:
        builder = notes_context if card == "notes" else tasks_context
        context = {**builder(user=request.user, partner=partner), **extra}
        return render(request, f"partners/partials/{card}.html", context, status=422)
    context = {**partner_page_context(user=request.user, partner=partner), **extra}
    return render(request, "partners/detail.html", context, status=422)


@require_POST
@permission_required("partners.add_note", raise_exception=True)
def add_note(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """Write a note on the partner."""
    partner = _partner(number)
    try:
        note_create(
            partner=partner,
            author=request.user,
            text=request.POST.get("text", ""),
            pinned=bool(request.POST.get("pinned")),
        )
    except NoteTaskInvalid as exc:
        return _refused(
            request, partner, "notes", {"note_errors": exc.errors, "note_posted": request.POST}
        )
    if not request.htmx:
        messages.success(request, _("Note added."))
        return redirect(partner)
    context = {
        **notes_context(user=request.user, partner=partner),
        "note_message": _("Note added."),
    }
    response = render(request, "partners/partials/notes.html", context)
    response["HX-Trigger"] = NOTES_CHANGED  # the timeline reloads itself
    return response


@require_POST
@permission_required("partners.add_task", raise_exception=True)
def add_task(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """Create a task on the partner (assignee and due date optional)."""
    partner = _partner(number)
    values = {
        key: request.POST.get(key, "") for key in ("title", "description", "assignee", "due_on")
    }
    try:
        task = task_create(partner=partner, created_by=request.user, values=values)
    except NoteTaskInvalid as exc:
        return _refused(
            request, partner, "tasks", {"task_errors": exc.errors, "task_posted": request.POST}
        )
    message = _("Task “%(title)s” created.") % {"title": task.title}
    if not request.htmx:
        messages.success(request, message)
        return redirect(partner)
    context = {**tasks_context(user=request.user, partner=partner), "task_message": message}
    return render(request, "partners/partials/tasks.html", context)


@require_POST
@permission_required("partners.change_task", raise_exception=True)
def complete_task(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Mark a task done; answers with the card the button was on (partner page or My tasks)."""
    task = get_object_or_404(Task.objects.select_related("partner"), pk=pk)
    try:
        task_complete(task=task, user=request.user)
    except TaskForbidden:
        return HttpResponse(
            _("Only the assignee or the creator may complete this task."), status=403
        )
    message = _("Task “%(title)s” done.") % {"title": task.title}
    if request.htmx and request.htmx.target == "my-tasks":
        context = {**my_tasks_context(user=request.user), "task_message": message}
        return render(request, "partners/partials/my_tasks.html", context)
    if request.htmx:
        context = {
            **tasks_context(user=request.user, partner=task.partner),
            "task_message": message,
        }
        return render(request, "partners/partials/tasks.html", context)
    messages.success(request, message)
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("partners:my-tasks")


@login_required
@permission_required("partners.view_task", raise_exception=True)
def my_tasks(request: HtmxHttpRequest) -> HttpResponse:
    """The logged-in user's open tasks, the earliest due first; overdue ones say so."""
    return render(request, "partners/my_tasks.html", my_tasks_context(user=request.user))
