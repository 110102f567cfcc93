"""The operator desktop's worklist: the contacts an agent works, filtered, sorted and paged in the
database, with the indicator strip of every row.

Who sees what: only contacts of the contacted group (the control group is never worked) of
running campaigns; an agent sees their own contacts ("mine") and the unassigned ones, the
retention team (``campaigns.change_campaign``) everyone's ("all").

Cost per page, whatever the size of the table: two counts (matching, and the whole scope; one
when nothing is filtered; with free text the matching count comes with the page's ids), the ids
of the page in the asked order, their rows (contact, partner, campaign, agent and the partner's
traffic light and NPS in one query), and a batched query for the types of the running campaigns
that contact the page's partners (the Retention and Caring flags).

Segment, risk class and churn score are the contact's snapshot of the customer **when targeted**
(:mod:`tenure.campaigns.targeting`): the worklist shows, filters and sorts by them from the
contact's own columns and indexes, instead of reading the current dataset of every contact in
scope (0.2–1 s at 100,000 contacts, docs/benchmarks.md §7); the contact's page shows the current
tile. Sorted by one of them, contacts without data count as lowest (first ascending, last
descending) and ties go by id in the same direction, so that one index serves both directions.
The free text matches the beginning of the partner number or of the name (case-insensitive), as
they were when targeted, through an index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenure.campaigns.models import Campaign, CampaignType, Contact
from tenure.campaigns.selectors import running
from tenure.customervalue.models import ChurnRiskClass, CustomerSegment
from tenure.retention.indicators import Indicators
from tenure.retention.models import PartnerIndicator, TrafficLight, nps_band

User = Any  # request.user: a user with permissions, or anonymous (sees nothing)

SCOPES = {"mine": _("My contacts"), "unassigned": _("Unassigned"), "all": _("All agents")}
LIGHTS = ("red", "yellow", "green", "none")
CALLBACKS = {
    "due": _("due now"),
    "today": _("due today"),
    "planned": _("any call-back planned"),
}
COLUMNS: dict[str, Any] = {
    "partner": _("Partner number"),
    "name": _("Name"),
    "city": _("City"),
    "campaign": _("Campaign"),
    "type": _("Type"),
    "status": _("Status"),
    "outcome": _("Outcome"),
    "segment": _("Segment"),
    "risk": _("Risk class"),
    "churn": _("Churn score"),
    "light": _("Traffic light"),
    "callback": _("Call back at"),
    "agent": _("Agent"),
    "added": _("Added"),
}
STATUS_LABELS: dict[str, Any] = {
    Contact.Status.OPEN: pgettext_lazy("contact status", "Open"),
    Contact.Status.IN_PROGRESS: pgettext_lazy("contact status", "In progress"),
    Contact.Status.REACHED: pgettext_lazy("contact status", "Reached"),
    Contact.Status.NOT_REACHED: pgettext_lazy("contact status", "Not reached"),
    Contact.Status.DONE: pgettext_lazy("contact status", "Done"),
}
"""A contact's status in words ("Open" is a verb elsewhere in the catalogs, hence the context)."""
DEFAULT_SORT = "added"
PAGE_SIZES = (25, 50, 100)
MAX_TEXT = 100
OPEN_WORK = (Contact.Status.OPEN, Contact.Status.IN_PROGRESS)


class WorklistError(ValueError):
    """A worklist request that cannot be answered: names the parameter and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True)
class WorklistQuery:
    """What the agent asked for: scope, free text, per-column filters, sort and page."""

    scope: str = "mine"
    text: str = ""
    city: str = ""  # the beginning of the city, any case
    campaign: int | None = None
    type: str = ""
    status: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()  # "none" = no outcome yet
    segment: tuple[str, ...] = ()
    risk: tuple[str, ...] = ()
    churn_min: int | None = None
    churn_max: int | None = None
    light: tuple[str, ...] = ()
    callback: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    size: int = PAGE_SIZES[0]

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query as URL parameters (defaults left out), so that the URL keeps the state."""
        query = replace(self, **changes)
        pairs: list[tuple[str, str]] = []
        if query.scope != "mine":
            pairs.append(("scope", query.scope))
        if query.text:
            pairs.append(("q", query.text))
        if query.city:
            pairs.append(("city", query.city))
        if query.campaign is not None:
            pairs.append(("campaign", str(query.campaign)))
        if query.type:
            pairs.append(("type", query.type))
        for name in ("status", "outcome", "segment", "risk", "light"):
            pairs.extend((name, value) for value in getattr(query, name))
        if query.churn_min is not None:
            pairs.append(("churn_min", str(query.churn_min)))
        if query.churn_max is not None:
            pairs.append(("churn_max", str(query.churn_max)))
        if query.callback:
            pairs.append(("callback", query.callback))
        if query.sort != DEFAULT_SORT:
            pairs.append(("sort", query.sort))
        if query.size != PAGE_SIZES[0]:
            pairs.append(("size", str(query.size)))
        if query.page != 1:
            pairs.append(("page", str(query.page)))
        return pairs

    @property
    def filtered(self) -> bool:
        """Whether anything beyond the scope narrows the list."""
        return bool(self.params(scope="mine", sort=DEFAULT_SORT, size=PAGE_SIZES[0], page=1))


def _one(data: Mapping[str, Sequence[str]], name: str) -> str:
    values = [value.strip() for value in data.get(name, ()) if value and value.strip()]
    if len(values) > 1:
        raise WorklistError(name, "give one value")
    return values[0] if values else ""


def _many(data: Mapping[str, Sequence[str]], name: str, allowed: Sequence[str]) -> tuple[str, ...]:
    values: list[str] = []
    for raw in data.get(name, ()):
        values.extend(part.strip() for part in (raw or "").split(",") if part.strip())
    wrong = [value for value in values if value not in allowed]
    if wrong:
        known = ", ".join(value or "none" for value in allowed)
        raise WorklistError(name, f"unknown value(s) {', '.join(wrong)}; known: {known}")
    return tuple(dict.fromkeys(values))


def _whole(data: Mapping[str, Sequence[str]], name: str, low: int, high: int) -> int | None:
    raw = _one(data, name)
    if not raw:
        return None
    if not raw.lstrip("-").isdigit():
        raise WorklistError(name, f"must be a whole number, not {raw!r}")
    number = int(raw)
    if not low <= number <= high:
        raise WorklistError(name, f"must be from {low} to {high}")
    return number


def parse_worklist_query(data: Mapping[str, Sequence[str]]) -> WorklistQuery:
    """Read the worklist parameters (a mapping of name → values, like ``QueryDict.lists()``)."""
    scope = _one(data, "scope") or "mine"
    if scope not in SCOPES:
        raise WorklistError("scope", f"must be one of {', '.join(SCOPES)}")
    text = _one(data, "q")
    if len(text) > MAX_TEXT:
        raise WorklistError("q", f"at most {MAX_TEXT} characters")
    city = _one(data, "city")
    if len(city) > MAX_TEXT:
        raise WorklistError("city", f"at most {MAX_TEXT} characters")
    campaign = _whole(data, "campaign", 1, 2**31 - 1)
    kind = _one(data, "type")
    if kind and kind not in CampaignType.values:
        raise WorklistError("type", f"must be one of {', '.join(CampaignType.values)}")
    outcomes = [value or "none" for value in Contact.Outcome.values]
    churn_min = _whole(data, "churn_min", 0, 100)
    churn_max = _whole(data, "churn_max", 0, 100)
    if churn_min is not None and churn_max is not None and churn_min > churn_max:
        raise WorklistError("churn_min", f"{churn_min} is greater than the maximum {churn_max}")
    callback = _one(data, "callback")
    if callback and callback not in CALLBACKS:
        raise WorklistError("callback", f"must be one of {', '.join(CALLBACKS)}")
    sort = _one(data, "sort") or DEFAULT_SORT
    if sort.lstrip("-") not in COLUMNS:
        raise WorklistError(
            "sort", f"unknown column {sort!r}; sort by one of: {', '.join(COLUMNS)}"
        )
    size = _whole(data, "size", 1, 500) or PAGE_SIZES[0]
    page = _whole(data, "page", 1, 10**9) or 1
    return WorklistQuery(
        scope=scope,
        text=text,
        city=city,
        campaign=campaign,
        type=kind,
        status=_many(data, "status", Contact.Status.values),
        outcome=_many(data, "outcome", outcomes),
        segment=_many(data, "segment", _keys(CustomerSegment)),
        risk=_many(data, "risk", _keys(ChurnRiskClass)),
        churn_min=churn_min,
        churn_max=churn_max,
        light=_many(data, "light", LIGHTS),
        callback=callback,
        sort=sort,
        page=page,
        size=size,
    )


def _keys(table: type[CustomerSegment] | type[ChurnRiskClass]) -> list[str]:
    return list(table.objects.values_list("key", flat=True))


# --- the query ---------------------------------------------------------------------------------


def may_see_all(user: User) -> bool:
    return bool(user.has_perm("campaigns.change_campaign"))


def campaign_worklist_url(user: Any, campaign: Campaign, *, status: str = "") -> str:
    """The operator desktop filtered to one running campaign, for a user who works contacts: all
    agents' contacts for the retention team (also by ``status``, matching the campaign's counts),
    an agent's own otherwise; "" when there is nothing to work there (ended or closed campaign)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    if not user.has_perm("campaigns.change_contact") or not campaign.is_running(
        timezone.localdate()
    ):
        return ""
    if status and not may_see_all(user):
        return ""  # the campaign's counts are every agent's: an agent's own list would differ
    query = WorklistQuery(
        scope="all" if may_see_all(user) else "mine",
        campaign=campaign.pk,
        status=(status,) if status else (),
    )
    return reverse("campaigns:desktop") + "?" + urlencode(query.params())


def visible_contacts(user: User) -> QuerySet[Contact]:
    """The contacts a user may open from the desktop: contacted group only; agents see their own
    and unassigned ones, the retention team every agent's."""
    contacts = Contact.objects.filter(group=Contact.Group.TREATED)
    if not may_see_all(user):
        contacts = contacts.filter(Q(agent_id=user.pk) | Q(agent__isnull=True))
    return contacts


def _ranked(column: str, values: Sequence[str]) -> Case:
    """A column's values in their workflow order (unknown or empty: last)."""
    return Case(
        *(When(**{column: value}, then=Value(rank)) for rank, value in enumerate(values) if value),
        default=Value(None),
        output_field=IntegerField(),
    )


SNAPSHOT = {
    "segment": "targeted_segment",
    "risk": "targeted_risk_class",
    "churn": "targeted_churn_score",
}
"""Columns of the contact's snapshot when targeted (empty without a dataset): sorted with empty
ones lowest and ties by id in the same direction."""
HIGHEST = "\U0010ffff"
"""Above every character: ``[text, text + HIGHEST)`` holds the strings that begin with text."""
NOT_NULL = {
    "partner": "partner__number",
    "name": "partner__name",
    "city": "partner__city",
    "campaign": "campaign__name",
    "added": "id",  # ids grow with the time added; their index pages the default order
}
"""Sort columns that are never empty: sorted without NULLS LAST, so that an index can serve."""


def _sort_key(column: str) -> Any:
    plain = {**NOT_NULL, **SNAPSHOT, "agent": "agent__username", "callback": "callback_at"}
    if column in plain:
        return F(plain[column])
    if column == "type":
        return _ranked("campaign__type", CampaignType.values)
    if column == "status":
        return _ranked("status", Contact.Status.values)
    if column == "outcome":
        return _ranked("outcome", Contact.Outcome.values)
    return _ranked("partner__indicator__traffic_light", TrafficLight.values)  # light


def scoped_contacts(user: User, query: WorklistQuery, *, day: dt.date) -> QuerySet[Contact]:
    """The scope of the worklist: contacted group, running campaigns, mine/unassigned/all."""
    contacts = Contact.objects.filter(running(day), group=Contact.Group.TREATED)
    if query.scope == "mine":
        return contacts.filter(agent_id=user.pk)
    if query.scope == "unassigned":
        return contacts.filter(agent__isnull=True)
    if not may_see_all(user):
        raise WorklistError("scope", "your role sees only your own and unassigned contacts")
    return contacts


def worklist_contacts(
    user: User, query: WorklistQuery, *, day: dt.date, now: dt.datetime
) -> QuerySet[Contact]:
    """The scope narrowed by the free text and the column filters (unordered)."""
    contacts = scoped_contacts(user, query, day=day).order_by()
    if query.text:
        contacts = contacts.filter(_text_matches(query.text))
    if query.city:
        contacts = contacts.filter(partner__city__istartswith=query.city)
    if query.campaign is not None:
        contacts = contacts.filter(campaign_id=query.campaign)
    if query.type:
        contacts = contacts.filter(campaign__type=query.type)
    if query.status:
        contacts = contacts.filter(status__in=query.status)
    if query.outcome:
        contacts = contacts.filter(
            outcome__in=["" if value == "none" else value for value in query.outcome]
        )
    if query.light:
        # the indicator's key is the partner id: a semi-join, without joining the partners
        indicators = PartnerIndicator.objects.values("partner_id")
        wanted = [light for light in query.light if light != "none"]
        lights = Q(partner_id__in=indicators.filter(traffic_light__in=wanted))
        if "none" in query.light:
            lights |= ~Q(partner_id__in=indicators.exclude(traffic_light=""))
        contacts = contacts.filter(lights)
    if query.callback:
        contacts = contacts.filter(callback_at__isnull=False)
        if query.callback == "due":
            contacts = contacts.filter(callback_at__lte=now)
        elif query.callback == "today":
            midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
            contacts = contacts.filter(callback_at__lt=midnight + dt.timedelta(days=1))
        if query.callback != "planned":
            contacts = contacts.exclude(status=Contact.Status.DONE)
    if query.segment:
        contacts = contacts.filter(targeted_segment__in=list(query.segment))
    if query.risk:
        contacts = contacts.filter(targeted_risk_class__in=list(query.risk))
    if query.churn_min is not None:
        contacts = contacts.filter(targeted_churn_score__gte=query.churn_min)
    if query.churn_max is not None:
        contacts = contacts.filter(targeted_churn_score__lte=query.churn_max)
    return contacts


def _text_matches(text: str) -> Q:
    """Number or name beginning with the text, case-insensitive: a range of an index (on
    PostgreSQL ``LIKE 'text%'`` with the pattern operator class, right under any collation)."""
    key = text.lower()
    matches = Q()
    for column in ("search_number", "search_name"):
        if connection.vendor == "postgresql":
            matches |= Q(**{f"{column}__startswith": key})
        else:
            matches |= Q(**{f"{column}__gte": key, f"{column}__lt": key + HIGHEST})
    return matches


def _ordered(contacts: QuerySet[Contact], sort: str) -> QuerySet[Contact]:
    column = sort.lstrip("-")
    descending = sort.startswith("-")
    key = F("_sort")
    contacts = contacts.alias(_sort=_sort_key(column))
    if column in SNAPSHOT:  # empty lowest, ties in the same direction: one index both ways
        if descending:
            return contacts.order_by(key.desc(nulls_last=True), F("id").desc())
        return contacts.order_by(key.asc(nulls_first=True), F("id").asc())
    if column in NOT_NULL:
        ordering = key.desc() if descending else key.asc()
    else:
        ordering = key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
    return contacts.order_by(ordering, "id")


# --- the rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistRow:
    """One contact as the worklist shows it, with the partner's indicator strip."""

    id: int
    partner_id: int
    partner_number: str
    partner_name: str
    city: str
    campaign_id: int
    campaign_name: str
    campaign_type: str
    status: str
    outcome: str
    agent: str | None
    callback_at: dt.datetime | None
    callback_due: bool
    added_at: dt.datetime
    segment: str | None
    segment_label: str
    segment_colour: str
    risk_class: str | None
    risk_label: str
    risk_colour: str
    churn_score: int | None
    indicators: Indicators

    @property
    def type_label(self) -> str:
        return str(CampaignType(self.campaign_type).label)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def outcome_label(self) -> str:
        return str(Contact.Outcome(self.outcome).label) if self.outcome else ""


@dataclass
class WorklistPage:
    query: WorklistQuery
    rows: list[WorklistRow]
    total: int
    in_scope: int
    page: int
    size: int
    campaigns: list[tuple[int, str]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first(self) -> int:
        return (self.page - 1) * self.size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


_ROW_VALUES = (
    "id",
    "partner_id",
    "partner__number",
    "partner__name",
    "partner__city",
    "campaign_id",
    "campaign__name",
    "campaign__type",
    "status",
    "outcome",
    "agent__username",
    "callback_at",
    "added_at",
    "partner__indicator__traffic_light",
    "partner__indicator__nps",
    "targeted_segment",
    "targeted_risk_class",
    "targeted_churn_score",
)


def key_labels() -> dict[str, dict[str, tuple[str, str]]]:
    """Label and colour of every segment and risk class key (two small tables, one query)."""
    columns = ("kind", "key", "label", "colour")
    segments = CustomerSegment.objects.order_by().annotate(kind=Value("segment"))
    risks = ChurnRiskClass.objects.order_by().annotate(kind=Value("risk"))
    labels: dict[str, dict[str, tuple[str, str]]] = {"segment": {}, "risk": {}}
    for kind, key, label, colour in segments.values_list(*columns).union(
        risks.values_list(*columns), all=True
    ):
        labels[kind][key] = (label, colour)
    return labels


def page_campaign_types(partner_ids: Sequence[int], *, day: dt.date) -> dict[int, set[str]]:
    """The types of the running campaigns that contact each partner (one query)."""
    types: dict[int, set[str]] = {}
    rows = (
        Contact.objects.filter(running(day), partner_id__in=list(partner_ids))
        .filter(group=Contact.Group.TREATED)
        .values_list("partner_id", "campaign__type")
        .distinct()
    )
    for partner_id, kind in rows:
        types.setdefault(partner_id, set()).add(kind)
    return types


def _rows(values: list[dict[str, Any]], *, day: dt.date, now: dt.datetime) -> list[WorklistRow]:
    partner_ids = [row["partner_id"] for row in values]
    labels = key_labels() if values else {"segment": {}, "risk": {}}
    types = page_campaign_types(partner_ids, day=day)
    rows = []
    for row in values:
        segment, risk = row["targeted_segment"], row["targeted_risk_class"]
        segment_label, segment_colour = labels["segment"].get(segment or "", ("", "grey"))
        risk_label, risk_colour = labels["risk"].get(risk or "", ("", "grey"))
        light = row["partner__indicator__traffic_light"] or ""
        nps = row["partner__indicator__nps"]
        kinds = types.get(row["partner_id"], set())
        rows.append(
            WorklistRow(
                id=row["id"],
                partner_id=row["partner_id"],
                partner_number=row["partner__number"],
                partner_name=row["partner__name"],
                city=row["partner__city"] or "",
                campaign_id=row["campaign_id"],
                campaign_name=row["campaign__name"],
                campaign_type=row["campaign__type"],
                status=row["status"],
                outcome=row["outcome"],
                agent=row["agent__username"],
                callback_at=row["callback_at"],
                callback_due=bool(
                    row["callback_at"]
                    and row["callback_at"] <= now
                    and row["status"] != Contact.Status.DONE
                ),
                added_at=row["added_at"],
                segment=segment,
                segment_label=segment_label,
                segment_colour=segment_colour or "grey",
                risk_class=risk,
                risk_label=risk_label,
                risk_colour=risk_colour or "grey",
                churn_score=row["targeted_churn_score"],
                indicators=Indicators(
                    traffic_light=light,
                    traffic_light_label=str(TrafficLight(light).label) if light else "",
                    traffic_light_since=None,
                    nps=nps,
                    nps_band=nps_band(nps),
                    nps_at=None,
                    retention=CampaignType.RETENTION in kinds,
                    caring=CampaignType.CARING in kinds,
                ),
            )
        )
    return rows


def _page_ids(contacts: QuerySet[Contact], query: WorklistQuery) -> tuple[list[int], int, int]:
    """The ids of the asked page (the last one past the end), the number of matching contacts
    and the page number shown.

    The free text matches every contact in scope one by one, for the count as for the page, so
    then the count comes along with the page in one pass (``COUNT(*) OVER ()``); otherwise the
    count is a query of its own and the page's query may stop after the page."""
    ordered = _ordered(contacts, query.sort)
    if query.text:
        start = (query.page - 1) * query.size
        counted = list(
            ordered.annotate(_total=Window(Count("pk"))).values_list("id", "_total")[
                start : start + query.size
            ]
        )
        if counted:
            return [pk for pk, _ in counted], counted[0][1], query.page
    total = contacts.count()
    page = min(query.page, max(1, -(-total // query.size)))
    start = (page - 1) * query.size
    return list(ordered.values_list("id", flat=True)[start : start + query.size]), total, page


def worklist_page(
    user: User,
    query: WorklistQuery,
    *,
    day: dt.date | None = None,
    now: dt.datetime | None = None,
) -> WorklistPage:
    """One page of the worklist with the number of matching contacts and of the whole scope;
    a page past the end shows the last one."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    contacts = worklist_contacts(user, query, day=day, now=now)
    # the page's ids first (only the joins the filters and the sort need, so that skipping to a
    # deep page does not join every skipped row), then their rows with partner, campaign, agent
    # and indicators
    ids, total, page = _page_ids(contacts, query)
    in_scope = total if not query.filtered else scoped_contacts(user, query, day=day).count()
    by_id = {row["id"]: row for row in Contact.objects.filter(pk__in=ids).values(*_ROW_VALUES)}
    values = [by_id[pk] for pk in ids if pk in by_id]
    return WorklistPage(
        query=query,
        rows=_rows(values, day=day, now=now),
        total=total,
        in_scope=in_scope,
        page=page,
        size=query.size,
    )


def worklist_campaigns(*, day: dt.date | None = None) -> list[tuple[int, str]]:
    """The running campaigns (for the campaign filter)."""
    day = day or timezone.localdate()
    running_now = Q(active=True, starts_on__lte=day) & (
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    return list(Campaign.objects.filter(running_now).order_by("name").values_list("id", "name"))


def next_contact(
    user: User,
    query: WorklistQuery,
    current: Contact,
    *,
    day: dt.date | None = None,
    now: dt.datetime | None = None,
) -> int | None:
    """The contact after ``current`` in the worklist's order (same filters), or None at the end.

    Keyset paging: the current contact's sort value is read even when the contact no longer
    matches the filters (say, its status changed), so moving on never jumps back to the start.
    """
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    column = query.sort.lstrip("-")
    descending = query.sort.startswith("-")
    value = (
        Contact.objects.filter(pk=current.pk)
        .annotate(_sort=_sort_key(column))
        .values_list("_sort", flat=True)
        .first()
    )
    after = _after(value, current.pk, descending=descending, snapshot=column in SNAPSHOT)
    contacts = _ordered(worklist_contacts(user, query, day=day, now=now), query.sort)
    return contacts.filter(after).values_list("id", flat=True).first()


def _after(value: Any, pk: int, *, descending: bool, snapshot: bool) -> Q:
    """The rows after (value, pk) in the order of :func:`_ordered`."""
    if snapshot:  # empty lowest; ties by id in the sort's direction
        if descending:
            if value is None:
                return Q(_sort__isnull=True, id__lt=pk)
            return Q(_sort__lt=value) | Q(_sort=value, id__lt=pk) | Q(_sort__isnull=True)
        if value is None:
            return Q(_sort__isnull=True, id__gt=pk) | Q(_sort__isnull=False)
        return Q(_sort__gt=value) | Q(_sort=value, id__gt=pk)
    if value is None:  # empty last either way; ties by id ascending
        return Q(_sort__isnull=True, id__gt=pk)
    beyond = Q(_sort__lt=value) if descending else Q(_sort__gt=value)
    return beyond | Q(_sort=value, id__gt=pk) | Q(_sort__isnull=True)
