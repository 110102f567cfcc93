"""Contact-pressure policies and the contact history they are checked against.

Policies are administrator data: :class:`ContactLimit` allows at most ``max_offers`` offers per
customer within ``days`` days (on one channel, or on all), :class:`RefusalSuppression` holds an
action back for ``days`` days after the customer refused it (or anything in its track, or
anything at all). They apply to discretionary actions only: a mandatory action (a payment
reminder, a price-change notice) must happen when eligible, and its contacts do not use up the
customer's allowance of offers.

The history is one row per past contact: customer, when (``at``), the action, its channel, the
response (``accepted``, ``refused``, ``no_answer`` or none yet) and optionally its kind; without a
kind, an action the catalogue knows takes its kind from there and any other counts as an offer.
A contact counts when it lies within the window, i.e. strictly after ``now − days``: with a 7-day
window an offer made at the same time of day a week ago no longer counts.

:func:`pressure_for_contacts` reads one customer's contacts in plain Python (the call-time path),
:func:`pressure_for_table` a whole history table with NumPy (the batch path); both return the same
:class:`Pressure`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

if TYPE_CHECKING:
    from tenure.analytics.nba.catalogue import Catalogue

RESPONSES = ("accepted", "refused", "no_answer")
Scope = Literal["action", "track", "any"]
SCOPES: tuple[Scope, ...] = ("action", "track", "any")
HISTORY_COLUMNS = ("customer", "at", "action", "channel", "response")


@dataclass(frozen=True)
class ContactLimit:
    """At most ``max_offers`` offers within ``days`` days, on ``channel`` or (``None``) any channel."""

    name: str
    max_offers: int
    days: float
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.max_offers < 0 or self.days <= 0:
            raise ValueError(f"contact limit {self.name!r}: needs max_offers ≥ 0 and days > 0")

    def describe(self) -> str:
        on = f" on {self.channel}" if self.channel else ""
        return f"at most {self.max_offers} offer(s){on} per {self.days:g} days"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "limit",
            "name": self.name,
            "max_offers": self.max_offers,
            "days": self.days,
            "channel": self.channel,
        }


@dataclass(frozen=True)
class RefusalSuppression:
    """No offer of an action for ``days`` days after a refusal of it (``scope`` "action"), of any
    action of its track ("track") or of any action ("any")."""

    name: str
    days: float
    scope: Scope = "action"

    def __post_init__(self) -> None:
        if self.days <= 0 or self.scope not in SCOPES:
            raise ValueError(f"refusal suppression {self.name!r}: needs days > 0 and a scope")

    def describe(self) -> str:
        what = {"action": "this action", "track": "an action of its track", "any": "any offer"}
        return f"{self.days:g} days without it after a refusal of {what[self.scope]}"

    def to_dict(self) -> dict[str, Any]:
        return {"type": "refusal", "name": self.name, "days": self.days, "scope": self.scope}


Policy = ContactLimit | RefusalSuppression


def policy_from_dict(data: dict[str, Any]) -> Policy:
    if data["type"] == "limit":
        return ContactLimit(
            data["name"], int(data["max_offers"]), data["days"], data.get("channel")
        )
    if data["type"] == "refusal":
        return RefusalSuppression(data["name"], data["days"], data.get("scope", "action"))
    raise ValueError(f"unknown contact-pressure policy type {data['type']!r}")


@dataclass(frozen=True)
class Contact:
    """One past contact of a customer (the call-time form of a history row)."""

    at: dt.datetime | dt.date
    action: str
    channel: str = ""
    response: str | None = None
    kind: str | None = None

    def __post_init__(self) -> None:
        if self.response is not None and self.response not in RESPONSES:
            raise ValueError(f"unknown response {self.response!r}; expected one of {RESPONSES}")


@dataclass(frozen=True)
class Pressure:
    """What the history says for ``n`` customers.

    ``counts[i, j]``: offers of customer i within the window of the catalogue's j-th
    :class:`ContactLimit`; ``refused_at[i, j, a]``: the latest refusal inside the window of the
    j-th :class:`RefusalSuppression` that holds back action ``a`` (NaT if none).
    """

    counts: NDArray[np.int64]
    refused_at: NDArray[np.datetime64]


def timestamp(value: dt.datetime | dt.date | str | pd.Timestamp) -> np.datetime64:
    """A date or time as a NumPy nanosecond timestamp (a date is its midnight)."""
    return pd.Timestamp(value).to_datetime64().astype("datetime64[ns]")


def _window_start(now: np.datetime64, days: float) -> np.datetime64:
    return now - np.timedelta64(round(days * 86_400 * 1e9), "ns")


def pressure_for_contacts(
    catalogue: Catalogue, contacts: Iterable[Contact], now: dt.datetime | dt.date
) -> Pressure:
    """The :class:`Pressure` of one customer from their past contacts."""
    limits, refusals = catalogue.limits, catalogue.refusals
    keys = [action.key for action in catalogue.actions]
    counts = np.zeros((1, len(limits)), dtype=np.int64)
    refused_at = np.full((1, len(refusals), len(keys)), np.datetime64("NaT"), "datetime64[ns]")
    moment = timestamp(now)
    for contact in contacts:
        at = timestamp(contact.at)
        kind = contact.kind or catalogue.kind_by_action.get(contact.action, "discretionary")
        if kind == "discretionary":
            for j, limit in enumerate(limits):
                on_channel = limit.channel is None or limit.channel == contact.channel
                if on_channel and at > _window_start(moment, limit.days):
                    counts[0, j] += 1
        if contact.response != "refused":
            continue
        for j, refusal in enumerate(refusals):
            if at <= _window_start(moment, refusal.days):
                continue
            for a, action in enumerate(catalogue.actions):
                if _covers(catalogue, refusal, refused=contact.action, action=action.key):
                    previous = refused_at[0, j, a]
                    if np.isnat(previous) or at > previous:
                        refused_at[0, j, a] = at
    return Pressure(counts, refused_at)


def _covers(
    catalogue: Catalogue, refusal: RefusalSuppression, *, refused: str, action: str
) -> bool:
    """Whether a refusal of action ``refused`` holds back ``action`` under ``refusal``."""
    if refusal.scope == "any":
        return True
    if refusal.scope == "action":
        return refused == action
    track = catalogue.track_by_action.get(refused)
    return track is not None and track == catalogue.track_by_action.get(action)


def pressure_for_table(
    catalogue: Catalogue,
    history: pd.DataFrame | None,
    rows: NDArray[np.int64] | None,
    n: int,
    now: dt.datetime | dt.date,
) -> Pressure:
    """The :class:`Pressure` of ``n`` customers from a history table.

    ``rows`` gives, per history row, the customer's row (0..n−1) in the decision table; rows
    outside that range are ignored (contacts of other customers).
    """
    limits, refusals = catalogue.limits, catalogue.refusals
    keys = [action.key for action in catalogue.actions]
    counts = np.zeros((n, len(limits)), dtype=np.int64)
    refused_at = np.full((n, len(refusals), len(keys)), np.datetime64("NaT"), "datetime64[ns]")
    if history is None or len(history) == 0 or rows is None:
        return Pressure(counts, refused_at)
    inside = (rows >= 0) & (rows < n)
    history, rows = history.loc[inside], rows[inside]
    # UTC without a zone, as ``timestamp`` gives ``now`` (a zone-less time counts as UTC)
    at = pd.to_datetime(history["at"], utc=True).dt.tz_convert(None).to_numpy("datetime64[ns]")
    actions = history["action"].astype(str).to_numpy()
    channels = history["channel"].fillna("").astype(str).to_numpy()
    kinds = _kinds(catalogue, history, actions)
    moment = timestamp(now)
    offers = kinds == "discretionary"
    for j, limit in enumerate(limits):
        counted = offers & (at > _window_start(moment, limit.days))
        if limit.channel is not None:
            counted &= channels == limit.channel
        counts[:, j] = np.bincount(rows[counted], minlength=n)
    refused = history["response"].to_numpy() == "refused"
    tracks = pd.Series(actions).map(catalogue.track_by_action).to_numpy(dtype=object)
    for j, refusal in enumerate(refusals):
        recent = refused & (at > _window_start(moment, refusal.days))
        if not recent.any():
            continue
        for a, action in enumerate(catalogue.actions):
            if refusal.scope == "action":
                covered = recent & (actions == action.key)
            elif refusal.scope == "track":
                covered = recent & (tracks == action.track)
            else:
                covered = recent
            _latest_into(refused_at[:, j, a], rows[covered], at[covered])
    return Pressure(counts, refused_at)


def _kinds(catalogue: Catalogue, history: pd.DataFrame, actions: NDArray[Any]) -> NDArray[Any]:
    looked_up = pd.Series(actions).map(catalogue.kind_by_action).fillna("discretionary")
    if "kind" in history.columns:
        given = history["kind"].replace("", None).reset_index(drop=True)
        looked_up = given.where(given.notna(), looked_up)
    return looked_up.to_numpy(dtype=object)


def _latest_into(
    target: NDArray[np.datetime64], rows: NDArray[np.int64], at: NDArray[np.datetime64]
) -> None:
    """``target[row]`` = the latest ``at`` of each row (NaT stays where a row has none)."""
    if len(rows) == 0:
        return
    order = np.lexsort((at, rows))
    last = np.r_[rows[order][1:] != rows[order][:-1], True]
    target[rows[order][last]] = at[order][last]


def history_rows(
    customers: pd.Index, history: pd.DataFrame | None
) -> tuple[pd.DataFrame | None, NDArray[np.int64] | None]:
    """The history sorted by the customers' rows in the decision table, and those rows."""
    if history is None or len(history) == 0:
        return None, None
    missing = [c for c in ("customer", "at", "action") if c not in history.columns]
    if missing:
        raise ValueError(f"the contact history lacks the column(s) {', '.join(missing)}")
    history = history.copy()
    for column in ("channel", "response"):
        if column not in history.columns:
            history[column] = None
    unknown = set(history["response"].dropna()) - set(RESPONSES)
    if unknown:
        raise ValueError(f"unknown response(s) {sorted(unknown)}; expected one of {RESPONSES}")
    rows = customers.get_indexer(history["customer"]).astype(np.int64)
    order = np.argsort(rows, kind="stable")
    return history.iloc[order].reset_index(drop=True), rows[order]
