"""Campaign pages for the retention team: templates, duplicate and personalise, populate (preview,
then commit), assign, close, effectiveness, exports.

Populating runs synchronously in the POST while the page shows an indeterminate progress bar
(htmx indicator). ``campaign_populate`` works on ids in NumPy with chunked bulk inserts and is
meant to take seconds at a million candidates (target < 5 s, measured by
``benchmarks/campaigns_scale.py``); a background worker with polling would only pay off if that
target were missed by far.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from tenure.campaigns.effectiveness import Effectiveness, campaign_effectiveness
from tenure.campaigns.exports import contact_header, contact_rows, export_file_name
from tenure.campaigns.forms import (
    AssignForm,
    CampaignForm,
    PopulateForm,
    TemplateForm,
    visible_saved_searches,
)
from tenure.campaigns.models import Campaign, CampaignSettings, CampaignTemplate, Contact
from tenure.campaigns.scripts import PLACEHOLDERS, render_script, unknown_placeholders
from tenure.campaigns.selectors import campaigns_listed
from tenure.campaigns.services import (
    CampaignError,
    TargetSource,
    campaign_close,
    campaign_from_template,
    campaign_populate,
    contacts_assign,
    population_plan,
    source_from_list,
    source_from_saved_search,
    source_from_segment,
)
from tenure.campaigns.sources import source_display
from tenure.campaigns.worklist import campaign_worklist_url
from tenure.core.exports import FORMATS, csv_response, xlsx_response
from tenure.core.formats import plain_number, signed_number
from tenure.core.http import HtmxHttpRequest
from tenure.core.tabular import FileRejected, RowError

VIEW = "campaigns.view_campaign"
MANAGE = "campaigns.change_campaign"
CREATE = "campaigns.add_campaign"
EXPORT = ("campaigns.view_contact", "reports.view_savedsearch")
"""Contact lists leave the system only for the roles of "Reports & analysis" (not agents)."""

PLACEHOLDER_HELP = {
    "name": gettext_noop("the customer's name"),
    "partner_number": gettext_noop("the business partner number"),
    "city": gettext_noop("the customer's city"),
    "segment": gettext_noop("the current customer segment"),
    "customer_value": gettext_noop("the current customer value (1–10)"),
    "churn_score": gettext_noop("the current churn score (0–100)"),
    "offer": gettext_noop("the campaign's offer"),
    "agent": gettext_noop("the agent's name"),
}


# --- templates ------------------------------------------------------------------------------


def may_edit_templates(user: Any, *, creating: bool = False) -> bool:
    """Administrators and the retention team (the role table gives them the template permissions)."""
    return bool(
        user.has_perm(
            "campaigns.add_campaigntemplate" if creating else "campaigns.change_campaigntemplate"
        )
    )


@permission_required("campaigns.view_campaigntemplate", raise_exception=True)
def template_list(request: HttpRequest) -> HttpResponse:
    templates = CampaignTemplate.objects.annotate(used=Count("campaigns"))
    context = {"templates": templates, "may_edit": may_edit_templates(request.user, creating=True)}
    return render(request, "campaigns/manage_templates.html", context)


@permission_required("campaigns.view_campaigntemplate", raise_exception=True)
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a template; read-only for roles that may only look."""
    template = get_object_or_404(CampaignTemplate, pk=pk) if pk else None
    may_change = may_edit_templates(request.user, creating=template is None)
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid():
            saved = form.save()
            messages.success(request, _("Template “%(name)s” saved.") % {"name": saved.name})
            return redirect("campaigns:templates")
    if not may_change:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "form": form,
        "template": template,
        "may_change": may_change,
        "placeholders": _placeholder_help(),
        "script_html": None if may_change or template is None else _script_as_written(template),
    }
    return render(request, "campaigns/manage_template_form.html", context)


def _script_as_written(content: CampaignTemplate | Campaign) -> Any:
    """The script rendered with its placeholders as written; only the offer is filled in."""
    values = {key: "{" + key + "}" for key in PLACEHOLDERS}
    values["offer"] = content.action_object or "{offer}"
    return render_script(content.script, values)


@require_POST
def script_preview(request: HttpRequest) -> HttpResponse:
    """The script as an agent will see it, with example values (htmx, while typing)."""
    if not request.user.has_perm("campaigns.view_campaigntemplate") and not request.user.has_perm(
        MANAGE
    ):
        raise PermissionDenied
    values = {
        "name": "Erika Mustermann",
        "partner_number": "1000001",
        "city": "Leipzig",
        "segment": _("A – top customers"),
        "customer_value": "8",
        "churn_score": "72",
        "offer": request.POST.get("action_object") or "–",
        "agent": getattr(request.user, "get_full_name", str)() or request.user.get_username(),
    }
    script = request.POST.get("script", "")
    context = {"html": render_script(script, values), "unknown": unknown_placeholders(script)}
    return render(request, "campaigns/partials/manage_script_preview.html", context)


def _placeholder_help() -> list[tuple[str, str]]:
    return [("{" + key + "}", _(PLACEHOLDER_HELP[key])) for key in PLACEHOLDERS]


# --- campaigns: list, new, personalise ------------------------------------------------------


@permission_required(VIEW, raise_exception=True)
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Filter by type, state (running today, active, closed) and a part of the name."""
    kind = request.GET.get("type", "")
    state = request.GET.get("state", "")
    text = request.GET.get("q", "")[:200]
    campaigns = campaigns_listed(kind=kind, state=state, text=text)
    page = Paginator(campaigns, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "today": timezone.localdate(),
        "types": Campaign.Type.choices,
        "type": kind,
        "state": state,
        "text": text,
        "query": query.urlencode(),
    }
    return render(request, "campaigns/manage_list.html", context)


@permission_required(CREATE, raise_exception=True)
def campaign_new(request: HttpRequest) -> HttpResponse:
    """Choose a template to duplicate; ``?search=`` carries a saved search through to populating."""
    search = _saved_search_id(request)
    saved = visible_saved_searches(request.user).filter(pk=search).first() if search else None
    templates = CampaignTemplate.objects.filter(active=True)
    return render(
        request, "campaigns/manage_new.html", {"templates": templates, "saved_search": saved}
    )


def _saved_search_id(request: HttpRequest) -> int | None:
    value = request.GET.get("search") or request.POST.get("search") or ""
    return int(value) if value.isdigit() else None


@permission_required(CREATE, raise_exception=True)
def campaign_duplicate(request: HttpRequest, template_pk: int) -> HttpResponse:
    """The template's content in a form to personalise; saving creates the campaign."""
    template = get_object_or_404(CampaignTemplate, pk=template_pk, active=True)
    today = timezone.localdate()
    initial = {
        "name": f"{template.name} {today:%Y-%m}",
        "owner": request.user.pk,
        "starts_on": today,
        "ends_on": today + dt.timedelta(days=template.duration_days - 1),
        "control_share": 0.2 if template.type == Campaign.Type.RETENTION else 0.0,
        **{
            field: getattr(template, field)
            for field in ("action_kind", "action_object", "channel", "cost_per_contact", "script")
        },
    }
    form = CampaignForm(request.POST or None, initial=initial)
    search = _saved_search_id(request)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            campaign = campaign_from_template(
                template,
                name=data.pop("name"),
                starts_on=data.pop("starts_on"),
                owner=data.pop("owner"),
                ends_on=data.pop("ends_on"),
                control_share=data.pop("control_share"),
                **data,
            )
        except CampaignError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Campaign “%(name)s” created from the template; now add its targets.")
                % {"name": campaign.name},
            )
            url = reverse("campaigns:populate", kwargs={"pk": campaign.pk})
            return redirect(f"{url}?search={search}" if search else url)
    context = {
        "form": form,
        "template": template,
        "search": search,
        "placeholders": _placeholder_help(),
    }
    return render(request, "campaigns/manage_campaign_form.html", context)


@permission_required(MANAGE, raise_exception=True)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Campaign “%(name)s” saved.") % {"name": campaign.name})
        return redirect(campaign)
    context = {
        "form": form,
        "campaign": campaign,
        "template": campaign.template,
        "placeholders": _placeholder_help(),
    }
    return render(request, "campaigns/manage_campaign_form.html", context)


# --- detail, assign, close ------------------------------------------------------------------


STATUS_LABELS = {
    # with a context: "Open" alone is the verb of a button elsewhere in the catalog
    "open": pgettext_lazy("contact status", "Open"),
    "in_progress": pgettext_lazy("contact status", "In progress"),
    "reached": pgettext_lazy("contact status", "Reached"),
    "not_reached": pgettext_lazy("contact status", "Not reached"),
    "done": pgettext_lazy("contact status", "Done"),
}


def status_counts(campaign: Campaign, user: Any = None) -> list[dict[str, Any]]:
    """Contacts by status for each group (one query), each with its worklist for ``user``."""
    counts = {
        (row["group"], row["status"]): row["n"]
        for row in Contact.objects.filter(campaign=campaign)
        .values("group", "status")
        .annotate(n=Count("id"))
    }
    return [
        {
            "status": value,
            "label": STATUS_LABELS.get(value, label),
            "treated": counts.get((Contact.Group.TREATED, value), 0),
            "control": counts.get((Contact.Group.CONTROL, value), 0),
            "worklist_url": campaign_worklist_url(user, campaign, status=value) if user else "",
        }
        for value, label in Contact.Status.choices
    ]


@permission_required(VIEW, raise_exception=True)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("owner", "template"), pk=pk)
    statuses = status_counts(campaign, request.user)
    agents = (
        Contact.objects.filter(campaign=campaign, group=Contact.Group.TREATED)
        .values("agent__username")
        .annotate(total=Count("id"), open=Count("id", filter=Q(status="open")))
        .order_by("agent__username")
    )
    populations_shown = [
        (population, _labelled(population.excluded), sum(population.excluded.values()))
        for population in campaign.populations.select_related("created_by")
    ]
    context = {
        "campaign": campaign,
        "today": timezone.localdate(),
        "statuses": statuses,
        "treated_total": sum(row["treated"] for row in statuses),
        "control_total": sum(row["control"] for row in statuses),
        "agents": agents,
        "populations": populations_shown,
        "may_manage": request.user.has_perm(MANAGE),
        "may_export": request.user.has_perms(EXPORT),
        "assign_form": AssignForm() if request.user.has_perm(MANAGE) else None,
        "script": _script_as_written(campaign),
        "worklist_url": campaign_worklist_url(request.user, campaign),
    }
    return render(request, "campaigns/manage_detail.html", context)


def _labelled(excluded: dict[str, int]) -> list[tuple[str, int]]:
    from tenure.campaigns.services import EXCLUSION_REASONS

    return [(_(EXCLUSION_REASONS.get(key, key)), count) for key, count in excluded.items()]


@require_POST
@permission_required(MANAGE, raise_exception=True)
def campaign_assign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one agent."))
        return redirect(campaign)
    agents = list(form.cleaned_data["agents"])
    try:
        counts = contacts_assign(
            campaign, agents, only_unassigned=not form.cleaned_data["reassign"]
        )
    except CampaignError as exc:
        messages.error(request, str(exc))
        return redirect(campaign)
    shared = sum(counts.values())
    messages.success(
        request,
        ngettext(
            "%(count)s open contact shared among: %(agents)s.",
            "%(count)s open contacts shared among: %(agents)s.",
            shared,
        )
        % {"count": shared, "agents": ", ".join(agent.get_username() for agent in agents)},
    )
    return redirect(campaign)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def campaign_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_close(get_object_or_404(Campaign, pk=pk))
    messages.success(
        request,
        _("Campaign “%(name)s” is closed: it takes no new targets and no longer flags customers.")
        % {"name": campaign.name},
    )
    return redirect(campaign)


# --- populate -------------------------------------------------------------------------------


def _source(form: PopulateForm) -> tuple[TargetSource, list[RowError]]:
    """The chosen source; an unreadable list raises FileRejected, a bad search CampaignError."""
    from tenure.reports.search import CriteriaError

    data = form.cleaned_data
    rejects: list[RowError] = []
    try:
        if data["source"] == "search":
            source = source_from_saved_search(data["saved_search"].pk)
        elif data["source"] == "segment":
            source = source_from_segment(data["segment"].pk)
        elif data["source"] == "next_best_action":
            from tenure.nextbest.proactive import NoProactiveRun, source_from_next_best_action

            try:
                source = source_from_next_best_action(data["next_best_action"])
            except NoProactiveRun as exc:
                raise CampaignError(str(exc)) from None
        else:
            upload = data["partner_list"]
            source, rejects = source_from_list(upload, file_name=upload.name)
    except CriteriaError as exc:
        message = _("The saved search no longer works: %(error)s") % {"error": exc}
        raise CampaignError(message) from None
    if data.get("uplift_run"):
        from tenure.campaigns.uplift import source_from_uplift

        share = data.get("uplift_share")
        source = source_from_uplift(
            data["uplift_run"],
            source,
            top=data.get("uplift_top"),
            share=None if share is None else share / 100,
        )
    return source, rejects


@permission_required(MANAGE, raise_exception=True)
def campaign_populate_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Preview (counts, nothing written) or commit (all or nothing) the targets of a source."""
    campaign = get_object_or_404(Campaign, pk=pk)
    if request.method != "POST":
        search = _saved_search_id(request)
        initial = {"source": "search", "saved_search": search} if search else {}
        form = PopulateForm(initial=initial, user=request.user)
        return render(request, "campaigns/manage_populate.html", _populate_context(campaign, form))
    form = PopulateForm(request.POST, request.FILES, user=request.user)
    committing = request.POST.get("action") == "commit"
    context = _populate_context(campaign, form)
    if form.is_valid():
        try:
            source, rejects = _source(form)
            context["rejects"], context["source_label"] = rejects, source_display(source.label)
            if committing:
                population = campaign_populate(campaign, source, actor=request.user)  # type: ignore[arg-type]
                context["population"] = population
                messages.success(request, _population_message(population))
                if request.htmx:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = campaign.get_absolute_url()
                    return response
                return redirect(campaign)
            context["plan"] = population_plan(campaign, source)
            context["plan_excluded"] = _labelled(context["plan"].excluded)
        except FileRejected as exc:
            context["error"] = _("The list was rejected: %(reason)s") % {"reason": exc}
        except CampaignError as exc:
            context["error"] = str(exc)
    template = "campaigns/manage_populate.html"
    if request.htmx:
        template = "campaigns/partials/manage_populate_result.html"
    status = 200 if form.is_valid() and "error" not in context else 422
    return render(request, template, context, status=status if not request.htmx else 200)


def _populate_context(campaign: Campaign, form: PopulateForm) -> dict[str, Any]:
    rules = CampaignSettings.current()
    return {
        "pressure_days": rules.contact_pressure_days,
        "opt_in": campaign.channel in rules.opt_in_channels,
        "campaign": campaign,
        "form": form,
        "plan": None,
        "rejects": [],
        "error": None,
        "control_percent": round(campaign.control_share * 100, 1),
    }


def _population_message(population: Any) -> str:
    return _(
        "%(treated)s customers added to the contacted group and %(control)s to the control "
        "group from %(source)s."
    ) % {
        "treated": population.added_treated,
        "control": population.added_control,
        "source": population.source,
    }


# --- effectiveness and exports --------------------------------------------------------------


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def lift_in_words(result: Effectiveness) -> str:
    """The retention difference and its interval as a sentence, with the numbers."""
    lift = result.lift
    if lift.difference is None or lift.low is None or lift.high is None:
        if not result.control:
            return _("There is no control group, so the campaign's effect cannot be measured.")
        return _("Nobody has been added to the contacted group yet.")
    numbers = {
        "difference": plain_number(abs(lift.difference) * 100),
        "low": signed_number(lift.low * 100),
        "high": signed_number(lift.high * 100),
    }
    if lift.low > 0:
        text = _(
            "The contacted group kept %(difference)s percentage points more of its customers "
            "than the control group (95 %% interval %(low)s to %(high)s points): the campaign "
            "very likely helped retention."
        )
    elif lift.high < 0:
        text = _(
            "The contacted group kept %(difference)s percentage points fewer of its customers "
            "than the control group (95 %% interval %(low)s to %(high)s points): the campaign "
            "very likely did harm."
        )
    else:
        text = _(
            "The difference between the contacted and the control group is %(difference)s "
            "percentage points (95 %% interval %(low)s to %(high)s points). The interval "
            "includes zero: the difference may be chance, the effect is not shown yet."
        )
    return text % numbers


@permission_required(VIEW, raise_exception=True)
def campaign_effectiveness_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    result = campaign_effectiveness(campaign)
    outcomes = [
        {
            "value": value,
            "label": label,
            "count": result.outcomes.get(value, 0),
            "share": _percent(result.outcomes.get(value, 0) / result.worked)
            if result.worked
            else None,
        }
        for value, label in Contact.Outcome.choices
        if value
    ]
    chart = {
        "dates": [day.day.isoformat() for day in result.days if day.day is not None],
        "worked": [day.worked for day in result.days if day.day is not None],
        "reached": [day.reached for day in result.days if day.day is not None],
    }
    lift = result.lift
    context = {
        "campaign": campaign,
        "result": result,
        "outcomes": outcomes,
        "chart": chart,
        "reach_rate": _percent(result.reach_rate),
        "treated_rate": _percent(lift.treated_rate),
        "control_rate": _percent(lift.control_rate),
        "difference": _percent(lift.difference),
        "low": None if lift.low is None else signed_number(lift.low * 100),
        "high": None if lift.high is None else signed_number(lift.high * 100),
        "lift_words": lift_in_words(result),
        "gained": None
        if result.retained_through_campaign is None
        else round(result.retained_through_campaign, 1),
        "may_export": request.user.has_perms(EXPORT),
        "uplift_runs": campaign.uplift_runs.defer("artifact", "figures").order_by("-pk")
        if request.user.has_perm("campaigns.view_upliftrun")
        else [],
    }
    return render(request, "campaigns/manage_effectiveness.html", context)


@permission_required(VIEW, raise_exception=True)
def campaign_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """All contacts of the campaign as CSV (streamed) or XLSX."""
    if not request.user.has_perms(EXPORT):
        raise PermissionDenied
    campaign = get_object_or_404(Campaign, pk=pk)
    if fmt not in FORMATS:
        return HttpResponse(status=404)
    header, rows = contact_header(), contact_rows(campaign)
    if fmt == "csv":
        return csv_response(export_file_name(campaign, "csv"), header, rows)
    return xlsx_response(
        export_file_name(campaign, "xlsx"), header, rows, title=pgettext("campaign", "Contacts")
    )


urlpatterns = [
    path("", campaign_list, name="list"),
    path("new/", campaign_new, name="new"),
    path("new/<int:template_pk>/", campaign_duplicate, name="duplicate"),
    path("templates/", template_list, name="templates"),
    path("templates/new/", template_edit, name="template-new"),
    path("templates/<int:pk>/", template_edit, name="template-edit"),
    path("templates/script-preview/", script_preview, name="script-preview"),
    path("<int:pk>/", campaign_detail, name="detail"),
    path("<int:pk>/edit/", campaign_edit, name="edit"),
    path("<int:pk>/populate/", campaign_populate_view, name="populate"),
    path("<int:pk>/assign/", campaign_assign, name="assign"),
    path("<int:pk>/close/", campaign_close_view, name="close"),
    path("<int:pk>/effectiveness/", campaign_effectiveness_view, name="effectiveness"),
    path("<int:pk>/export.<str:fmt>", campaign_export, name="export"),
]
