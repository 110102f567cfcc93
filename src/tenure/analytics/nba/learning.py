"""Response rates per action and segment learned from recorded responses, so that P improves with use.

Each response to an offer is ``accepted``, ``refused`` or ``no_answer``. The rate of an action
starts from the administrator's fixed P as a Beta prior worth ``prior_strength`` responses,
Beta(m·P, m·(1 − P)), and is updated by the counts (Beta–binomial conjugacy): with ``a``
acceptances among ``n`` counted responses the posterior mean is (m·P + a) / (m + n). A segment's
rate starts from its action's rate over all segments, again worth ``m`` responses, so a segment
with few responses stays near its action's rate and one with many follows its own (partial
pooling); a segment never seen gets the action's rate, with count 0. ``no_answer`` counts as
not accepted (the contact was made and cost money) unless ``no_answer="ignore"``.

The counts are sufficient statistics: :meth:`ResponseRates.partial_fit` adds a new batch of
responses to them, so a nightly job need not re-read the whole history. No decay of old
responses: a change in how customers respond shows only as fast as new counts outweigh old ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import beta

from tenure.analytics.clv.base import NotFittedError
from tenure.analytics.nba.catalogue import Catalogue
from tenure.analytics.nba.pressure import RESPONSES

ALL_SEGMENTS = "*"
"""The segment key of an action's rate over all segments."""
COUNT_COLUMNS = ("accepted", "refused", "no_answer")


def field_name(action: str) -> str:
    """The context field the engine reads an action's learned rate from (its propensity_field)."""
    return f"response_rate:{action}"


@dataclass(frozen=True)
class Rate:
    """An action's learned response rate in a segment, with the responses it rests on."""

    action: str
    segment: str
    rate: float
    count: int
    accepted: int
    lower: float
    upper: float


class ResponseRates:
    """Beta–binomial response rates per action and segment (see the module docstring).

    Parameters
    ----------
    prior_strength:
        m, how many responses the prior is worth (at each level).
    default_prior:
        the prior P of an action that has no fixed probability.
    no_answer:
        ``"failure"`` (counts as not accepted) or ``"ignore"``.
    interval:
        the probability of the equal-tailed credible interval reported as lower / upper.
    """

    def __init__(
        self,
        *,
        prior_strength: float = 20.0,
        default_prior: float = 0.05,
        no_answer: Literal["failure", "ignore"] = "failure",
        interval: float = 0.9,
    ) -> None:
        self.prior_strength = prior_strength
        self.default_prior = default_prior
        self.no_answer = no_answer
        self.interval = interval

    def fit(
        self, responses: pd.DataFrame, priors: Mapping[str, float] | Catalogue | None = None
    ) -> Self:
        """Learn from ``responses`` (columns action, response, optionally segment) afresh."""
        if self.prior_strength <= 0 or not 0 < self.default_prior < 1:
            raise ValueError("prior_strength must be > 0 and default_prior within (0, 1)")
        if self.no_answer not in ("failure", "ignore") or not 0 < self.interval < 1:
            raise ValueError("no_answer must be 'failure' or 'ignore', interval within (0, 1)")
        self.priors_: dict[str, float] = {}
        self.counts_ = pd.DataFrame(columns=["action", "segment", *COUNT_COLUMNS])
        return self.partial_fit(responses, priors)

    def partial_fit(
        self, responses: pd.DataFrame, priors: Mapping[str, float] | Catalogue | None = None
    ) -> Self:
        """Add ``responses`` to the counts learned so far (and any new priors)."""
        if not hasattr(self, "counts_"):
            return self.fit(responses, priors)
        self.priors_.update(_priors(priors))
        self.counts_ = _add(self.counts_, _count(responses))
        return self

    def rates(self) -> pd.DataFrame:
        """Every action's rate over all segments (segment ``"*"``) and in each segment seen.

        Columns: action, segment, prior (the prior mean), accepted, refused, no_answer, count
        (responses counted), rate (posterior mean), lower, upper.
        """
        self._check_fitted()
        counts = self.counts_
        actions = sorted(set(counts["action"]) | set(self.priors_))
        overall = counts.groupby("action")[list(COUNT_COLUMNS)].sum().reindex(actions, fill_value=0)
        overall = overall.reset_index().assign(segment=ALL_SEGMENTS)
        overall["prior"] = [self._prior(a) for a in overall["action"]]
        overall = self._posterior(overall)
        pooled = dict(zip(overall["action"], overall["rate"], strict=True))
        segments = counts[counts["segment"] != ALL_SEGMENTS].copy()
        segments["prior"] = segments["action"].map(pooled).astype(float)
        table = pd.concat([overall, self._posterior(segments)], ignore_index=True)
        columns = ["action", "segment", "prior", *COUNT_COLUMNS, "count", "rate", "lower", "upper"]
        return table[columns].sort_values(["action", "segment"], ignore_index=True)

    def rate(self, action: str, segment: str = ALL_SEGMENTS) -> Rate:
        """The rate of ``action`` in ``segment`` (its overall rate with count 0 if never seen)."""
        return self._lookup(self.rates(), action, segment)

    def rate_columns(self, segments: pd.Series | NDArray[Any], actions: list[str]) -> pd.DataFrame:
        """One column per action (named by :func:`field_name`) with each row's segment's rate,
        to join onto the customer table of a batch decision."""
        table = self.rates()
        segments = pd.Series(np.asarray(segments, dtype=object))
        columns: dict[str, NDArray[np.float64]] = {}
        for action in actions:
            own = table[table["action"] == action]
            by_segment = dict(zip(own["segment"], own["rate"], strict=True))
            overall = self._lookup(table, action, ALL_SEGMENTS).rate
            columns[field_name(action)] = (
                segments.map(by_segment).fillna(overall).to_numpy(dtype=np.float64)
            )
        return pd.DataFrame(columns, index=segments.index)

    def context(self, segment: str, actions: list[str]) -> dict[str, float]:
        """The rates of ``actions`` for one customer's segment, as context fields for the engine."""
        table = self.rates()
        return {field_name(a): self._lookup(table, a, segment).rate for a in actions}

    def _lookup(self, table: pd.DataFrame, action: str, segment: str) -> Rate:
        found = table[(table["action"] == action) & (table["segment"] == segment)]
        if found.empty:
            overall = table[(table["action"] == action) & (table["segment"] == ALL_SEGMENTS)]
            prior = float(overall["rate"].iloc[0]) if len(overall) else self._prior(action)
            zero = {c: [0] for c in COUNT_COLUMNS}
            found = self._posterior(pd.DataFrame({"prior": [prior], **zero}))
        row = found.iloc[0]
        return Rate(
            action=action,
            segment=segment,
            rate=float(row["rate"]),
            count=int(row["count"]),
            accepted=int(row["accepted"]),
            lower=float(row["lower"]),
            upper=float(row["upper"]),
        )

    def _prior(self, action: str) -> float:
        return self.priors_.get(action, self.default_prior)

    def _posterior(self, table: pd.DataFrame) -> pd.DataFrame:
        m = self.prior_strength
        failures = table["refused"] + (table["no_answer"] if self.no_answer == "failure" else 0)
        a = m * table["prior"] + table["accepted"]
        b = m * (1 - table["prior"]) + failures
        tail = (1 - self.interval) / 2
        return table.assign(
            count=(table["accepted"] + failures).astype(int),
            rate=a / (a + b),
            lower=beta.ppf(tail, a, b),
            upper=beta.ppf(1 - tail, a, b),
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "counts_"):
            raise NotFittedError("ResponseRates is not fitted yet: call fit first")


def _priors(priors: Mapping[str, float] | Catalogue | None) -> dict[str, float]:
    if priors is None:
        return {}
    if isinstance(priors, Catalogue):
        return {a.key: a.probability for a in priors.actions if a.probability is not None}
    for action, p in priors.items():
        if not 0 < p < 1:
            raise ValueError(f"the prior of {action!r} must be within (0, 1), got {p}")
    return dict(priors)


def _count(responses: pd.DataFrame) -> pd.DataFrame:
    missing = {"action", "response"} - set(responses.columns)
    if missing:
        raise ValueError(f"the responses lack the column(s) {', '.join(sorted(missing))}")
    answered = responses[responses["response"].notna()]
    unknown = set(answered["response"]) - set(RESPONSES)
    if unknown:
        raise ValueError(f"unknown response(s) {sorted(unknown)}; expected one of {RESPONSES}")
    segment = (
        answered["segment"].astype(object).where(answered["segment"].notna(), ALL_SEGMENTS)
        if "segment" in answered.columns
        else ALL_SEGMENTS
    )
    frame = pd.DataFrame(
        {
            "action": answered["action"].astype(str),
            "segment": segment,
            "response": answered["response"],
        }
    )
    counts = pd.crosstab([frame["action"], frame["segment"]], frame["response"])
    counts = counts.reindex(columns=list(COUNT_COLUMNS), fill_value=0)
    counts.columns.name = None
    return counts.reset_index()


def _add(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    both = pd.concat([old, new], ignore_index=True)
    both[list(COUNT_COLUMNS)] = both[list(COUNT_COLUMNS)].astype(np.int64)
    return both.groupby(["action", "segment"], as_index=False)[list(COUNT_COLUMNS)].sum()
