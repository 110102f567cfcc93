"""From a customer table to the two feature matrices the propensity models read.

One :class:`FeaturePipeline`, fitted once, gives both representations, so the gradient-boosting
model and its logistic baseline see exactly the same columns:

``"lightgbm"``
    one column per source feature. Numeric values stay as they are, missing ones as NaN (LightGBM
    learns on which side of each split they belong). Categorical values become the integer codes
    of the categories seen in training, declared categorical to LightGBM; missing and unseen
    values become NaN, so at prediction time a new category is treated like a missing value
    instead of being mistaken for another one.

``"logistic"``
    a dense design matrix for a linear model: numeric columns median-imputed, with a 0/1
    ``<column>_missing`` indicator when the column had missing values in training; categorical
    columns one-hot encoded, ``<column>=<category>`` (plus ``<column>=missing`` when training had
    missing values; an unseen category sets none of them). Every design column is then
    standardised with its training mean and standard deviation, so the coefficients are on one
    scale (comparable as importances) and ``coefficient × value`` is the column's contribution
    relative to the average customer.

Column types are inferred from the dtypes unless given: numbers and booleans are numeric, text and
pandas categories are categorical, dates are left out (derive "days since" columns instead). The
id, target and time columns are never features. Columns that cannot inform a model, constant or
entirely missing ones and text columns with a distinct value on most rows (identifiers), are
dropped, and ``notes_`` says so. Categorical columns with more than ``max_categories`` values keep
the most frequent ones and pool the rest into one ``(other)`` level.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tenure.analytics.clv.base import NotFittedError

Representation = Literal["lightgbm", "logistic"]
REPRESENTATIONS: tuple[Representation, ...] = ("lightgbm", "logistic")
FeatureType = Literal["numeric", "categorical"]
OTHER = "(other)"
"""The level that pools the rare values of a categorical column with many of them."""


class FeaturePipeline:
    """Learns column types, categories, medians and scales from a training table.

    Parameters
    ----------
    numeric, categorical : sequence of str, optional
        The feature columns and their types. When either is given, the features are exactly the
        listed columns; when both are omitted, every column except the id, target and time
        columns is a feature, typed by its dtype.
    id_columns : sequence of str, default ()
        Customer keys and other columns that are never features.
    target : str, optional
        The outcome column, if the table carries it; never a feature.
    time_column : str, optional
        The column that orders the rows in time (snapshot date), if any; never a feature.
    max_categories : int, default 50
        Most levels kept per categorical column; rarer values share the level ``(other)``.

    Attributes
    ----------
    features_ : list of str
        The source columns used, in table order.
    feature_types_ : dict
        ``"numeric"`` or ``"categorical"`` per feature.
    categories_ : dict
        The levels of each categorical feature (their position is the LightGBM code).
    medians_ : dict
        The training median of each numeric feature (the logistic model's imputation value).
    feature_names_ : dict
        The column names of each representation, ``{"lightgbm": [...], "logistic": [...]}``.
    design_sources_ : list of str
        For each logistic design column, the source feature it comes from.
    means_, scales_ : ndarray
        Training mean and standard deviation of each logistic design column (before scaling).
    dropped_ : dict
        Columns left out, with the reason.
    notes_ : list of str
        One sentence per column dropped or pooled.
    """

    def __init__(
        self,
        *,
        numeric: Sequence[str] | None = None,
        categorical: Sequence[str] | None = None,
        id_columns: Sequence[str] = (),
        target: str | None = None,
        time_column: str | None = None,
        max_categories: int = 50,
    ) -> None:
        self.numeric = numeric
        self.categorical = categorical
        self.id_columns = id_columns
        self.target = target
        self.time_column = time_column
        self.max_categories = max_categories

    # --- fitting -------------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame) -> Self:
        """Learn the feature columns and their encodings from the training table ``X``."""
        if not isinstance(X, pd.DataFrame):
            raise ValueError(f"X must be a pandas DataFrame, got {type(X).__name__}")
        if len(X) == 0:
            raise ValueError("X has no rows")
        if isinstance(self.id_columns, str):
            raise ValueError("id_columns must be a list of column names, not one string")
        if int(self.max_categories) < 1:
            raise ValueError(f"max_categories must be ≥ 1, got {self.max_categories}")
        if not X.columns.is_unique:
            duplicated = sorted({str(c) for c in X.columns[X.columns.duplicated()]})
            raise ValueError(f"X has duplicate column names: {', '.join(duplicated)}")
        excluded = {*self.id_columns, self.target, self.time_column} - {None}
        candidates = self._typed_candidates(X, excluded)

        self.dropped_: dict[str, str] = {}
        self.notes_: list[str] = []
        self.features_: list[str] = []
        self.feature_types_: dict[str, FeatureType] = {}
        self.categories_: dict[str, list[str]] = {}
        self._pooled: dict[str, frozenset[str]] = {}
        self.medians_: dict[str, float] = {}
        self._numeric_missing: dict[str, bool] = {}
        self._categorical_missing: dict[str, bool] = {}
        for column, kind in candidates.items():
            if kind is None:
                self._drop(column, "a date or time column (derive a number such as days since)")
            elif kind == "numeric":
                self._fit_numeric(column, numeric_values(X[column], column))
            else:
                self._fit_categorical(column, categorical_values(X[column]))
        if not self.features_:
            raise ValueError(
                "no feature columns: "
                + (
                    "every column is an id, target or time column"
                    if not candidates
                    else "; ".join(f"{c} {why}" for c, why in self.dropped_.items())
                )
            )
        self._fit_design(X)
        return self

    def _typed_candidates(self, X: pd.DataFrame, excluded: set[Any]) -> dict[str, Any]:
        """The feature columns with their type (None: a date column, to be dropped)."""
        if self.numeric is None and self.categorical is None:
            return {str(c): _inferred_type(X[c]) for c in X.columns if c not in excluded}
        numeric = [self.numeric] if isinstance(self.numeric, str) else list(self.numeric or [])
        categorical = (
            [self.categorical]
            if isinstance(self.categorical, str)
            else list(self.categorical or [])
        )
        both = sorted(set(numeric) & set(categorical))
        if both:
            raise ValueError(f"columns listed as numeric and categorical: {', '.join(both)}")
        clash = sorted(set(numeric + categorical) & excluded)
        if clash:
            raise ValueError(f"id, target or time columns listed as features: {', '.join(clash)}")
        missing = [c for c in numeric + categorical if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the feature columns {', '.join(missing)}")
        kinds = {c: "numeric" for c in numeric} | {c: "categorical" for c in categorical}
        return {str(c): kinds[c] for c in X.columns if c in kinds}

    def _drop(self, column: str, reason: str) -> None:
        self.dropped_[column] = reason
        self.notes_.append(f"{column}: dropped, {reason}")

    def _fit_numeric(self, column: str, values: pd.Series) -> None:
        present = values.dropna()
        if present.empty:
            self._drop(column, "all values are missing")
            return
        if present.nunique() < 2:
            self._drop(column, f"constant (every value is {present.iloc[0]:g})")
            return
        self.features_.append(column)
        self.feature_types_[column] = "numeric"
        self.medians_[column] = float(present.median())
        self._numeric_missing[column] = len(present) < len(values)

    def _fit_categorical(self, column: str, values: pd.Series) -> None:
        counts = values.value_counts(dropna=True)
        if counts.empty:
            self._drop(column, "all values are missing")
            return
        if len(counts) < 2:
            self._drop(column, f"constant (every value is {counts.index[0]!r})")
            return
        limit = int(self.max_categories)
        if len(counts) > limit and len(counts) > 0.5 * counts.sum():
            self._drop(
                column,
                f"{len(counts)} distinct values in {int(counts.sum())} rows (an identifier?)",
            )
            return
        # most frequent first, ties by name, so the encoding does not depend on row order
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        kept = sorted(str(value) for value, _ in ranked[:limit])
        pooled = frozenset(str(value) for value, _ in ranked[limit:])
        if pooled:
            kept.append(OTHER)
            self.notes_.append(
                f"{column}: {len(pooled)} rare values pooled into {OTHER!r} "
                f"(keeping the {limit} most frequent)"
            )
        self.features_.append(column)
        self.feature_types_[column] = "categorical"
        self.categories_[column] = kept
        self._pooled[column] = pooled
        self._categorical_missing[column] = bool(values.isna().any())

    def _fit_design(self, X: pd.DataFrame) -> None:
        names: list[str] = []
        sources: list[str] = []
        for column in self.features_:
            if self.feature_types_[column] == "numeric":
                block = [column] + ([f"{column}_missing"] if self._numeric_missing[column] else [])
            else:
                block = [f"{column}={level}" for level in self.categories_[column]]
                if self._categorical_missing[column]:
                    block.append(f"{column}=missing")
            names += block
            sources += [column] * len(block)
        twice = sorted(name for name, count in Counter(names).items() if count > 1)
        if twice:
            raise ValueError(
                f"the logistic design columns {', '.join(twice)} occur twice; rename the "
                "source columns"
            )
        self.feature_names_: dict[Representation, list[str]] = {
            "lightgbm": list(self.features_),
            "logistic": names,
        }
        self.design_sources_ = sources
        raw = self._design(X)
        self.means_ = raw.mean(axis=0)
        scales = raw.std(axis=0)
        self.scales_ = np.where(scales > 0, scales, 1.0)

    # --- transforming --------------------------------------------------------------------------
    def transform(
        self, X: pd.DataFrame, representation: Representation = "lightgbm"
    ) -> pd.DataFrame:
        """The feature matrix of ``X`` in one representation, with ``X``'s index.

        Extra columns in ``X`` are ignored; a missing feature column is an error.
        """
        self._check_fitted()
        if representation not in REPRESENTATIONS:
            raise ValueError(
                f"representation must be 'lightgbm' or 'logistic', got {representation!r}"
            )
        self.check_columns(X)
        if representation == "lightgbm":
            matrix = self._lightgbm(X)
        else:
            matrix = (self._design(X) - self.means_) / self.scales_
        return pd.DataFrame(matrix, index=X.index, columns=self.feature_names_[representation])

    def fit_transform(
        self, X: pd.DataFrame, representation: Representation = "lightgbm"
    ) -> pd.DataFrame:
        return self.fit(X).transform(X, representation)

    def check_columns(self, X: pd.DataFrame) -> None:
        """Raise a ValueError naming the feature columns ``X`` lacks."""
        self._check_fitted()
        if not isinstance(X, pd.DataFrame):
            raise ValueError(f"X must be a pandas DataFrame, got {type(X).__name__}")
        missing = [c for c in self.features_ if c not in X.columns]
        if missing:
            raise ValueError(
                f"X lacks the feature columns {', '.join(missing)} the model was fitted with"
            )

    @property
    def categorical_features_(self) -> list[str]:
        """The categorical features (LightGBM's ``categorical_feature``)."""
        self._check_fitted()
        return [c for c in self.features_ if self.feature_types_[c] == "categorical"]

    def codes(self, X: pd.DataFrame, column: str) -> NDArray[np.float64]:
        """A categorical column as level positions; NaN for missing and unseen values."""
        values = categorical_values(X[column])
        levels = self.categories_[column]
        pooled = self._pooled[column]
        if pooled:
            values = values.where(~values.isin(pooled), OTHER)
        codes = pd.Categorical(values, categories=levels).codes.astype(np.float64)
        codes[codes < 0] = np.nan
        return codes

    def _lightgbm(self, X: pd.DataFrame) -> NDArray[np.float64]:
        matrix = np.empty((len(X), len(self.features_)), dtype=np.float64)
        for j, column in enumerate(self.features_):
            if self.feature_types_[column] == "numeric":
                matrix[:, j] = numeric_values(X[column], column).to_numpy(np.float64)
            else:
                matrix[:, j] = self.codes(X, column)
        return matrix

    def _design(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """The logistic design matrix before standardisation."""
        blocks: list[NDArray[np.float64]] = []
        for column in self.features_:
            if self.feature_types_[column] == "numeric":
                values = numeric_values(X[column], column).to_numpy(np.float64)
                missing = np.isnan(values)
                blocks.append(np.where(missing, self.medians_[column], values))
                if self._numeric_missing[column]:
                    blocks.append(missing.astype(np.float64))
            else:
                codes = self.codes(X, column)
                levels = len(self.categories_[column])
                blocks += [(codes == k).astype(np.float64) for k in range(levels)]
                if self._categorical_missing[column]:
                    blocks.append(X[column].isna().to_numpy(np.float64))
        return np.column_stack(blocks)

    def _check_fitted(self) -> None:
        if not hasattr(self, "features_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit(...) before using it"
            )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters given to ``__init__`` (scikit-learn convention)."""
        return {
            "numeric": self.numeric,
            "categorical": self.categorical,
            "id_columns": self.id_columns,
            "target": self.target,
            "time_column": self.time_column,
            "max_categories": self.max_categories,
        }

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v not in (None, ()))
        if not hasattr(self, "features_"):
            return f"{type(self).__name__}({given})"
        return f"{type(self).__name__}({given})  # {len(self.features_)} features"


def _inferred_type(series: pd.Series) -> FeatureType | None:
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return None
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return "numeric"
    if pd.api.types.infer_dtype(series, skipna=True) in _NUMBER_KINDS:
        return "numeric"  # numbers in an object column, e.g. Decimal values from a database
    return "categorical"


_NUMBER_KINDS = {"integer", "floating", "mixed-integer-float", "decimal"}


def numeric_values(series: pd.Series, column: str) -> pd.Series:
    """A column as float64, missing and infinite values as NaN; text that is not a number raises."""
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        values = series.astype(np.float64)
    else:
        values = pd.to_numeric(series, errors="coerce").astype(np.float64)
        bad = values.isna() & series.notna()
        if bad.any():
            row = bad.to_numpy().nonzero()[0][0]
            raise ValueError(
                f"column {column}: {series.iloc[row]!r} (row {row + 1}) is not a number; "
                "a numeric feature needs numbers or empty values"
            )
    return values.where(np.isfinite(values))


def categorical_values(series: pd.Series) -> pd.Series:
    """A column as text levels (``1`` and ``"1"`` are one level); missing values stay missing."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    return series.astype("string").astype(object).where(series.notna(), None)
