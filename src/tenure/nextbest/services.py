"""Next best action services: the catalogue from the admin's rows, the one arbitration used by
the partner page, the inbound-call dialog, campaigns and the API, and the responses that feed
contact pressure and the learned response rates."""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from tenure.analytics import nba
from tenure.analytics.nba.learning import ALL_SEGMENTS, ResponseRates, field_name
from tenure.campaigns.models import Contact
from tenure.nextbest import models as m
from tenure.nextbest.context import partner_context
from tenure.nextbest.fields import (
    CHANNEL_LABELS,
    HOLDS_PRODUCT_PREFIX,
    INTENT_LABELS,
    PRODUCT_PROPENSITY_PREFIX,
)
from tenure.nextbest.recommender import product_actions, product_values
from tenure.partners.models import BusinessPartner

CHANNELS = ("phone", "email", "letter", "sms")
ASKED_BY = tuple(m.Decision.AskedBy.values)
HISTORY_DAYS = 400
"""How far back responses are read as contact history (longer than any pressure policy)."""


def _rules(data: Any) -> tuple[nba.Rule, ...]:
    return tuple(nba.Rule.from_dict(item) for item in data or ())


_CATALOGUE: dict[str, Any] = {}
CATALOGUE_SECONDS = 30.0
"""How long a process reuses its catalogue (setting ``TENURE_NBA_CATALOGUE_SECONDS``); a change
saved in this process clears it at once (signals in apps.py), other processes see it after that."""


def cached_catalogue() -> nba.Catalogue:
    """:func:`catalogue`, reused for ``TENURE_NBA_CATALOGUE_SECONDS`` (five queries saved a call)."""
    seconds = float(getattr(settings, "TENURE_NBA_CATALOGUE_SECONDS", CATALOGUE_SECONDS))
    if time.monotonic() - _CATALOGUE.get("at", -math.inf) >= seconds:
        _CATALOGUE.update(catalogue=catalogue(), at=time.monotonic())
    return _CATALOGUE["catalogue"]  # type: ignore[no-any-return]


def forget_catalogue(**_: Any) -> None:
    """Signal receiver: the catalogue changed."""
    _CATALOGUE.clear()


def _propensity_field(action: m.Action) -> str | None:
    """Where P comes from: the product recommender, the learned rate, a context field, or (None)
    the fixed P."""
    if action.product is not None:
        return PRODUCT_PROPENSITY_PREFIX + action.product.key
    if action.learned:
        return field_name(action.key)
    return action.propensity_field or None


def _product_rules(action: m.Action) -> tuple[nba.Rule, ...]:
    """A product is offered only to customers who do not hold it today."""
    if action.product is None:
        return ()
    field = HOLDS_PRODUCT_PREFIX + action.product.key
    return (nba.Rule.from_dict({"name": "does not hold the product", "field": field,
                                "op": "is false"}),)  # fmt: skip


def catalogue() -> nba.Catalogue:
    """The engine's catalogue from the active tracks, actions, policies and weights."""
    tracks = [
        nba.Track(
            t.key,
            t.order,
            t.prioritisation,  # type: ignore[arg-type]
            _rules(t.rules),
            t.exclusive,
            t.label,
        )
        for t in m.Track.objects.all()
    ]
    actions = [
        nba.Action(
            key=a.key,
            track=a.track_id,
            kind=a.kind,  # type: ignore[arg-type]
            channel=a.channel,
            probability=a.probability,
            propensity_field=_propensity_field(a),
            value=a.value,
            value_field=a.value_field or None,
            cost=a.cost,
            lever=a.lever,
            valid_from=a.valid_from,
            valid_until=a.valid_until,
            eligibility=_rules(a.eligibility) + _product_rules(a),
            applicability=_rules(a.applicability),
            suitability=_rules(a.suitability),
            label=a.label,
        )
        for a in m.Action.objects.filter(active=True).select_related("product")
    ]
    pressure: list[nba.ContactLimit | nba.RefusalSuppression] = []
    for p in m.PressurePolicy.objects.filter(active=True):
        if p.type == m.PressurePolicy.Type.LIMIT:
            pressure.append(nba.ContactLimit(p.name, p.max_offers or 0, p.days, p.channel or None))
        else:
            pressure.append(nba.RefusalSuppression(p.name, p.days, p.scope))  # type: ignore[arg-type]
    active = {a.key for a in actions}
    weights = [
        nba.ContextWeight(nba.Rule.from_dict(w.rule), w.weight, w.track_id, w.action_id)
        for w in m.ContextWeight.objects.all()
        if w.action_id is None or w.action_id in active
    ]
    row = m.Arbitration.objects.first() or m.Arbitration()
    arbitration = nba.Arbitration(
        mode=row.mode,  # type: ignore[arg-type]
        propensity=row.propensity,
        context_weight=row.context_weight,
        value=row.value,
        lever=row.lever,
    )
    return nba.Catalogue(
        tuple(actions), tuple(tracks), tuple(pressure), tuple(weights), arbitration
    )


def response_rates(cat: nba.Catalogue) -> ResponseRates:
    """Response rates per action and segment learned from every recorded response (counted by
    the database: one row per action, segment and answer)."""
    counts = (
        m.Response.objects.exclude(response=m.Response.Answer.LATER)
        .values_list("action", "segment", "response")
        .annotate(n=Count("id"))
        .order_by()
    )
    grouped = pd.DataFrame.from_records(
        list(counts), columns=["action", "segment", "response", "n"]
    )
    table = grouped.loc[grouped.index.repeat(grouped["n"])].drop(columns="n")
    table["segment"] = table["segment"].replace("", None)
    return ResponseRates().fit(table.reset_index(drop=True), cat)


_LEARNED: dict[str, Any] = {}
RATES_SECONDS = 60.0
"""How long a process uses its fitted rates before checking for new responses (setting
``TENURE_NBA_RATES_SECONDS``): refitting on every response would cost each call a fit."""


def learned_context(
    cat: nba.Catalogue, segment: str | None, actions: list[str]
) -> dict[str, float]:
    """The learned rates of ``actions`` in ``segment`` as context fields (``field_name``).

    The fitted rates are kept per process; after ``TENURE_NBA_RATES_SECONDS`` a call checks the
    greatest response id (an index lookup) and refits only when responses were added or the
    catalogue's priors changed.
    """
    priors = tuple((a.key, a.probability) for a in cat.actions)
    seconds = float(getattr(settings, "TENURE_NBA_RATES_SECONDS", RATES_SECONDS))
    fresh = time.monotonic() - _LEARNED.get("checked", -math.inf) < seconds
    if not (fresh and _LEARNED.get("priors") == priors):
        latest = m.Response.objects.aggregate(latest=Max("id"))["latest"]
        if _LEARNED.get("key") != (latest, priors):
            fitted = response_rates(cat)
            table = fitted.rates()
            pairs = zip(table["action"], table["segment"], strict=True)
            rates = dict(zip(pairs, table["rate"], strict=True))
            _LEARNED.update(key=(latest, priors), fitted=fitted, rates=rates)
        _LEARNED.update(checked=time.monotonic(), priors=priors)
    rates, fitted = _LEARNED["rates"], _LEARNED["fitted"]
    found: dict[str, float] = {}
    for action in actions:
        rate = rates.get((action, segment or ALL_SEGMENTS), rates.get((action, ALL_SEGMENTS)))
        found[field_name(action)] = float(rate) if rate is not None else fitted.rate(action).rate
    return found


def rates_table() -> pd.DataFrame:
    """Each action's learned rate over all segments and per segment, with its count."""
    cat = catalogue()
    table = response_rates(cat).rates()
    labels = {a.key: a.label for a in cat.actions}
    table["label"] = table["action"].map(labels).fillna("")
    table["overall"] = table["segment"] == ALL_SEGMENTS
    return table


CAMPAIGN_RESPONSES = {"accepted_offer": "accepted", "retained": "accepted", "refused": "refused"}
"""How a worked campaign contact's outcome counts as a response (others: offered, no answer)."""


HISTORY_COLUMNS = ["customer", "at", "action", "channel", "response", "kind"]


def campaign_contact_rows(
    since: dt.datetime, now: dt.datetime, partner_id: int | None = None
) -> list[tuple[Any, ...]]:
    """Worked campaign contacts (treated group) as contact history rows (``HISTORY_COLUMNS``): a
    campaign call is an offer too, so contact pressure and refusal suppression count it (action
    ``campaign:<id>``)."""
    rows = Contact.objects.filter(
        group=Contact.Group.TREATED, worked_at__gt=since, worked_at__lte=now
    )
    if partner_id is not None:
        rows = rows.filter(partner_id=partner_id)
    found = rows.values_list(
        "partner_id", "worked_at", "campaign_id", "campaign__channel", "outcome"
    )
    return [
        (customer, at, f"campaign:{campaign}", channel, CAMPAIGN_RESPONSES.get(outcome),
         "discretionary")
        for customer, at, campaign, channel, outcome in found
    ]  # fmt: skip


def campaign_contacts(since: dt.datetime, now: dt.datetime) -> pd.DataFrame:
    """:func:`campaign_contact_rows` of the whole base as a table (the proactive run)."""
    return pd.DataFrame.from_records(
        campaign_contact_rows(since, now), columns=HISTORY_COLUMNS, coerce_float=False
    )


def history(partner_id: int, now: dt.datetime) -> list[nba.Contact]:
    """The partner's recorded responses ("later": offered, no answer yet) and worked campaign
    contacts as contact history."""
    since = now - dt.timedelta(days=HISTORY_DAYS)
    rows = m.Response.objects.filter(partner_id=partner_id, at__gt=since, at__lte=now)
    contacts = [
        nba.Contact(
            at=r.at,
            action=r.action,
            channel=r.channel,
            response=None if r.response == m.Response.Answer.LATER else r.response,
            kind=r.kind or None,
        )
        for r in rows.order_by("at")
    ]
    for _, at, action, channel, response, kind in campaign_contact_rows(since, now, partner_id):
        contacts.append(nba.Contact(at, action, channel, response, kind))
    return sorted(contacts, key=lambda contact: contact.at)


def next_best_actions(
    partner: BusinessPartner,
    *,
    channel: str | None = None,
    intent: str | None = None,
    asked_by: str = "agent",
    user: User | AnonymousUser | None = None,
    store: bool = True,
    now: dt.datetime | None = None,
) -> tuple[nba.Decision, m.Decision | None]:
    """Decide for one partner now; stored (with its explanation) unless ``store`` is False."""
    if channel is not None and channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    if asked_by not in ASKED_BY:
        raise ValueError(f"unknown asker {asked_by!r}")
    now = now or timezone.now()
    cat = cached_catalogue()
    context = partner_context(
        partner.pk, day=timezone.localdate(now), intent=intent, channel=channel
    )
    learned = [a.key for a in cat.actions if a.propensity_field == field_name(a.key)]
    if learned:
        context.update(learned_context(cat, context.get("segment"), learned))
    products = product_actions(cat)
    if products:
        found = product_values(np.array([partner.pk]), products, timezone.localdate(now))
        context.update({name: column[0].item() for name, column in found.items()})
    decision = nba.decide(
        cat, context, now=now, history=history(partner.pk, now), customer=partner.number
    )
    if not store:
        return decision, None
    stored = m.Decision.objects.create(
        partner=partner,
        at=now,
        channel=channel or "",
        intent=intent or "",
        asked_by=asked_by,
        user=user if isinstance(user, User) else None,
        segment=context.get("segment") or "",
        top_action=decision.actions[0].action if decision.actions else "",
        explanation=decision.to_dict(),
    )
    return decision, stored


def record_response(
    decision: m.Decision,
    *,
    action: str,
    response: str,
    agent: User | AnonymousUser | None = None,
    now: dt.datetime | None = None,
) -> m.Response:
    """Record the customer's answer to one of the decision's offered actions."""
    if response not in m.Response.Answer.values:
        raise ValueError(
            f"unknown response {response!r}; expected one of {m.Response.Answer.values}"
        )
    offered = {a["action"]: a for a in decision.explanation.get("actions", [])}
    if action not in offered:
        raise LookupError(f"action {action!r} was not offered in decision {decision.pk}")
    with transaction.atomic():
        return m.Response.objects.create(
            decision=decision,
            partner_id=decision.partner_id,
            action=action,
            channel=offered[action].get("channel", ""),
            kind=offered[action].get("kind", ""),
            segment=decision.segment,
            response=response,
            agent=agent if isinstance(agent, User) else None,
            at=now or timezone.now(),
        )


@dataclass(frozen=True)
class Card:
    """What the "Next best actions" card shows: the stored decision and its explanation."""

    partner: BusinessPartner
    decision: m.Decision
    actions: list[dict[str, Any]]
    not_offered: list[dict[str, Any]]
    fired: list[dict[str, Any]]
    answered: dict[str, str]


def card(partner: BusinessPartner, decision: m.Decision) -> Card:
    data = decision.explanation
    answered = dict(decision.responses.values_list("action", "response"))
    labels = dict(m.Action.objects.values_list("key", "label"))
    actions = [
        {**a, "label": a.get("label") or labels.get(a["action"], a["action"])}
        for a in data["actions"]
    ]
    not_offered = [
        {**n, "label": labels.get(n["action"], n["action"])} for n in data["not_offered"]
    ]
    return Card(partner, decision, actions, not_offered, data["fired"], answered)


def card_context(
    partner: BusinessPartner,
    user: Any,
    *,
    asked_by: str = "agent",
    channel: str = "phone",
    intent: str | None = None,
) -> dict[str, Any]:
    """The template context of the card (empty for a user without the view permission): the
    decision for the contact's channel and the caller's stated intent, which the agent may change
    on the card (a new decision, stored like the first)."""
    if not user.has_perm("nextbest.view_decision"):
        return {}
    _, stored = next_best_actions(
        partner, channel=channel, intent=intent, asked_by=asked_by, user=user
    )
    assert stored is not None
    return {
        "nba": card(partner, stored),
        "channels": CHANNEL_LABELS.items(),
        "intents": INTENT_LABELS.items(),
    }
