"""Uplift estimators: who does a campaign move, learned from a finished campaign with a control group.

A churn or response score says who will stay or buy; a campaign needs to know whose behaviour the
contact *changes*. The uplift of a customer with features x is
``τ(x) = P(y = 1 | x, treated) − P(y = 1 | x, control)``, where ``y`` = 1 is the outcome the
campaign wants (stayed, bought; for a retention campaign scored on churn, pass ``1 − churned``).
It is learnable only from a campaign whose control group was drawn at random from the same
selection: the estimators below assume that, and so does :mod:`.evaluation`.

:class:`TwoModelUplift`
    One calibrated :class:`~tenure.analytics.propensity.PropensityModel` on the treated customers,
    one on the controls, and ``τ(x)`` = the difference of their probabilities. Simple and strong
    when the effect is large; the two models are fitted separately, so each one's errors enter
    the difference whole. Calibration matters here, since two probabilities are subtracted, and
    the default is Platt's sigmoid: isotonic calibration is a step function, and the difference
    of two step functions jumps and ties where neither model's ranking does.

:class:`ClassTransformationUplift`
    Jaskowski & Jaroszewicz (2012), "Uplift modeling for clinical trial data" (ICML workshop on
    clinical data analysis): one classifier of ``z = y·t + (1 − y)(1 − t)`` (a treated customer
    who responded or a control who did not). When the treated share ``p`` is ½,
    ``P(z = 1 | x) = ½ P(y | x, t=1) + ½ (1 − P(y | x, t=0))``, so ``τ(x) = 2 P(z = 1 | x) − 1``.
    With ``p ≠ ½`` that identity fails (at ``p`` = 0.2 it gives ``0.4 P₁ − 1.6 P₀ + 0.6``, mostly
    the controls' rate). The correction used here **reweights the groups to equal size**: treated
    customers weigh ``½ / p``, controls ``½ / (1 − p)`` (``p`` the treated share of the training
    rows), which makes the weighted treated share exactly ½ and restores the identity for the
    weighted ``P(z = 1 | x)``; the classifier minimises the weighted log-loss. (The alternative,
    regressing the transformed outcome ``y·(t − p) / (p(1 − p))`` whose mean is ``τ(x)``
    (Athey & Imbens 2015), is unbiased too but takes values up to ``1 / min(p, 1 − p)`` and is
    much noisier.) :class:`PropensityModel` takes no row weights, so this estimator fits LightGBM
    or a logistic regression itself, on the same :class:`FeaturePipeline` features and with the
    same parameters; a held-out stratified part of the data serves for early stopping and for a
    weighted Platt calibration of ``P(z = 1 | x)``.

Both take a feature table ``X`` (pandas), the treatment flags and the outcomes (arrays, or names of
columns of ``X``, which are then not features), check them (see :func:`campaign_data`), and hold
no training data when fitted.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, Self

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from tenure.analytics.clv.base import NotFittedError
from tenure.analytics.propensity.features import FeaturePipeline
from tenure.analytics.propensity.model import PropensityModel
from tenure.analytics.uplift.evaluation import binary_values, check_both_groups

Base = Literal["lightgbm", "logistic"]
BASES: tuple[Base, ...] = ("lightgbm", "logistic")
MIN_OUTCOMES = 10
"""Customers needed in each group with, and without, the outcome."""
Array = NDArray[np.float64]


def campaign_data(
    X: pd.DataFrame,
    treatment: ArrayLike | str,
    y: ArrayLike | str,
    *,
    min_group_rows: int,
) -> tuple[pd.DataFrame, NDArray[np.int8], NDArray[np.int8]]:
    """The features, treatment flags (1 = treated) and outcomes (1 = wanted) of a campaign, checked.

    ``treatment`` and ``y`` are arrays with one value per row of ``X`` or names of columns of
    ``X`` (dropped from the returned features). Raises a ValueError when a length differs, a value
    is missing or not 0/1/boolean, a group is empty or has fewer than ``min_group_rows``
    customers, or has fewer than :data:`MIN_OUTCOMES` customers with or without the outcome.
    """
    if not isinstance(X, pd.DataFrame):
        raise ValueError(f"X must be a pandas DataFrame, got {type(X).__name__}")
    values: dict[str, Any] = {}
    named = []
    for name, given in (("treatment", treatment), ("y", y)):
        if isinstance(given, str):
            if given not in X.columns:
                raise ValueError(f"no {name} column {given!r} in X")
            values[name] = X[given].to_numpy()
            named.append(given)
        else:
            array = given.to_numpy() if isinstance(given, pd.Series) else np.asarray(given)
            if array.ndim != 1 or len(array) != len(X):
                raise ValueError(f"{name} has shape {array.shape} for {len(X)} rows of X")
            values[name] = array
    t = binary_values(values["treatment"], "treatment", "1 = treated, 0 = control")
    outcome = binary_values(values["y"], "y", "1 = the outcome the campaign wants")
    check_both_groups(t)
    for flag, group in ((1, "treated group"), (0, "control group")):
        rows = outcome[t == flag]
        if len(rows) < min_group_rows:
            raise ValueError(
                f"the {group} has {len(rows)} customers, fewer than min_group_rows="
                f"{min_group_rows}: too few to learn whom the campaign moves"
            )
        positives = int(rows.sum())
        if min(positives, len(rows) - positives) < MIN_OUTCOMES:
            raise ValueError(
                f"the {group} has {positives} customers with y = 1 and {len(rows) - positives} "
                f"with y = 0; each group needs at least {MIN_OUTCOMES} of each"
            )
    return X.drop(columns=named), t, outcome


class UpliftModel(ABC):
    """What both estimators share: hyperparameters, their checks, fit bookkeeping and repr.

    Parameters
    ----------
    base : {"lightgbm", "logistic"}, default "lightgbm"
        The learner: LightGBM gradient boosting, or an L2-regularised logistic regression.
    calibration : str
        How raw scores become probabilities (choices per estimator).
    numeric, categorical, id_columns, max_categories :
        Which columns are features, as in :class:`~tenure.analytics.propensity.FeaturePipeline`.
    min_group_rows : int, default 200
        Fewest customers accepted in the treated group and in the control group.
    validation_share : float, default 0.25
        Share of each model's rows held out for early stopping and calibration.
    random_state : int, default 0
    n_estimators, learning_rate, num_leaves, min_child_samples, reg_lambda, early_stopping_rounds,
    n_jobs, lightgbm_params :
        LightGBM, as in :class:`~tenure.analytics.propensity.PropensityModel`.
    C : float, default 1.0
        Logistic regression: inverse strength of the L2 penalty (on standardised columns).

    Attributes
    ----------
    n_treated_, n_control_ : int
        Training customers per group.
    treatment_share_ : float
        The treated share of the training customers.
    treated_rate_, control_rate_ : float
        The observed outcome rate per group; their difference is ``average_uplift_``.
    """

    CALIBRATIONS: ClassVar[tuple[str, ...]]

    def __init__(
        self,
        base: Base = "lightgbm",
        *,
        calibration: str = "sigmoid",
        numeric: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        id_columns: Sequence[str] = (),
        max_categories: int = 50,
        min_group_rows: int = 200,
        validation_share: float = 0.25,
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
        self.base = base
        self.calibration = calibration
        self.numeric = numeric
        self.categorical = categorical
        self.id_columns = id_columns
        self.max_categories = max_categories
        self.min_group_rows = min_group_rows
        self.validation_share = validation_share
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

    def fit(self, X: pd.DataFrame, treatment: ArrayLike | str, y: ArrayLike | str) -> Self:
        """Learn the uplift from a finished campaign: features ``X``, ``treatment`` (1 = treated,
        0 = control, assigned at random) and outcome ``y`` (1 = the outcome the campaign wants);
        either may name a column of ``X``."""
        self._check_params()
        features, t, outcome = campaign_data(
            X, treatment, y, min_group_rows=int(self.min_group_rows)
        )
        self._fit(features, t, outcome)
        self.n_treated_ = int(t.sum())
        self.n_control_ = len(t) - self.n_treated_
        self.treatment_share_ = self.n_treated_ / len(t)
        self.treated_rate_ = float(outcome[t == 1].mean())
        self.control_rate_ = float(outcome[t == 0].mean())
        return self

    @property
    def average_uplift_(self) -> float:
        """The campaign's observed effect in the training data: treated rate − control rate."""
        self._check_fitted()
        return self.treated_rate_ - self.control_rate_

    @abstractmethod
    def _fit(self, X: pd.DataFrame, t: NDArray[np.int8], y: NDArray[np.int8]) -> None: ...

    @abstractmethod
    def predict_uplift(self, X: pd.DataFrame) -> Array:
        """The predicted uplift per row of ``X``: P(y | treated) − P(y | control), in [−1, 1]."""

    def _check_params(self) -> None:
        if self.base not in BASES:
            raise ValueError(f"base must be 'lightgbm' or 'logistic', got {self.base!r}")
        if self.calibration not in self.CALIBRATIONS:
            raise ValueError(
                f"calibration must be one of {', '.join(self.CALIBRATIONS)} for "
                f"{type(self).__name__}, got {self.calibration!r}"
            )
        checks = {
            "min_group_rows": self.min_group_rows >= 2 * MIN_OUTCOMES,
            "validation_share": 0 < self.validation_share < 1,
            "max_categories": self.max_categories >= 1,
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
                f"invalid parameters: {values} (min_group_rows ≥ {2 * MIN_OUTCOMES}, "
                "0 < validation_share < 1, max_categories, n_estimators, min_child_samples and "
                "early_stopping_rounds ≥ 1, num_leaves ≥ 2, 0 < learning_rate ≤ 1, "
                "reg_lambda ≥ 0, C > 0)"
            )
        if dict(self.lightgbm_params or {}).get("objective", "binary") != "binary":
            raise ValueError("lightgbm_params: the uplift learners' objective is 'binary'")

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_treated_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit(...) before using it"
            )

    def _lightgbm_params(self) -> dict[str, Any]:
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
        return params

    # --- scikit-learn conventions --------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyperparameters given to ``__init__`` (scikit-learn convention)."""
        names = [
            "base",
            "calibration",
            "numeric",
            "categorical",
            "id_columns",
            "max_categories",
            "min_group_rows",
            "validation_share",
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
        defaults = type(self)().get_params()
        given = ", ".join(
            f"{k}={v!r}" for k, v in self.get_params().items() if k == "base" or v != defaults[k]
        )
        if not hasattr(self, "n_treated_"):
            return f"{type(self).__name__}({given})"
        return (
            f"{type(self).__name__}({given})  # {self.n_treated_} treated, "
            f"{self.n_control_} controls"
        )


class TwoModelUplift(UpliftModel):
    """Uplift as the difference of two calibrated propensity models, treated and controls.

    Parameters are those of :class:`UpliftModel`; ``calibration`` is one of "sigmoid" (default),
    "auto", "isotonic", "none", passed to each :class:`PropensityModel` (see the module docstring
    for why sigmoid).

    Attributes
    ----------
    treated_model_, control_model_ : PropensityModel
        P(y = 1 | x) among the treated, among the controls.
    """

    CALIBRATIONS = ("sigmoid", "auto", "isotonic", "none")

    def _fit(self, X: pd.DataFrame, t: NDArray[np.int8], y: NDArray[np.int8]) -> None:
        models = []
        for flag in (1, 0):
            rows = t == flag
            model = PropensityModel(
                self.base,
                calibration=self.calibration,  # type: ignore[arg-type]
                numeric=self.numeric,
                categorical=self.categorical,
                id_columns=self.id_columns,
                max_categories=self.max_categories,
                positive_label=1,
                validation_share=self.validation_share,
                random_state=self.random_state,
                n_estimators=self.n_estimators,
                learning_rate=self.learning_rate,
                num_leaves=self.num_leaves,
                min_child_samples=self.min_child_samples,
                reg_lambda=self.reg_lambda,
                early_stopping_rounds=self.early_stopping_rounds,
                n_jobs=self.n_jobs,
                lightgbm_params=self.lightgbm_params,
                C=self.C,
            )
            models.append(model.fit(X.loc[rows], y[rows]))
        self.treated_model_, self.control_model_ = models

    def predict_proba_treated(self, X: pd.DataFrame) -> Array:
        """P(y = 1 | x, treated): the outcome's probability if the customer is contacted."""
        self._check_fitted()
        return self.treated_model_.predict_proba(X)

    def predict_proba_control(self, X: pd.DataFrame) -> Array:
        """P(y = 1 | x, control): the outcome's probability if the customer is left alone."""
        self._check_fitted()
        return self.control_model_.predict_proba(X)

    def predict_uplift(self, X: pd.DataFrame) -> Array:
        """P(y = 1 | x, treated) − P(y = 1 | x, control), one per row of ``X``."""
        return self.predict_proba_treated(X) - self.predict_proba_control(X)


class ClassTransformationUplift(UpliftModel):
    """Uplift from one classifier of the transformed class ``z``, groups reweighted to equal size.

    Parameters are those of :class:`UpliftModel`, with ``min_child_samples`` defaulting to 100
    (``z`` is mostly noise: P(z = 1 | x) = ½ + τ(x)/2 stays near ½, and small leaves fit the
    noise); ``calibration`` is "sigmoid" (default: weighted Platt scaling on the held-out part)
    or "none".

    Attributes
    ----------
    pipeline_ : FeaturePipeline
    estimator_ : lightgbm.Booster or sklearn LogisticRegression
    best_iteration_ : int
        LightGBM rounds kept after early stopping (0 for the logistic model).
    weights_ : tuple of float
        The weight of a treated customer, of a control: ``½ / p`` and ``½ / (1 − p)``.
    calibration_ : tuple of float or None
        Platt's (a, b) in ``P(z = 1) = expit(a · score + b)``; None without calibration.
    """

    CALIBRATIONS = ("sigmoid", "none")

    def __init__(
        self,
        base: Base = "lightgbm",
        *,
        calibration: str = "sigmoid",
        min_child_samples: int = 100,
        **params: Any,
    ) -> None:
        super().__init__(
            base, calibration=calibration, min_child_samples=min_child_samples, **params
        )

    def _fit(self, X: pd.DataFrame, t: NDArray[np.int8], y: NDArray[np.int8]) -> None:
        p = float(t.mean())
        self.weights_ = (0.5 / p, 0.5 / (1 - p))
        z = (y * t + (1 - y) * (1 - t)).astype(np.float64)
        weight = np.where(t == 1, self.weights_[0], self.weights_[1])
        train, valid = train_test_split(
            np.arange(len(z)),
            test_size=self.validation_share,
            stratify=2 * t + y,
            random_state=self.random_state,
        )
        train, valid = np.sort(train), np.sort(valid)
        pipeline = FeaturePipeline(
            numeric=self.numeric,
            categorical=self.categorical,
            id_columns=self.id_columns,
            max_categories=self.max_categories,
        ).fit(X.iloc[train])
        self.pipeline_ = pipeline
        representation: Literal["lightgbm", "logistic"] = self.base
        matrix = np.asarray(pipeline.transform(X, representation).to_numpy(), np.float64)
        if self.base == "lightgbm":
            categorical = [pipeline.features_.index(c) for c in pipeline.categorical_features_]
            data = lgb.Dataset(
                matrix[train],
                label=z[train],
                weight=weight[train],
                feature_name=[f"f{j}" for j in range(matrix.shape[1])],
                categorical_feature=categorical,
                free_raw_data=True,
            )
            held_out = data.create_valid(matrix[valid], label=z[valid], weight=weight[valid])
            booster = lgb.train(
                self._lightgbm_params(),
                data,
                num_boost_round=self.n_estimators,
                valid_sets=[held_out],
                valid_names=["validation"],
                callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False)],
            )
            self.best_iteration_ = int(booster.best_iteration or booster.current_iteration())
            self.estimator_: lgb.Booster | LogisticRegression = booster
        else:
            estimator = LogisticRegression(C=self.C, max_iter=2000)
            estimator.fit(matrix[train], z[train], sample_weight=weight[train])
            self.best_iteration_ = 0
            self.estimator_ = estimator
        self.calibration_: tuple[float, float] | None = None
        if self.calibration == "sigmoid":
            raw = self._raw(matrix[valid])
            self.calibration_ = _weighted_platt(raw, z[valid], weight[valid])

    def _raw(self, matrix: Array) -> Array:
        if isinstance(self.estimator_, lgb.Booster):
            raw = self.estimator_.predict(
                matrix, raw_score=True, num_iteration=self.best_iteration_
            )
        else:
            raw = self.estimator_.decision_function(matrix)
        return np.asarray(raw, dtype=np.float64)

    def predict_uplift(self, X: pd.DataFrame) -> Array:
        """``2 · P(z = 1 | x) − 1`` under the balancing weights, one per row of ``X``."""
        self._check_fitted()
        representation: Literal["lightgbm", "logistic"] = self.base
        raw = self._raw(np.asarray(self.pipeline_.transform(X, representation), np.float64))
        if self.calibration_ is not None:
            a, b = self.calibration_
            raw = a * raw + b
        return 2 * expit(raw) - 1


def _weighted_platt(score: Array, z: Array, weight: Array) -> tuple[float, float]:
    """Platt scaling by weighted maximum likelihood: (a, b) of ``expit(a · score + b)``."""

    def loss(params: Array) -> tuple[float, Array]:
        eta = params[0] * score + params[1]
        value = -float(np.sum(weight * (z * log_expit(eta) + (1 - z) * log_expit(-eta))))
        residual = weight * (expit(eta) - z)
        return value, np.array([residual @ score, residual.sum()])

    result = minimize(loss, np.array([1.0, 0.0]), jac=True, method="BFGS")
    return float(result.x[0]), float(result.x[1])
