"""The synthetic subscription base: deterministic, plausible, and with churn that a model trained
on earlier snapshots predicts on later ones, better than a logistic regression on the same
features."""

from __future__ import annotations

import datetime as dt

import ibis
import lightgbm
import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tenure.analytics.mart import Complaints, Interactions, Payments, duckdb_connection
from tenure.analytics.propensity.snapshots import (
    LABEL,
    SNAPSHOT_DATE,
    NpsAnswers,
    feature_columns,
    month_ends,
    train_valid_snapshots,
)
from tenure.analytics.propensity.synthetic import (
    DUE_DAYS,
    EARLY_DAYS,
    SubscriptionBase,
    synthetic_subscription_base,
)

AS_OF = dt.date(2024, 12, 31)
TABLES = ("customers", "transactions", "payments", "complaints", "interactions", "nps")
DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def base() -> SubscriptionBase:
    return synthetic_subscription_base(5000, seed=1, as_of=AS_OF, years=3)


def test_the_same_seed_gives_the_same_base_and_another_seed_another() -> None:
    first = synthetic_subscription_base(300, seed=7, as_of=AS_OF)
    again = synthetic_subscription_base(300, seed=7, as_of=AS_OF)
    other = synthetic_subscription_base(300, seed=8, as_of=AS_OF)

    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(again, name))
    assert not first.customers.equals(other.customers)
    assert not first.transactions.equals(other.transactions)


def test_tables_have_the_documented_columns_and_values(base: SubscriptionBase) -> None:
    customers = base.customers
    columns = {name: list(getattr(base, name).columns) for name in TABLES}

    assert columns == {
        "customers": ["customer_id", "start_date", "end_date", "tariff", "region", "monthly_fee"],
        "transactions": ["customer_id", "date", "amount"],
        "payments": ["customer_id", "due_date", "paid_date", "amount"],
        "complaints": ["customer_id", "opened", "closed", "severity"],
        "interactions": ["customer_id", "date"],
        "nps": ["customer_id", "date", "score"],
    }
    assert customers.customer_id.tolist() == [str(1_000_001 + i) for i in range(5000)]
    assert set(customers.tariff) == {"budget", "flex", "standard", "premium"}
    assert set(customers.region) == {"north", "south", "east", "west"}
    assert (customers.monthly_fee > 0).all()
    assert set(base.complaints.severity) == {"minor", "major"}
    assert base.nps.score.between(0, 10).all() and base.nps.score.nunique() > 5
    assert (base.transactions.amount > customers.monthly_fee.min()).all()
    for name in TABLES[1:]:
        assert set(getattr(base, name).customer_id) <= set(customers.customer_id), name
        assert len(getattr(base, name)) > 1000, name


def test_nothing_is_known_after_as_of_or_outside_a_contract(base: SubscriptionBase) -> None:
    as_of = pd.Timestamp(AS_OF)
    contracts = base.customers.set_index("customer_id")
    ended = contracts.end_date.notna()

    assert (contracts.start_date <= as_of).all()
    assert (contracts.end_date[ended] > contracts.start_date[ended]).all()
    assert (contracts.end_date[ended] <= as_of).all()
    assert 0.2 < ended.mean() < 0.8

    def within_contract(
        table: pd.DataFrame, column: str, *, offset: pd.Timedelta = 0 * DAY
    ) -> None:
        day = table[column] - offset
        start = contracts.start_date.reindex(table.customer_id).to_numpy()
        end = contracts.end_date.reindex(table.customer_id).fillna(as_of + DAY).to_numpy()
        assert (day.to_numpy() >= start).all(), f"{column} before the start"
        assert (day.to_numpy() < end).all(), f"{column} on or after the end"
        assert (day <= as_of).all(), f"{column} after as_of"

    within_contract(base.transactions, "date")
    # an invoice is issued with the bill and due DUE_DAYS later (so maybe after as_of)
    within_contract(base.payments, "due_date", offset=DUE_DAYS * DAY)
    pd.testing.assert_series_equal(
        base.payments.due_date - DUE_DAYS * DAY, base.transactions.date, check_names=False
    )
    within_contract(base.complaints, "opened")
    within_contract(base.interactions, "date")
    within_contract(base.nps, "date")

    payments = base.payments.dropna(subset=["paid_date"])
    assert (payments.paid_date >= payments.due_date - EARLY_DAYS * DAY).all()
    assert (payments.paid_date <= as_of).all()
    assert 0.005 < base.payments.paid_date.isna().mean() < 0.05
    assert ((payments.paid_date - payments.due_date).dt.days > 0).mean() > 0.05
    closed = base.complaints.dropna(subset=["closed"])
    assert (closed.closed > closed.opened).all() and (closed.closed <= as_of).all()


def test_a_yearly_churn_rate_of_10_to_30_percent(base: SubscriptionBase) -> None:
    customers = base.customers
    for year in (2022, 2023, 2024):
        first, following = pd.Timestamp(year, 1, 1), pd.Timestamp(year + 1, 1, 1)
        start = customers.start_date.clip(lower=first)
        end = customers.end_date.fillna(following).clip(upper=following)
        customer_years = (end - start).dt.days.clip(lower=0).sum() / 365.25
        leavers = customers.end_date.between(first, following, inclusive="left").sum()

        assert 0.10 < leavers / customer_years < 0.30, year


def split_frames(base: SubscriptionBase) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Snapshots every three months to March 2024 for training, two in the summer of 2024 (when
    the training labels are known) for validation; a 90-day horizon."""
    table = {name: ibis.memtable(getattr(base, name)) for name in TABLES}
    split = train_valid_snapshots(
        table["customers"],
        table["transactions"],
        train_dates=month_ends(dt.date(2022, 12, 1), dt.date(2024, 3, 31))[::3],
        valid_dates=[dt.date(2024, 6, 30), dt.date(2024, 8, 31)],
        horizon_days=90,
        observed_until=AS_OF,
        attributes=["tariff", "region", "monthly_fee"],
        interactions=Interactions(table["interactions"]),
        payments=Payments(table["payments"]),
        complaints=Complaints(table["complaints"]),
        severity="severity",
        nps=NpsAnswers(table["nps"]),
    )
    con = duckdb_connection()
    order = [SNAPSHOT_DATE, "customer_id"]  # DuckDB's row order varies; the models' input not
    train = con.to_pandas(split.train).sort_values(order, ignore_index=True)
    valid = con.to_pandas(split.valid).sort_values(order, ignore_index=True)
    assert feature_columns(split.train) == list(train.columns[2:-1])
    return train, valid


def test_a_model_on_earlier_snapshots_predicts_later_churn_and_beats_a_logistic_baseline(
    base: SubscriptionBase,
) -> None:
    train, valid = split_frames(base)
    features = list(train.columns[2:-1])
    categorical = ["tariff", "region"]

    def for_lightgbm(frame: pd.DataFrame) -> pd.DataFrame:
        x = frame[features].copy()
        for column in categorical:
            x[column] = pd.Categorical(x[column], categories=sorted(train[column].unique()))
        return x

    def for_logistic(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.get_dummies(for_lightgbm(frame), columns=categorical, dtype=float)

    gbm = lightgbm.LGBMClassifier(n_estimators=100, random_state=0, n_jobs=1, verbose=-1)
    gbm.fit(for_lightgbm(train), train[LABEL])
    logistic = make_pipeline(
        SimpleImputer(add_indicator=True), StandardScaler(), LogisticRegression(max_iter=1000)
    ).fit(for_logistic(train), train[LABEL])
    gbm_scores = np.asarray(gbm.predict_proba(for_lightgbm(valid)))[:, 1]
    gbm_auc = roc_auc_score(valid[LABEL], gbm_scores)
    logistic_auc = roc_auc_score(valid[LABEL], logistic.predict_proba(for_logistic(valid))[:, 1])

    # about 18,000 training rows (5 % churn within 90 days) and 6,300 validation rows
    assert len(train) > 15_000 and 0.03 < train[LABEL].mean() < 0.08
    assert len(valid) > 5_000 and valid[LABEL].sum() > 200
    assert gbm_auc > 0.75, (gbm_auc, logistic_auc)
    assert gbm_auc > logistic_auc + 0.01, (gbm_auc, logistic_auc)
    assert logistic_auc > 0.7, logistic_auc  # the reasons are visible to both
    # the behaviour the hazard reacts to is what the model uses most
    gain = pd.Series(gbm.booster_.feature_importance("gain"), index=features)
    assert {"tenure_days", "nps_last", "spend_change"} <= set(gain.nlargest(8).index)
    assert np.isfinite(gain).all()
