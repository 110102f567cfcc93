"""Customer on a page: what the partner page shows, by the viewer's role (seed 002).

Every role sees contact data and consent, the indicator strip, the customer value tile, next best
actions, recent interactions, notes and open tasks; analysts and the retention team (and
administrators) also see the churn model's reasons and the campaign history with results.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenure.accounts.roles import ADMIN, ANALYST, MARKETING
from tenure.core.models import CUSTOMER_VALUE
from tenure.core.selectors import module_is_active
from tenure.partners.interactions import KINDS, partner_interactions, visible_kinds
from tenure.partners.models import BusinessPartner, Channel, Task
from tenure.partners.notes import (
    Actor,
    assignable_users,
    partner_notes,
    partner_open_tasks,
    task_may_change,
    user_tasks,
)
from tenure.partners.phones import display

ANALYSIS_ROLES = {ANALYST, MARKETING, ADMIN}
"""Roles that see the model reasons and the campaign history on the partner page."""


def sees_analysis(user: Actor) -> bool:
    """Whether the page shows ``user`` the analyst and marketing sections."""
    from tenure.accounts.services import user_role

    return bool(getattr(user, "is_superuser", False)) or user_role(user) in ANALYSIS_ROLES


def channel_consents(partner: BusinessPartner) -> list[dict[str, Any]]:
    """One row per channel: granted, refused or not recorded (with when and where from)."""
    recorded = {consent.channel: consent for consent in partner.consents.all()}  # prefetched
    return [
        {"channel": value, "label": label, "consent": recorded.get(value)}
        for value, label in Channel.choices
    ]


def contact_card_context(partner: BusinessPartner, *, channel: str = "") -> dict[str, Any]:
    """The contact card's context (``partners/partials/contact.html``): phone numbers as shown,
    one consent row per channel and, for a campaign's ``channel``, whether it is refused now."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects([partner], "consents", "phone_numbers")
    consents = channel_consents(partner)
    return {
        "phones": [display(phone.e164) for phone in partner.phone_numbers.all()],
        "consents": consents,
        "channel_refused": any(
            row["channel"] == channel and row["consent"] is not None and not row["consent"].granted
            for row in consents
        ),
    }


def interactions_context(
    *, user: Actor, partner: BusinessPartner, kind: str = ""
) -> dict[str, Any]:
    """The timeline card's context: the kinds the user may read, the chosen filter and items."""
    kinds = visible_kinds(user)
    chosen = kind if kind in kinds else ""
    items = partner_interactions(
        partner_id=partner.pk, number=partner.number, kinds=[chosen] if chosen else kinds
    )
    return {
        "partner": partner,
        "interactions": items,
        "interaction_kinds": [(key, KINDS[key]) for key in kinds],
        "interaction_kind": chosen,
    }


def notes_context(*, user: Actor, partner: BusinessPartner) -> dict[str, Any]:
    """The notes card's context."""
    return {
        "partner": partner,
        "notes": partner_notes(partner_id=partner.pk),
        "may_add_note": user.has_perm("partners.add_note"),
    }


def mark_tasks(tasks: list[Task], *, user: Actor) -> list[Task]:
    """Set ``overdue`` (open, due before today) and ``may_change`` on each task for the page."""
    today = timezone.localdate()
    for task in tasks:
        task.overdue = task.is_overdue(today)  # type: ignore[attr-defined]
        task.may_change = task_may_change(task=task, user=user)  # type: ignore[attr-defined]
    return tasks


def my_tasks_context(*, user: Actor) -> dict[str, Any]:
    """The "My tasks" list: the user's open tasks, the earliest due first."""
    return {"tasks": mark_tasks(list(user_tasks(user=user)), user=user)}


def partner_alerts(*, partner: BusinessPartner, open_tasks: list[Task] | None) -> list[str]:
    """Alerts above the page, in words: the customer left, overdue tasks, no consent at all."""
    alerts = []
    if partner.left_on:
        alerts.append(
            _("The customer left on %(day)s.")
            % {"day": date_format(partner.left_on, "SHORT_DATE_FORMAT")}
        )
    overdue = sum(1 for task in open_tasks or [] if getattr(task, "overdue", False))
    if overdue:
        alerts.append(
            ngettext("%(count)d task is overdue.", "%(count)d tasks are overdue.", overdue)
            % {"count": overdue}
        )
    if not any(consent.granted for consent in partner.consents.all()):  # prefetched
        alerts.append(_("No contact consent: do not make marketing offers."))
    return alerts


def tasks_context(*, user: Actor, partner: BusinessPartner) -> dict[str, Any]:
    """The open tasks card's context, with the people a new task can be assigned to."""
    may_add = user.has_perm("partners.add_task")
    return {
        "partner": partner,
        "open_tasks": mark_tasks(list(partner_open_tasks(partner_id=partner.pk)), user=user),
        "may_add_task": may_add,
        "assignees": list(assignable_users()) if may_add else [],
    }


def partner_page_context(
    *, user: Actor, partner: BusinessPartner, kind: str = ""
) -> dict[str, Any]:
    """Everything the partner page shows ``user``."""
    from tenure.retention.indicators import partner_indicators

    context: dict[str, Any] = {
        "partner": partner,
        **contact_card_context(partner),  # its consents are read by the alerts too
        "indicators": partner_indicators(partner_id=partner.pk),
        "analysis": sees_analysis(user),
    }
    if module_is_active(CUSTOMER_VALUE) and user.has_perm(
        "customervalue.view_customervaluedataset"
    ):
        from tenure.customervalue.views import tile_context

        context.update(tile_context(partner_id=partner.pk, explain=True))
    context.update(interactions_context(user=user, partner=partner, kind=kind))
    if user.has_perm("customerdata.view_productholding"):
        from tenure.customerdata.selectors import partner_holdings

        context["holdings"] = partner_holdings(partner.pk)
    if user.has_perm("partners.view_note"):
        context.update(notes_context(user=user, partner=partner))
    if user.has_perm("partners.view_task"):
        context.update(tasks_context(user=user, partner=partner))
    context["alerts"] = partner_alerts(partner=partner, open_tasks=context.get("open_tasks"))
    if context["analysis"]:
        from tenure.campaigns.history import partner_campaigns_with_results

        context["campaigns"] = partner_campaigns_with_results(partner_id=partner.pk)
        tile = context.get("tile")
        context["model_dataset"] = getattr(tile, "dataset", None)
    return context
