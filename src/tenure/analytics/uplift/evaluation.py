"""How well predicted uplift ranks customers, judged on a finished campaign with a control group.

An uplift model cannot be checked customer by customer: nobody is both contacted and left alone.
It is checked on groups instead. Rank held-out customers by predicted uplift, highest first, and
at each cut compare the outcome rate of the treated customers above the cut with that of the
controls above the cut; a good ranking gathers the customers the campaign moves at the top.

Definitions (``y`` = 1 for the outcome the campaign wants, ``t`` = 1 for treated; among the ``k``
customers ranked highest, ``n_t(k)`` and ``n_c(k)`` are treated and controls, ``r_t(k)`` and
``r_c(k)`` those of them with ``y`` = 1; ``N`` customers in all):

Qini curve (Radcliffe 2007, "Using control groups to target on predicted lift", Direct Marketing
    Analytics Journal 3, 14-21): ``Q(k) = r_t(k) − r_c(k) · n_t(k) / n_c(k)``, the extra
    responders among the treated customers above the cut, the controls' responders scaled to the
    treated count.
Uplift curve (Rzepakowski & Jaroszewicz 2012; Gutierrez & Gérardy 2017):
    ``U(k) = (r_t(k) / n_t(k) − r_c(k) / n_c(k)) · k``, the extra responders had all ``k``
    customers been treated.

While a group has no customer above the cut its term counts as 0, and the curves have a point only
where the predicted uplift changes (customers with equal predictions are one block, joined by a
straight line, so the input order does not matter), plus (0, 0). Both conventions are those of
scikit-uplift, so the numbers can be compared with it. The x axis is the share ``k / N`` of the
customers targeted, and an area is the trapezoidal integral over it (in extra responders).

*Random targeting* is the straight line from (0, 0) to the curve's last point, the whole
campaign's effect. The *perfect* curve ranks by the observed outcomes: for Qini treated
responders first and control responders last (``y·t − y·(1−t)``, negative effects included); for
the uplift curve scikit-uplift's ``2·[y = t] + (y if control responders outnumber treated
non-responders else t)``. The **Qini coefficient** and the normalised **AUUC** are
``(A_model − A_random) / (A_perfect − A_random)``: 0 for a ranking no better than random, 1 for
the perfect one, negative when worse than random (Radcliffe's Q for the optimum curve with
negative effects; scikit-uplift's ``qini_auc_score`` with ``negative_effect=True`` and
``uplift_auc_score``). The perfect curve sorts
on realised outcomes, noise included, so even the true uplift scores far below 1: compare models
on the same rows, not coefficients across campaigns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]
DECILES = 10
SEGMENTS = (
    "persuadable",
    "sure_thing",
    "lost_cause",
    "do_not_disturb",
    "sure_thing_or_lost_cause",
)
"""The segment keys of :func:`segment` (labels to translate, not to show as they are)."""


# --- input checks --------------------------------------------------------------------------------
def binary_values(values: ArrayLike, name: str, meaning: str) -> NDArray[np.int8]:
    """0/1 or booleans as an int8 array; anything else raises a ValueError naming ``name``."""
    series = pd.Series(values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values))
    if series.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if series.isna().any():
        rows = np.flatnonzero(series.isna().to_numpy())
        raise ValueError(f"{name} has {len(rows)} missing values (first in row {rows[0] + 1})")
    found = pd.unique(series)
    wrong = [v for v in found if not (isinstance(v, bool | np.bool_) or v in (0, 1))]
    if wrong:
        shown = ", ".join(repr(_plain(v)) for v in wrong[:5])
        raise ValueError(f"{name} must be 0/1 or True/False ({meaning}), got values {shown}")
    return series.astype(int).to_numpy(np.int8)


def check_campaign(
    y: ArrayLike, treatment: ArrayLike, uplift: ArrayLike | None = None
) -> tuple[NDArray[np.int8], NDArray[np.int8], Array]:
    """Outcomes, treatment flags and predicted uplift, checked: binary, equal lengths, finite
    predictions, and customers in both groups (else a ValueError saying which check failed)."""
    outcome = binary_values(y, "y", "1 = the outcome the campaign wants")
    treated = binary_values(treatment, "treatment", "1 = treated, 0 = control")
    if len(treated) != len(outcome):
        raise ValueError(f"treatment has {len(treated)} values for {len(outcome)} outcomes")
    check_both_groups(treated)
    if uplift is None:
        return outcome, treated, np.zeros(len(outcome))
    scores = np.asarray(uplift, dtype=np.float64)
    if scores.ndim != 1 or len(scores) != len(outcome):
        raise ValueError(
            f"uplift has shape {scores.shape}; expected one value per customer ({len(outcome)})"
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError(
            f"uplift has {int((~np.isfinite(scores)).sum())} missing or infinite values"
        )
    return outcome, treated, scores


def check_both_groups(treated: NDArray[np.int8]) -> None:
    if len(treated) == 0:
        raise ValueError("no customers: the campaign data are empty")
    count = int(treated.sum())
    if count in (0, len(treated)):
        who = "controls" if count == 0 else "treated customers"
        raise ValueError(
            f"treatment has only {who} ({len(treated)} rows): uplift is measured against a "
            "control group, so customers of both groups are needed"
        )


# --- curves --------------------------------------------------------------------------------------
def _cumulative(y: NDArray[np.int8], t: NDArray[np.int8], score: Array) -> pd.DataFrame:
    """Counts above each cut between distinct scores (highest score first), with (0, 0) first."""
    order = np.argsort(-score, kind="stable")
    y, t, score = y[order].astype(np.int64), t[order].astype(np.int64), score[order]
    ends = np.r_[np.flatnonzero(np.diff(score)), len(score) - 1]
    treated = np.cumsum(t)[ends]
    treated_positives = np.cumsum(y * t)[ends]
    customers = ends + 1
    control = customers - treated
    control_positives = np.cumsum(y * (1 - t))[ends]
    return pd.DataFrame(
        {
            "customers": np.r_[0, customers],
            "share": np.r_[0, customers] / len(score),
            "treated": np.r_[0, treated],
            "control": np.r_[0, control],
            "treated_positives": np.r_[0, treated_positives],
            "control_positives": np.r_[0, control_positives],
        }
    )


def _ratio(numerator: pd.Series, denominator: pd.Series) -> Array:
    """numerator / denominator, 0 where the denominator is 0."""
    num, den = numerator.to_numpy(np.float64), denominator.to_numpy(np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0)


def _qini(table: pd.DataFrame) -> pd.DataFrame:
    table["incremental"] = table["treated_positives"] - table["control_positives"] * _ratio(
        table["treated"], table["control"]
    )
    table["random"] = table["share"] * table["incremental"].iloc[-1]
    return table


def _uplift(table: pd.DataFrame) -> pd.DataFrame:
    rates = _ratio(table["treated_positives"], table["treated"]) - _ratio(
        table["control_positives"], table["control"]
    )
    table["incremental"] = rates * table["customers"]
    table["random"] = table["share"] * table["incremental"].iloc[-1]
    return table


def qini_curve(y: ArrayLike, treatment: ArrayLike, uplift: ArrayLike) -> pd.DataFrame:
    """The Qini curve of a ranking by predicted ``uplift`` (Radcliffe 2007; module docstring).

    One row per cut, starting at (0, 0): ``customers`` targeted (``k``), their ``share`` of all,
    ``treated``, ``control``, ``treated_positives``, ``control_positives`` above the cut,
    ``incremental`` = ``Q(k)`` and ``random`` (random targeting at the same share).
    """
    return _qini(_cumulative(*check_campaign(y, treatment, uplift)))


def uplift_curve(y: ArrayLike, treatment: ArrayLike, uplift: ArrayLike) -> pd.DataFrame:
    """The uplift curve of a ranking by predicted ``uplift``: the columns of :func:`qini_curve`,
    with ``incremental`` = ``U(k) = (r_t/n_t − r_c/n_c) · k`` (module docstring)."""
    return _uplift(_cumulative(*check_campaign(y, treatment, uplift)))


def area_under(curve: pd.DataFrame) -> float:
    """The trapezoidal area under a curve's ``incremental`` column over ``share`` (0 to 1)."""
    x, value = curve["share"].to_numpy(), curve["incremental"].to_numpy(np.float64)
    return float(np.sum(np.diff(x) * (value[1:] + value[:-1]) / 2))


def _perfect_qini_score(y: NDArray[np.int8], t: NDArray[np.int8]) -> Array:
    return (y * t - y * (1 - t)).astype(np.float64)


def _perfect_uplift_score(y: NDArray[np.int8], t: NDArray[np.int8]) -> Array:
    control_responders = int(np.sum((y == 1) & (t == 0)))
    treated_non_responders = int(np.sum((y == 0) & (t == 1)))
    summand = y if control_responders > treated_non_responders else t
    return (2 * (y == t) + summand).astype(np.float64)


def _normalised(y: NDArray[np.int8], t: NDArray[np.int8], score: Array, kind: str) -> float:
    if kind == "qini":
        curve, perfect_score = _qini, _perfect_qini_score
    else:
        curve, perfect_score = _uplift, _perfect_uplift_score
    model = area_under(curve(_cumulative(y, t, score)))
    perfect = area_under(curve(_cumulative(y, t, perfect_score(y, t))))
    random = area_under(curve(_cumulative(y, t, np.zeros(len(y)))))  # one block: the straight line
    if not perfect - random > 0:
        raise ValueError(
            "the perfect ranking is no better than random on these outcomes (no customer with "
            "y = 1?): the normalised area is undefined"
        )
    return (model - random) / (perfect - random)


def qini_coefficient(y: ArrayLike, treatment: ArrayLike, uplift: ArrayLike) -> float:
    """``(A_model − A_random) / (A_perfect − A_random)`` of the Qini curve (module docstring):
    0 = no better than random targeting, 1 = the perfect ranking of these outcomes."""
    return _normalised(*check_campaign(y, treatment, uplift), kind="qini")


def auuc(y: ArrayLike, treatment: ArrayLike, uplift: ArrayLike, *, normalize: bool = True) -> float:
    """Area under the uplift curve.

    ``normalize=True``: ``(A_model − A_random) / (A_perfect − A_random)`` like the Qini
    coefficient (scikit-uplift's ``uplift_auc_score``). ``normalize=False``: the raw area over
    the share targeted, in extra responders (the average height of the curve).
    """
    outcome, treated, scores = check_campaign(y, treatment, uplift)
    if normalize:
        return _normalised(outcome, treated, scores, kind="uplift")
    return area_under(_uplift(_cumulative(outcome, treated, scores)))


# --- tables --------------------------------------------------------------------------------------
def uplift_by_decile(
    y: ArrayLike, treatment: ArrayLike, uplift: ArrayLike, *, bins: int = DECILES
) -> pd.DataFrame:
    """Observed against predicted uplift per decile (or ``bins`` groups) of the ranking.

    Decile 1 holds the tenth of the customers with the highest predicted uplift; customers with
    equal predictions keep their input order, so a tie across a boundary is split by position
    (as in the propensity gains table). Columns: ``decile``, ``customers``, ``treated``,
    ``control``, ``treated_positives``, ``control_positives``, ``treated_rate``,
    ``control_rate``, ``uplift`` (treated rate − control rate, NaN where a group is empty) and
    ``predicted_uplift`` (the mean prediction).
    """
    outcome, treated, scores = check_campaign(y, treatment, uplift)
    if int(bins) < 1:
        raise ValueError(f"bins must be ≥ 1, got {bins}")
    n = len(outcome)
    if n < int(bins):
        raise ValueError(f"{bins} groups need at least {bins} customers, got {n}")
    order = np.argsort(-scores, kind="stable")
    frame = pd.DataFrame(
        {
            "decile": np.arange(n) * int(bins) // n + 1,
            "treated": treated[order].astype(np.int64),
            "y": outcome[order].astype(np.int64),
            "predicted": scores[order],
        }
    )
    frame["treated_positive"] = frame["y"] * frame["treated"]
    frame["control_positive"] = frame["y"] * (1 - frame["treated"])
    table = frame.groupby("decile").agg(
        customers=("y", "size"),
        treated=("treated", "sum"),
        treated_positives=("treated_positive", "sum"),
        control_positives=("control_positive", "sum"),
        predicted_uplift=("predicted", "mean"),
    )
    table = table.reset_index()
    table.insert(3, "control", table["customers"] - table["treated"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table["treated_rate"] = table["treated_positives"] / table["treated"].replace(0, np.nan)
        table["control_rate"] = table["control_positives"] / table["control"].replace(0, np.nan)
    table["uplift"] = table["treated_rate"] - table["control_rate"]
    columns = [
        "decile",
        "customers",
        "treated",
        "control",
        "treated_positives",
        "control_positives",
        "treated_rate",
        "control_rate",
        "uplift",
        "predicted_uplift",
    ]
    return table[columns]


def segment(
    uplift: ArrayLike,
    *,
    thresholds: tuple[float, float] = (-0.02, 0.02),
    p_control: ArrayLike | None = None,
    sure_thing_rate: float = 0.5,
) -> pd.Series:
    """The four classic uplift segments of each customer, by predicted uplift.

    ``uplift ≥ high`` (``thresholds = (low, high)``, default ± 2 percentage points, a contact
    being worth little below that): **persuadable**, the campaign moves them; ``uplift ≤ low``:
    **do_not_disturb** ("sleeping dogs", the campaign puts them off). The rest the campaign hardly
    changes: with ``p_control`` (the predicted outcome without contact, e.g.
    :meth:`TwoModelUplift.predict_proba_control`) they are **sure_thing** (``p_control ≥
    sure_thing_rate``) or **lost_cause**; from uplift alone the two cannot be told apart, and
    they are **sure_thing_or_lost_cause**. A categorical Series of the keys in :data:`SEGMENTS`.
    """
    low, high = (float(v) for v in thresholds)
    if not (math.isfinite(low) and math.isfinite(high) and low <= high):
        raise ValueError(f"thresholds must be (low, high) with low ≤ high, got {thresholds!r}")
    scores = np.asarray(uplift, dtype=np.float64)
    if scores.ndim != 1 or not np.all(np.isfinite(scores)):
        raise ValueError("uplift must be one finite value per customer")
    labels = np.full(len(scores), "sure_thing_or_lost_cause", dtype=object)
    if p_control is not None:
        if not 0 <= sure_thing_rate <= 1:
            raise ValueError(f"sure_thing_rate must be within [0, 1], got {sure_thing_rate}")
        base = np.asarray(p_control, dtype=np.float64)
        if base.shape != scores.shape:
            raise ValueError(f"p_control has {base.size} values for {len(scores)} customers")
        if not np.all((base >= 0) & (base <= 1)):
            raise ValueError("p_control must be probabilities within [0, 1]")
        labels = np.where(base >= sure_thing_rate, "sure_thing", "lost_cause").astype(object)
    labels[scores >= high] = "persuadable"
    labels[scores <= low] = "do_not_disturb"
    index = uplift.index if isinstance(uplift, pd.Series) else None
    return pd.Series(pd.Categorical(labels, categories=list(SEGMENTS)), index=index, name="segment")


# --- everything at once --------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class UpliftEvaluation:
    """The measures of one ranking by predicted uplift on a campaign's held-out customers."""

    qini_coefficient: float
    auuc: float
    treated: int
    control: int
    treated_rate: float
    control_rate: float
    qini: pd.DataFrame
    uplift_curve: pd.DataFrame
    deciles: pd.DataFrame

    @property
    def average_uplift(self) -> float:
        """The campaign's observed effect: treated rate − control rate."""
        return self.treated_rate - self.control_rate

    def as_dict(self) -> dict[str, float | int]:
        """The scalar measures, JSON-ready."""
        return {
            "qini_coefficient": self.qini_coefficient,
            "auuc": self.auuc,
            "treated": self.treated,
            "control": self.control,
            "treated_rate": self.treated_rate,
            "control_rate": self.control_rate,
            "average_uplift": self.average_uplift,
        }


def evaluate(y: ArrayLike, treatment: ArrayLike, uplift: ArrayLike) -> UpliftEvaluation:
    """Qini coefficient, normalised AUUC, both curves and the decile table of one ranking."""
    outcome, treated, scores = check_campaign(y, treatment, uplift)
    n_treated = int(treated.sum())
    n_control = len(treated) - n_treated
    return UpliftEvaluation(
        qini_coefficient=_normalised(outcome, treated, scores, kind="qini"),
        auuc=_normalised(outcome, treated, scores, kind="uplift"),
        treated=n_treated,
        control=n_control,
        treated_rate=float(outcome[treated == 1].mean()),
        control_rate=float(outcome[treated == 0].mean()),
        qini=_qini(_cumulative(outcome, treated, scores)),
        uplift_curve=_uplift(_cumulative(outcome, treated, scores)),
        deciles=uplift_by_decile(outcome, treated, scores),
    )


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
