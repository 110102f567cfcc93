"""A synthetic subscription base whose churn depends on behaviour a model can see.

:func:`synthetic_subscription_base` simulates ``customers`` subscribers of a utility or telco
month by month over the ``years`` before ``as_of`` and returns what an operator's systems would
hold on ``as_of``: the contracts, the monthly bills, the invoices and their payments, complaints,
service contacts and NPS survey answers. Nothing dated after ``as_of`` is in it: a contract that
ends later, a payment made later and a complaint closed later are null, as they are not known yet.

The base
--------
Half the customers are already subscribed when the data window opens (contract start up to six
years earlier; their history starts with the window), the other half start on a uniform day
within it. A customer is billed every month on the day of the month the contract started (at most
the 28th), from the first such day on or after the start until the end. The tariff fixes the fee
(less a discount of 0, 10 or 20 %) and the minimum term:

========  =======  ============  ===============
tariff    fee      minimum term  price-sensitive
========  =======  ============  ===============
budget    14.90    12 months     yes
flex      24.90    none          yes
standard  29.90    24 months     no
premium   49.90    24 months     no
========  =======  ============  ===============

A bill is the fee plus 0.15 per unit of usage. Log usage moves back towards a customer's level
(normal, median 120 units) by a quarter of the gap a month, with noise of sd 0.06, and falls by
0.12 a month (about 11 %) during a *decline*, which starts with probability 3 % a month and lasts
3 to 7 months. Each bill is an invoice due 14 days later,
paid up to 10 days early, or late by a geometric number of days (mean 10) with the customer's
probability of paying late (Beta(1, 15), mean 6 %), or *missed* (15 % of the late ones): paid
32 or more days late, or never (30 % of the missed ones). During *financial stress* (starts with probability 1.5 % a
month, lasts 2 to 7 months) an invoice is late with probability 50 % and missed with 20 %.
Complaints arrive with a customer's rate (Gamma(0.8, 0.03) a month, plus 4 % under stress), 30 %
of them major; minor ones are closed after about 8 days, major ones after about 30, 5 % never.
Service contacts are Poisson: 0.15 a month, plus 0.7 with an open complaint, 0.8 in a month with
a new complaint and 0.5 under stress. 8 % of the customers answer the NPS survey each month with
``round(7 + 1.6 s − 2.5 c − 1.5 f + ε)`` clipped to 0..10, where ``s`` is the customer's latent
satisfaction (standard normal), ``c`` = 1 with a complaint open or new this month, ``f`` = 1 under
stress, and ε ~ N(0, 1.2²).

The churn hazard
----------------
On each bill date an active customer ends the contract in the following month (on a uniform day
1..27 days after the bill, before the next one) with probability ``h = 1 / (1 + exp(−η))``::

    η = −5.6
        + 0.50 · min(late₆, 4)                 invoices of the last 6 bills paid late or unpaid
        + 1.20 · missed                        one of them (not the last) missed
        + 0.60 · open_minor + 1.40 · [open_major ≥ 1]     complaints open on the bill date
        + 1.10 · [nps ≤ 6] − 0.50 · [nps ≥ 9]  the last NPS answer (none: 0)
        + 0.80 · [tenure < 6 m] + 0.35 · [6 m ≤ tenure < 12 m]
        + 3.00 · drop                          drop = max(0, 1 − mean of the last 3 usages
                                                                / mean of the 3 before)
        + price_sensitive · (0.60 + 4.00 · drop)
        − 2.20 · in_term + 2.00 · renewal      in the minimum term / in the 3 months after it
        + region                               north +0.25, east −0.20, south and west 0
        − 0.30 · s + 0.30 · z                  latent satisfaction s and frailty z ~ N(0, 1)

(the coefficients are :data:`HAZARD`). Every term but the last line is visible in the data as of
the bill date, and several act only in steps or together (the renewal window is tenure × tariff,
price-sensitive customers react more to falling usage), which a gradient-boosted model on
:mod:`snapshots <tenure.analytics.propensity.snapshots>` finds and a logistic regression on the
same features does not: on 5,000 customers, trained on snapshots to March 2024 and validated on
two in the summer of 2024, ROC AUC 0.79-0.81 against 0.76-0.79 (seeds 1-3). Churn comes to
16-22 % of the customers a year (the tests check 10-30 %).

Everything is vectorised over customers (one NumPy step per month) and deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

FIRST_ID = 1_000_001
"""The first customer number; customers are numbered on from it, as text."""
DUE_DAYS = 14
"""An invoice falls due this many days after the bill date."""
EARLY_DAYS = 10
"""Invoices are paid at most this many days before they are due."""
UNIT_PRICE = 0.15
EXISTING_SHARE = 0.5
YEARS_BEFORE = 6
"""Customers subscribed when the data window opens started up to this many years before it."""
HISTORY = 6
"""Bills of history the hazard looks at (late payments, falling usage)."""


@dataclass(frozen=True)
class Tariff:
    name: str
    fee: float
    term_months: int
    price_sensitive: bool
    share: float


TARIFFS = (
    Tariff("budget", 14.90, 12, True, 0.25),
    Tariff("flex", 24.90, 0, True, 0.20),
    Tariff("standard", 29.90, 24, False, 0.35),
    Tariff("premium", 49.90, 24, False, 0.20),
)
REGIONS = {"north": (0.25, 0.25), "south": (0.30, 0.0), "east": (0.20, -0.20), "west": (0.25, 0.0)}
"""Region: (share of the customers, effect on the churn hazard's log-odds)."""


@dataclass(frozen=True)
class Hazard:
    """The coefficients of the monthly churn hazard (see the module docstring)."""

    intercept: float = -5.6
    late: float = 0.50
    late_cap: int = 4
    missed: float = 1.20
    open_minor: float = 0.60
    open_major: float = 1.40
    detractor: float = 1.10
    promoter: float = -0.50
    tenure_under_6: float = 0.80
    tenure_6_to_12: float = 0.35
    usage_drop: float = 3.00
    price_sensitive: float = 0.60
    price_sensitive_drop: float = 4.00
    in_term: float = -2.20
    renewal: float = 2.00
    renewal_months: int = 3
    satisfaction: float = -0.30
    frailty: float = 0.30


HAZARD = Hazard()


@dataclass(frozen=True)
class SubscriptionBase:
    """The tables of a synthetic subscription base as of ``as_of`` (dates as ``datetime64``).

    ``customers``: customer_id (text), start_date, end_date (NaT while active), tariff, region,
    monthly_fee. ``transactions``: customer_id, date (bill date), amount. ``payments``:
    customer_id, due_date, paid_date (NaT while unpaid), amount. ``complaints``: customer_id,
    opened, closed (NaT while open), severity (``minor`` or ``major``). ``interactions``:
    customer_id, date. ``nps``: customer_id, date, score (0..10).
    """

    as_of: dt.date
    customers: pd.DataFrame
    transactions: pd.DataFrame
    payments: pd.DataFrame
    complaints: pd.DataFrame
    interactions: pd.DataFrame
    nps: pd.DataFrame


def synthetic_subscription_base(
    customers: int, *, seed: int, as_of: dt.date, years: int = 3
) -> SubscriptionBase:
    """Simulate ``customers`` subscribers over the ``years`` (whole calendar months) up to
    ``as_of``; the same ``seed`` gives the same tables (see the module docstring)."""
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    if years < 1:
        raise ValueError(f"years must be at least 1, got {years}")
    return _Simulation(customers, np.random.default_rng(seed), as_of, years).run()


class _Simulation:
    """The state of every customer, advanced one month at a time."""

    def __init__(self, n: int, rng: np.random.Generator, as_of: dt.date, years: int) -> None:
        self.n, self.rng, self.as_of = n, rng, as_of
        self.last_day = np.datetime64(as_of, "D")
        self.first_month = np.datetime64(as_of, "M") - (12 * years - 1)
        self.months = 12 * years
        window_start = self.first_month.astype("datetime64[D]")
        window_days = int((self.last_day - window_start).astype(int)) + 1

        existing = rng.random(n) < EXISTING_SHARE
        before = rng.integers(1, YEARS_BEFORE * 365 + 1, n)
        within = rng.integers(0, window_days, n)
        self.start = np.where(existing, window_start - before, window_start + within)
        day_of_month = (self.start - self.start.astype("datetime64[M]")).astype(int) + 1
        self.bill_day = np.minimum(day_of_month, 28)

        self.tariff = rng.choice(len(TARIFFS), n, p=[t.share for t in TARIFFS])
        self.region = rng.choice(len(REGIONS), n, p=[share for share, _ in REGIONS.values()])
        discount = rng.choice([1.0, 0.9, 0.8], n, p=[0.7, 0.2, 0.1])
        self.fee = np.round(np.array([t.fee for t in TARIFFS])[self.tariff] * discount, 2)
        self.term = np.array([t.term_months for t in TARIFFS])[self.tariff]
        self.sensitive = np.array([t.price_sensitive for t in TARIFFS])[self.tariff]
        self.region_effect = np.array([effect for _, effect in REGIONS.values()])[self.region]

        self.satisfaction = rng.standard_normal(n)
        self.frailty = rng.standard_normal(n)
        self.usage_level = rng.normal(np.log(120.0), 0.5, n)
        self.usage = self.usage_level.copy()
        self.p_late = rng.beta(1.0, 15.0, n)
        self.complaint_rate = rng.gamma(0.8, 0.03, n)
        self.decline_left = np.zeros(n, dtype=np.int64)
        self.stress_left = np.zeros(n, dtype=np.int64)

        self.usage_history = np.full((n, HISTORY), np.nan)
        self.late_history = np.zeros((n, HISTORY), dtype=bool)
        self.missed_history = np.zeros((n, HISTORY), dtype=bool)
        self.last_nps = np.full(n, np.nan)
        self.alive = np.ones(n, dtype=bool)
        self.end = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")

        self.complaints: dict[str, list[np.ndarray]] = {
            "who": [],
            "opened": [],
            "closes": [],
            "major": [],
        }
        self.rows: dict[str, list[np.ndarray]] = {
            key: []
            for key in (
                "bill_who",
                "bill_date",
                "bill_amount",
                "paid",
                "contact_who",
                "contact_date",
                "nps_who",
                "nps_date",
                "nps_score",
            )
        }

    def run(self) -> SubscriptionBase:
        for month in range(self.months):
            self.step(month)
        return self.tables()

    def step(self, month: int) -> None:
        rng, n = self.rng, self.n
        bill = (self.first_month + month).astype("datetime64[D]") + (self.bill_day - 1)
        active = self.alive & (bill >= self.start) & (bill <= self.last_day)
        who = np.flatnonzero(active)

        # usage and financial stress move for everyone; only the active ones are billed
        self.decline_left = _episodes(rng, self.decline_left, 0.03, 3, 8)
        declining = self.decline_left > 0
        self.usage += np.where(declining, -0.12, 0.25 * (self.usage_level - self.usage))
        self.usage += 0.06 * rng.standard_normal(n)
        self.stress_left = _episodes(rng, self.stress_left, 0.015, 2, 8)
        stressed = self.stress_left > 0
        units = np.exp(self.usage)
        amount = np.round(self.fee + UNIT_PRICE * units, 2)

        draw = rng.random(n)
        missed = draw < np.where(stressed, 0.20, 0.15 * self.p_late)
        late = draw < np.where(stressed, 0.50, self.p_late)
        delay = np.where(
            missed,
            31 + rng.geometric(1 / 40, n),
            np.where(late, rng.geometric(1 / 10, n), -rng.integers(0, EARLY_DAYS + 1, n)),
        )
        never = missed & (rng.random(n) < 0.3)
        due = bill + DUE_DAYS
        paid = np.where(never, np.datetime64("NaT"), due + delay)
        self.rows["bill_who"].append(who)
        self.rows["bill_date"].append(bill[who])
        self.rows["bill_amount"].append(amount[who])
        self.rows["paid"].append(paid[who])
        _push(self.usage_history, who, units)

        # the hazard, from what is known on the bill date
        open_minor, open_major = self.open_complaints(bill)
        h = _hazard(self, bill, open_minor, open_major)
        leaves = active & (rng.random(n) < h)
        end = bill + rng.integers(1, 28, n)
        self.end = np.where(leaves, end, self.end)
        self.alive &= ~leaves
        before_end = np.where(leaves, end, bill + 28)
        limit = np.minimum(before_end, self.last_day + 1)  # events dated before it are kept

        # the month's events, dated after the bill and before the end (and not after as_of)
        opened = bill + rng.integers(1, 28, n)
        new = active & (rng.random(n) < np.minimum(self.complaint_rate + 0.04 * stressed, 0.5))
        major = rng.random(n) < 0.3
        lasts = 1 + rng.exponential(np.where(major, 30.0, 8.0)).astype(np.int64)
        closes = np.where(rng.random(n) < 0.05, np.datetime64("2200-01-01"), opened + lasts)
        new &= opened < limit
        self.complaints["who"].append(np.flatnonzero(new))
        self.complaints["opened"].append(opened[new])
        self.complaints["closes"].append(closes[new])
        self.complaints["major"].append(major[new])

        open_now = (open_minor + open_major) > 0
        rate = 0.15 + 0.7 * open_now + 0.8 * new + 0.5 * stressed
        contacts = np.where(active, rng.poisson(rate), 0)
        contact_who = np.repeat(np.arange(n), contacts)
        contact_date = bill[contact_who] + rng.integers(1, 28, contact_who.size)
        keep = contact_date < limit[contact_who]
        self.rows["contact_who"].append(contact_who[keep])
        self.rows["contact_date"].append(contact_date[keep])

        answer_date = bill + rng.integers(1, 28, n)
        noise = rng.normal(0.0, 1.2, n)
        answers = active & (rng.random(n) < 0.08) & (answer_date < limit)
        troubled = open_now | new
        score = np.clip(
            np.round(7 + 1.6 * self.satisfaction - 2.5 * troubled - 1.5 * stressed + noise), 0, 10
        )
        self.rows["nps_who"].append(np.flatnonzero(answers))
        self.rows["nps_date"].append(answer_date[answers])
        self.rows["nps_score"].append(score[answers])
        self.last_nps = np.where(answers, score, self.last_nps)

        _push(self.late_history, who, late)
        _push(self.missed_history, who, missed)

    def open_complaints(self, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Minor and major complaints per customer open on ``day`` (one date per customer)."""
        if not self.complaints["who"]:
            zeros = np.zeros(self.n, dtype=np.int64)
            return zeros, zeros
        who = np.concatenate(self.complaints["who"])
        opened = np.concatenate(self.complaints["opened"])
        closes = np.concatenate(self.complaints["closes"])
        major = np.concatenate(self.complaints["major"])
        open_now = (opened < day[who]) & (closes > day[who])
        minor = np.bincount(who[open_now & ~major], minlength=self.n)
        return minor, np.bincount(who[open_now & major], minlength=self.n)

    def tables(self) -> SubscriptionBase:
        ids = np.array([str(FIRST_ID + i) for i in range(self.n)], dtype=object)
        unknown = np.datetime64("NaT")
        end = np.where(self.end > self.last_day, unknown, self.end)
        customers = pd.DataFrame(
            {
                "customer_id": ids,
                "start_date": _dates(self.start),
                "end_date": _dates(end),
                "tariff": np.array([t.name for t in TARIFFS], dtype=object)[self.tariff],
                "region": np.array(list(REGIONS), dtype=object)[self.region],
                "monthly_fee": self.fee,
            }
        )
        rows = {key: np.concatenate(values) for key, values in self.rows.items()}
        who, bill = rows["bill_who"], rows["bill_date"]
        order = np.lexsort((bill, who))
        paid = rows["paid"][order]
        transactions = pd.DataFrame(
            {
                "customer_id": ids[who[order]],
                "date": _dates(bill[order]),
                "amount": rows["bill_amount"][order],
            }
        )
        payments = pd.DataFrame(
            {
                "customer_id": ids[who[order]],
                "due_date": _dates(bill[order] + DUE_DAYS),
                "paid_date": _dates(np.where(paid > self.last_day, unknown, paid)),
                "amount": rows["bill_amount"][order],
            }
        )
        c = {key: np.concatenate(values) for key, values in self.complaints.items()}
        order = np.lexsort((c["opened"], c["who"]))
        closes = c["closes"][order]
        complaints = pd.DataFrame(
            {
                "customer_id": ids[c["who"][order]],
                "opened": _dates(c["opened"][order]),
                "closed": _dates(np.where(closes > self.last_day, unknown, closes)),
                "severity": np.where(c["major"][order], "major", "minor").astype(object),
            }
        )
        order = np.lexsort((rows["contact_date"], rows["contact_who"]))
        interactions = pd.DataFrame(
            {
                "customer_id": ids[rows["contact_who"][order]],
                "date": _dates(rows["contact_date"][order]),
            }
        )
        order = np.lexsort((rows["nps_date"], rows["nps_who"]))
        nps = pd.DataFrame(
            {
                "customer_id": ids[rows["nps_who"][order]],
                "date": _dates(rows["nps_date"][order]),
                "score": rows["nps_score"][order].astype(np.int64),
            }
        )
        return SubscriptionBase(
            self.as_of, customers, transactions, payments, complaints, interactions, nps
        )


def _hazard(
    sim: _Simulation, bill: np.ndarray, open_minor: np.ndarray, open_major: np.ndarray
) -> np.ndarray:
    """The monthly churn probability of every customer on its bill date (module docstring)."""
    c = HAZARD
    late = np.minimum(sim.late_history.sum(axis=1), c.late_cap)
    missed = sim.missed_history[:, :-1].any(axis=1)  # the last one is not 30 days overdue yet
    tenure = (bill - sim.start).astype(np.float64) / (365.25 / 12)
    recent = sim.usage_history[:, -3:].mean(axis=1)
    before = sim.usage_history[:, :3].mean(axis=1)
    known = ~np.isnan(sim.usage_history).any(axis=1)
    drop = np.where(known, np.clip(1 - recent / np.where(known, before, 1.0), 0, 1), 0.0)
    in_term = (sim.term > 0) & (tenure < sim.term)
    renewal = (sim.term > 0) & (tenure >= sim.term) & (tenure < sim.term + c.renewal_months)
    eta = (
        c.intercept
        + c.late * late
        + c.missed * missed
        + c.open_minor * open_minor
        + c.open_major * (open_major >= 1)
        + c.detractor * (sim.last_nps <= 6)
        + c.promoter * (sim.last_nps >= 9)
        + c.tenure_under_6 * (tenure < 6)
        + c.tenure_6_to_12 * ((tenure >= 6) & (tenure < 12))
        + c.usage_drop * drop
        + sim.sensitive * (c.price_sensitive + c.price_sensitive_drop * drop)
        + c.in_term * in_term
        + c.renewal * renewal
        + sim.region_effect
        + c.satisfaction * sim.satisfaction
        + c.frailty * sim.frailty
    )
    return 1 / (1 + np.exp(-eta))


def _episodes(
    rng: np.random.Generator, left: np.ndarray, probability: float, low: int, high: int
) -> np.ndarray:
    """Months left of an episode (decline, stress): one starts with ``probability`` when none
    runs and lasts ``low`` to ``high − 1`` months."""
    starts = (left == 0) & (rng.random(left.size) < probability)
    return np.where(starts, rng.integers(low, high, left.size), np.maximum(left - 1, 0))


def _push(history: np.ndarray, who: np.ndarray, values: np.ndarray) -> None:
    """Append this month's ``values`` to the ``who`` rows of a (customers × months) history."""
    history[who, :-1] = history[who, 1:]
    history[who, -1] = values[who]


def _dates(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[ns]")
