"""Demo notes and tasks: a few partners the demo agent has talked to, with what they noted and what
is still to do (one task overdue, one due today, one next week), so that "My tasks" has content."""

from __future__ import annotations

import datetime as dt

from rich.console import Console

NOTES = [  # (partner number, author, text, pinned, days ago)
    ("1000001", "agent", "Prefers to be called after 5 pm; works shifts at the hospital.", True, 12),
    ("1000001", "agent", "Asked whether a cheaper tariff is possible; will decide after the bill.", False, 2),
    ("1000002", "agent2", "Complained about the estimated meter reading; photo of the meter sent.", False, 5),
    ("1000003", "agent", "Moving to Dresden in spring; wants to keep the contract.", False, 1),
]  # fmt: skip
TASKS = [  # (partner number, assignee, title, description, due in days)
    ("1000001", "agent", "Call back about the tariff", "Offer the 24-month tariff with 10 % off.", 0),
    ("1000002", "agent", "Check the corrected bill", "The meter reading was corrected on request.", -3),
    ("1000003", "agent", "Send the moving checklist", "By e-mail; consent is recorded.", 7),
    ("1000004", "agent2", "Confirm the new bank details", "", 2),
]  # fmt: skip


def load_demo_notes(*, console: Console, today: dt.date | None = None) -> None:
    """Write the demo notes and tasks once (nothing if the partners already have notes)."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from tenure.partners.models import BusinessPartner, Note
    from tenure.partners.notes import note_create, task_create

    today = today or timezone.localdate()
    numbers = {row[0] for row in NOTES + TASKS}  # type: ignore[operator]
    partners = {p.number: p for p in BusinessPartner.objects.filter(number__in=numbers)}
    users = {u.username: u for u in User.objects.filter(username__in={"agent", "agent2"})}
    if Note.objects.filter(partner__in=partners.values()).exists() or len(users) < 2:
        return
    for number, author, text, pinned, days_ago in NOTES:
        if number in partners:
            note = note_create(
                partner=partners[number], author=users[author], text=text, pinned=pinned
            )
            Note.objects.filter(pk=note.pk).update(
                created_at=timezone.now() - dt.timedelta(days=days_ago)
            )
    for number, assignee, title, description, due_in in TASKS:
        if number in partners:
            values = {"title": title, "description": description, "assignee": users[assignee],
                      "due_on": today + dt.timedelta(days=due_in)}  # fmt: skip
            task_create(partner=partners[number], created_by=users[assignee], values=values)
    console.print(f"Demo notes and tasks: {len(NOTES)} notes, {len(TASKS)} tasks.")
