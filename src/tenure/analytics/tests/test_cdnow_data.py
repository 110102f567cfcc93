"""The copied CDNOW files agree with each other: the summary is the calibration-period RFM of the
transactions (weeks 1–39, up to 1997-09-30; purchases on one day count once)."""

from __future__ import annotations

import numpy as np

from tenure.analytics.tests.conftest import CDNOW, Summary

END_OF_CALIBRATION = np.datetime64("1997-09-30")


def test_summary_is_the_calibration_period_rfm_of_the_transactions(cdnow: Summary) -> None:
    raw = np.loadtxt(CDNOW / "CDNOW_sample.txt", dtype=str)
    customer = raw[:, 1].astype(int)
    day = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in raw[:, 2]], dtype="datetime64[D]")
    amount = raw[:, 4].astype(float)
    calibration = day <= END_OF_CALIBRATION
    # one row per customer and day with a purchase, sorted by customer then day
    days, at = np.unique(
        np.c_[customer[calibration], day[calibration].astype(int)], axis=0, return_inverse=True
    )
    spent = np.bincount(at.ravel(), weights=amount[calibration])
    ids, first, n_days = np.unique(days[:, 0], return_index=True, return_counts=True)
    last = first + n_days - 1
    x = n_days - 1
    repeat_spend = np.add.reduceat(spent, first) - spent[first]

    assert len(raw) == 6919 and len(ids) == 2357
    np.testing.assert_array_equal(ids, cdnow.id)
    np.testing.assert_array_equal(x, cdnow.x)
    np.testing.assert_allclose((days[last, 1] - days[first, 1]) / 7, cdnow.t_x, atol=0.005)
    end = END_OF_CALIBRATION.astype(int)
    np.testing.assert_allclose((end - days[first, 1]) / 7, cdnow.T, atol=0.005)
    zbar = np.divide(repeat_spend, x, out=np.zeros_like(repeat_spend), where=x > 0)
    np.testing.assert_allclose(zbar, cdnow.zbar, atol=0.005 + 1e-9)
    assert np.count_nonzero(cdnow.x > 0) == 946  # the Gamma-Gamma fit's customers
