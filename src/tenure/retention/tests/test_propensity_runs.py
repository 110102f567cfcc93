"""Propensity runs: recorded with their metrics, published one per target, scoring the base."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from django.db import IntegrityError, transaction
from tests.factories import make_dataset, make_partner

from tenure.analytics.propensity.workflow import TrainedPropensity, train_propensity
from tenure.core.models import ImportRun
from tenure.customervalue.models import CustomerValueDataset
from tenure.customervalue.services import dataset_import_records
from tenure.retention.models import PropensityRun
from tenure.retention.services import (
    NO_DATASET,
    propensity_run_publish,
    propensity_run_record,
    propensity_run_score,
    published_run,
    run_model,
)

pytestmark = pytest.mark.django_db
DEFAULT = Path(__file__).resolve().parents[4] / "tests" / "data" / "default" / "Default.csv"
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    table = pd.read_csv(DEFAULT)
    return table.assign(partner=[str(1000001 + i) for i in range(len(table))])


@pytest.fixture(scope="module")
def trained(credit: pd.DataFrame) -> TrainedPropensity:
    return train_propensity(credit, target="default", positive="Yes", id_col="partner", n_jobs=1)


def record(trained: TrainedPropensity, target: str = "bad_debt") -> PropensityRun:
    return propensity_run_record(
        trained, target=target, name="credit default", data={"file": "Default.csv"}, started_by="t"
    )


def test_a_run_keeps_metrics_figures_and_the_model(trained: TrainedPropensity, credit) -> None:
    run = PropensityRun.objects.get(pk=record(trained).pk)
    assert run.metrics["model"]["roc_auc"] > 0.93 and run.metrics["baseline"]["roc_auc"] > 0.93
    assert len(run.metrics["gains"]) == 10 and run.metrics["calibration"] in ("sigmoid", "isotonic")
    assert set(run.figures) == {"roc", "gains", "reliability", "importance"}
    assert run.features == ["student", "balance", "income"]
    sample = credit.drop(columns=["default"]).head(50)
    assert list(run_model(run).predict_proba(sample)) == list(trained.model.predict_proba(sample))


def test_one_published_run_per_target(trained: TrainedPropensity) -> None:
    first, second = record(trained), record(trained)
    assert published_run("bad_debt") is None
    assert propensity_run_publish(run=first, user=None) is None
    assert propensity_run_publish(run=second, user=None) == first
    first.refresh_from_db()
    assert first.retired_at is not None and published_run("bad_debt") == second
    with pytest.raises(IntegrityError), transaction.atomic():
        PropensityRun.objects.filter(pk=first.pk).update(retired_at=None)


def test_only_a_published_run_scores(trained: TrainedPropensity, credit) -> None:
    run = record(trained)
    with pytest.raises(ValueError, match="not published"):
        propensity_run_score(run=run, features=credit, id_col="partner", as_of=AS_OF)


def test_bad_debt_scoring_carries_the_rest_of_the_current_dataset(
    trained: TrainedPropensity, credit: pd.DataFrame
) -> None:
    for number in ("1000001", "1000002", "1000003"):
        make_dataset(make_partner(number), segment="B", customer_value=7, churn_score=40,
                     risk_class="2", as_of=dt.date(2026, 11, 1))  # fmt: skip
    make_partner("1000004")  # a partner without any dataset
    run = record(trained)
    propensity_run_publish(run=run, user=None)
    features = credit.drop(columns=["default"]).head(5)
    result = propensity_run_score(run=run, features=features, id_col="partner", as_of=AS_OF)
    assert result.report.accepted == 3
    assert [(e.row, e.column, e.value, e.reason) for e in result.report.errors] == [
        (4, "partner", "1000004", NO_DATASET),
        (5, "partner", "1000005", "unknown business partner"),
    ]
    expected = (trained.model.predict_proba(features.drop(columns=["partner"])) * 100 + 0.5) // 1
    for i, number in enumerate(("1000001", "1000002", "1000003")):
        dataset = CustomerValueDataset.objects.get(partner__number=number, source=run.source)
        assert dataset.as_of == AS_OF and dataset.bad_debt_score == expected[i]
        assert (dataset.segment_id, dataset.customer_value) == ("B", 7)
        assert (dataset.churn_score, dataset.risk_class_id) == (40, "2")
    again = propensity_run_score(run=run, features=features, id_col="partner", as_of=AS_OF)
    assert again.report.accepted == 0 and again.report.duplicates == 3


def test_churn_scoring_sets_score_risk_class_and_reasons(
    trained: TrainedPropensity, credit: pd.DataFrame
) -> None:
    risky = credit.sort_values("balance", ascending=False).head(2).drop(columns=["default"])
    for number in risky["partner"]:
        make_dataset(make_partner(number), churn_score=5, risk_class="1")
    run = record(trained, target="churn")
    propensity_run_publish(run=run, user=None)
    propensity_run_score(run=run, features=risky, id_col="partner", as_of=AS_OF)
    for number in risky["partner"]:
        dataset = CustomerValueDataset.objects.get(partner__number=number, source=run.source)
        assert dataset.churn_score is not None and dataset.churn_score > 50
        assert dataset.risk_class_id in ("3", "4")
        assert dataset.reasons and dataset.reasons[0].startswith("balance")


def test_the_analyst_compares_and_publishes_on_the_page(trained, client_as) -> None:
    first, second = record(trained), record(trained, target="churn")
    client = client_as("analyst")
    listing = client.get(f"/retention/model-runs/?compare={first.pk}&compare={second.pk}")
    page = listing.content.decode()
    assert 'data-testid="comparison"' in page and page.count("baseline") >= 5
    detail = client.get(f"/retention/model-runs/{first.pk}/").content.decode()
    assert detail.count("<svg") == 4 and 'data-testid="publish"' in detail
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/retention/model-runs/{first.pk}/publish/", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.is_published and first.published_by == "analyst"
    agent = client_as("agent")
    assert agent.get("/retention/model-runs/").status_code == 403
    assert agent.post(f"/retention/model-runs/{second.pk}/publish/").status_code in (403,)


def _stored_as_records(source: str) -> list[dict[str, object]]:
    """The datasets a run wrote, as a delivery of the same datasets would give them."""
    datasets = CustomerValueDataset.objects.filter(source=source).select_related("partner")
    return [
        {
            "partner": d.partner.number,
            "as_of": d.as_of.isoformat(),
            "segment": d.segment_id,
            "customer_value": d.customer_value,
            "risk_class": d.risk_class_id,
            "churn_score": d.churn_score,
            "bad_debt_score": d.bad_debt_score,
            "source": d.source,
            "clv": d.clv,
            "probability_alive": d.probability_alive,
            "expected_purchases": d.expected_purchases,
            "reasons": d.reasons,
        }
        for d in datasets
    ]


def test_scored_datasets_have_the_fingerprints_of_the_same_datasets_delivered(
    trained: TrainedPropensity, credit: pd.DataFrame
) -> None:
    # the scoring run writes its rows without parsing them again: a delivery of the very same
    # datasets through the validating import must find every one of them already there
    features = credit.sort_values("balance", ascending=False).head(40).drop(columns=["default"])
    for number in features["partner"]:
        make_dataset(make_partner(number), segment="C", customer_value=4, bad_debt_score=12.5)
    CustomerValueDataset.objects.filter(partner__number=features["partner"].iloc[0]).update(
        reasons=["Zahlungsverzug – 3×", "NPS 2 (detractor)"], clv=123.45, probability_alive=0.8
    )
    churn, bad_debt = record(trained, target="churn"), record(trained)
    for run in (churn, bad_debt):
        propensity_run_publish(run=run, user=None)
        scored = propensity_run_score(run=run, features=features, id_col="partner", as_of=AS_OF)
        assert scored.report.accepted == 40
        delivered = dataset_import_records(records=_stored_as_records(run.source))
        assert (delivered.accepted, delivered.duplicates, delivered.rejected) == (0, 40, 0)
    carried = CustomerValueDataset.objects.get(
        partner__number=features["partner"].iloc[0], source=bad_debt.source
    )  # the bad-debt run carries the churn run's values, which carried the rest
    assert carried.reasons and carried.churn_score is not None and carried.clv == 123.45


def test_reasons_for_the_two_highest_risk_classes_unless_told_otherwise(
    trained: TrainedPropensity, credit: pd.DataFrame
) -> None:
    features = credit.sort_values("balance", ascending=False).head(400).drop(columns=["default"])
    for number in features["partner"]:
        make_dataset(make_partner(number))
    first = record(trained, target="churn")
    propensity_run_publish(run=first, user=None)
    result = propensity_run_score(run=first, features=features, id_col="partner", as_of=AS_OF)
    assert result.reasons_from == "3"
    scored = CustomerValueDataset.objects.filter(source=first.source)
    by_class = {key: list(scored.filter(risk_class_id=key)) for key in ("1", "2", "3", "4")}
    assert by_class["2"] and (by_class["3"] or by_class["4"])  # the test sees both kinds
    assert all(d.reasons is None for d in by_class["1"] + by_class["2"])
    assert all(d.reasons for d in by_class["3"] + by_class["4"])
    assert result.explained == len(by_class["3"]) + len(by_class["4"])
    first.refresh_from_db()
    assert f"reasons from risk class 3 ({result.explained} customers)" in first.message

    second = record(trained, target="churn")
    propensity_run_publish(run=second, user=None)
    wider = propensity_run_score(
        run=second, features=features, id_col="partner", as_of=AS_OF, reasons_from="2"
    )
    assert wider.explained > result.explained
    assert all(
        d.reasons
        for d in CustomerValueDataset.objects.filter(source=second.source, risk_class_id="2")
    )
    with pytest.raises(ValueError, match="no risk class '9'"):
        propensity_run_score(
            run=second, features=features, id_col="partner", as_of=AS_OF, reasons_from="9"
        )


def test_an_interrupted_scoring_keeps_its_chunks_and_a_rerun_completes_it(
    trained: TrainedPropensity, credit: pd.DataFrame
) -> None:
    features = credit.sort_values("balance", ascending=False).head(7).drop(columns=["default"])
    for number in features["partner"]:
        make_dataset(make_partner(number))
    run = record(trained, target="churn")
    propensity_run_publish(run=run, user=None)

    def interrupt(done: int, total: int | None) -> None:
        raise KeyboardInterrupt  # what Ctrl-C raises, after the first chunk was written

    with pytest.raises(KeyboardInterrupt):
        propensity_run_score(run=run, features=features, id_col="partner", as_of=AS_OF,
                             progress=interrupt, chunk_size=3)  # fmt: skip
    assert CustomerValueDataset.objects.filter(source=run.source).count() == 3
    stopped = ImportRun.objects.get(file_name=f"{run.source} as of {AS_OF}")
    assert stopped.status == ImportRun.Status.INTERRUPTED
    run.refresh_from_db()
    assert run.scored_datasets == 3  # what the interrupted scoring wrote counts
    done: list[int] = []
    again = propensity_run_score(run=run, features=features, id_col="partner", as_of=AS_OF,
                                 progress=lambda n, total: done.append(n), chunk_size=3)  # fmt: skip
    assert (again.report.accepted, again.report.duplicates) == (4, 3) and done == [3, 6, 7]
    assert CustomerValueDataset.objects.filter(source=run.source).count() == 7
    run.refresh_from_db()
    assert run.scored_datasets == 7
