"""Building campaigns: duplicate a template, populate from a search, segment or list, hold out a
control group, hand contacts to agents. Shared by pages, API and CLI.

Populating works on partner ids in NumPy rather than in one SQL statement per exclusion: the
candidates are read once, each exclusion (usually small sets: partners in running campaigns,
recently contacted, without consent) once, and the control-group draw is a vectorised hash, so
a million candidates take seconds, with a count per reason for the preview.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tenure.analytics.campaigns import control_group_mask
from tenure.campaigns.models import (
    Campaign,
    CampaignSettings,
    CampaignTemplate,
    Contact,
    Population,
)
from tenure.campaigns.selectors import overlapping
from tenure.campaigns.targeting import SNAPSHOT_COLUMNS, snapshot_select
from tenure.core.tabular import RowError, open_table
from tenure.partners.models import BusinessPartner, ChannelConsent
from tenure.partners.selectors import partner_ids_by_number

Progress = Callable[[int, int | None], None]
INSERT_CHUNK = 500_000  # ids per statement: each statement joins partners and current values

EXCLUSION_REASONS = {
    "already_in_campaign": gettext_noop("already in this campaign"),
    "left": gettext_noop("no longer a customer"),
    "running_same_type": gettext_noop("already in a running campaign of the same type"),
    "contact_pressure": gettext_noop("contacted within the contact pressure window"),
    "no_consent": gettext_noop("no consent for the channel"),
}
"""Why a matched partner is left out, in the order the reasons are counted (one reason each)."""


class CampaignError(ValueError):
    """A campaign operation that cannot be done as asked; the message says why, and ``field``,
    where one input is wrong, which (e.g. ``callback_at``), for forms and the API to show it by."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def campaign_from_template(
    template: CampaignTemplate,
    *,
    name: str,
    starts_on: dt.date,
    owner: User | None,
    ends_on: dt.date | None = None,
    control_share: float = 0.0,
    **changes: Any,
) -> Campaign:
    """A new campaign with the template's content, personalised by ``changes``; the template stays."""
    if not template.active:
        raise CampaignError(_("The template “%(name)s” is retired.") % {"name": template.name})
    campaign = Campaign(
        name=name,
        type=template.type,
        action_kind=template.action_kind,
        action_object=template.action_object,
        script=template.script,
        channel=template.channel,
        cost_per_contact=template.cost_per_contact,
        template=template,
        owner=owner,
        starts_on=starts_on,
        ends_on=ends_on or starts_on + dt.timedelta(days=template.duration_days - 1),
        control_share=control_share,
    )
    for attribute, value in changes.items():
        if not hasattr(campaign, attribute):
            raise CampaignError(f"a campaign has no field {attribute!r}")
        setattr(campaign, attribute, value)
    try:
        campaign.full_clean()
    except ValidationError as exc:
        problems = (f"{key}: {' '.join(texts)}" for key, texts in exc.message_dict.items())
        raise CampaignError("; ".join(problems)) from None
    campaign.save()
    return campaign


def campaign_close(campaign: Campaign, *, day: dt.date | None = None) -> Campaign:
    """Stop the campaign: it takes no new targets and no longer flags its customers (audited).

    A campaign planned to run past ``day`` ends on ``day``; open contacts stay as they are.
    """
    day = day or timezone.localdate()
    campaign.active = False
    if campaign.ends_on is None or campaign.ends_on > day:
        campaign.ends_on = max(day, campaign.starts_on)
    campaign.save(update_fields=["active", "ends_on", "updated_at"])
    return campaign


@dataclass(frozen=True)
class TargetSource:
    """Where targets come from: a label for the record and the candidate partners."""

    label: str
    partners: QuerySet[BusinessPartner] | None = None
    partner_ids: tuple[int, ...] = ()

    def candidate_ids(self) -> npt.NDArray[np.int64]:
        if self.partners is None:
            return _sorted_unique(np.fromiter(self.partner_ids, dtype=np.int64))
        return _sorted_unique(_fetch_ids(self.partners.order_by().values_list("id", flat=True)))


def source_from_saved_search(saved_search_id: int) -> TargetSource:
    """The partners a saved advanced search finds now."""
    from tenure.reports.models import SavedSearch
    from tenure.reports.search import parse_criteria, partner_search

    saved = SavedSearch.objects.filter(pk=saved_search_id).first()
    if saved is None:
        raise CampaignError(_("There is no saved search %(id)s.") % {"id": saved_search_id})
    criteria = parse_criteria(saved.criteria)
    return TargetSource(label=f"search: {saved.name}", partners=partner_search(criteria))


def source_from_segment(segment_key: str) -> TargetSource:
    """The partners whose current customer value dataset is in the segment."""
    from tenure.reports.search import parse_criteria, partner_search

    criteria = parse_criteria(
        {"match": "all", "conditions": [{"field": "segment", "op": "in", "value": [segment_key]}]}
    )
    return TargetSource(label=f"segment: {segment_key}", partners=partner_search(criteria))


def source_from_list(source: Any, *, file_name: str) -> tuple[TargetSource, list[RowError]]:
    """Partner numbers from a CSV (column ``partner_number``); unknown or empty rows rejected."""
    table = open_table(source, file_name=file_name, required=["partner_number"])
    ids: list[int] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for chunk in table.chunks:
        numbers = {str(record.get("partner_number") or "").strip() for _row, record in chunk}
        known = partner_ids_by_number(numbers - {""})
        for row, record in chunk:
            number = str(record.get("partner_number") or "").strip()
            if not number:
                errors.append(RowError(row, "partner_number", "empty"))
            elif number in seen:
                errors.append(
                    RowError(row, "partner_number", f"repeats row {seen[number]}", number)
                )
            elif number not in known:
                errors.append(RowError(row, "partner_number", "no such business partner", number))
            else:
                seen[number] = row
                ids.append(known[number])
    return TargetSource(label=f"list: {file_name}", partner_ids=tuple(ids)), errors


@dataclass
class PopulationPlan:
    """What populating would do: matched, left out by reason, added to each group."""

    matched: int
    excluded: dict[str, int]
    partner_ids: npt.NDArray[np.int64] = field(repr=False)
    """The partners to add, ascending."""
    in_control: npt.NDArray[np.bool_] = field(repr=False)
    """True where the partner of ``partner_ids`` goes to the control group."""

    @property
    def treated_ids(self) -> npt.NDArray[np.int64]:
        return self.partner_ids[~self.in_control]

    @property
    def control_ids(self) -> npt.NDArray[np.int64]:
        return self.partner_ids[self.in_control]

    @property
    def control(self) -> int:
        return int(self.in_control.sum())

    @property
    def treated(self) -> int:
        return len(self.partner_ids) - self.control

    @property
    def to_add(self) -> int:
        return len(self.partner_ids)

    def excluded_labelled(self) -> list[tuple[str, int]]:
        return [(_(EXCLUSION_REASONS[key]), count) for key, count in self.excluded.items()]


def _sorted_unique(ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.unique`` for integer ids: sort, then drop repeats (NumPy 2.4's ``np.unique`` takes
    0.48 s for 504,806 ids here, a sort 0.03 s)."""
    ids = np.sort(ids)
    if len(ids) == 0:
        return ids
    first = np.empty(len(ids), dtype=bool)
    first[0] = True
    np.not_equal(ids[1:], ids[:-1], out=first[1:])
    return ids[first]


def _fetch_ids(query: QuerySet[Any]) -> npt.NDArray[np.int64]:
    """The one integer column of ``query`` in one fetch, without a model instance or a server-side
    cursor per row batch (504,806 ids: 1.3–1.5 → ~0.9 s on PostgreSQL)."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=len(rows))


def _ids(query: QuerySet[Any], column: str = "partner_id") -> npt.NDArray[np.int64]:
    return _fetch_ids(query.order_by().values_list(column, flat=True).distinct())


@dataclass(frozen=True)
class Exclusion:
    """Partners to leave out for one reason: those listed, or (``all_but``) those not listed."""

    reason: str
    ids: npt.NDArray[np.int64]
    all_but: bool = False

    def hits(self, candidates: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        listed = np.isin(candidates, self.ids)
        return ~listed if self.all_but else listed


def _pressure_since(campaign: Campaign, day: dt.date, days: int) -> dt.datetime:
    """Where the contact pressure window begins: ``days`` back from now, or, for a campaign that
    starts after ``day``, from the start of its first day."""
    window = dt.timedelta(days=days)
    if campaign.starts_on <= day:
        return timezone.now() - window
    start = dt.datetime.combine(campaign.starts_on, dt.time.min)
    return timezone.make_aware(start) - window


def _exclusions(campaign: Campaign, day: dt.date) -> list[Exclusion]:
    """The exclusions of a populate on ``day``: "running" campaigns of the same type are those
    whose period overlaps this campaign's from the later of ``day`` and its start, and the
    contact pressure window counts back from that day too."""
    options = CampaignSettings.current()
    pressure_since = _pressure_since(campaign, day, options.contact_pressure_days)
    # from the day the targets are added: a campaign that started earlier is not held back by
    # one that has ended since
    same_type = Contact.objects.filter(
        overlapping(max(day, campaign.starts_on), campaign.ends_on), campaign__type=campaign.type
    ).exclude(campaign=campaign)
    consents = ChannelConsent.objects.filter(channel=campaign.channel)
    if campaign.channel in options.opt_in_channels:
        consent = Exclusion("no_consent", _ids(consents.filter(granted=True)), all_but=True)
    else:
        consent = Exclusion("no_consent", _ids(consents.filter(granted=False)))
    recently = Q(worked_at__gte=pressure_since) | Q(closed_at__gte=pressure_since)
    return [
        Exclusion("already_in_campaign", _ids(Contact.objects.filter(campaign=campaign))),
        Exclusion("left", _ids(BusinessPartner.objects.filter(left_on__lte=day), "id")),
        Exclusion("running_same_type", _ids(same_type)),
        Exclusion("contact_pressure", _ids(Contact.objects.filter(recently))),
        consent,
    ]


def population_plan(
    campaign: Campaign, source: TargetSource, *, day: dt.date | None = None
) -> PopulationPlan:
    """Preview: the candidates, minus each exclusion in turn, split into contacted and control."""
    day = day or timezone.localdate()
    remaining = source.candidate_ids()
    matched = len(remaining)
    excluded: dict[str, int] = {}
    for exclusion in _exclusions(campaign, day):
        hit = exclusion.hits(remaining)
        excluded[exclusion.reason] = int(hit.sum())
        remaining = remaining[~hit]
    control = control_group_mask(
        remaining, seed=campaign.control_seed, share=campaign.control_share
    )
    return PopulationPlan(
        matched=matched, excluded=excluded, partner_ids=remaining, in_control=control
    )


def campaign_populate(
    campaign: Campaign,
    source: TargetSource,
    *,
    actor: User | None,
    day: dt.date | None = None,
    progress: Progress | None = None,
) -> Population:
    """Add the planned targets as contacts, all or nothing, and record the batch (audit).

    Populating again from the same source adds only partners that are new to it.
    """
    if not campaign.active:
        raise CampaignError(_("The campaign is closed; it cannot take new targets."))
    today = day or timezone.localdate()
    if campaign.ends_on is not None and campaign.ends_on < today:
        raise CampaignError(_("The campaign ended on %(day)s.") % {"day": campaign.ends_on})
    now = timezone.now()
    label = source.label[:200]
    # the plan is made under the campaign's lock, so no other populate adds its partners
    # meanwhile and the insert needs no conflict handling (docs/benchmarks.md §7)
    with transaction.atomic(), _populate_settings():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        plan = population_plan(campaign, source, day=today)
        ids, in_control = plan.partner_ids, plan.in_control
        for start in range(0, len(ids), INSERT_CHUNK):
            end = start + INSERT_CHUNK
            _insert_contacts(
                campaign.pk, ids[start:end], in_control=in_control[start:end], label=label, now=now
            )
            if progress:
                progress(min(end, len(ids)), len(ids))
        return Population.objects.create(
            campaign=campaign,
            source=label,
            matched=plan.matched,
            excluded=plan.excluded,
            added_treated=plan.treated,
            added_control=plan.control,
            control_share=campaign.control_share,
            control_seed=campaign.control_seed,
            created_by=actor,
        )


SQLITE_POPULATE_CACHE_KIB = 262_144
POSTGRES_POPULATE_WORK_MEM = "64MB"


@contextmanager
def _populate_settings() -> Iterator[None]:
    """Database settings for one populate, restored afterwards.

    SQLite: a 256 MiB page cache (the default is 2 MiB); the contacts' indexes take the new
    rows in random places, and with the small cache each insert rereads index pages (450,000
    contacts: 8.2 → 4.6 s). PostgreSQL: 64 MB of work memory for the transaction (the default
    4 MB), so that the search's hash join of 1,000,000 partners stays in memory.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{POSTGRES_POPULATE_WORK_MEM}'")
        yield
        return
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_POPULATE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _insert_contacts(
    campaign_id: int,
    ids: npt.NDArray[np.int64],
    *,
    in_control: npt.NDArray[np.bool_] | bool = False,
    label: str,
    now: dt.datetime,
) -> int:
    """Insert open contacts for the partners ``ids`` (ascending), in the control group where
    ``in_control``, each with its snapshot of the customer when targeted
    (:mod:`tenure.campaigns.targeting`); returns how many.

    The database builds the rows from the ids sent as one parameter (a PostgreSQL array literal
    made here, 454,000 ids in ~0.1 s where psycopg's adaptation of a list takes ~0.8 s; a JSON
    list for SQLite's ``json_each``), instead of one bound row per contact (SQLite 12.5 → 6.8 s
    for 444,000 contacts). On PostgreSQL both groups go in one statement: its join reads the
    partners and current values whole, once. The rows go in in partner order, so the campaign's
    index takes them at its end, and without conflict handling, which PostgreSQL does row by
    row: callers hold the campaign's lock and leave out the partners in it already (454,000
    contacts: 5.7–6.8 → 3.8–4.3 s, docs/benchmarks.md §7). A partner added to the campaign by
    other means meanwhile fails the whole statement on the unique constraint.
    """
    if len(ids) == 0:
        return 0
    control = np.broadcast_to(np.asarray(in_control, dtype=bool), ids.shape)
    # per statement: the rows' source, the group's expression, and their parameters
    statements: list[tuple[str, str, list[Any], list[Any]]]
    if connection.vendor == "postgresql":
        flags = np.where(control, "t", "f").tolist()
        literals = ["{" + ",".join(map(str, ids.tolist())) + "}", "{" + ",".join(flags) + "}"]
        rows = "unnest(%s::bigint[], %s::boolean[]) AS ids(value, control)"
        group = "CASE WHEN ids.control THEN 'control' ELSE 'treated' END"
        statements = [(rows, group, [], literals)]
    else:
        statements = [
            ("json_each(%s) AS ids", "%s", [name], [json.dumps(ids[chosen].tolist())])
            for name, chosen in (("treated", ~control), ("control", control))
            if chosen.any()
        ]
    quote = connection.ops.quote_name
    snapshot, joins = snapshot_select("ids.value")
    added = 0
    try:
        with connection.cursor() as cursor:
            for rows, group, group_params, rows_params in statements:
                sql = (
                    f"INSERT INTO {quote(Contact._meta.db_table)} (campaign_id, partner_id, "
                    f"{quote('group')}, source, status, outcome, notes, added_at, updated_at, "
                    f"{SNAPSHOT_COLUMNS}) SELECT %s, ids.value, {group}, %s, 'open', '', '', %s, "
                    f"%s, {snapshot} FROM {rows} {joins} ORDER BY ids.value"
                )
                params = [campaign_id, *group_params, label, now, now, *rows_params]
                cursor.execute(sql, params)
                added += int(cursor.rowcount)
    except IntegrityError:
        raise CampaignError(
            _("Some of these partners were added to the campaign meanwhile; populate again.")
        ) from None
    return added


def contacts_assign(
    campaign: Campaign, agents: list[User], *, only_unassigned: bool = True
) -> dict[int, int]:
    """Share the open contacts of the contacted group among agents, round robin; counts per agent."""
    if not agents:
        raise CampaignError(_("Choose at least one agent."))
    contacts = Contact.objects.filter(
        campaign=campaign, group=Contact.Group.TREATED, status=Contact.Status.OPEN
    )
    if only_unassigned:
        contacts = contacts.filter(agent__isnull=True)
    ids = list(contacts.order_by("id").values_list("id", flat=True))
    counts: dict[int, int] = {}
    with transaction.atomic():
        for position, agent in enumerate(agents):
            share = ids[position :: len(agents)]
            for start in range(0, len(share), 5_000):
                Contact.objects.filter(id__in=share[start : start + 5_000]).update(
                    agent=agent, updated_at=timezone.now()
                )
            counts[agent.pk] = len(share)
    return counts


CLOSED = {Contact.Status.DONE, Contact.Status.NOT_REACHED}


class Keep(enum.Enum):
    """A field of :func:`contact_update` left as it is (``None`` clears the call-back time)."""

    KEEP = "keep"


KEEP = Keep.KEEP


class CampaignNotRunning(CampaignError):
    """Work recorded on a contact of a campaign that has ended or was closed."""


def may_work(contact: Contact, user: Any, *, day: dt.date | None = None) -> bool:
    """Whether the user may record work on the contact: while its campaign runs; afterwards only
    the retention team, to correct results (agents still read it)."""
    day = day or timezone.localdate()
    return contact.campaign.is_running(day) or bool(user.has_perm("campaigns.change_campaign"))


def _callback_in_past(new: dt.datetime | None, old: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether ``new`` is a call-back time set now that lies before the current minute; an
    unchanged one (to the minute, as the form sends it back) may lie in the past."""
    if new is None:
        return False
    if timezone.is_naive(new):
        new = timezone.make_aware(new)
    minute = new.replace(second=0, microsecond=0)
    if old is not None and minute == old.replace(second=0, microsecond=0):
        return False
    return minute < now.replace(second=0, microsecond=0)


def contact_update(
    contact: Contact,
    *,
    actor: User,
    status: str | None = None,
    outcome: str | None = None,
    notes: str | None = None,
    callback_at: dt.datetime | Keep | None = KEEP,
) -> Contact:
    """Record the agent's work on a contact (audited): status, outcome, notes, call-back time
    (``None`` clears it, :data:`KEEP` leaves it)."""
    if contact.group == Contact.Group.CONTROL:
        raise CampaignError(_("This customer is in the control group and is not contacted."))
    if contact.agent_id not in (None, actor.pk) and not actor.has_perm("campaigns.change_campaign"):
        raise PermissionDenied(_("This contact is assigned to another agent."))
    if not may_work(contact, actor):
        raise CampaignNotRunning(
            _("The campaign “%(name)s” is no longer running: its contacts can be read, not worked.")
            % {"name": contact.campaign.name}
        )
    if status is not None and status not in Contact.Status.values:
        raise CampaignError(f"unknown status {status!r}")
    if outcome is not None and outcome not in Contact.Outcome.values:
        raise CampaignError(f"unknown outcome {outcome!r}")
    new_status = status or contact.status
    new_outcome = contact.outcome if outcome is None else outcome
    new_callback = contact.callback_at if callback_at is KEEP else callback_at
    if new_outcome == Contact.Outcome.CALLBACK and new_callback is None:
        raise CampaignError(_("A call-back needs a date and time."), field="callback_at")
    now = timezone.now()
    if _callback_in_past(new_callback, contact.callback_at, now):
        raise CampaignError(
            _("The call-back time has passed: choose a time from now on."), field="callback_at"
        )
    if new_outcome and new_status == Contact.Status.OPEN:
        new_status = Contact.Status.REACHED
    if new_status == Contact.Status.NOT_REACHED and new_outcome not in ("", "callback"):
        raise CampaignError(
            _("A customer who was not reached cannot have this outcome."), field="outcome"
        )
    contact.status, contact.outcome = new_status, new_outcome
    if notes is not None:
        contact.notes = notes
    contact.callback_at = new_callback
    if contact.agent_id is None:
        contact.agent = actor
    if contact.worked_at is None and new_status != Contact.Status.OPEN:
        contact.worked_at = now
    if new_status not in CLOSED:
        contact.closed_at = None
    elif contact.closed_at is None:
        contact.closed_at = now
    contact.save()
    return contact
