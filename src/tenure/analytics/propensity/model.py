"""A calibrated yes/no propensity model (churn, bad debt, "buys product X") that explains itself.

:class:`PropensityModel` wraps two learners behind one interface: LightGBM gradient boosting, the
model of choice for tabular customer data (missing values and categories handled natively, per
customer contributions exact and cheap with TreeSHAP), and an L2-regularised logistic regression,
the baseline every boosted model must beat and a transparent model in its own right.

Why calibrate. The score is read as a probability ("churn score 80" means 80 %), but boosting
with early stopping and regularised regression both produce distorted probabilities; the score is
mapped to a probability by a calibrator fitted on data the learner has not seen: the caller's
validation table, or else a held-out part of the training table (the latest rows when a time
column orders them, a stratified sample otherwise). Isotonic regression fits any monotone
distortion but overfits small samples, so ``calibration="auto"`` uses it only with at least
``min_isotonic_positives`` validation positives, and then only if its Brier score, cross-validated
within the validation data, beats Platt's sigmoid; the choice and the reason are recorded in
``calibration_`` and ``calibration_note_``. LightGBM stops early on the same validation data,
which leaves the calibration very slightly optimistic; a separate test table measures it honestly
(:mod:`tenure.analytics.propensity.evaluation`).

Why contributions on the log-odds scale. Calibration is monotone but not additive, so the
explanation is of the learner's raw score: per customer, the contributions of the features plus
the base value add up exactly to that score (:meth:`PropensityModel.decision_function`). For
LightGBM they are TreeSHAP values (``pred_contrib=True``); for the logistic model coefficient ×
standardised value, summed over the design columns of one source column (a one-hot category
block, a value and its missing indicator), which is the same Shapley attribution for a linear
model, relative to the average training customer.

A fitted model holds no training data, pickles (joblib) and is saved with a JSON description
beside it by :meth:`PropensityModel.save`.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple, Self

import joblib
import lightgbm as lgb
import numpy as np
import pandas as pd
import sklearn
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split

from tenure.analytics.clv.base import NotFittedError
from tenure.analytics.propensity.evaluation import Evaluation, time_validation_mask
from tenure.analytics.propensity.features import FeaturePipeline, Representation

Kind = Literal["lightgbm", "logistic"]
Calibration = Literal["auto", "isotonic", "sigmoid", "none"]
KINDS: tuple[Kind, ...] = ("lightgbm", "logistic")
CALIBRATIONS: tuple[Calibration, ...] = ("auto", "isotonic", "sigmoid", "none")
BASE_VALUE = "base_value"
"""The column of :meth:`PropensityModel.contributions` that holds the base value."""
MODEL_FILE, METADATA_FILE = "model.joblib", "model.json"
FORMAT = 1
POSITIVE_WORDS = {"1", "true", "yes", "y"}
Array = NDArray[np.float64]


class Reason(NamedTuple):
    """A feature that pushes a customer towards the positive outcome."""

    feature: str
    value: Any
    contribution: float


class PropensityModel:
    """Probability of a yes/no outcome per customer, calibrated and explained.

    Parameters
    ----------
    kind : {"lightgbm", "logistic"}, default "lightgbm"
    calibration : {"auto", "isotonic", "sigmoid", "none"}, default "auto"
        How raw scores become probabilities (see the module docstring); "none" uses the learner's
        own probability.
    numeric, categorical, id_columns, time_column, max_categories :
        Which columns are features, as in :class:`~tenure.analytics.propensity.features.FeaturePipeline`.
        Without validation data, ``time_column`` makes the held-out part the latest rows.
    positive_label : optional
        The outcome value that counts as positive (churned, defaulted, bought). By default ``1``,
        ``True`` or "yes"/"true"/"y" (any case) when present, else the greater of the two values.
    validation_share : float, default 0.25
        The share of the training rows held out when no validation data are given.
    min_isotonic_positives : int, default 200
        Validation positives needed before "auto" considers isotonic calibration.
    random_state : int, default 0
    n_estimators, learning_rate, num_leaves, min_child_samples, reg_lambda, early_stopping_rounds :
        LightGBM: the most boosting rounds, the shrinkage, the leaves per tree, the fewest rows per
        leaf, the L2 penalty on leaf values, and the rounds without improvement of the validation
        log-loss before training stops.
    n_jobs : int, optional
        LightGBM threads; None lets OpenMP choose (all cores). On small tables (below some
        100,000 rows) one thread is often fastest, more so on a busy machine.
    lightgbm_params : mapping, optional
        Further LightGBM parameters (by LightGBM's names), e.g. ``{"feature_fraction": 0.8}``.
    C : float, default 1.0
        Logistic regression: inverse strength of the L2 penalty (on standardised columns).

    Attributes
    ----------
    pipeline_ : FeaturePipeline
    classes_ : tuple
        (negative label, positive label).
    positive_label_ : the positive outcome value
    target_ : str
        The outcome's name (the column or Series name; "target" when it has none).
    calibration_ : {"isotonic", "sigmoid", "none"}
    calibration_scores_ : dict
        Cross-validated Brier score of each calibrator "auto" compared (empty otherwise).
    calibration_note_ : str
    estimator_ : lightgbm.Booster or sklearn LogisticRegression
    best_iteration_ : int
        LightGBM rounds kept after early stopping (0 for the logistic model).
    validation_ : {"given", "time", "stratified"}
        Where the calibration data came from.
    n_train_, n_valid_, positives_train_, positives_valid_ : int
    """

    def __init__(
        self,
        kind: Kind = "lightgbm",
        *,
        calibration: Calibration = "auto",
        numeric: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        id_columns: Sequence[str] = (),
        time_column: str | None = None,
        max_categories: int = 50,
        positive_label: Any = None,
        validation_share: float = 0.25,
        min_isotonic_positives: int = 200,
        random_state: int = 0,
        n_estimators: int = 500,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = 50,
        n_jobs: int | None = None,
        lightgbm_params: Mapping[str, Any] | None = None,
        C: float = 1.0,
    ) -> None:
        self.kind = kind
        self.calibration = calibration
        self.numeric = numeric
        self.categorical = categorical
        self.id_columns = id_columns
        self.time_column = time_column
        self.max_categories = max_categories
        self.positive_label = positive_label
        self.validation_share = validation_share
        self.min_isotonic_positives = min_isotonic_positives
        self.random_state = random_state
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.lightgbm_params = lightgbm_params
        self.C = C

    # --- fitting -------------------------------------------------------------------------------
    def fit(
        self,
        X: pd.DataFrame,
        y: ArrayLike | str,
        X_valid: pd.DataFrame | None = None,
        y_valid: ArrayLike | str | None = None,
    ) -> Self:
        """Fit the learner on ``X`` and the calibrator on the validation data.

        ``y`` is the outcome per row of ``X``, or the name of its column in ``X`` (then ``X_valid``
        carries it too and ``y_valid`` may be omitted). Without ``X_valid``, a share
        ``validation_share`` of ``X`` is held out for calibration and early stopping.
        """
        self._check_params()
        if not isinstance(X, pd.DataFrame):
            raise ValueError(f"X must be a pandas DataFrame, got {type(X).__name__}")
        target, y_raw = _outcome(X, y, "y")
        positive, negative = self._labels(y_raw)
        y_all = (y_raw == positive).astype(np.float64)

        if X_valid is None:
            if y_valid is not None:
                raise ValueError("y_valid was given without X_valid")
            train_rows, valid_rows, source = self._hold_out(X, y_all)
            X_train, y_train = X.iloc[train_rows], y_all[train_rows]
            X_cal, y_cal = X.iloc[valid_rows], y_all[valid_rows]
        else:
            if not isinstance(X_valid, pd.DataFrame):
                raise ValueError(
                    f"X_valid must be a pandas DataFrame, got {type(X_valid).__name__}"
                )
            if y_valid is None and not isinstance(y, str):
                raise ValueError("y_valid is required with X_valid")
            _, y_valid_raw = _outcome(X_valid, y if y_valid is None else y_valid, "y_valid")
            if pd.isna(y_valid_raw).any():
                raise ValueError(f"y_valid has {int(pd.isna(y_valid_raw).sum())} missing values")
            unknown = sorted(
                {str(v) for v in pd.unique(y_valid_raw)} - {str(positive), str(negative)}
            )
            if unknown:
                raise ValueError(
                    f"y_valid has values {', '.join(unknown)} that are not in y "
                    f"({negative!r}, {positive!r})"
                )
            X_train, y_train = X, y_all
            X_cal, y_cal = X_valid, (y_valid_raw == positive).astype(np.float64)
            source = "given"
        if y_cal.sum() in (0, len(y_cal)):
            raise ValueError(
                f"the validation data ({len(y_cal)} rows) have only one class: calibration "
                "needs customers with and without the outcome"
            )
        if y_train.sum() in (0, len(y_train)):
            raise ValueError("the training part has only one class")

        pipeline = FeaturePipeline(
            numeric=self.numeric,
            categorical=self.categorical,
            id_columns=self.id_columns,
            target=target,
            time_column=self.time_column,
            max_categories=self.max_categories,
        ).fit(X_train)
        self.pipeline_ = pipeline
        pipeline.check_columns(X_cal)
        if self.kind == "lightgbm":
            self._fit_lightgbm(X_train, y_train, X_cal, y_cal)
        else:
            self._fit_logistic(X_train, y_train)
        self._fit_calibration(self._raw(X_cal), y_cal)

        self.target_ = target
        self.classes_ = (negative, positive)
        self.positive_label_ = positive
        self.validation_ = source
        self.n_train_, self.n_valid_ = len(X_train), len(X_cal)
        self.positives_train_, self.positives_valid_ = int(y_train.sum()), int(y_cal.sum())
        return self

    def _check_params(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be 'lightgbm' or 'logistic', got {self.kind!r}")
        if self.calibration not in CALIBRATIONS:
            raise ValueError(
                f"calibration must be one of {', '.join(CALIBRATIONS)}, got {self.calibration!r}"
            )
        if not 0 < self.validation_share < 1:
            raise ValueError(
                f"validation_share must be between 0 and 1, got {self.validation_share}"
            )
        checks = {
            "min_isotonic_positives": self.min_isotonic_positives >= 1,
            "n_estimators": self.n_estimators >= 1,
            "learning_rate": 0 < self.learning_rate <= 1,
            "num_leaves": self.num_leaves >= 2,
            "min_child_samples": self.min_child_samples >= 1,
            "reg_lambda": self.reg_lambda >= 0,
            "early_stopping_rounds": self.early_stopping_rounds >= 1,
            "C": self.C > 0 and math.isfinite(self.C),
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in wrong)
            raise ValueError(
                f"invalid parameters: {values} (min_isotonic_positives, n_estimators, "
                "min_child_samples and early_stopping_rounds ≥ 1, num_leaves ≥ 2, "
                "0 < learning_rate ≤ 1, reg_lambda ≥ 0, C > 0)"
            )
        extra = dict(self.lightgbm_params or {})
        if extra.get("objective", "binary") != "binary":
            raise ValueError("lightgbm_params: a propensity model's objective is 'binary'")

    def _labels(self, y: NDArray[Any]) -> tuple[Any, Any]:
        """(positive, negative) outcome values, checked."""
        series = pd.Series(y)
        if series.isna().any():
            rows = np.flatnonzero(series.isna().to_numpy())
            raise ValueError(
                f"the target has {len(rows)} missing values (first in row {rows[0] + 1})"
            )
        values = list(pd.unique(series))
        if len(values) < 2:
            raise ValueError(
                f"the target has only one class ({values[0]!r} in all {len(series)} rows): a "
                "propensity model needs customers with and without the outcome"
                if values
                else "the target is empty"
            )
        if len(values) > 2:
            shown = ", ".join(repr(v) for v in values[:5])
            raise ValueError(
                f"the target has {len(values)} distinct values ({shown}…); a propensity model "
                "predicts a yes/no outcome"
            )
        if self.positive_label is not None:
            matches = [v for v in values if v == self.positive_label]
            if not matches:
                raise ValueError(
                    f"positive_label {self.positive_label!r} does not occur in the target "
                    f"(values {values[0]!r}, {values[1]!r})"
                )
            positive = matches[0]
        else:
            words = [v for v in values if str(v).strip().lower() in POSITIVE_WORDS]
            positive = words[0] if len(words) == 1 else sorted(values, key=_sort_key)[1]
        negative = next(v for v in values if v is not positive and v != positive)
        return _plain(positive), _plain(negative)

    def _hold_out(
        self, X: pd.DataFrame, y: Array
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], str]:
        """Training and validation row positions when the caller gave no validation data."""
        if self.time_column is not None:
            if self.time_column not in X.columns:
                raise ValueError(f"no time column {self.time_column!r} in X")
            valid = time_validation_mask(
                X[self.time_column], self.validation_share, name=self.time_column
            )
            return np.flatnonzero(~valid), np.flatnonzero(valid), "time"
        fewest = int(min(y.sum(), len(y) - y.sum()))
        if fewest < 2:
            raise ValueError(
                f"only {fewest} customer(s) of one class: holding out validation data needs at "
                "least 2 of each (or pass X_valid and y_valid)"
            )
        rows = np.arange(len(y))
        train, valid = train_test_split(
            rows, test_size=self.validation_share, stratify=y, random_state=self.random_state
        )
        return np.sort(train), np.sort(valid), "stratified"

    def _fit_lightgbm(
        self, X_train: pd.DataFrame, y_train: Array, X_valid: pd.DataFrame, y_valid: Array
    ) -> None:
        pipeline = self.pipeline_
        categorical = [pipeline.features_.index(c) for c in pipeline.categorical_features_]
        names = [f"f{j}" for j in range(len(pipeline.features_))]  # LightGBM refuses some names
        params: dict[str, Any] = {
            "objective": "binary",
            "metric": "binary_logloss",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "lambda_l2": self.reg_lambda,
            "seed": self.random_state,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
            "num_threads": self.n_jobs or 0,
        }
        params.update(self.lightgbm_params or {})
        train = lgb.Dataset(
            self._matrix(X_train, "lightgbm"),
            label=y_train,
            feature_name=names,
            categorical_feature=categorical,
            free_raw_data=True,
        )
        valid = train.create_valid(self._matrix(X_valid, "lightgbm"), label=y_valid)
        booster = lgb.train(
            params,
            train,
            num_boost_round=self.n_estimators,
            valid_sets=[valid],
            valid_names=["validation"],
            callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False)],
        )
        self.best_iteration_ = int(booster.best_iteration or booster.current_iteration())
        self.estimator_: lgb.Booster | LogisticRegression = booster

    def _fit_logistic(self, X_train: pd.DataFrame, y_train: Array) -> None:
        estimator = LogisticRegression(C=self.C, max_iter=2000)
        estimator.fit(self._matrix(X_train, "logistic"), y_train)
        self.best_iteration_ = 0
        self.estimator_ = estimator

    def _fit_calibration(self, raw: Array, y: Array) -> None:
        positives = int(y.sum())
        self.calibration_scores_: dict[str, float] = {}
        self.calibrator_: _Sigmoid | IsotonicRegression | None = None
        choice = self.calibration
        if choice == "auto":
            if positives < self.min_isotonic_positives:
                choice = "sigmoid"
                note = (
                    f"sigmoid: {positives} validation positives, isotonic needs at least "
                    f"{self.min_isotonic_positives}"
                )
            else:
                self.calibration_scores_ = _cross_validated_brier(raw, y, self.random_state)
                scores = self.calibration_scores_
                choice = "isotonic" if scores["isotonic"] < scores["sigmoid"] else "sigmoid"
                note = (
                    f"{choice}: lower cross-validated Brier score on the validation data "
                    f"(isotonic {scores['isotonic']:.5f}, sigmoid {scores['sigmoid']:.5f})"
                )
        elif choice == "none":
            note = "none: the learner's own probabilities"
        else:
            note = f"{choice}: as requested"
        if choice != "none":
            self.calibrator_ = _calibrator(choice).fit(raw, y)
        self.calibration_: str = choice
        self.calibration_note_ = note

    # --- predicting ----------------------------------------------------------------------------
    def predict_proba(self, X: pd.DataFrame) -> Array:
        """The calibrated probability of the positive outcome, one per row of ``X``."""
        raw = self.decision_function(X)
        if self.calibrator_ is None:
            return expit(raw)
        return np.clip(np.asarray(self.calibrator_.predict(raw), dtype=np.float64), 0.0, 1.0)

    def decision_function(self, X: pd.DataFrame) -> Array:
        """The learner's raw score, log-odds before calibration (what contributions add up to)."""
        self._check_fitted()
        return self._raw(X)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per customer and feature, the push on the log-odds; the row sum plus ``base_value`` is
        :meth:`decision_function`.

        Columns: the features (source columns) and ``base_value`` (the score of a customer with no
        information: the expected score for LightGBM, the average customer's for logistic).
        """
        self._check_fitted()
        pipeline = self.pipeline_
        if isinstance(self.estimator_, lgb.Booster):
            values = np.asarray(
                self.estimator_.predict(
                    self._matrix(X, "lightgbm"),
                    pred_contrib=True,
                    num_iteration=self.best_iteration_,
                ),
                dtype=np.float64,
            )
        else:
            coef = self.estimator_.coef_.ravel()
            per_column = self._matrix(X, "logistic") * coef
            sources = np.array([pipeline.features_.index(s) for s in pipeline.design_sources_])
            summed = np.zeros((len(X), len(pipeline.features_)))
            for j in range(len(pipeline.features_)):
                summed[:, j] = per_column[:, sources == j].sum(axis=1)
            base = np.full((len(X), 1), float(self.estimator_.intercept_[0]))
            values = np.hstack([summed, base])
        return pd.DataFrame(values, index=X.index, columns=[*pipeline.features_, BASE_VALUE])

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[tuple[Reason, ...]]:
        """Per row of ``X``, the ``top`` features pushing most towards the positive outcome.

        Each is a :class:`Reason` (feature, the customer's value, contribution on the log-odds
        scale), largest first; only features with a positive contribution count, so a row may
        have fewer (or none).
        """
        if int(top) < 1:
            raise ValueError(f"top must be ≥ 1, got {top}")
        frame = self.contributions(X).drop(columns=[BASE_VALUE])
        values = frame.to_numpy()
        features = list(frame.columns)
        order = np.argsort(-values, axis=1, kind="stable")[:, : int(top)]
        raw = {f: X[f].tolist() for f in features}
        result = []
        for i, row in enumerate(order):
            result.append(
                tuple(
                    Reason(features[j], _plain(raw[features[j]][i]), float(values[i, j]))
                    for j in row
                    if values[i, j] > 0
                )
            )
        return result

    def feature_importance(self) -> pd.Series:
        """Importance per source column, largest first.

        LightGBM: the total gain of the splits on the feature (in the kept rounds). Logistic: the
        size of the standardised coefficients, |coef| for one design column and their Euclidean
        norm for a block (one-hot levels, value and missing indicator).
        """
        self._check_fitted()
        pipeline = self.pipeline_
        if isinstance(self.estimator_, lgb.Booster):
            gain = self.estimator_.feature_importance("gain", iteration=self.best_iteration_)
            importance = pd.Series(gain, index=pipeline.features_, name="gain", dtype=float)
        else:
            squares = pd.Series(self.estimator_.coef_.ravel() ** 2).groupby(
                np.asarray(pipeline.design_sources_)
            )
            norms = np.sqrt(squares.sum())
            importance = pd.Series(
                norms.reindex(pipeline.features_).to_numpy(),
                index=pipeline.features_,
                name="coefficient",
                dtype=float,
            )
        return importance.sort_values(ascending=False, kind="stable")

    def _raw(self, X: pd.DataFrame) -> Array:
        if isinstance(self.estimator_, lgb.Booster):
            raw = self.estimator_.predict(
                self._matrix(X, "lightgbm"), raw_score=True, num_iteration=self.best_iteration_
            )
        else:
            raw = self.estimator_.decision_function(self._matrix(X, "logistic"))
        return np.asarray(raw, dtype=np.float64)

    def _matrix(self, X: pd.DataFrame, representation: Representation) -> Array:
        return np.asarray(self.pipeline_.transform(X, representation).to_numpy(), np.float64)

    def _check_fitted(self) -> None:
        if not hasattr(self, "calibration_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit(...) before using it"
            )

    # --- persistence ---------------------------------------------------------------------------
    def metadata(self, metrics: Evaluation | Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A JSON-ready description: target, features, calibration, training rows, metrics."""
        self._check_fitted()
        pipeline = self.pipeline_
        features = []
        for name in pipeline.features_:
            entry: dict[str, Any] = {"name": name, "type": pipeline.feature_types_[name]}
            if name in pipeline.medians_:
                entry["median"] = pipeline.medians_[name]
            if name in pipeline.categories_:
                entry["categories"] = pipeline.categories_[name]
            features.append(entry)
        if isinstance(metrics, Evaluation):
            metrics = metrics.as_dict()
        return {
            "format": FORMAT,
            "kind": self.kind,
            "target": self.target_,
            "positive_label": self.positive_label_,
            "negative_label": self.classes_[0],
            "calibration": self.calibration_,
            "calibration_note": self.calibration_note_,
            "calibration_scores": self.calibration_scores_,
            "validation": self.validation_,
            "rows_train": self.n_train_,
            "rows_valid": self.n_valid_,
            "positives_train": self.positives_train_,
            "positives_valid": self.positives_valid_,
            "best_iteration": self.best_iteration_,
            "features": features,
            "feature_names": pipeline.feature_names_,
            "dropped": pipeline.dropped_,
            "notes": pipeline.notes_,
            "parameters": self.get_params(),
            "metrics": dict(metrics) if metrics is not None else None,
            "versions": _versions(),
        }

    def save(
        self, directory: str | Path, *, metrics: Evaluation | Mapping[str, Any] | None = None
    ) -> Path:
        """Write ``model.joblib`` (the fitted model) and ``model.json`` (:meth:`metadata`) into
        ``directory`` (created if needed); returns the directory."""
        metadata = self.metadata(metrics)
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path / MODEL_FILE, compress=3)
        (path / METADATA_FILE).write_text(
            json.dumps(metadata, indent=2, ensure_ascii=False, default=_json_default) + "\n",
            encoding="utf-8",
        )
        return path

    @classmethod
    def load(cls, directory: str | Path) -> PropensityModel:
        """The model :meth:`save` wrote into ``directory``.

        Loading unpickles, which can run code: load only model directories you trust (your own
        training runs). A warning names library versions that differ from the saving ones.
        """
        path = Path(directory)
        for name in (MODEL_FILE, METADATA_FILE):
            if not (path / name).is_file():
                raise ValueError(f"{path}: no {name}, not a saved propensity model")
        metadata = json.loads((path / METADATA_FILE).read_text(encoding="utf-8"))
        if metadata.get("format") != FORMAT:
            raise ValueError(f"{path}: model format {metadata.get('format')!r}, expected {FORMAT}")
        changed = {
            name: (saved, _versions().get(name))
            for name, saved in metadata.get("versions", {}).items()
            if _versions().get(name) != saved
        }
        if changed:
            warnings.warn(
                f"{path}: saved with other library versions ("
                + ", ".join(f"{n} {old} → {new}" for n, (old, new) in changed.items())
                + "); check its predictions",
                UserWarning,
                stacklevel=2,
            )
        model = joblib.load(path / MODEL_FILE)
        if not isinstance(model, PropensityModel):
            raise ValueError(f"{path / MODEL_FILE} holds a {type(model).__name__}, not a model")
        return model

    # --- scikit-learn conventions --------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyperparameters given to ``__init__`` (scikit-learn convention)."""
        names = [
            "kind",
            "calibration",
            "numeric",
            "categorical",
            "id_columns",
            "time_column",
            "max_categories",
            "positive_label",
            "validation_share",
            "min_isotonic_positives",
            "random_state",
            "n_estimators",
            "learning_rate",
            "num_leaves",
            "min_child_samples",
            "reg_lambda",
            "early_stopping_rounds",
            "n_jobs",
            "lightgbm_params",
            "C",
        ]
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        defaults = PropensityModel().get_params()
        given = ", ".join(
            f"{k}={v!r}" for k, v in self.get_params().items() if k == "kind" or v != defaults[k]
        )
        if not hasattr(self, "calibration_"):
            return f"{type(self).__name__}({given})"
        return (
            f"{type(self).__name__}({given})  # {len(self.pipeline_.features_)} features, "
            f"{self.n_train_} training rows, {self.calibration_} calibration"
        )


# --- calibration -------------------------------------------------------------------------------
class _Sigmoid:
    """Platt scaling: P = 1 / (1 + exp(−(a·score + b))), with Platt's smoothed targets.

    Platt (1999) fits a and b by maximum likelihood against the targets (N₊ + 1) / (N₊ + 2) and
    1 / (N₋ + 2) instead of 1 and 0, which keeps a tiny validation set from producing
    probabilities of exactly 0 or 1.
    """

    def fit(self, score: Array, y: Array) -> _Sigmoid:
        positives = float(y.sum())
        negatives = len(y) - positives
        target = np.where(y > 0, (positives + 1) / (positives + 2), 1 / (negatives + 2))

        def loss(params: Array) -> tuple[float, Array]:
            z = params[0] * score + params[1]
            value = -float(np.sum(target * log_expit(z) + (1 - target) * log_expit(-z)))
            residual = expit(z) - target
            return value, np.array([residual @ score, residual.sum()])

        start = np.array([1.0, math.log((positives + 1) / (negatives + 1))])
        result = minimize(loss, start, jac=True, method="BFGS")
        self.a_, self.b_ = float(result.x[0]), float(result.x[1])
        return self

    def predict(self, score: Array) -> Array:
        return np.asarray(expit(self.a_ * score + self.b_), dtype=np.float64)


def _calibrator(kind: str) -> _Sigmoid | IsotonicRegression:
    if kind == "sigmoid":
        return _Sigmoid()
    return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")


def _cross_validated_brier(raw: Array, y: Array, random_state: int) -> dict[str, float]:
    """Brier score of each calibrator, fitted on 4/5 of the validation data and scored on 1/5."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=random_state)
    predicted = {"isotonic": np.empty(len(y)), "sigmoid": np.empty(len(y))}
    for fit_rows, score_rows in folds.split(raw.reshape(-1, 1), y):
        for kind, out in predicted.items():
            calibrator = _calibrator(kind).fit(raw[fit_rows], y[fit_rows])
            out[score_rows] = calibrator.predict(raw[score_rows])
    return {kind: float(np.mean((p - y) ** 2)) for kind, p in predicted.items()}


# --- helpers -----------------------------------------------------------------------------------
def _outcome(X: pd.DataFrame, y: ArrayLike | str, name: str) -> tuple[str, NDArray[Any]]:
    """(the outcome's name, its values) from a column name in ``X`` or an array-like."""
    if isinstance(y, str):
        if y not in X.columns:
            raise ValueError(f"no target column {y!r} in the table")
        return y, X[y].to_numpy()
    values = y.to_numpy() if isinstance(y, pd.Series) else np.asarray(y)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {values.shape}")
    if len(values) != len(X):
        raise ValueError(f"{name} has {len(values)} values for {len(X)} rows")
    label = getattr(y, "name", None)
    return (str(label) if label is not None else "target"), values


def _sort_key(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def _plain(value: Any) -> Any:
    """A table value as a plain Python value (None for missing), for reasons and JSON."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def _versions() -> dict[str, str]:
    return {
        "lightgbm": lgb.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }
