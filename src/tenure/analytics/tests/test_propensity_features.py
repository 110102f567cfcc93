"""FeaturePipeline: column types, the two representations, dropped columns and bad input."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.clv.base import NotFittedError
from tenure.analytics.propensity import FeaturePipeline


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [101, 102, 103, 104, 105, 106],
            "as_of": pd.to_datetime(["2024-01-31"] * 3 + ["2024-02-29"] * 3),
            "churned": [0, 1, 0, 0, 1, 0],
            "tariff": ["flex", "budget", "flex", None, "premium", "budget"],
            "late_payments": [0, 3, np.nan, 1, 4, 0],
            "is_business": [True, False, False, True, False, False],
            "spend": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
            "country": ["DE"] * 6,
            "empty": [np.nan] * 6,
            "signup": pd.to_datetime(["2020-01-01"] * 6) + pd.to_timedelta(range(6), unit="D"),
        }
    )


@pytest.fixture
def pipeline(customers: pd.DataFrame) -> FeaturePipeline:
    return FeaturePipeline(id_columns=["customer_id"], target="churned", time_column="as_of").fit(
        customers
    )


def test_types_are_inferred_and_id_target_time_columns_excluded(pipeline: FeaturePipeline) -> None:
    assert pipeline.features_ == ["tariff", "late_payments", "is_business", "spend"]
    assert pipeline.feature_types_ == {
        "tariff": "categorical",
        "late_payments": "numeric",
        "is_business": "numeric",
        "spend": "numeric",
    }
    assert pipeline.categorical_features_ == ["tariff"]
    assert pipeline.categories_ == {"tariff": ["budget", "flex", "premium"]}


def test_constant_empty_and_date_columns_are_dropped_with_a_note(pipeline: FeaturePipeline) -> None:
    assert pipeline.dropped_ == {
        "country": "constant (every value is 'DE')",
        "empty": "all values are missing",
        "signup": "a date or time column (derive a number such as days since)",
    }
    assert "country: dropped, constant (every value is 'DE')" in pipeline.notes_
    assert len(pipeline.notes_) == 3


def test_the_lightgbm_representation_keeps_missing_values_and_codes_categories(
    pipeline: FeaturePipeline, customers: pd.DataFrame
) -> None:
    matrix = pipeline.transform(customers, "lightgbm")
    assert list(matrix.columns) == pipeline.feature_names_["lightgbm"] == pipeline.features_
    assert matrix.index.equals(customers.index)
    assert np.array_equal(matrix["tariff"].to_numpy(), [1, 0, 1, np.nan, 2, 0], equal_nan=True)
    assert np.isnan(matrix["late_payments"].iloc[2])
    assert matrix["is_business"].tolist() == [1, 0, 0, 1, 0, 0]


def test_an_unseen_category_is_missing_for_lightgbm_and_no_level_for_logistic(
    pipeline: FeaturePipeline, customers: pd.DataFrame
) -> None:
    new = customers.head(2).assign(tariff=["student", "flex"])
    assert np.isnan(pipeline.transform(new, "lightgbm")["tariff"].iloc[0])
    design = pipeline.transform(new, "logistic")
    raw = design * pipeline.scales_ + pipeline.means_
    levels = ["tariff=budget", "tariff=flex", "tariff=premium", "tariff=missing"]
    assert np.allclose(raw[levels].iloc[0], 0)
    assert np.allclose(raw[levels].iloc[1], [0, 1, 0, 0])


def test_the_logistic_representation_imputes_flags_encodes_and_standardises(
    pipeline: FeaturePipeline, customers: pd.DataFrame
) -> None:
    assert pipeline.feature_names_["logistic"] == [
        "tariff=budget",
        "tariff=flex",
        "tariff=premium",
        "tariff=missing",
        "late_payments",
        "late_payments_missing",
        "is_business",
        "spend",
    ]
    assert pipeline.design_sources_ == ["tariff"] * 4 + ["late_payments"] * 2 + [
        "is_business",
        "spend",
    ]
    design = pipeline.transform(customers, "logistic")
    assert np.allclose(design.mean(), 0)
    assert np.allclose(design.std(ddof=0), 1)
    raw = design * pipeline.scales_ + pipeline.means_
    assert pipeline.medians_["late_payments"] == 1.0
    assert raw["late_payments"].tolist() == pytest.approx([0, 3, 1, 1, 4, 0])
    assert raw["late_payments_missing"].tolist() == pytest.approx([0, 0, 1, 0, 0, 0])


def test_given_types_choose_the_features(customers: pd.DataFrame) -> None:
    pipeline = FeaturePipeline(numeric=["spend"], categorical=["late_payments"]).fit(customers)
    assert pipeline.features_ == ["late_payments", "spend"]
    assert pipeline.categories_["late_payments"] == ["0.0", "1.0", "3.0", "4.0"]


def test_rare_levels_are_pooled_and_identifiers_dropped() -> None:
    table = pd.DataFrame(
        {
            "region": ["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d", "e"],
            "email": [f"{i}@example.org" for i in range(14)],
            "spend": np.arange(14.0),
        }
    )
    pipeline = FeaturePipeline(max_categories=3).fit(table)
    assert pipeline.categories_["region"] == ["a", "b", "c", "(other)"]
    assert "email" in pipeline.dropped_ and "identifier" in pipeline.dropped_["email"]
    codes = pipeline.transform(pd.DataFrame({"region": ["d", "a", "z"], "spend": 1.0}))
    assert np.array_equal(codes["region"].to_numpy(), [3, 0, np.nan], equal_nan=True)
    assert "region: 2 rare values pooled into '(other)' (keeping the 3 most frequent)" in (
        pipeline.notes_
    )


def test_numbers_from_a_database_are_numeric() -> None:
    table = pd.DataFrame({"balance": [Decimal("1.5"), Decimal("2.5"), None], "x": [1, 2, 3]})
    pipeline = FeaturePipeline().fit(table)
    assert pipeline.feature_types_["balance"] == "numeric"
    assert np.isnan(pipeline.transform(table)["balance"].iloc[2])


def test_bad_input_is_refused(customers: pd.DataFrame, pipeline: FeaturePipeline) -> None:
    with pytest.raises(ValueError, match="X lacks the feature columns spend"):
        pipeline.transform(customers.drop(columns=["spend"]))
    with pytest.raises(ValueError, match="representation must be"):
        pipeline.transform(customers, "forest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="listed as numeric and categorical: spend"):
        FeaturePipeline(numeric=["spend"], categorical=["spend"]).fit(customers)
    with pytest.raises(ValueError, match="id, target or time columns listed as features: churned"):
        FeaturePipeline(numeric=["churned"], target="churned").fit(customers)
    with pytest.raises(ValueError, match="X lacks the feature columns nps"):
        FeaturePipeline(numeric=["nps"]).fit(customers)
    with pytest.raises(ValueError, match="no feature columns: country constant"):
        FeaturePipeline(categorical=["country"]).fit(customers)
    with pytest.raises(ValueError, match="no rows"):
        FeaturePipeline().fit(customers.head(0))
    with pytest.raises(ValueError, match=r"column spend: 'lots' \(row 2\) is not a number"):
        pipeline.transform(customers.assign(spend=["1", "lots", "3", "4", "5", "6"]))
    with pytest.raises(NotFittedError):
        FeaturePipeline().transform(customers)
