"""Model runs: a fit recorded, the base scored into customer value datasets by the rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db.models import Count
from tests.factories import make_partner

from tenure.analytics.clv.workflow import ClvFit, TransactionSource, fit_clv, load_transactions
from tenure.analytics.tests.conftest import write_cdnow_csv
from tenure.core.models import ImportRun
from tenure.customervalue.models import (
    CustomerValueDataset,
    CustomerValueRule,
    ModelRun,
    SegmentRule,
)
from tenure.customervalue.scoring import model_run_record, model_run_score, scoring_rules

pytestmark = pytest.mark.django_db
PARTNERS = 200  # of the 2,357 CDNOW customers; the others are not business partners


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> TransactionSource:
    path = write_cdnow_csv(tmp_path_factory.mktemp("cdnow") / "cdnow.csv")
    return TransactionSource(path, customer="customer", date="date", amount="amount")


@pytest.fixture(scope="module")
def fitted(source: TransactionSource) -> ClvFit:
    return fit_clv(
        load_transactions(source),
        source,
        calibration_end=dt.date(1997, 9, 30),
        holdout_end=dt.date(1998, 6, 30),
    )


@pytest.fixture
def run(fitted: ClvFit, source: TransactionSource) -> ModelRun:
    for number in range(1, PARTNERS + 1):
        make_partner(str(number), name=f"Customer {number}")
    return model_run_record(fitted, source, started_by="analyst")


def test_a_recorded_run_keeps_window_parameters_checks_and_plots(run: ModelRun) -> None:
    run.refresh_from_db()
    assert run.source == f"model-run-{run.pk}" and run.status == ModelRun.Status.FITTED
    assert (run.first_purchase, run.calibration_end) == (dt.date(1997, 1, 1), dt.date(1997, 9, 30))
    assert round(run.parameters["alpha"], 3) == 4.414
    assert run.spend_model is not None and round(run.spend_model["parameters"]["p"], 2) == 6.25
    assert run.holdout is not None and len(run.holdout["by_frequency"]) == 8
    assert set(run.figures) == {"frequency", "tracking"}
    assert run.settings["customer_col"] == "customer"


def test_scoring_appends_a_dataset_per_partner_and_reports_the_others(run: ModelRun) -> None:
    result = model_run_score(run)
    assert result.as_of == dt.date(1998, 6, 30) and result.customers == 2357
    assert result.report.accepted == PARTNERS
    assert result.report.rejected == 2357 - PARTNERS
    first_error = result.report.errors[0]
    assert (first_error.column, first_error.reason) == ("partner", "unknown business partner")
    datasets = CustomerValueDataset.objects.filter(source=run.source)
    assert datasets.count() == PARTNERS
    dataset = datasets.get(partner__number="1")
    assert dataset.as_of == dt.date(1998, 6, 30)
    assert dataset.clv is not None and dataset.clv >= 0
    assert dataset.probability_alive is not None and 0 <= dataset.probability_alive <= 1
    assert dataset.churn_score == round((1 - dataset.probability_alive) * 100)
    assert dataset.import_run is not None
    assert dataset.import_run.origin == ImportRun.Origin.MODEL
    run.refresh_from_db()
    assert run.status == ModelRun.Status.SCORED and run.scored_datasets == PARTNERS


def test_values_segments_and_risk_classes_follow_the_rules(run: ModelRun) -> None:
    model_run_score(run)
    rules = scoring_rules()
    for dataset in CustomerValueDataset.objects.filter(source=run.source):
        assert dataset.customer_value is not None and dataset.churn_score is not None
        segment = max(
            (bound, key) for key, bound in rules.segment_from_value.items()
            if bound <= dataset.customer_value
        )[1]  # fmt: skip
        risk = max(
            (bound, key) for key, bound in rules.risk_class_from_score.items()
            if bound <= dataset.churn_score
        )[1]  # fmt: skip
        assert (dataset.segment_id, dataset.risk_class_id) == (segment, risk)
    # deciles over the whole scored base: the 200 partners hold a spread of values
    values = CustomerValueDataset.objects.filter(source=run.source).values("customer_value")
    assert values.annotate(n=Count("id")).count() >= 5


def test_thresholds_edited_by_an_administrator_are_applied(run: ModelRun) -> None:
    CustomerValueRule.objects.filter(pk=1).update(
        method="thresholds", cut_points=[1, 2, 5, 10, 20, 50, 100, 200, 1e9]
    )
    SegmentRule.objects.filter(segment_id="A").update(min_customer_value=10)
    SegmentRule.objects.filter(segment_id="B").update(min_customer_value=8)
    model_run_score(run)
    for dataset in CustomerValueDataset.objects.filter(source=run.source):
        assert dataset.clv is not None and dataset.customer_value is not None
        assert dataset.customer_value == 1 + sum(
            dataset.clv >= cut for cut in [1, 2, 5, 10, 20, 50, 100, 200, 1e9]
        )
        assert dataset.customer_value < 10 and dataset.segment_id != "A"
        assert (dataset.segment_id == "B") == (dataset.customer_value >= 8)


def test_scoring_again_adds_nothing(run: ModelRun) -> None:
    model_run_score(run)
    again = model_run_score(run)
    assert again.report.accepted == 0 and again.report.duplicates == PARTNERS
    assert CustomerValueDataset.objects.filter(source=run.source).count() == PARTNERS


def test_an_interrupted_scoring_writes_nothing(run: ModelRun) -> None:
    def interrupt(done: int, total: int | None) -> None:
        raise KeyboardInterrupt  # what Ctrl-C raises, after the first chunk was written

    with pytest.raises(KeyboardInterrupt):
        model_run_score(run, progress=interrupt)
    assert not CustomerValueDataset.objects.filter(source=run.source).exists()
    run.refresh_from_db()
    assert run.status == ModelRun.Status.INTERRUPTED and "rolled back" in run.message
    assert model_run_score(run).report.accepted == PARTNERS  # and it can be run again


def test_scoring_as_of_an_earlier_day_uses_only_what_was_known(run: ModelRun) -> None:
    early = model_run_score(run, as_of=dt.date(1997, 9, 30))
    late = model_run_score(run)
    assert early.customers == late.customers == 2357  # all were acquired in Q1 1997
    as_of = set(
        CustomerValueDataset.objects.filter(source=run.source).values_list("as_of", flat=True)
    )
    assert as_of == {dt.date(1997, 9, 30), dt.date(1998, 6, 30)}


def test_rules_that_leave_a_gap_are_refused(run: ModelRun) -> None:
    SegmentRule.objects.filter(segment_id="D").delete()
    with pytest.raises(ValueError, match="from customer value 1 upwards"):
        model_run_score(run)


def test_another_transactions_file_can_be_scored(run: ModelRun, tmp_path: Path) -> None:
    small = tmp_path / "recent.csv"
    small.write_text("customer,date,amount\n1,2026-01-05,10\n1,2026-03-01,20\n2,2026-02-01,5\n")
    result = model_run_score(run, transactions=small)
    assert result.customers == 2 and result.report.accepted == 2
    assert result.as_of == dt.date(2026, 3, 1)


def test_the_analyst_sees_the_runs_their_checks_and_plots(run: ModelRun, client_as) -> None:
    model_run_score(run)
    client = client_as("analyst")
    listing = client.get("/customer-value/model-runs/").content.decode()
    assert f'href="/customer-value/model-runs/{run.pk}/"' in listing
    assert "Scoring rules" in listing and "from churn score" in listing
    page = client.get(f"/customer-value/model-runs/{run.pk}/").content.decode()
    assert page.count("<svg") == 2 and "Hold-out check" in page and "4.414" in page
    assert f"{PARTNERS}</td>" in page  # datasets written
    body = client.get(f"/api/v1/model-runs/{run.pk}").json()
    assert body["source"] == run.source and round(body["parameters"]["r"], 3) == 0.243
    assert body["scored_datasets"] == PARTNERS
    assert client.get("/api/v1/model-runs/99999").status_code == 404


def test_the_tile_shows_lifetime_value_after_scoring(run: ModelRun, client_as) -> None:
    model_run_score(run)
    dataset = CustomerValueDataset.objects.get(source=run.source, partner__number="1")
    assert dataset.clv is not None and dataset.probability_alive is not None
    page = client_as("agent").get("/partners/1/").content.decode()
    assert 'data-testid="lifetime-value"' in page
    assert f"{dataset.clv:.2f}" in page
    assert f"{round(dataset.probability_alive * 100)} %" in page
    tile = client_as("agent").get("/api/v1/partners/1/customer-value").json()
    assert tile["dataset"]["clv"] == dataset.clv and tile["dataset"]["source"] == run.source
