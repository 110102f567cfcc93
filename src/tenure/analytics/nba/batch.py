"""The engine over a whole base at once, for a proactive (outbound) run.

:func:`decide_batch` takes the customers as a table (one row per customer, one column per context
field, plus the customer column) and the contact history as a table, evaluates every
:class:`~.rules.Rule` column-wise (a :class:`~.rules.Predicate` through its ``columns`` twin, or
row by row without one), counts the contact pressure with NumPy, and ranks with the same
:func:`~.arbitration.arbitrate` as the call-time :func:`~.engine.decide`, in chunks of
``chunk_size`` rows to bound memory (a chunk of 20 actions needs about 40 arrays of
``chunk_size`` × 20). It returns the ranked actions as a long table and how many customers each
reason held back; the full :class:`~.engine.Decision` of any customer is rebuilt on demand by
:meth:`BatchDecision.decision` (the same code on that customer's rows, so it equals what the
run decided).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tenure.analytics.nba.arbitration import Inputs, Outcome, Plan, arbitrate
from tenure.analytics.nba.catalogue import Catalogue
from tenure.analytics.nba.engine import Decision, assemble, moment
from tenure.analytics.nba.pressure import history_rows, pressure_for_table

RANKED_COLUMNS = (
    "customer",
    "rank",
    "action",
    "kind",
    "track",
    "channel",
    "probability",
    "value",
    "cost",
    "profit",
    "return",
    "score",
    "context_weight",
    "lever",
)


@dataclass
class BatchDecision:
    """A proactive run's result: ``ranked`` (one row per offered action, columns
    :data:`RANKED_COLUMNS`, by customer and rank) and ``reason_counts`` (action, step, rule,
    customers: how many customers each reason held back)."""

    ranked: pd.DataFrame
    reason_counts: pd.DataFrame
    catalogue: Catalogue = field(repr=False)
    frame: pd.DataFrame = field(repr=False)
    history: pd.DataFrame | None = field(repr=False)
    now: dt.datetime
    limit: int | None
    customer_column: str

    def decision(self, customer: Hashable) -> Decision:
        """The full decision of one customer, with its reasons and fired rules."""
        return next(self.decisions([customer]))

    def decisions(self, customers: Iterable[Hashable] | None = None) -> Iterator[Decision]:
        """The full decisions of ``customers`` (all, in table order, if ``None``)."""
        frame = self.frame
        if customers is not None:
            ids = pd.Index(frame[self.customer_column])
            wanted = list(customers)
            positions = ids.get_indexer(wanted)
            if (positions < 0).any():
                raise KeyError(f"not in the decision table: {wanted[int(np.argmin(positions))]!r}")
            frame = frame.iloc[positions]
        plan = Plan.of(self.catalogue)
        for start in range(0, len(frame), 10_000):
            part = frame.iloc[start : start + 10_000]
            inputs, outcome = _run(
                plan, part, self.history, self.customer_column, self.now, self.limit
            )
            records = part.to_dict("records")
            customers_ = part[self.customer_column].to_numpy()
            for i, record in enumerate(records):
                yield assemble(
                    plan,
                    inputs,
                    outcome,
                    i,
                    record,
                    customers_[i],
                    self.now,
                    self.limit,
                )


def decide_batch(
    catalogue: Catalogue,
    customers: pd.DataFrame,
    *,
    now: dt.datetime | dt.date,
    history: pd.DataFrame | None = None,
    limit: int | None = None,
    customer_column: str = "customer",
    chunk_size: int = 200_000,
) -> BatchDecision:
    """Decide for every row of ``customers`` (see the module docstring).

    ``history`` has the columns of :data:`~.pressure.HISTORY_COLUMNS` (``kind`` optional);
    contacts of customers not in the table are ignored.
    """
    if customer_column not in customers.columns:
        raise ValueError(f"the customer table lacks its {customer_column!r} column")
    if customers[customer_column].duplicated().any():
        raise ValueError("a customer appears twice in the decision table")
    when = moment(now)
    plan = Plan.of(catalogue)
    history = _history_by_customer(customers[customer_column], history)
    ranked: list[pd.DataFrame] = []
    counts: Counter[tuple[str, str, str]] = Counter()
    for start in range(0, len(customers), chunk_size):
        part = customers.iloc[start : start + chunk_size]
        inputs, outcome = _run(plan, part, history, customer_column, when, limit)
        ranked.append(_ranked_table(plan, inputs, outcome, part[customer_column].to_numpy()))
        _count_reasons(plan, inputs, outcome, counts)
    table = (
        pd.concat(ranked, ignore_index=True)
        if ranked
        else pd.DataFrame({name: [] for name in RANKED_COLUMNS})
    )
    reason_counts = pd.DataFrame(
        [(*key, n) for key, n in counts.items() if n],
        columns=["action", "step", "rule", "customers"],
    )
    return BatchDecision(
        ranked=table,
        reason_counts=reason_counts,
        catalogue=catalogue,
        frame=customers,
        history=history,
        now=when,
        limit=limit,
        customer_column=customer_column,
    )


def _history_by_customer(customers: pd.Series, history: pd.DataFrame | None) -> pd.DataFrame | None:
    """The history of the table's customers only, with the customer ids kept as they are."""
    if history is None or len(history) == 0:
        return None
    known = history["customer"].isin(customers)
    return history.loc[known].reset_index(drop=True)


def _run(
    plan: Plan,
    part: pd.DataFrame,
    history: pd.DataFrame | None,
    customer_column: str,
    when: dt.datetime,
    limit: int | None,
) -> tuple[Inputs, Outcome]:
    ids = pd.Index(part[customer_column])
    sorted_history, rows = history_rows(ids, history)
    actions = plan.catalogue.actions
    inputs = Inputs(
        n=len(part),
        passed=tuple(c.mask(part) for c in plan.conditions),
        probability=_numbers(part, [(a.propensity_field, a.probability) for a in actions]),
        value=_numbers(part, [(a.value_field, a.value) for a in actions]),
        pressure=pressure_for_table(plan.catalogue, sorted_history, rows, len(part), when),
    )
    return inputs, arbitrate(plan, inputs, when.date(), limit)


def _numbers(part: pd.DataFrame, sources: list[tuple[str | None, float | None]]) -> np.ndarray:
    result = np.empty((len(part), len(sources)), dtype=np.float64)
    for k, (name, fallback) in enumerate(sources):
        column = (
            pd.to_numeric(part[name]).to_numpy(dtype=np.float64, na_value=np.nan)
            if name and name in part.columns
            else np.full(len(part), np.nan)
        )
        result[:, k] = np.where(np.isnan(column), np.nan if fallback is None else fallback, column)
    return result


def _ranked_table(plan: Plan, inputs: Inputs, outcome: Outcome, customers: Any) -> pd.DataFrame:
    rows, actions = np.nonzero(outcome.rank)
    order = np.lexsort((outcome.rank[rows, actions], rows))
    rows, actions = rows[order], actions[order]
    catalogue = plan.catalogue
    by_track = catalogue.arbitration.mode == "track"
    attribute = {
        name: np.array([getattr(a, name) for a in catalogue.actions], dtype=object)
        for name in ("key", "kind", "track", "channel")
    }
    return pd.DataFrame(
        {
            "customer": customers[rows],
            "rank": outcome.rank[rows, actions],
            "action": attribute["key"][actions],
            "kind": attribute["kind"][actions],
            "track": attribute["track"][actions],
            "channel": attribute["channel"][actions],
            "probability": inputs.probability[rows, actions],
            "value": inputs.value[rows, actions],
            "cost": plan.cost[actions],
            "profit": outcome.profit[rows, actions],
            "return": outcome.return_[rows, actions],
            "score": (outcome.priority if by_track else outcome.score)[rows, actions],
            "context_weight": outcome.context_weight[rows, actions],
            "lever": plan.lever[actions],
        }
    )


def _count_reasons(
    plan: Plan, inputs: Inputs, outcome: Outcome, counts: Counter[tuple[str, str, str]]
) -> None:
    """Add the customers each (action, step, rule) held back, as :meth:`Decision.reasons` has them."""
    catalogue = plan.catalogue
    shown = outcome.rank > 0
    for k, action in enumerate(catalogue.actions):
        missed = ~shown[:, k]
        key = action.key
        if not outcome.valid[k]:
            counts[key, "validity", "validity"] += int(missed.sum())
        for c in plan.track_rules[int(plan.track_of[k])]:
            counts[key, "track", plan.conditions[c].name] += int((missed & ~inputs.passed[c]).sum())
        for step, c in plan.action_rules[k]:
            counts[key, step, plan.conditions[c].name] += int((missed & ~inputs.passed[c]).sum())
        counts[key, "scoring", "probability"] += int(np.isnan(inputs.probability[:, k]).sum())
        counts[key, "scoring", "value"] += int(np.isnan(inputs.value[:, k]).sum())
        counts[key, "track", "precedence"] += int((outcome.blocked_by[:, k] >= 0).sum())
        for j, refusal in enumerate(catalogue.refusals):
            counts[key, "contact_pressure", refusal.name] += int(outcome.refused[:, j, k].sum())
        for j, rule in enumerate(catalogue.limits):
            counts[key, "contact_pressure", rule.name] += int((outcome.held_by[:, k] == j).sum())
        counts[key, "limit", "limit"] += int(outcome.cut[:, k].sum())
