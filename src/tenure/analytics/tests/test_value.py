"""Customer lifetime value: discounted expected purchases × expected spend."""

from __future__ import annotations

import numpy as np
import pytest

from tenure.analytics.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    customer_lifetime_value,
)
from tenure.analytics.tests.conftest import Summary


def test_sums_each_months_discounted_purchases(cdnow: Summary, bgnbd: BetaGeoModel) -> None:
    spend = np.linspace(10, 50, 2357)
    clv = customer_lifetime_value(bgnbd, cdnow.x, cdnow.t_x, cdnow.T, spend, horizon_months=6)
    weeks_per_month = 365.25 / 12 / 7
    expected = sum(
        spend
        * (
            bgnbd.predict_purchases(k * weeks_per_month, cdnow.x, cdnow.t_x, cdnow.T)
            - bgnbd.predict_purchases((k - 1) * weeks_per_month, cdnow.x, cdnow.t_x, cdnow.T)
        )
        / 1.01**k
        for k in range(1, 7)
    )
    np.testing.assert_allclose(clv, expected, rtol=1e-12)
    undiscounted = customer_lifetime_value(
        bgnbd, cdnow.x, cdnow.t_x, cdnow.T, spend, discount_rate_monthly=0.0
    )
    np.testing.assert_allclose(
        undiscounted,
        spend * bgnbd.predict_purchases(12 * weeks_per_month, cdnow.x, cdnow.t_x, cdnow.T),
        rtol=1e-12,
    )
    assert np.all(clv > 0) and np.all(
        undiscounted > customer_lifetime_value(bgnbd, cdnow.x, cdnow.t_x, cdnow.T, spend)
    )


def test_time_units_and_horizon(cdnow: Summary, bgnbd: BetaGeoModel) -> None:
    in_days = BetaGeoModel().fit(cdnow.x, cdnow.t_x * 7, cdnow.T * 7)
    weekly = customer_lifetime_value(bgnbd, cdnow.x, cdnow.t_x, cdnow.T, 30.0)
    daily = customer_lifetime_value(
        in_days, cdnow.x, cdnow.t_x * 7, cdnow.T * 7, 30.0, time_unit_days=1
    )
    np.testing.assert_allclose(daily, weekly, rtol=1e-4)
    longer = [
        customer_lifetime_value(bgnbd, 2, 30.43, 38.86, 30.0, horizon_months=h)
        for h in (0, 1, 12, 60)
    ]
    assert longer[0] == 0 and np.all(np.diff(np.ravel(longer)) > 0)


def test_gamma_gamma_values_customers_with_its_spend_forecast(
    cdnow: Summary, bgnbd: BetaGeoModel, paretonbd: ParetoNBDModel, gammagamma: GammaGammaModel
) -> None:
    for transactions in (bgnbd, paretonbd):
        clv = gammagamma.customer_lifetime_value(
            transactions, cdnow.x, cdnow.t_x, cdnow.T, cdnow.zbar
        )
        spend = gammagamma.predict_spend(cdnow.x, cdnow.zbar)
        np.testing.assert_allclose(
            clv,
            customer_lifetime_value(transactions, cdnow.x, cdnow.t_x, cdnow.T, spend),
            rtol=1e-12,
        )
        assert clv.shape == (2357,) and np.all(clv > 0)
    # the two purchase models agree on the cohort's 12-month value to within 10%
    totals = [
        gammagamma.customer_lifetime_value(m, cdnow.x, cdnow.t_x, cdnow.T, cdnow.zbar).sum()
        for m in (bgnbd, paretonbd)
    ]
    assert totals[0] == pytest.approx(totals[1], rel=0.1)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"horizon_months": -1}, "horizon_months"),
        ({"horizon_months": 1.5}, "horizon_months"),
        ({"discount_rate_monthly": -1.0}, "discount_rate_monthly"),
        ({"discount_rate_monthly": float("nan")}, "discount_rate_monthly"),
        ({"time_unit_days": 0}, "time_unit_days"),
    ],
)
def test_refuses_bad_arguments(bgnbd: BetaGeoModel, arguments: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        customer_lifetime_value(bgnbd, 2, 30.43, 38.86, 30.0, **arguments)
    with pytest.raises(ValueError, match="negative"):
        customer_lifetime_value(bgnbd, 2, 30.43, 38.86, -30.0)
