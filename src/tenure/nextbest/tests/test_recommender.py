"""Product recommendations in the decisions: holdings imported, the recommender evaluated against
the baselines and calibrated, product actions offered with its P to customers without the product,
at call time and in the proactive run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.factories import make_dataset
from typer.testing import CliRunner

from tenure.cli.demo_products import demo_holding_records, ensure_demo_products
from tenure.cli.main import app
from tenure.customerdata.models import ProductHolding
from tenure.customerdata.services import holding_import_records
from tenure.nextbest.models import Action, PressurePolicy, ProactiveResult, RecommenderRun
from tenure.nextbest.proactive import run_proactive
from tenure.nextbest.recommender import NotEnoughHoldings, fit_recommender, forget_recommender
from tenure.nextbest.services import forget_catalogue, next_best_actions
from tenure.partners.models import BusinessPartner, ChannelConsent

pytestmark = pytest.mark.django_db
PARTNERS = 400


@pytest.fixture(autouse=True)
def fresh_caches():
    forget_recommender()
    forget_catalogue()
    yield
    forget_recommender()
    forget_catalogue()


def demo_base(count: int = PARTNERS) -> list[str]:
    """Partners of low churn risk (the growth track) with phone consent and demo holdings."""
    now = timezone.now()
    numbers = [str(7_000_000 + i) for i in range(count)]
    partners = BusinessPartner.objects.bulk_create(
        [BusinessPartner(number=n, name=f"Partner {n}") for n in numbers]
    )
    ChannelConsent.objects.bulk_create(
        [
            ChannelConsent(partner=p, channel="phone", granted=True, recorded_at=now)
            for p in partners
        ]
    )
    for partner in partners[:40]:
        make_dataset(partner, segment="B", risk_class="1", churn_score=10)
    ensure_demo_products()
    records = demo_holding_records(numbers, seed=3, today=timezone.localdate())
    report = holding_import_records(records=records)
    assert report.errors == [] and report.accepted == len(records)
    return numbers


def test_the_recommender_is_judged_against_the_baselines_and_calibrated() -> None:
    demo_base()
    run = fit_recommender(k=3)
    assert run.complete and run.products == 12 and run.customers == PARTNERS
    scores = {row["model"]: row for row in run.evaluation}
    assert set(scores) == {"popularity", "item-based", "user-based", "content-based", "hybrid"}
    assert scores["hybrid"]["precision"] > scores["popularity"]["precision"]
    assert scores["item-based"]["recall"] > scores["popularity"]["recall"]
    assert scores["hybrid"]["coverage"] >= scores["popularity"]["coverage"]
    calibration = run.calibration
    assert calibration["pairs"] > calibration["positives"] > 0
    assert calibration["probabilities"] == sorted(calibration["probabilities"])
    assert run.horizon_days > 0 and run.cutoff is not None


def test_a_product_action_uses_the_recommenders_probability_and_skips_holders() -> None:
    numbers = demo_base()
    partner = BusinessPartner.objects.get(number=numbers[0])
    held = set(
        ProductHolding.objects.filter(partner=partner, ended__isnull=True).values_list(
            "product__key", flat=True
        )
    )
    offered_keys = {"green-electricity", "fibre-500", "home-contents", "smart-meter"}
    # every eligible action ranked: no "1 offer per 7 days", no other growth offers
    PressurePolicy.objects.update(active=False)
    Action.objects.filter(product__isnull=True).update(active=False)
    before, _ = next_best_actions(partner, channel="phone", store=False)
    priors = dict(Action.objects.filter(product__isnull=False).values_list("key", "probability"))
    for action in before.actions:  # no recommender yet: the fixed prior P
        assert action.probability == priors[action.action]
    fit_recommender(k=3)
    decision, _ = next_best_actions(partner, channel="phone", store=False)
    explained = decision.to_dict()
    offered = {a["action"].removeprefix("offer-"): a for a in explained["actions"]}
    refused = {n["action"].removeprefix("offer-"): n for n in explained["not_offered"]}
    for key in offered_keys & held:
        reasons = refused[key]["reasons"]
        assert any(r["rule"] == "does not hold the product" for r in reasons), key
    candidates = offered_keys - held
    assert candidates and set(offered) == candidates
    assert all(a["probability"] != priors[f"offer-{key}"] for key, a in offered.items())
    assert all(0 <= a["probability"] <= 1 for a in offered.values())


def test_the_proactive_run_reads_the_same_probabilities_as_the_call() -> None:
    numbers = demo_base()
    fit_recommender(k=3)
    run = run_proactive()
    tops = dict(ProactiveResult.objects.filter(run=run).values_list("partner__number", "action"))
    checked = 0
    for number in numbers[:40]:
        partner = BusinessPartner.objects.get(number=number)
        decision, _ = next_best_actions(partner, channel=None, store=False)
        if decision.actions:
            assert tops[number] == decision.actions[0].action, number
            checked += 1
    assert checked >= 20
    assert any(action.startswith("offer-") for action in tops.values())


def test_too_few_holdings_is_a_clear_error_and_stores_nothing() -> None:
    demo_base(count=10)
    with pytest.raises(NotEnoughHoldings, match="import product holdings first"):
        fit_recommender()
    assert not RecommenderRun.objects.exists()


def test_cli_fits_and_reports_the_evaluation() -> None:
    demo_base()
    result = CliRunner().invoke(app, ["nba", "fit-recommender", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "hybrid" in result.output and "popularity" in result.output
    assert RecommenderRun.objects.filter(complete=True).count() == 1
    empty = CliRunner().invoke(app, ["nba", "fit-recommender", "--test-share", "1.5"])
    assert empty.exit_code != 0


def test_holdings_of_an_ended_product_do_not_block_the_offer() -> None:
    numbers = demo_base()
    fit_recommender(k=3)
    partner = BusinessPartner.objects.get(number=numbers[1])
    ProductHolding.objects.filter(partner=partner).delete()
    holding_import_records(
        records=[
            {"partner": partner.number, "reference": "OLD-1", "product": "fibre-500",
             "started": "2024-01-01", "ended": (timezone.localdate() - dt.timedelta(days=1))},
        ]
    )  # fmt: skip
    decision, _ = next_best_actions(partner, channel="phone", store=False)
    blocked = {
        n["action"]
        for n in decision.to_dict()["not_offered"]
        if any(r["rule"] == "does not hold the product" for r in n["reasons"])
    }
    assert "offer-fibre-500" not in blocked


def test_the_rates_page_shows_the_evaluation_to_analysts(client_as) -> None:
    analyst = client_as("analyst")
    empty = analyst.get("/next-best-actions/response-rates/").content.decode()
    assert 'data-testid="recommender-none"' in empty
    demo_base()
    fit_recommender(k=3)
    page = analyst.get("/next-best-actions/response-rates/").content.decode()
    assert 'data-testid="recommender-evaluation"' in page
    assert "Precision@3" in page and "popularity" in page and "used for decisions" in page
    assert 'href="/next-best-actions/response-rates/"' in page  # in the menu
