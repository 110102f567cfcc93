"""Retention rate of the contacted group against the control group, with a 95 % interval.

The difference of two independent proportions uses Newcombe's hybrid score interval (method 10 of
Newcombe 1998) built from Wilson intervals: it keeps its coverage for small groups and rates near 0
or 1, where the textbook Wald interval does not. Written here because it is a dozen lines of
arithmetic; statsmodels (``confint_proportions_2indep(method="newcomb")``) would add a heavy
dependency for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm


def wilson_interval(successes: int, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion; (0, 1) when there is no observation."""
    if total <= 0:
        return 0.0, 1.0
    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class RetentionLift:
    """Retention rates of both groups and their difference (contacted − control) with its interval."""

    treated_rate: float | None
    control_rate: float | None
    difference: float | None
    low: float | None
    high: float | None
    confidence: float

    @property
    def significant(self) -> bool:
        """Whether the interval excludes zero."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def retention_lift(
    treated_retained: int,
    treated_total: int,
    control_retained: int,
    control_total: int,
    confidence: float = 0.95,
) -> RetentionLift:
    """Newcombe's interval for the difference of the two groups' retention rates."""
    for name, retained, total in (
        ("contacted", treated_retained, treated_total),
        ("control", control_retained, control_total),
    ):
        if total < 0 or not 0 <= retained <= max(total, 0):
            raise ValueError(f"{name} group: {retained} retained of {total} is impossible")
    treated_rate = treated_retained / treated_total if treated_total else None
    control_rate = control_retained / control_total if control_total else None
    if treated_rate is None or control_rate is None:
        return RetentionLift(treated_rate, control_rate, None, None, None, confidence)
    low1, high1 = wilson_interval(treated_retained, treated_total, confidence)
    low2, high2 = wilson_interval(control_retained, control_total, confidence)
    difference = treated_rate - control_rate
    low = difference - math.sqrt((treated_rate - low1) ** 2 + (high2 - control_rate) ** 2)
    high = difference + math.sqrt((high1 - treated_rate) ** 2 + (control_rate - low2) ** 2)
    return RetentionLift(treated_rate, control_rate, difference, low, high, confidence)
