"""The actions catalogue: actions, customer tracks, context weights, contact pressure, arbitration.

Seed 002's rules-based engine: each action has a probability of success P, a value V if it
succeeds (e.g. the change in customer lifetime value) and a cost C; its *profit* is P·V − C and
its *return* (P·V − C) / C. Actions belong to *customer tracks*, hierarchical rule groups with an
order (collections before retention before growth): a track's entry rules decide whether the
customer is on it at all, and an *exclusive* track the customer is on keeps the discretionary
actions of the tracks after it from being offered. Each track ranks its actions by return or by
profit (the administrator's choice).

Every action passes three steps of engagement policy, as the commercial decision hubs have them:
*eligibility* (may we offer it: consent, legal, product rules), *applicability* (does it fit the
situation: channel, holdings, open cases) and *suitability* (is it right for this customer:
affordability, risk). Each is a list of named conditions (:mod:`.rules`).

:class:`Arbitration` says how actions are ranked: ``"track"`` (track order, then the track's
prioritisation) or ``"score"`` (propensity × context weight × value × business lever, each
factor switchable). :class:`ContextWeight` multiplies the weight of a track or an action when a
condition holds (the caller says "cancellation": retention × 3); in ``"track"`` mode the weights
of whole tracks reorder the tracks. The whole catalogue round-trips through JSON-ready data
(:meth:`Catalogue.to_dict`, :meth:`Catalogue.from_dict`) as long as its conditions are
:class:`~.rules.Rule` s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from tenure.analytics.nba.pressure import (
    ContactLimit,
    Policy,
    RefusalSuppression,
    policy_from_dict,
)
from tenure.analytics.nba.rules import Condition, Rule

Kind = Literal["mandatory", "discretionary"]
KINDS: tuple[Kind, ...] = ("mandatory", "discretionary")
Prioritisation = Literal["return", "profit"]
PRIORITISATIONS: tuple[Prioritisation, ...] = ("return", "profit")
Mode = Literal["track", "score"]
MODES: tuple[Mode, ...] = ("track", "score")
FACTORS = ("propensity", "context_weight", "value", "lever")
POLICY_STEPS = ("eligibility", "applicability", "suitability")
STEPS = ("validity", "track", *POLICY_STEPS, "scoring", "contact_pressure", "limit")
"""Where a reason comes from, in the order a decision reports them."""


@dataclass(frozen=True)
class Action:
    """Something the business can do with a customer: an offer, a reminder, a service step.

    P is ``probability`` or, per customer, the context field ``propensity_field`` (a model's
    score, a learned response rate, a recommender's score), falling back to ``probability`` when
    the field is missing; V likewise ``value`` or ``value_field``. ``cost`` is C. ``lever`` is
    the business lever of score arbitration. ``valid_from`` / ``valid_until`` are inclusive.
    """

    key: str
    track: str
    kind: Kind = "discretionary"
    channel: str = ""
    probability: float | None = None
    propensity_field: str | None = None
    value: float | None = None
    value_field: str | None = None
    cost: float = 0.0
    lever: float = 1.0
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    eligibility: tuple[Condition, ...] = ()
    applicability: tuple[Condition, ...] = ()
    suitability: tuple[Condition, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"action {self.key!r}: kind must be one of {KINDS}")
        if self.probability is None and self.propensity_field is None:
            raise ValueError(f"action {self.key!r}: needs a probability or a propensity field")
        if self.probability is not None and not 0 <= self.probability <= 1:
            raise ValueError(f"action {self.key!r}: probability must be within 0..1")
        if self.value is None and self.value_field is None:
            raise ValueError(f"action {self.key!r}: needs a value or a value field")
        if self.cost < 0 or self.lever < 0:
            raise ValueError(f"action {self.key!r}: cost and lever must be ≥ 0")
        for step in POLICY_STEPS:
            object.__setattr__(self, step, tuple(getattr(self, step)))

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "track": self.track,
            "kind": self.kind,
            "channel": self.channel,
            "probability": self.probability,
            "propensity_field": self.propensity_field,
            "value": self.value,
            "value_field": self.value_field,
            "cost": self.cost,
            "lever": self.lever,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "label": self.label,
        }
        for step in POLICY_STEPS:
            data[step] = [condition_to_dict(c) for c in getattr(self, step)]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Action:
        dates: dict[str, Any] = {
            name: dt.date.fromisoformat(data[name]) if data.get(name) else None
            for name in ("valid_from", "valid_until")
        }
        rules: dict[str, Any] = {
            step: tuple(Rule.from_dict(r) for r in data.get(step, ())) for step in POLICY_STEPS
        }
        plain: dict[str, Any] = {
            name: data[name]
            for name in (
                "kind",
                "channel",
                "probability",
                "propensity_field",
                "value",
                "value_field",
                "cost",
                "lever",
                "label",
            )
            if name in data
        }
        return cls(key=data["key"], track=data["track"], **plain, **dates, **rules)


@dataclass(frozen=True)
class Track:
    """A customer track: an ordered group of actions with entry rules and a prioritisation."""

    key: str
    order: int
    prioritisation: Prioritisation = "return"
    rules: tuple[Condition, ...] = ()
    exclusive: bool = False
    label: str = ""

    def __post_init__(self) -> None:
        if self.prioritisation not in PRIORITISATIONS:
            raise ValueError(f"track {self.key!r}: prioritisation must be one of {PRIORITISATIONS}")
        object.__setattr__(self, "rules", tuple(self.rules))

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "order": self.order,
            "prioritisation": self.prioritisation,
            "rules": [condition_to_dict(c) for c in self.rules],
            "exclusive": self.exclusive,
            "label": self.label,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Track:
        return cls(
            key=data["key"],
            order=int(data["order"]),
            prioritisation=data.get("prioritisation", "return"),
            rules=tuple(Rule.from_dict(r) for r in data.get("rules", ())),
            exclusive=bool(data.get("exclusive", False)),
            label=data.get("label", ""),
        )


@dataclass(frozen=True)
class ContextWeight:
    """``weight`` for the actions of ``track`` (or the one ``action``) when ``condition`` holds."""

    condition: Condition
    weight: float
    track: str | None = None
    action: str | None = None

    def __post_init__(self) -> None:
        if (self.track is None) == (self.action is None):
            raise ValueError("a context weight targets either a track or an action")
        if self.weight < 0:
            raise ValueError("a context weight must be ≥ 0")

    @property
    def target(self) -> str:
        return f"track {self.track}" if self.track else f"action {self.action}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": condition_to_dict(self.condition),
            "weight": self.weight,
            "track": self.track,
            "action": self.action,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContextWeight:
        condition = Rule.from_dict(data["condition"])
        return cls(condition, data["weight"], data.get("track"), data.get("action"))


@dataclass(frozen=True)
class Arbitration:
    """How offerable actions are ranked (mandatory ones always come first).

    ``"track"``: by the tracks' order (reordered by context weights on tracks), then within a
    track by its prioritisation. ``"score"``: by propensity × context weight × value × lever,
    with each factor left out (taken as 1) when its switch is off.
    """

    mode: Mode = "track"
    propensity: bool = True
    context_weight: bool = True
    value: bool = True
    lever: bool = True

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"arbitration mode must be one of {MODES}")

    @property
    def factors(self) -> tuple[str, ...]:
        """The factors in use: those of the score, or in track mode only the context weight."""
        if self.mode == "track":
            return ("context_weight",) if self.context_weight else ()
        return tuple(name for name in FACTORS if getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, **{name: getattr(self, name) for name in FACTORS}}


@dataclass(frozen=True)
class Catalogue:
    """Everything one decision needs besides the customer: actions, tracks and the policies."""

    actions: tuple[Action, ...]
    tracks: tuple[Track, ...]
    pressure: tuple[Policy, ...] = ()
    weights: tuple[ContextWeight, ...] = ()
    arbitration: Arbitration = field(default_factory=Arbitration)

    def __post_init__(self) -> None:
        for name in ("actions", "tracks", "pressure", "weights"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _unique("action", [a.key for a in self.actions])
        _unique("track", [t.key for t in self.tracks])
        _unique("contact-pressure policy", [p.name for p in self.pressure])
        tracks = {t.key: t for t in self.tracks}
        for action in self.actions:
            if action.track not in tracks:
                raise ValueError(f"action {action.key!r}: unknown track {action.track!r}")
            if tracks[action.track].prioritisation == "return" and action.cost <= 0:
                raise ValueError(
                    f"action {action.key!r}: track {action.track!r} ranks by return "
                    "(P·V − C) / C, so the cost must be > 0"
                )
        keys = {a.key for a in self.actions}
        for weight in self.weights:
            if (weight.track and weight.track not in tracks) or (
                weight.action and weight.action not in keys
            ):
                raise ValueError(f"context weight {weight.condition.name!r}: unknown target")

    @cached_property
    def limits(self) -> tuple[ContactLimit, ...]:
        return tuple(p for p in self.pressure if isinstance(p, ContactLimit))

    @cached_property
    def refusals(self) -> tuple[RefusalSuppression, ...]:
        return tuple(p for p in self.pressure if isinstance(p, RefusalSuppression))

    @cached_property
    def kind_by_action(self) -> dict[str, str]:
        return {a.key: a.kind for a in self.actions}

    @cached_property
    def track_by_action(self) -> dict[str, str]:
        return {a.key: a.track for a in self.actions}

    def action(self, key: str) -> Action:
        return next(a for a in self.actions if a.key == key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data; raises ``TypeError`` if a condition is code (a Predicate)."""
        return {
            "actions": [a.to_dict() for a in self.actions],
            "tracks": [t.to_dict() for t in self.tracks],
            "pressure": [p.to_dict() for p in self.pressure],
            "weights": [w.to_dict() for w in self.weights],
            "arbitration": self.arbitration.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalogue:
        return cls(
            actions=tuple(Action.from_dict(a) for a in data["actions"]),
            tracks=tuple(Track.from_dict(t) for t in data["tracks"]),
            pressure=tuple(policy_from_dict(p) for p in data.get("pressure", ())),
            weights=tuple(ContextWeight.from_dict(w) for w in data.get("weights", ())),
            arbitration=Arbitration(**data.get("arbitration", {})),
        )


def condition_to_dict(condition: Condition) -> dict[str, Any]:
    return condition.to_dict()


def _unique(what: str, keys: Sequence[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{what} {key!r} appears twice")
        seen.add(key)
