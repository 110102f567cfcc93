"""How good a propensity model is: ranking, calibration and gains, and honest ways to split data.

A propensity score is used two ways, so it is judged two ways. Campaigns rank customers and work
the top of the list: ROC AUC, PR AUC (average precision, which unlike ROC AUC reflects how rare the
outcome is) and the gains table by decile say how well the ranking concentrates the positives.
Agents and rules read the number itself ("churn score 80"): the Brier score and the expected
calibration error say whether a predicted 30 % comes true about 30 % of the time.

Validation must not look into the future. :func:`time_split` cuts at one point in time, so that
every validation row is at or after every training row (features measured later cannot leak into
training); :func:`stratified_cv` is for flat tables without a time column.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

DECILES = 10
METRICS = ("roc_auc", "pr_auc", "brier", "ece", "top_decile_lift")
HIGHER_IS_BETTER = {
    "roc_auc": True,
    "pr_auc": True,
    "brier": False,
    "ece": False,
    "top_decile_lift": True,
}


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The metrics of one set of predictions against the outcomes.

    ``gains`` has one row per decile of customers ranked by predicted probability, highest first
    (decile 1 is the top 10 %): ``decile``, ``customers``, ``positives``, ``rate`` (positives /
    customers), ``lift`` (rate / overall rate) and ``cumulative_gain`` (the share of all positives
    found in this and the deciles above it). Customers with equal probabilities keep their input
    order, so a tie across a decile boundary is split by position.
    """

    roc_auc: float
    pr_auc: float
    brier: float
    ece: float
    positives: int
    rows: int
    gains: pd.DataFrame

    @property
    def positive_rate(self) -> float:
        return self.positives / self.rows

    @property
    def top_decile_lift(self) -> float:
        return float(self.gains["lift"].iloc[0])

    def as_dict(self) -> dict[str, float | int]:
        """The scalar metrics, JSON-ready (e.g. for a model's metadata file)."""
        return {
            "roc_auc": self.roc_auc,
            "pr_auc": self.pr_auc,
            "brier": self.brier,
            "ece": self.ece,
            "top_decile_lift": self.top_decile_lift,
            "positives": self.positives,
            "rows": self.rows,
            "positive_rate": self.positive_rate,
        }


def binary_outcome(y_true: ArrayLike, positive_label: Any = 1) -> NDArray[np.float64]:
    """Outcomes as 0/1 floats; ``positive_label`` marks the positives (``True`` equals 1)."""
    values = pd.Series(np.asarray(y_true).ravel())
    if values.isna().any():
        raise ValueError(f"y_true has {int(values.isna().sum())} missing values")
    if values.nunique() > 2:
        raise ValueError(
            f"y_true has {values.nunique()} distinct values; a propensity outcome has two"
        )
    positive = (values == positive_label).to_numpy(np.float64)
    if len(values) and not positive.any() and values.nunique() == 2:
        found = ", ".join(repr(v) for v in sorted(values.unique().tolist(), key=str))
        raise ValueError(
            f"the positive label {positive_label!r} does not occur in y_true (values {found}); "
            "pass positive_label"
        )
    return positive


def probabilities(p: ArrayLike, rows: int) -> NDArray[np.float64]:
    """Predicted probabilities, checked: one per row, finite, within [0, 1]."""
    array = np.asarray(p, dtype=np.float64)
    if array.ndim != 1 or len(array) != rows:
        raise ValueError(f"expected {rows} probabilities in one dimension, got shape {array.shape}")
    if not np.all(np.isfinite(array)) or np.any((array < 0) | (array > 1)):
        raise ValueError("probabilities must be finite and within [0, 1]")
    return array


def evaluate(y_true: ArrayLike, p: ArrayLike, *, positive_label: Any = 1) -> Evaluation:
    """ROC AUC, PR AUC, Brier score, calibration error and the gains table of predictions ``p``.

    Parameters
    ----------
    y_true : array-like
        The observed outcomes: 0/1, booleans, or two labels with ``positive_label`` naming one.
    p : array-like
        The predicted probability of the positive outcome, one per row.
    """
    y = binary_outcome(y_true, positive_label)
    predicted = probabilities(p, len(y))
    positives = int(y.sum())
    if positives in (0, len(y)):
        raise ValueError(
            "y_true has only one class: ranking metrics need customers with and without the outcome"
        )
    if len(y) < DECILES:
        raise ValueError(f"a gains table by decile needs at least {DECILES} rows, got {len(y)}")
    return Evaluation(
        roc_auc=float(roc_auc_score(y, predicted)),
        pr_auc=float(average_precision_score(y, predicted)),
        brier=float(brier_score_loss(y, predicted)),
        ece=expected_calibration_error(y, predicted),
        positives=positives,
        rows=len(y),
        gains=gains_table(y, predicted),
    )


def gains_table(y: NDArray[np.float64], p: NDArray[np.float64]) -> pd.DataFrame:
    """Positives per decile of the ranking by ``p`` (see :class:`Evaluation`)."""
    order = np.argsort(-p, kind="stable")
    n = len(y)
    decile = np.arange(n) * DECILES // n + 1  # sorted position i lies in decile ⌊10 i / n⌋ + 1
    frame = pd.DataFrame({"decile": decile, "positive": y[order]})
    table = frame.groupby("decile")["positive"].agg(customers="size", positives="sum")
    table = table.reset_index()
    table["positives"] = table["positives"].astype(int)
    overall = y.mean()
    table["rate"] = table["positives"] / table["customers"]
    table["lift"] = table["rate"] / overall
    table["cumulative_gain"] = table["positives"].cumsum() / y.sum()
    return table


def expected_calibration_error(y: ArrayLike, p: ArrayLike, *, bins: int = 10) -> float:
    """Σ over equal-width probability bins of (bin share of rows) · |mean predicted − observed rate|."""
    table = reliability(y, p, bins=bins)
    weights = table["customers"] / table["customers"].sum()
    return float((weights * (table["mean_predicted"] - table["observed_rate"]).abs()).sum())


def reliability(y: ArrayLike, p: ArrayLike, *, bins: int = 10) -> pd.DataFrame:
    """The data of a reliability diagram: per equal-width bin of predicted probability, the mean
    prediction and the observed rate.

    Columns ``bin`` (1..bins), ``lower``, ``upper``, ``customers``, ``mean_predicted``,
    ``observed_rate``; bins without customers are left out. A probability of exactly 1 falls in
    the last bin. ``y`` is 0/1 (or booleans).
    """
    if int(bins) < 1:
        raise ValueError(f"bins must be ≥ 1, got {bins}")
    outcome = binary_outcome(y)
    predicted = probabilities(p, len(outcome))
    index = np.minimum((predicted * bins).astype(int), bins - 1)
    frame = pd.DataFrame({"bin": index + 1, "p": predicted, "y": outcome})
    table = frame.groupby("bin").agg(
        customers=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean")
    )
    table = table.reset_index()
    table.insert(1, "lower", (table["bin"] - 1) / bins)
    table.insert(2, "upper", table["bin"] / bins)
    return table


# --- splitting -----------------------------------------------------------------------------------
def time_split(
    df: pd.DataFrame, time_col: str, valid_share: float = 0.25
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earlier rows for training, later rows for validation, cut at one point in time.

    All rows at or after the cut-off time validate, all rows before it train, so no validation row
    is earlier than a training row and rows of one snapshot date never straddle the cut. The
    cut-off is the distinct time whose validation share comes closest to ``valid_share``.
    """
    if time_col not in df.columns:
        raise ValueError(f"no time column {time_col!r} in the table")
    valid = time_validation_mask(df[time_col], valid_share, name=time_col)
    return df.loc[~valid], df.loc[valid]


def time_validation_mask(
    times: pd.Series | Sequence[Any], valid_share: float, *, name: str = "time"
) -> NDArray[np.bool_]:
    """Which rows :func:`time_split` puts in validation (rows at or after the cut-off)."""
    if not 0 < valid_share < 1:
        raise ValueError(f"valid_share must be between 0 and 1, got {valid_share}")
    values = pd.Series(times).reset_index(drop=True)
    if values.isna().any():
        raise ValueError(f"{name} has {int(values.isna().sum())} missing values")
    counts = values.value_counts().sort_index()
    if len(counts) < 2:
        raise ValueError(
            f"{name} has a single value: a time split needs at least two distinct times"
        )
    # share of rows at or after each distinct time; the first time must stay in training
    at_or_after = counts[::-1].cumsum()[::-1] / len(values)
    candidates = at_or_after.iloc[1:]
    cutoff = (candidates - valid_share).abs().idxmin()
    return (values >= cutoff).to_numpy()


class Classifier(Protocol):
    def fit(self, X: pd.DataFrame, y: Any) -> Any: ...

    def predict_proba(self, X: pd.DataFrame) -> NDArray[np.float64]: ...


@dataclass(frozen=True)
class CrossValidation:
    """Per-fold evaluations and the mean and standard deviation of each metric over the folds."""

    folds: tuple[Evaluation, ...]
    mean: dict[str, float]
    std: dict[str, float]


def stratified_cv(
    X: pd.DataFrame,
    y: ArrayLike | str,
    *,
    make_model: Callable[[], Classifier],
    folds: int = 5,
    random_state: int = 0,
    positive_label: Any = None,
) -> CrossValidation:
    """Stratified k-fold cross-validation for a flat table without a time order.

    ``make_model()`` returns a fresh, unfitted model with ``fit(X, y)`` and ``predict_proba(X)``
    (a 1-D probability of the positive class), e.g. ``lambda: PropensityModel("logistic")``.
    ``y`` is the outcome, or the name of its column in ``X``. The positive outcome is
    ``positive_label``, else the fitted model's ``positive_label_``, else 1.
    """
    if isinstance(y, str):
        if y not in X.columns:
            raise ValueError(f"no target column {y!r} in X")
        outcome = X[y].to_numpy()
        X = X.drop(columns=[y])
    else:
        outcome = np.asarray(y).ravel()
    if len(outcome) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(outcome)}")
    if int(folds) < 2:
        raise ValueError(f"folds must be ≥ 2, got {folds}")
    splitter = StratifiedKFold(n_splits=int(folds), shuffle=True, random_state=random_state)
    results = []
    for train, test in splitter.split(np.zeros(len(outcome)), outcome):
        model = make_model()
        model.fit(X.iloc[train], outcome[train])
        label = positive_label
        if label is None:
            label = getattr(model, "positive_label_", 1)
        p = model.predict_proba(X.iloc[test])
        results.append(evaluate(outcome[test], p, positive_label=label))
    table = pd.DataFrame([r.as_dict() for r in results])[list(METRICS)]
    return CrossValidation(
        folds=tuple(results),
        mean={k: float(v) for k, v in table.mean().items()},
        std={k: float(v) for k, v in table.std(ddof=1).items()},
    )


# --- comparing -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """One metric of a model beside its baseline's; ``better`` is "model", "baseline" or "equal"."""

    metric: str
    model: float
    baseline: float
    difference: float
    better: str


def compare(
    model_metrics: Evaluation | Mapping[str, Any], baseline_metrics: Evaluation | Mapping[str, Any]
) -> list[Comparison]:
    """The metrics both sides have, model beside baseline (higher AUC and lift are better, lower
    Brier score and calibration error are)."""
    model = model_metrics.as_dict() if isinstance(model_metrics, Evaluation) else model_metrics
    baseline = (
        baseline_metrics.as_dict() if isinstance(baseline_metrics, Evaluation) else baseline_metrics
    )
    rows = []
    for metric in METRICS:
        if metric not in model or metric not in baseline:
            continue
        ours, theirs = float(model[metric]), float(baseline[metric])
        difference = ours - theirs
        if math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12):
            better = "equal"
        elif (difference > 0) == HIGHER_IS_BETTER[metric]:
            better = "model"
        else:
            better = "baseline"
        rows.append(Comparison(metric, ours, theirs, difference, better))
    return rows
