"""The one arbitration: from what the rules and the history say to a ranked list per customer.

Both the call-time path (:func:`~.engine.decide`, one customer) and the batch path
(:func:`~.batch.decide_batch`, a whole base) reduce a customer to the same arrays — which
conditions hold, P and V per action, the context weights, the contact-pressure counts — and
:func:`arbitrate` ranks them with the same NumPy code, so the tile, the CTI pop, a campaign run
and the API cannot disagree. Only the reading of the inputs differs (a mapping and a list of
contacts, or a table and a history table), and the tests compare those.

Order of work: validity, track entry, the three policy steps, scoring inputs, track
precedence (an exclusive track the customer is on holds back the discretionary actions of the
tracks after it), refusal suppression; then the survivors are sorted (mandatory first) and
walked in rank order, each discretionary action taking one unit of every contact limit that
covers its channel, or being held back when one is used up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tenure.analytics.nba.catalogue import POLICY_STEPS, Catalogue
from tenure.analytics.nba.pressure import Pressure
from tenure.analytics.nba.rules import Condition, Mask

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Plan:
    """The catalogue in array form: its distinct conditions and who uses them."""

    catalogue: Catalogue
    conditions: tuple[Condition, ...]
    track_rules: tuple[tuple[int, ...], ...]
    action_rules: tuple[tuple[tuple[str, int], ...], ...]
    track_of: Ints
    mandatory: NDArray[np.bool_]
    cost: Floats
    lever: Floats
    by_return: NDArray[np.bool_]
    track_order: Ints
    exclusive: NDArray[np.bool_]
    limit_applies: NDArray[np.bool_]
    limit_max: Ints
    weight_conditions: tuple[int, ...]

    @classmethod
    def of(cls, catalogue: Catalogue) -> Plan:
        conditions: list[Condition] = []
        index: dict[Any, int] = {}

        def slot(condition: Condition) -> int:
            try:
                key: Any = ("value", condition)
                hash(key)
            except TypeError:
                key = ("id", id(condition))
            if key not in index:
                index[key] = len(conditions)
                conditions.append(condition)
            return index[key]

        tracks = catalogue.tracks
        position = {t.key: i for i, t in enumerate(tracks)}
        track_rules = tuple(tuple(slot(c) for c in t.rules) for t in tracks)
        action_rules = tuple(
            tuple((step, slot(c)) for step in POLICY_STEPS for c in getattr(a, step))
            for a in catalogue.actions
        )
        weight_conditions = tuple(slot(w.condition) for w in catalogue.weights)
        actions = catalogue.actions
        return cls(
            catalogue=catalogue,
            conditions=tuple(conditions),
            track_rules=track_rules,
            action_rules=action_rules,
            track_of=np.array([position[a.track] for a in actions], dtype=np.int64),
            mandatory=np.array([a.kind == "mandatory" for a in actions], dtype=bool),
            cost=np.array([a.cost for a in actions], dtype=np.float64),
            lever=np.array([a.lever for a in actions], dtype=np.float64),
            by_return=np.array(
                [tracks[position[a.track]].prioritisation == "return" for a in actions], dtype=bool
            ),
            track_order=np.array([t.order for t in tracks], dtype=np.int64),
            exclusive=np.array([t.exclusive for t in tracks], dtype=bool),
            limit_applies=np.array(
                [
                    [lim.channel is None or lim.channel == a.channel for a in actions]
                    for lim in catalogue.limits
                ],
                dtype=bool,
            ).reshape(len(catalogue.limits), len(actions)),
            limit_max=np.array([lim.max_offers for lim in catalogue.limits], dtype=np.int64),
            weight_conditions=weight_conditions,
        )


@dataclass(frozen=True)
class Inputs:
    """What is known about ``n`` customers, in the plan's terms."""

    n: int
    passed: tuple[Mask, ...]
    probability: Floats
    value: Floats
    pressure: Pressure


@dataclass(frozen=True)
class Outcome:
    """The arbitration of ``n`` customers over ``a`` actions (arrays n × a unless said)."""

    valid: NDArray[np.bool_]  # (a,)
    entered: NDArray[np.bool_]  # (n, t)
    steps_ok: NDArray[np.bool_]
    track_position: Ints  # (n, t), 0 = first
    blocked_by: Ints  # the exclusive track holding an action back, −1 if none
    refused: NDArray[np.bool_]  # (n, refusal policies, a)
    profit: Floats
    return_: Floats
    priority: Floats
    context_weight: Floats
    track_weight: Floats  # (n, t)
    score: Floats
    offerable: NDArray[np.bool_]
    rank: Ints  # 1.. for the ranked actions, 0 for the others
    held_by: Ints  # the contact limit that held an offerable action back, −1 if none
    held_used: Ints  # the offers ranked above it that used the limit in this decision
    cut: NDArray[np.bool_]  # offerable and allowed, but below ``limit``


def _all(masks: list[Mask], n: int) -> Mask:
    result = np.ones(n, dtype=bool)
    for mask in masks:
        result &= mask
    return result


def arbitrate(plan: Plan, inputs: Inputs, today: dt.date, limit: int | None) -> Outcome:
    """Rank the actions of ``inputs.n`` customers (see the module docstring)."""
    catalogue, n = plan.catalogue, inputs.n
    actions, tracks = catalogue.actions, catalogue.tracks
    a, t = len(actions), len(tracks)
    arbitration = catalogue.arbitration
    passed = inputs.passed

    valid = np.array([action.valid_on(today) for action in actions], dtype=bool)
    entered = np.column_stack(
        [_all([passed[i] for i in rules], n) for rules in plan.track_rules]
    ).reshape(n, t)
    steps_ok = np.column_stack(
        [_all([passed[i] for _, i in rules], n) for rules in plan.action_rules]
    ).reshape(n, a)

    action_weight = np.ones((n, a))
    track_weight = np.ones((n, t))
    if arbitration.context_weight:
        for weight, i in zip(catalogue.weights, plan.weight_conditions, strict=True):
            factor = np.where(passed[i], weight.weight, 1.0)
            if weight.track is not None:
                k = next(j for j, track in enumerate(tracks) if track.key == weight.track)
                track_weight[:, k] *= factor
                action_weight[:, plan.track_of == k] *= factor[:, None]
            else:
                k = next(j for j, action in enumerate(actions) if action.key == weight.action)
                action_weight[:, k] *= factor

    by_weight = np.lexsort(
        (
            np.broadcast_to(np.arange(t), (n, t)),
            np.broadcast_to(plan.track_order, (n, t)),
            -track_weight,
        ),
        axis=-1,
    )
    track_position = np.empty((n, t), dtype=np.int64)
    np.put_along_axis(track_position, by_weight, np.broadcast_to(np.arange(t), (n, t)), axis=1)
    position = track_position[:, plan.track_of]

    discretionary = ~plan.mandatory
    holding = entered & plan.exclusive[None, :]
    first_exclusive = np.where(holding, track_position, t).min(axis=1, initial=t)
    blocked = discretionary[None, :] & (position > first_exclusive[:, None])
    holder = np.argmax(holding & (track_position == first_exclusive[:, None]), axis=1)
    blocked_by = np.where(blocked, holder[:, None], -1)

    refused = ~np.isnat(inputs.pressure.refused_at) & discretionary[None, None, :]
    p, v = inputs.probability, inputs.value
    scorable = ~np.isnan(p) & ~np.isnan(v)
    ok = valid[None, :] & entered[:, plan.track_of] & steps_ok & scorable
    offerable = ok & ~blocked & ~refused.any(axis=1)

    profit = p * v - plan.cost
    return_ = np.divide(profit, plan.cost, out=np.full_like(profit, np.nan), where=plan.cost > 0)
    priority = np.where(plan.by_return, return_, profit)
    score = np.ones((n, a))
    for name, factor in (
        ("propensity", p),
        ("context_weight", action_weight),
        ("value", v),
        ("lever", plan.lever),
    ):
        if getattr(arbitration, name):
            score = score * factor

    group = np.where(offerable, np.where(plan.mandatory, 0, 1), 2)
    index = np.broadcast_to(np.arange(a), (n, a))
    if arbitration.mode == "track":
        keys = (index, -np.where(offerable, priority, 0.0), position, group)
    else:
        keys = (index, position, -np.where(offerable, score, 0.0), group)
    order = np.lexsort(keys, axis=-1)

    rank, held_by, held_used, cut = _walk(plan, inputs, order, offerable, limit)
    return Outcome(
        valid=valid,
        entered=entered,
        steps_ok=steps_ok,
        track_position=track_position,
        blocked_by=blocked_by,
        refused=refused,
        profit=profit,
        return_=return_,
        priority=priority,
        context_weight=action_weight,
        track_weight=track_weight,
        score=score,
        offerable=offerable,
        rank=rank,
        held_by=held_by,
        held_used=held_used,
        cut=cut,
    )


def _walk(
    plan: Plan, inputs: Inputs, order: Ints, offerable: NDArray[np.bool_], limit: int | None
) -> tuple[Ints, Ints, Ints, NDArray[np.bool_]]:
    """Go down each customer's sorted actions, applying the contact limits and ``limit``."""
    n, a = offerable.shape
    rows = np.arange(n)
    counts = inputs.pressure.counts
    used = np.zeros_like(counts)
    rank = np.zeros((n, a), dtype=np.int64)
    held_by = np.full((n, a), -1, dtype=np.int64)
    held_used = np.zeros((n, a), dtype=np.int64)
    cut = np.zeros((n, a), dtype=bool)
    next_rank = np.ones(n, dtype=np.int64)
    most = np.iinfo(np.int64).max if limit is None else limit
    for j in range(a):
        act = order[:, j]
        ok = offerable[rows, act]
        if not ok.any():
            break
        discretionary = ~plan.mandatory[act]
        applies = plan.limit_applies[:, act].T
        full = applies & (counts + used >= plan.limit_max[None, :])
        held = ok & discretionary & full.any(axis=1)
        if held.any():
            first_full = np.argmax(full, axis=1)
            held_by[rows[held], act[held]] = first_full[held]
            held_used[rows[held], act[held]] = used[rows[held], first_full[held]]
        allowed = ok & ~held
        shown = allowed & (next_rank <= most)
        cut[rows[allowed & ~shown], act[allowed & ~shown]] = True
        rank[rows[shown], act[shown]] = next_rank[shown]
        used += (shown & discretionary)[:, None] & applies
        next_rank += shown
    return rank, held_by, held_used, cut
