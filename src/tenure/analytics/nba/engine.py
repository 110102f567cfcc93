"""The rules-based decision engine: what should we do with this customer now, and why.

:func:`decide` answers for one customer (an agent on a call, the API): it reads the customer's
context (a mapping of mart features, indicators, customer value fields, campaign flags, consents
and the call's intent) and past contacts, runs the catalogue's engagement policies and contact
pressure, and ranks what is left with the one arbitration of :mod:`.arbitration` (mandatory
actions first). The :class:`Decision` holds the ranked actions with their numbers (P, V, C,
profit, return, score and its factors), every reason an action was not offered (which action,
which step, which rule, why) and the rules that fired; :meth:`Decision.to_dict` is plain JSON,
to be stored with the decision and shown to the agent on demand. The batch mode over a whole base
is :func:`~.batch.decide_batch`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from tenure.analytics.nba.arbitration import Inputs, Outcome, Plan, arbitrate
from tenure.analytics.nba.catalogue import Catalogue
from tenure.analytics.nba.pressure import Contact, pressure_for_contacts
from tenure.analytics.nba.rules import is_missing, show


@dataclass(frozen=True)
class RankedAction:
    """An action offered to the customer, with the numbers that ranked it.

    ``score`` is what the ranking used: the track's prioritisation (``return`` or ``profit``)
    in track mode, propensity × context weight × value × lever (switched-off factors as 1) in
    score mode. ``return_`` is ``None`` for an action without cost.
    """

    rank: int
    action: str
    kind: str
    track: str
    channel: str
    label: str
    probability: float
    value: float
    cost: float
    profit: float
    return_: float | None
    prioritisation: str
    score: float
    context_weight: float
    lever: float


@dataclass(frozen=True)
class Reason:
    """Why an action was not offered: the step, the rule and what the customer's data said."""

    action: str
    step: str
    rule: str
    why: str


@dataclass(frozen=True)
class Fired:
    """A rule that held and shaped the decision (an offered action's rule, a track's entry rule,
    a context weight, a track's precedence)."""

    step: str
    rule: str
    action: str | None
    track: str | None
    detail: str


@dataclass(frozen=True)
class Decision:
    """One customer's decision, complete enough to explain it later."""

    customer: Any
    at: dt.datetime
    arbitration: dict[str, Any]
    actions: tuple[RankedAction, ...]
    reasons: tuple[Reason, ...]
    fired: tuple[Fired, ...]

    @property
    def not_offered(self) -> tuple[str, ...]:
        """The actions with a reason, in catalogue order of their first reason."""
        return tuple(dict.fromkeys(r.action for r in self.reasons))

    def reasons_for(self, action: str) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.action == action)

    def to_dict(self) -> dict[str, Any]:
        """The decision as JSON-ready data (what is stored and shown to the agent)."""
        actions = [
            {("return" if name == "return_" else name): v for name, v in asdict(r).items()}
            for r in self.actions
        ]
        return {
            "customer": _plain(self.customer),
            "at": self.at.isoformat(),
            "arbitration": self.arbitration,
            "actions": actions,
            "not_offered": [
                {"action": key, "reasons": [_reason(r) for r in self.reasons_for(key)]}
                for key in self.not_offered
            ],
            "fired": [asdict(f) for f in self.fired],
        }


def _reason(reason: Reason) -> dict[str, str]:
    return {"step": reason.step, "rule": reason.rule, "why": reason.why}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def moment(now: dt.datetime | dt.date) -> dt.datetime:
    """A date as its midnight; a time as it is."""
    if isinstance(now, dt.datetime):
        return now
    return dt.datetime.combine(now, dt.time())


def decide(
    catalogue: Catalogue,
    context: Mapping[str, Any],
    *,
    now: dt.datetime | dt.date,
    history: Iterable[Contact] | pd.DataFrame | None = None,
    limit: int | None = None,
    customer: Any = None,
) -> Decision:
    """Decide for one customer.

    ``history`` is the customer's past contacts (:class:`~.pressure.Contact` s, or a table with
    the columns of :data:`~.pressure.HISTORY_COLUMNS`, the customer column ignored). ``limit``
    cuts the ranked list (a "limit" reason says what fell below it).
    """
    plan = Plan.of(catalogue)
    contacts = _contacts(history)
    when = moment(now)
    actions = catalogue.actions
    probability = np.array(
        [[_number(context, a.propensity_field, a.probability) for a in actions]], dtype=np.float64
    ).reshape(1, len(actions))
    value = np.array(
        [[_number(context, a.value_field, a.value) for a in actions]], dtype=np.float64
    ).reshape(1, len(actions))
    inputs = Inputs(
        n=1,
        passed=tuple(np.array([c.check(context)]) for c in plan.conditions),
        probability=probability,
        value=value,
        pressure=pressure_for_contacts(catalogue, contacts, when),
    )
    outcome = arbitrate(plan, inputs, when.date(), limit)
    return assemble(plan, inputs, outcome, 0, context, customer, when, limit)


def _number(context: Mapping[str, Any], name: str | None, fallback: float | None) -> float:
    found = context.get(name) if name else None
    if is_missing(found):
        found = fallback
    return np.nan if found is None else float(found)


def _contacts(history: Iterable[Contact] | pd.DataFrame | None) -> Sequence[Contact]:
    if history is None:
        return ()
    if not isinstance(history, pd.DataFrame):
        return tuple(history)
    table = history.astype(object).where(history.notna(), None)
    return tuple(
        Contact(
            at=row["at"],
            action=str(row["action"]),
            channel=row.get("channel") or "",
            response=row.get("response"),
            kind=row.get("kind") or None,
        )
        for row in table.to_dict("records")
    )


def assemble(
    plan: Plan,
    inputs: Inputs,
    outcome: Outcome,
    i: int,
    context: Mapping[str, Any],
    customer: Any,
    when: dt.datetime,
    limit: int | None,
) -> Decision:
    """Row ``i`` of an arbitration, whose customer's context is ``context``, as a decision."""
    catalogue = plan.catalogue
    ranked_order = [int(k) for k in np.argsort(outcome.rank[i]) if outcome.rank[i, k] > 0]
    ranked = tuple(_ranked(plan, inputs, outcome, i, k) for k in ranked_order)
    reasons: list[Reason] = []
    for k in range(len(catalogue.actions)):
        if outcome.rank[i, k] == 0:
            reasons.extend(_reasons(plan, inputs, outcome, i, k, context, limit))
    return Decision(
        customer=customer,
        at=when,
        arbitration=catalogue.arbitration.to_dict(),
        actions=ranked,
        reasons=tuple(reasons),
        fired=tuple(_fired(plan, inputs, outcome, i, ranked_order)),
    )


def _ranked(plan: Plan, inputs: Inputs, outcome: Outcome, i: int, k: int) -> RankedAction:
    action = plan.catalogue.actions[k]
    track = plan.catalogue.tracks[plan.track_of[k]]
    by_track = plan.catalogue.arbitration.mode == "track"
    return_ = float(outcome.return_[i, k])
    return RankedAction(
        rank=int(outcome.rank[i, k]),
        action=action.key,
        kind=action.kind,
        track=action.track,
        channel=action.channel,
        label=action.label,
        probability=float(inputs.probability[i, k]),
        value=float(inputs.value[i, k]),
        cost=action.cost,
        profit=float(outcome.profit[i, k]),
        return_=None if np.isnan(return_) else return_,
        prioritisation=track.prioritisation,
        score=float(outcome.priority[i, k] if by_track else outcome.score[i, k]),
        context_weight=float(outcome.context_weight[i, k]),
        lever=action.lever,
    )


def _reasons(
    plan: Plan,
    inputs: Inputs,
    outcome: Outcome,
    i: int,
    k: int,
    context: Mapping[str, Any],
    limit: int | None,
) -> list[Reason]:
    catalogue = plan.catalogue
    action = catalogue.actions[k]
    track_index = int(plan.track_of[k])
    track = catalogue.tracks[track_index]
    found: list[Reason] = []
    if not outcome.valid[k]:
        until = action.valid_until.isoformat() if action.valid_until else "open"
        since = action.valid_from.isoformat() if action.valid_from else "open"
        found.append(Reason(action.key, "validity", "validity", f"valid {since} to {until}"))
    for c in plan.track_rules[track_index]:
        if not inputs.passed[c][i]:
            condition = plan.conditions[c]
            why = f"{condition.why(context)} (entry rule of track {track.key})"
            found.append(Reason(action.key, "track", condition.name, why))
    for step, c in plan.action_rules[k]:
        if not inputs.passed[c][i]:
            condition = plan.conditions[c]
            found.append(Reason(action.key, step, condition.name, condition.why(context)))
    for name, numbers, field in (
        ("probability", inputs.probability, action.propensity_field),
        ("value", inputs.value, action.value_field),
    ):
        if np.isnan(numbers[i, k]):
            found.append(Reason(action.key, "scoring", name, f"{field} is missing"))
    if outcome.blocked_by[i, k] >= 0:
        holder = catalogue.tracks[outcome.blocked_by[i, k]]
        why = f"the customer is on exclusive track {holder.key}, which comes before {track.key}"
        found.append(Reason(action.key, "track", "precedence", why))
    for j, refusal in enumerate(catalogue.refusals):
        at = inputs.pressure.refused_at[i, j, k]
        if outcome.refused[i, j, k]:
            day = pd.Timestamp(at).isoformat()
            why = f"refused on {day}; {refusal.describe()}"
            found.append(Reason(action.key, "contact_pressure", refusal.name, why))
    held = outcome.held_by[i, k]
    if held >= 0:
        rule = catalogue.limits[held]
        seen = int(inputs.pressure.counts[i, held])
        used = int(outcome.held_used[i, k])
        why = (
            f"{seen} offer(s) within the last {rule.days:g} days and {used} ranked above in this "
            f"decision; {rule.describe()}"
        )
        found.append(Reason(action.key, "contact_pressure", rule.name, why))
    if outcome.cut[i, k]:
        found.append(Reason(action.key, "limit", "limit", f"ranked below the first {limit}"))
    return found


def _fired(
    plan: Plan, inputs: Inputs, outcome: Outcome, i: int, ranked_order: Sequence[int]
) -> list[Fired]:
    catalogue = plan.catalogue
    fired: list[Fired] = []
    tracks_seen: list[int] = []
    for k in ranked_order:
        t = int(plan.track_of[k])
        if t not in tracks_seen:
            tracks_seen.append(t)
            for c in plan.track_rules[t]:
                condition = plan.conditions[c]
                key = catalogue.tracks[t].key
                fired.append(Fired("track", condition.name, None, key, condition.describe()))
    for k in ranked_order:
        action = catalogue.actions[k]
        for step, c in plan.action_rules[k]:
            condition = plan.conditions[c]
            fired.append(
                Fired(step, condition.name, action.key, action.track, condition.describe())
            )
    if catalogue.arbitration.context_weight:
        for weight, c in zip(catalogue.weights, plan.weight_conditions, strict=True):
            if inputs.passed[c][i]:
                detail = (
                    f"{plan.conditions[c].describe()}: × {show(weight.weight)} for {weight.target}"
                )
                fired.append(
                    Fired("arbitration", weight.condition.name, weight.action, weight.track, detail)
                )
    holders = sorted({int(h) for h in outcome.blocked_by[i] if h >= 0})
    for t in holders:
        key = catalogue.tracks[t].key
        detail = f"the customer is on exclusive track {key}: later tracks' offers are held back"
        fired.append(Fired("track", "precedence", None, key, detail))
    return fired
