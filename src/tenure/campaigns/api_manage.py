"""REST API for the retention team's campaigns: templates, campaigns from a template, preview and
populate from a saved search, a segment or a list of partner numbers, effectiveness."""

import datetime as dt
from decimal import Decimal
from typing import Literal, NoReturn

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field, model_validator

from tenure.accounts.api import require_permission
from tenure.campaigns.effectiveness import campaign_effectiveness
from tenure.campaigns.forms import visible_saved_searches
from tenure.campaigns.models import Campaign, CampaignTemplate, Contact, Population, UpliftRun
from tenure.campaigns.scripts import check_placeholders
from tenure.campaigns.services import (
    EXCLUSION_REASONS,
    CampaignError,
    PopulationPlan,
    TargetSource,
    campaign_from_template,
    campaign_populate,
    population_plan,
    source_from_saved_search,
    source_from_segment,
)
from tenure.core.apierrors import InvalidRequest
from tenure.core.tabular import RowError
from tenure.customervalue.models import CustomerSegment
from tenure.customervalue.schemas import ErrorOut, RejectedOut
from tenure.partners.selectors import partner_ids_by_number

router = Router(tags=["campaigns"])
VIEW = "campaigns.view_campaign"
MANAGE = "campaigns.change_campaign"
MAX_NUMBERS = 1_000_000


class TemplateOut(Schema):
    id: int
    name: str
    type: str
    action_kind: str
    action_object: str
    script: str
    channel: str
    cost_per_contact: Decimal
    duration_days: int
    active: bool


class CampaignIn(Schema):
    template: int = Field(description="id of the template to duplicate")
    name: str = Field(min_length=1, max_length=200)
    starts_on: dt.date
    ends_on: dt.date | None = Field(None, description="default: start + the template's duration")
    owner: str | None = Field(None, description="user name; default: the caller")
    control_share: float = Field(0.0, ge=0, le=0.9)
    action_object: str | None = None
    script: str | None = None
    channel: str | None = None
    cost_per_contact: Decimal | None = Field(None, ge=0)
    description: str | None = None


class CampaignOut(Schema):
    id: int
    name: str
    type: str
    template: int | None
    owner: str | None
    starts_on: dt.date
    ends_on: dt.date | None
    active: bool
    running: bool
    action_kind: str
    action_object: str
    channel: str
    cost_per_contact: Decimal
    control_share: float
    control_seed: int
    contacts_treated: int
    contacts_control: int
    url: str


class SourceIn(Schema):
    """Exactly one of: a saved search id, a segment key, a list of partner numbers."""

    saved_search: int | None = None
    segment: str | None = None
    partner_numbers: list[str] | None = Field(None, max_length=MAX_NUMBERS)
    uplift_run: int | None = Field(
        None, description="optional: keep the source's partners with the highest predicted uplift"
    )
    uplift_top: int | None = Field(None, ge=1, description="with uplift_run: this many")
    uplift_share: float | None = Field(
        None, gt=0, le=1, description="with uplift_run: this share of those with uplift > 0"
    )

    @model_validator(mode="after")
    def one_source(self) -> "SourceIn":
        given = [self.saved_search is not None, self.segment is not None,
                 self.partner_numbers is not None]  # fmt: skip
        if sum(given) != 1:
            raise ValueError("give exactly one of saved_search, segment, partner_numbers")
        if self.uplift_run is not None and (self.uplift_top is None) == (self.uplift_share is None):
            raise ValueError("with uplift_run give either uplift_top or uplift_share")
        return self


class ExcludedOut(Schema):
    reason: str
    label: str
    count: int


class PlanOut(Schema):
    source: str
    matched: int
    excluded: list[ExcludedOut]
    treated: int
    control: int
    rejected: list[RejectedOut]


class PopulationOut(Schema):
    id: int
    source: str
    matched: int
    excluded: list[ExcludedOut]
    added_treated: int
    added_control: int
    control_share: float
    control_seed: int
    created_at: dt.datetime
    rejected: list[RejectedOut]


class DayOut(Schema):
    day: dt.date
    worked: int
    reached: int


class EffectivenessOut(Schema):
    campaign: int
    as_of: dt.date
    contacts_treated: int
    contacts_control: int
    worked: int
    reached: int
    open: int
    reach_rate: float | None
    outcomes: dict[str, int]
    cost: Decimal
    cost_per_retained: Decimal | None
    treated_retained: int
    control_retained: int
    treated_rate: float | None
    control_rate: float | None
    difference: float | None = Field(description="treated rate − control rate")
    low: float | None = Field(description="lower end of the interval of the difference")
    high: float | None = Field(description="upper end of the interval of the difference")
    confidence: float
    significant: bool
    retained_through_campaign: float | None
    days: list[DayOut]


def _template(template: CampaignTemplate) -> TemplateOut:
    return TemplateOut.model_validate(template, from_attributes=True)


def _campaign(campaign: Campaign) -> CampaignOut:
    counts = dict(
        Contact.objects.filter(campaign=campaign)
        .order_by()
        .values_list("group")
        .annotate(n=Count("id"))
    )
    return CampaignOut(
        id=campaign.pk,
        name=campaign.name,
        type=campaign.type,
        template=campaign.template_id,
        owner=campaign.owner.username if campaign.owner else None,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        active=campaign.active,
        running=campaign.is_running(timezone.localdate()),
        action_kind=campaign.action_kind,
        action_object=campaign.action_object,
        channel=campaign.channel,
        cost_per_contact=campaign.cost_per_contact,
        control_share=campaign.control_share,
        control_seed=campaign.control_seed,
        contacts_treated=counts.get(Contact.Group.TREATED, 0),
        contacts_control=counts.get(Contact.Group.CONTROL, 0),
        url=campaign.get_absolute_url(),
    )


def _excluded(excluded: dict[str, int]) -> list[ExcludedOut]:
    return [
        ExcludedOut(reason=key, label=EXCLUSION_REASONS.get(key, key), count=count)
        for key, count in excluded.items()
    ]


def _rejected(errors: list[RowError]) -> list[RejectedOut]:
    return [RejectedOut(index=e.row, field=e.column, error=e.reason) for e in errors]


def _source(request: HttpRequest, body: SourceIn) -> tuple[TargetSource, list[RowError]]:
    """The chosen source, ranked by an uplift model if asked."""
    source, rejected = _base_source(request, body)
    if body.uplift_run is None:
        return source, rejected
    from tenure.campaigns.uplift import source_from_uplift

    require_permission(request, "campaigns.view_upliftrun")
    run = UpliftRun.objects.filter(pk=body.uplift_run).first()
    if run is None:
        raise HttpError(404, f"no uplift run {body.uplift_run}")
    try:
        ranked = source_from_uplift(run, source, top=body.uplift_top, share=body.uplift_share)
    except CampaignError as exc:
        _invalid("uplift_run", str(exc))
    return ranked, rejected


def _base_source(request: HttpRequest, body: SourceIn) -> tuple[TargetSource, list[RowError]]:
    """The search, segment or numbers; numbers are checked like a list upload (index = position
    in the list)."""
    try:
        if body.saved_search is not None:
            if not visible_saved_searches(request.user).filter(pk=body.saved_search).exists():
                raise HttpError(404, f"no saved search {body.saved_search}")
            return source_from_saved_search(body.saved_search), []
        if body.segment is not None:
            if not CustomerSegment.objects.filter(pk=body.segment).exists():
                _invalid("segment", f"no customer segment {body.segment!r}")
            return source_from_segment(body.segment), []
    except CampaignError as exc:
        _invalid("saved_search", str(exc))
    except ValueError as exc:  # the saved criteria no longer parse (CriteriaError)
        _invalid("saved_search", f"the saved search no longer works: {exc}")
    numbers = [str(number).strip() for number in body.partner_numbers or []]
    known = partner_ids_by_number(set(numbers) - {""})
    ids: list[int] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, number in enumerate(numbers):
        if not number:
            errors.append(RowError(index, "partner_numbers", "empty"))
        elif number in seen:
            errors.append(RowError(index, "partner_numbers", f"repeats index {seen[number]}"))
        elif number not in known:
            errors.append(RowError(index, "partner_numbers", "no such business partner", number))
        else:
            seen[number] = index
            ids.append(known[number])
    return TargetSource(label=f"list: {len(numbers)} partner numbers (API)",
                        partner_ids=tuple(ids)), errors  # fmt: skip


def _invalid(field: str, reason: str) -> NoReturn:
    raise InvalidRequest([{"field": field, "error": reason}], f"{field}: {reason}")


@router.get("/campaign-templates", response=list[TemplateOut], summary="Campaign templates")
def templates(request: HttpRequest, active: bool | None = None) -> list[TemplateOut]:
    require_permission(request, "campaigns.view_campaigntemplate")
    found = CampaignTemplate.objects.all()
    if active is not None:
        found = found.filter(active=active)
    return [_template(template) for template in found]


@router.get("/campaign-templates/{template_id}", response={200: TemplateOut, 404: ErrorOut},
            summary="One campaign template")  # fmt: skip
def template(request: HttpRequest, template_id: int) -> TemplateOut:
    require_permission(request, "campaigns.view_campaigntemplate")
    return _template(get_object_or_404(CampaignTemplate, pk=template_id))


class CampaignFilter(Schema):
    type: Literal["retention", "loyalty", "caring"] | None = None
    active: bool | None = None
    running: bool | None = Field(None, description="active and within its dates today")


@router.get(
    "/campaigns", response=list[CampaignOut], summary="Campaigns, newest first (at most 500)"
)
def campaigns(
    request: HttpRequest,
    filters: CampaignFilter = Query(...),  # type: ignore[type-arg]  # noqa: B008
) -> list[CampaignOut]:
    require_permission(request, VIEW)
    found = Campaign.objects.select_related("owner")
    if filters.type:
        found = found.filter(type=filters.type)
    if filters.active is not None:
        found = found.filter(active=filters.active)
    if filters.running is not None:
        today = timezone.localdate()
        running = Q(active=True, starts_on__lte=today) & (
            Q(ends_on__isnull=True) | Q(ends_on__gte=today)
        )
        found = found.filter(running) if filters.running else found.exclude(running)
    return [_campaign(campaign) for campaign in found[:500]]


def _personalisation_problems(body: CampaignIn) -> list[dict[str, str]]:
    """The field errors the page's form reports too: end before start, unknown placeholders."""
    problems = []
    if body.ends_on is not None and body.ends_on < body.starts_on:
        problems.append({"field": "ends_on", "error": "the campaign cannot end before it starts"})
    if body.script is not None:
        try:
            check_placeholders(body.script)
        except DjangoValidationError as exc:
            problems.append({"field": "script", "error": " ".join(exc.messages)})
    return problems


@router.post("/campaigns", response={201: CampaignOut, 404: ErrorOut, 422: ErrorOut},
             summary="Create a campaign by duplicating a template")  # fmt: skip
def create_campaign(request: HttpRequest, body: CampaignIn) -> Status:
    require_permission(request, "campaigns.add_campaign")
    template = CampaignTemplate.objects.filter(pk=body.template).first()
    if template is None:
        raise HttpError(404, f"no campaign template {body.template}")
    owner = request.user
    if body.owner:
        found = User.objects.filter(username=body.owner, is_active=True).first()
        if found is None:
            _invalid("owner", f"no user {body.owner!r}")
        owner = found  # type: ignore[assignment]
    problems = _personalisation_problems(body)
    if problems:
        raise InvalidRequest(problems, "; ".join(f"{p['field']}: {p['error']}" for p in problems))
    changes = {
        key: value
        for key in ("action_object", "script", "channel", "cost_per_contact", "description")
        if (value := getattr(body, key)) is not None
    }
    try:
        campaign = campaign_from_template(
            template,
            name=body.name,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            owner=owner,  # type: ignore[arg-type]
            control_share=body.control_share,
            **changes,
        )
    except CampaignError as exc:
        field = str(exc).split(":", 1)[0] if ":" in str(exc) else "template"
        _invalid(field, str(exc))
    return Status(201, _campaign(campaign))


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, 404: ErrorOut},
            summary="One campaign with its group sizes")  # fmt: skip
def campaign(request: HttpRequest, campaign_id: int) -> CampaignOut:
    require_permission(request, VIEW)
    return _campaign(get_object_or_404(Campaign.objects.select_related("owner"), pk=campaign_id))


def _plan(source: TargetSource, plan: PopulationPlan, rejected: list[RowError]) -> PlanOut:
    return PlanOut(
        source=source.label,
        matched=plan.matched,
        excluded=_excluded(plan.excluded),
        treated=plan.treated,
        control=plan.control,
        rejected=_rejected(rejected),
    )


@router.post("/campaigns/{campaign_id}/preview", response={200: PlanOut, 404: ErrorOut,
             422: ErrorOut}, summary="What populating from a source would add (writes nothing)")  # fmt: skip
def preview(request: HttpRequest, campaign_id: int, body: SourceIn) -> PlanOut:
    require_permission(request, MANAGE)
    target = get_object_or_404(Campaign, pk=campaign_id)
    source, rejected = _source(request, body)
    return _plan(source, population_plan(target, source), rejected)


@router.post("/campaigns/{campaign_id}/populate", response={201: PopulationOut, 404: ErrorOut,
             422: ErrorOut}, summary="Add a source's targets, holding out the control group")  # fmt: skip
def populate(request: HttpRequest, campaign_id: int, body: SourceIn) -> Status:
    """All or nothing; rejected partner numbers are listed and the valid ones added."""
    require_permission(request, MANAGE, "campaigns.add_contact")
    target = get_object_or_404(Campaign, pk=campaign_id)
    source, rejected = _source(request, body)
    try:
        population: Population = campaign_populate(target, source, actor=request.user)  # type: ignore[arg-type]
    except CampaignError as exc:
        raise HttpError(409, str(exc)) from None
    return Status(
        201,
        PopulationOut(
            id=population.pk,
            source=population.source,
            matched=population.matched,
            excluded=_excluded(population.excluded),
            added_treated=population.added_treated,
            added_control=population.added_control,
            control_share=population.control_share,
            control_seed=population.control_seed,
            created_at=population.created_at,
            rejected=_rejected(rejected),
        ),
    )


@router.get("/campaigns/{campaign_id}/effectiveness", response={200: EffectivenessOut,
            404: ErrorOut}, summary="Contacts, outcomes, cost and the retention lift")  # fmt: skip
def effectiveness(
    request: HttpRequest, campaign_id: int, as_of: dt.date | None = None
) -> EffectivenessOut:
    """``difference`` is the contacted group's retention rate minus the control group's, with
    Newcombe's 95 % interval (``low`` … ``high``); ``significant`` when it excludes zero."""
    require_permission(request, VIEW)
    result = campaign_effectiveness(get_object_or_404(Campaign, pk=campaign_id), as_of=as_of)
    lift = result.lift
    return EffectivenessOut(
        campaign=campaign_id,
        as_of=result.as_of,
        contacts_treated=result.treated,
        contacts_control=result.control,
        worked=result.worked,
        reached=result.reached,
        open=result.open,
        reach_rate=result.reach_rate,
        outcomes=result.outcomes,
        cost=result.cost,
        cost_per_retained=result.cost_per_retained,
        treated_retained=result.treated_retained,
        control_retained=result.control_retained,
        treated_rate=lift.treated_rate,
        control_rate=lift.control_rate,
        difference=lift.difference,
        low=lift.low,
        high=lift.high,
        confidence=lift.confidence,
        significant=lift.significant,
        retained_through_campaign=result.retained_through_campaign,
        days=[DayOut(day=d.day, worked=d.worked, reached=d.reached) for d in result.days if d.day],
    )
