"""A synthetic retention campaign whose true uplift per customer is known.

:func:`synthetic_campaign` draws ``customers`` subscribers, offers a retention deal to a random
share ``1 − control_share`` of them (exactly that many, the rest are the control group) and
records who stayed. Each customer's probability of staying without the offer and with it are
returned beside the outcome, so a model's predicted uplift can be compared with the truth.

The customers
-------------
``tenure_months`` uniform 1..72; ``tariff`` budget 30 %, flex 25 %, standard 30 %, premium 15 %
(budget and flex are *price-sensitive*); ``usage_drop`` = the fall of usage over the last quarter,
``clip(N(0.10, 0.20), 0, 0.9)``; ``open_complaints`` Poisson(0.8); ``age`` uniform 18..80;
``region`` north, south, east, west (25/30/20/25 %); ``nps`` the last survey answer, binomial
(10, 0.7).

Staying
-------
Without the offer a customer stays with probability ``expit(η₀)``, the *baseline* (about 66 %),
which depends only on tenure, NPS, age and region::

    η₀ = 0.8 + 0.035 · (tenure_months − 36) + 0.30 · (nps − 7) − 0.015 · (age − 49)
         + region                         north −0.40, east +0.30, south and west 0

With the offer the log-odds move by ``τ = 1.8 · persuadable − 1.0 · sleeping_dog``:
*persuadable* customers are price-sensitive with ``usage_drop > 0.15`` (about 22 %: a better
price keeps them; true uplift +0.24 on average), *sleeping dogs* have two or more open complaints
(about 19 %: the call reminds them to leave; −0.20), about 4 % are both (+0.14), and the offer
does nothing for the other 63 % (uplift exactly 0). The true uplift is
``expit(η₀ + τ) − expit(η₀)``, +0.018 on average: the campaign as a whole barely pays, targeted
at the persuadables it would. The features that drive the baseline do not drive the uplift, so
ranking by the chance of staying (or of churning) targets about as well as random; a response
model fitted on the treated customers only does better, as their outcomes hold part of the
uplift, but it mixes it with the baseline. An uplift model can find both groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

FEATURES = ("tenure_months", "tariff", "usage_drop", "open_complaints", "age", "region", "nps")
TARIFFS = {"budget": 0.30, "flex": 0.25, "standard": 0.30, "premium": 0.15}
PRICE_SENSITIVE = ("budget", "flex")
REGIONS = {"north": (0.25, -0.40), "south": (0.30, 0.0), "east": (0.20, 0.30), "west": (0.25, 0.0)}
"""Region: (share of the customers, effect on the baseline log-odds of staying)."""
PERSUADABLE_EFFECT, SLEEPING_DOG_EFFECT, COMMON_EFFECT = 1.8, -1.0, 0.0


def synthetic_campaign(
    customers: int = 20_000, *, control_share: float = 0.5, random_state: int = 0
) -> pd.DataFrame:
    """A finished retention campaign, one row per customer (see the module docstring).

    Columns: ``customer`` (1..n), the :data:`FEATURES`, ``treated`` (1 = got the offer),
    ``stayed`` (the outcome, 1 = stayed), and the truth a real campaign does not show:
    ``p_control`` and ``p_treated`` (the probabilities of staying without and with the offer),
    ``true_uplift`` (their difference) and ``group`` ("persuadable", "sleeping_dog", "both" or
    "other").
    """
    if int(customers) < 2:
        raise ValueError(f"customers must be ≥ 2, got {customers}")
    if not 0 < control_share < 1:
        raise ValueError(f"control_share must be between 0 and 1, got {control_share}")
    n = int(customers)
    rng = np.random.default_rng(random_state)
    tenure = rng.integers(1, 73, n)
    tariff = rng.choice(list(TARIFFS), n, p=list(TARIFFS.values()))
    usage_drop = np.round(np.clip(rng.normal(0.10, 0.20, n), 0, 0.9), 3)
    complaints = rng.poisson(0.8, n)
    age = rng.integers(18, 81, n)
    region = rng.choice(list(REGIONS), n, p=[share for share, _ in REGIONS.values()])
    nps = rng.binomial(10, 0.7, n)

    persuadable = np.isin(tariff, PRICE_SENSITIVE) & (usage_drop > 0.15)
    sleeping_dog = complaints >= 2
    region_effect = np.array([REGIONS[r][1] for r in region])
    eta = 0.8 + 0.035 * (tenure - 36) + 0.30 * (nps - 7) - 0.015 * (age - 49) + region_effect
    tau = COMMON_EFFECT + PERSUADABLE_EFFECT * persuadable + SLEEPING_DOG_EFFECT * sleeping_dog
    p_control, p_treated = expit(eta), expit(eta + tau)

    treated = np.zeros(n, dtype=np.int64)
    treated[rng.permutation(n)[: round(n * (1 - control_share))]] = 1
    stayed = (rng.uniform(size=n) < np.where(treated == 1, p_treated, p_control)).astype(np.int64)
    group = np.select(
        [persuadable & sleeping_dog, persuadable, sleeping_dog],
        ["both", "persuadable", "sleeping_dog"],
        "other",
    )
    return pd.DataFrame(
        {
            "customer": np.arange(1, n + 1),
            "tenure_months": tenure,
            "tariff": tariff,
            "usage_drop": usage_drop,
            "open_complaints": complaints,
            "age": age,
            "region": region,
            "nps": nps,
            "treated": treated,
            "stayed": stayed,
            "p_control": p_control,
            "p_treated": p_treated,
            "true_uplift": p_treated - p_control,
            "group": group,
        }
    )
