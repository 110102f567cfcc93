"""From a transactions file to a checked fit: CDNOW as a user would deliver it, and bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from tenure.analytics.clv.holdout import cumulative_tracking, purchase_day_counts
from tenure.analytics.clv.report import render_report
from tenure.analytics.clv.workflow import (
    ClvFit,
    InputError,
    TransactionSource,
    fit_clv,
    load_transactions,
    score_base,
)
from tenure.analytics.tests.conftest import CDNOW, Summary, write_cdnow_csv

CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT_END = dt.date(1998, 6, 30)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> TransactionSource:
    path = write_cdnow_csv(tmp_path_factory.mktemp("cdnow") / "cdnow.csv")
    return TransactionSource(path, customer="customer", date="date", amount="amount")


@pytest.fixture(scope="module")
def fitted(source: TransactionSource) -> ClvFit:
    table = load_transactions(source)
    return fit_clv(table, source, calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END)


def test_the_fit_from_raw_transactions_is_the_published_one(fitted: ClvFit) -> None:
    params = fitted.transaction_model.params_
    assert {k: round(v, 3) for k, v in params.items()} == {
        "r": 0.243,
        "alpha": 4.414,
        "a": 0.793,
        "b": 2.426,
    }
    assert fitted.customers == 2357
    assert fitted.spend_model is not None
    assert {k: float(f"{v:.3g}") for k, v in fitted.spend_model.params_.items()} == {
        "p": 6.25,
        "q": 3.74,
        "gamma": 15.4,
    }


def test_holdout_by_frequency_groups_every_customer(fitted: ClvFit, cdnow: Summary) -> None:
    assert fitted.holdout is not None
    rows = fitted.holdout["by_frequency"]
    assert [row["frequency"] for row in rows] == [*map(str, range(7)), "7+"]
    expected = [int(np.sum(cdnow.x == f)) for f in range(7)] + [int(np.sum(cdnow.x >= 7))]
    assert [row["customers"] for row in rows] == expected
    total = sum(row["customers"] * row["actual"] for row in rows)
    assert total == pytest.approx(fitted.holdout["actual_total"])
    # customers who bought more in calibration buy more in the hold-out, and the model knows it
    assert np.all(np.diff([row["predicted"] for row in rows]) > 0)
    assert rows[0]["actual"] == pytest.approx(0.237, abs=5e-4)  # FHL 2005, Figure 3
    assert rows[0]["predicted"] == pytest.approx(rows[0]["actual"], rel=0.1)


def test_cumulative_tracking_counts_every_repeat_purchase_day(
    fitted: ClvFit, source: TransactionSource
) -> None:
    raw = np.loadtxt(CDNOW / "CDNOW_sample.txt", dtype=str)
    days = {(row[1], row[2]) for row in raw if row[2] <= HOLDOUT_END.strftime("%Y%m%d")}
    customers = {customer for customer, _ in days}
    repeat_days = len(days) - len(customers)
    figure = fitted.figures["tracking"]
    assert figure.startswith("<svg") and "Cumulative repeat transactions" in figure
    assert fitted.holdout is not None
    calibration = repeat_days - fitted.holdout["actual_total"]
    assert calibration > 0
    # the figure's data, recomputed with the functions that drew it
    counts = purchase_day_counts(
        load_transactions(source),
        calibration_end=CALIBRATION_END,
        last_day=HOLDOUT_END,
        customer="customer",
        date="date",
    )
    tracking = cumulative_tracking(
        fitted.transaction_model,  # type: ignore[arg-type]
        birth_days=counts.birth_days,
        birth_counts=counts.birth_counts,
        repeat_days=counts.repeat_days,
        repeat_counts=counts.repeat_counts,
        n_periods=78,
        calibration_days=(CALIBRATION_END - counts.start).days + 1,
    )
    assert tracking.actual[-1] == repeat_days
    week_39 = int(tracking.calibration_periods) - 1
    assert tracking.actual[week_39] == pytest.approx(calibration, rel=0.02)
    assert tracking.predicted[week_39] == pytest.approx(tracking.actual[week_39], rel=0.05)
    assert np.all(np.diff(tracking.predicted) >= 0)


def test_the_report_holds_parameters_holdout_and_both_plots(fitted: ClvFit) -> None:
    page = render_report(fitted, "cdnow.csv")
    assert page.count("<svg") == 2 and 'id="frequency"' in page and 'id="tracking"' in page
    assert "<th>alpha</th><td>4.414</td>" in page and "Hold-out error" in page
    assert "<?xml" not in page


def test_scoring_the_base_as_of_the_last_day(fitted: ClvFit, source: TransactionSource) -> None:
    table = load_transactions(source)
    scored = score_base(
        table,
        source,
        transaction_model=fitted.transaction_model,
        spend_model=fitted.spend_model,
        as_of=HOLDOUT_END,
    )
    assert len(scored.customer_ids) == 2357 and scored.customer_ids[0].isdigit()
    assert np.all(scored.scores.clv >= 0) and not np.isnan(scored.scores.clv).any()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"customer": "client"}, "--customer-col: no column 'client' in cdnow.csv"),
        ({"amount": "price"}, "--amount-col: no column 'price'"),
        ({"date_format": "%d.%m.%Y"}, "cannot read dates or amounts"),
    ],
)
def test_bad_columns_say_which_and_why(
    source: TransactionSource, change: dict[str, str], message: str
) -> None:
    options = {**source.__dict__, **change}
    with pytest.raises(InputError, match=message):
        load_transactions(TransactionSource(**options))


def test_bad_periods_say_why(source: TransactionSource) -> None:
    table = load_transactions(source)
    with pytest.raises(InputError, match="outside the data: the purchases run from 1997-01-01"):
        fit_clv(table, source, calibration_end=dt.date(1999, 1, 1))
    with pytest.raises(InputError, match="must be after --calibration-end"):
        fit_clv(table, source, calibration_end=CALIBRATION_END, holdout_end=CALIBRATION_END)
    with pytest.raises(InputError, match="--model must be one of bgnbd, paretonbd"):
        fit_clv(table, source, calibration_end=CALIBRATION_END, model="nbd")


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_transactions(TransactionSource(tmp_path / "none.csv", "c", "d"))
    binary = tmp_path / "binary.parquet"
    binary.write_bytes(b"\x00\x01 not parquet")
    with pytest.raises(InputError, match="not readable as CSV or Parquet"):
        load_transactions(TransactionSource(binary, "c", "d"))
