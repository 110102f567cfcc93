"""From a flat table to a judged propensity model: split honestly, train the model and the
logistic baseline, evaluate both on data neither has seen, draw the figures.

The split is by time when the table has a time column (train on the earlier rows, test on the
later ones) and stratified otherwise. Each model also holds out part of its training rows for
early stopping and calibration, so the test rows judge it honestly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from tenure.analytics.propensity.evaluation import (
    Evaluation,
    compare,
    evaluate,
    stratified_cv,
    time_split,
)
from tenure.analytics.propensity.model import POSITIVE_WORDS, PropensityModel

MAX_CV_ROWS = 200_000
"""Larger tables skip cross-validation: the test rows alone are ample there, and k fits are slow."""


class InputError(ValueError):
    """The table or an option cannot be used; the message says which and why."""


@dataclass
class TrainedPropensity:
    """A trained model with its baseline and their results on the test rows."""

    model: PropensityModel
    baseline: PropensityModel
    evaluation: Evaluation
    baseline_evaluation: Evaluation
    rows_train: int
    rows_test: int
    split: str
    seconds: float
    figures: dict[str, str] = field(default_factory=dict)
    cross_validation: dict[str, Any] | None = None
    """Without a time order: stratified k-fold results on the training rows, model and baseline."""

    @property
    def features(self) -> list[str]:
        return list(self.model.pipeline_.features_)

    def metrics(self) -> dict[str, Any]:
        """JSON-ready: both models' metrics, the gains table, the calibration, the comparison."""
        model = self.evaluation.as_dict()
        baseline = self.baseline_evaluation.as_dict()
        return {
            "model": model,
            "baseline": baseline,
            "baseline_model": self.baseline.kind,
            "gains": _records(self.evaluation.gains),
            "calibration": self.model.calibration_,
            "calibration_note": self.model.calibration_note_,
            "split": self.split,
            "comparison": [vars(row) for row in compare(model, baseline)],
            "cross_validation": self.cross_validation,
        }


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or Parquet file as a DataFrame (InputError if it cannot be read)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path, sep=None, engine="python")
    except Exception as exc:  # pandas raises many kinds for unreadable files
        raise InputError(f"{path.name} is not readable as CSV or Parquet: {exc}") from None


def train_propensity(
    table: pd.DataFrame,
    *,
    target: str,
    positive: str | None = None,
    id_col: str | None = None,
    time_col: str | None = None,
    kind: str = "lightgbm",
    test_share: float = 0.25,
    test: pd.DataFrame | None = None,
    test_description: str = "",
    random_state: int = 0,
    n_jobs: int | None = None,
    cv_folds: int = 5,
) -> TrainedPropensity:
    """Train ``kind`` and the logistic baseline on ``table`` and evaluate both on test rows:
    ``test`` when given (e.g. later churn snapshots), else a split of ``table``."""
    for option, column in (("--target", target), ("--id-col", id_col), ("--time-col", time_col)):
        if column is not None and column not in table.columns:
            raise InputError(
                f"{option}: no column {column!r} (columns: {', '.join(map(str, table.columns))})"
            )
    if not 0 < test_share < 1:
        raise InputError(f"test share must be between 0 and 1, got {test_share}")
    y = _labels(table[target], positive, target)
    if n_jobs is None and len(table) < 100_000:
        n_jobs = 1  # LightGBM's threads cost more than they gain on small tables
    features = table.drop(columns=[target])
    ids = (id_col,) if id_col else ()
    started = time.perf_counter()
    if test is not None:
        if target not in test.columns:
            raise InputError(f"the test table has no column {target!r}")
        split = test_description or "on the given test table"
        X_train, y_train = features, y
        X_test, y_test = test.drop(columns=[target]), _labels(test[target], positive, target)
    elif time_col is not None:
        frame = features.assign(_y=y.values)
        try:
            train, test = time_split(frame, time_col, valid_share=test_share)
        except ValueError as exc:
            raise InputError(f"--time-col {time_col!r}: {exc}") from None
        split = f"by time: trained before, tested from {test[time_col].min()}"
        X_train, y_train = train.drop(columns=["_y"]), train["_y"]
        X_test, y_test = test.drop(columns=["_y"]), test["_y"]
    else:
        split = f"stratified: {test_share:.0%} of the rows kept for testing"
        X_train, X_test, y_train, y_test = train_test_split(
            features, y, test_size=test_share, stratify=y, random_state=random_state
        )
    if y_test.nunique() < 2 or y_train.nunique() < 2:
        raise InputError("the training or test rows hold only one outcome: more data is needed")

    def fit(model_kind: Any) -> PropensityModel:
        model = PropensityModel(
            model_kind,
            id_columns=ids,
            time_column=time_col,
            positive_label=True,
            random_state=random_state,
            n_jobs=n_jobs,
        )
        try:
            return model.fit(X_train, y_train.to_numpy())
        except ValueError as exc:
            raise InputError(str(exc)) from None

    model = fit(kind)
    baseline = model if kind == "logistic" else fit("logistic")
    seconds = time.perf_counter() - started
    cross_validation = None
    if cv_folds >= 2 and test is None and time_col is None and len(X_train) <= MAX_CV_ROWS:
        cross_validation = _cross_validate(
            X_train, y_train, kind, ids, cv_folds, random_state, n_jobs
        )
    y_true = y_test.to_numpy()
    p_model = model.predict_proba(X_test)
    p_baseline = baseline.predict_proba(X_test)
    trained = TrainedPropensity(
        model=model,
        baseline=baseline,
        evaluation=evaluate(y_true, p_model, positive_label=True),
        baseline_evaluation=evaluate(y_true, p_baseline, positive_label=True),
        rows_train=len(X_train),
        rows_test=len(X_test),
        split=split,
        seconds=seconds,
        cross_validation=cross_validation,
    )
    trained.figures = _figures(trained, y_true, p_model, p_baseline)
    return trained


def _cross_validate(
    X: pd.DataFrame,
    y: pd.Series,
    kind: str,
    ids: tuple[str, ...],
    folds: int,
    random_state: int,
    n_jobs: int | None,
) -> dict[str, Any]:
    """Mean and standard deviation of the metrics over stratified folds, model and baseline."""
    result: dict[str, Any] = {"folds": folds}
    for name, model_kind in (("model", kind), ("baseline", "logistic")):

        def make(model_kind: Any = model_kind) -> PropensityModel:
            return PropensityModel(
                model_kind, id_columns=ids, positive_label=True, random_state=random_state,
                n_jobs=n_jobs,
            )  # fmt: skip

        cv = stratified_cv(X, y.to_numpy(), make_model=make, folds=folds,
                           random_state=random_state, positive_label=True)  # fmt: skip
        result[name] = {"mean": cv.mean, "std": cv.std}
    return result


def _labels(column: pd.Series, positive: str | None, target: str) -> pd.Series:
    """True for the positive outcome; ``positive`` compared as text (e.g. "Yes", "1")."""
    if column.isna().any():
        rows = ", ".join(str(i) for i in column.index[column.isna()][:5])
        raise InputError(f"--target {target!r} is empty in rows {rows}")
    values = sorted(column.astype(str).str.strip().unique())
    if len(values) != 2:
        raise InputError(
            f"--target {target!r} must have two values, found {len(values)}: {values[:5]}"
        )
    if positive is None:  # as PropensityModel infers it: a "yes" word, else the greater value
        words = [value for value in values if value.lower() in POSITIVE_WORDS]
        positive = words[0] if len(words) == 1 else values[1]
    if positive not in values:
        raise InputError(f"--positive {positive!r} is not a value of {target!r}: {values}")
    return column.astype(str).str.strip() == positive


def _figures(
    trained: TrainedPropensity, y: np.ndarray, p_model: np.ndarray, p_baseline: np.ndarray
) -> dict[str, str]:
    from tenure.analytics.propensity.plots import (
        figure_bytes,
        gains_figure,
        importance_figure,
        reliability_figure,
        roc_figure,
    )

    name = "LightGBM" if trained.model.kind == "lightgbm" else "Logistic"
    figures = {
        "roc": roc_figure(y, p_model, baseline=p_baseline, model=name, baseline_name="Logistic"),
        "gains": gains_figure(
            y, p_model, baseline=p_baseline, model=name, baseline_name="Logistic"
        ),
        "reliability": reliability_figure(y, p_model),
        "importance": importance_figure(trained.model.feature_importance()),
    }
    result = {}
    for key, figure in figures.items():
        text = figure_bytes(figure, "svg").decode("utf-8")
        result[key] = text[text.index("<svg") :]
    return result


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NumPy scalars become Python numbers)."""
    return [{key: _plain(value) for key, value in row.items()} for row in table.to_dict("records")]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
