"""Uplift models from finished campaigns: honest features, a known effect found, targeting by them,
and the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse
from django.utils import timezone
from tests.factories import make_dataset, make_partner

from tenure.campaigns.models import Campaign, Contact, UpliftRun
from tenure.campaigns.services import CampaignError, TargetSource, campaign_populate
from tenure.campaigns.uplift import (
    FEATURES,
    source_from_uplift,
    uplift_features,
    uplift_run_train,
    uplift_scores,
)
from tenure.cli.demo_uplift import DAYS_AGO, demo_effect, load_demo_uplift_campaign
from tenure.customerdata.models import Complaint, Payment
from tenure.customervalue.models import CustomerValueDataset
from tenure.customervalue.services import dataset_fingerprint
from tenure.partners.models import BusinessPartner
from tenure.retention.models import NpsRecord, TrafficLightChange

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)
START = dt.date(2026, 6, 1)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def add_payment(partner, reference, due, paid, day_imported=TODAY):
    return Payment.objects.create(partner=partner, reference=reference, due_date=due,
                                  paid_date=paid, amount=Decimal("30"),
                                  imported_at=at(day_imported))  # fmt: skip


def add_complaint(partner, reference, opened, closed=None, severity="minor"):
    return Complaint.objects.create(partner=partner, reference=reference, opened=opened,
                                    closed=closed, severity=severity, imported_at=at(TODAY))  # fmt: skip


def test_features_use_only_data_from_before_the_campaign_start() -> None:
    partner = make_partner("U1", "Before Start", customer_since=dt.date(2020, 6, 1))
    make_dataset(partner, as_of=dt.date(2026, 4, 1), churn_score=70, segment="C", risk_class="3")
    make_dataset(partner, as_of=dt.date(2026, 5, 1), churn_score=20, segment="B", risk_class="1",
                 customer_value=8)  # fmt: skip
    add_payment(partner, "INV-1", due=dt.date(2026, 5, 1), paid=dt.date(2026, 5, 20))  # late
    add_complaint(partner, "C-1", opened=dt.date(2026, 5, 10), severity="major")
    add_complaint(partner, "C-2", opened=dt.date(2026, 3, 1), closed=dt.date(2026, 3, 5))
    nps = NpsRecord.objects.create(partner=partner, score=9)
    NpsRecord.objects.filter(pk=nps.pk).update(recorded_at=at(dt.date(2026, 5, 2)))
    light = TrafficLightChange.objects.create(partner=partner, light="yellow", origin="rule",
                                              reason="late payment", changed_by="rules")  # fmt: skip
    TrafficLightChange.objects.filter(pk=light.pk).update(changed_at=at(dt.date(2026, 5, 21)))
    earlier = Campaign.objects.create(name="Earlier", type="caring", starts_on=dt.date(2026, 1, 5))
    Contact.objects.create(campaign=earlier, partner=partner)
    before = uplift_features([partner.pk], before=START)
    row = before.loc[partner.pk]
    assert list(before.columns) == list(FEATURES)
    assert (row["segment"], row["risk_class"], row["churn_score"], row["customer_value"]) == (
        "B", "1", 20, 8,
    )  # fmt: skip
    assert row["dataset_age_days"] == 31 and row["tenure_months"] == pytest.approx(72, abs=0.1)
    assert (row["late_payments"], row["missed_payments"]) == (1, 0)
    assert (row["open_complaints"], row["open_major_complaints"]) == (1, 1)
    assert (row["nps"], row["traffic_light"], row["earlier_campaigns"]) == (9, "yellow", 1)

    # everything from the start day on: a new dataset, the late payment paid, a new complaint,
    # the open one closed, a new NPS answer, a red light, a campaign starting that day
    make_dataset(partner, as_of=START, churn_score=95, segment="D", risk_class="4")
    make_dataset(partner, as_of=dt.date(2026, 7, 1), churn_score=99, segment="D", risk_class="4")
    add_payment(partner, "INV-2", due=START, paid=None)
    add_payment(partner, "INV-3", due=dt.date(2026, 6, 5), paid=dt.date(2026, 6, 30))
    add_complaint(partner, "C-3", opened=START, severity="major")
    Complaint.objects.filter(reference="C-1").update(closed=dt.date(2026, 6, 2))
    later = NpsRecord.objects.create(partner=partner, score=2)
    NpsRecord.objects.filter(pk=later.pk).update(recorded_at=at(START, 0))
    red = TrafficLightChange.objects.create(partner=partner, light="red", origin="operator",
                                            reason="angry call", changed_by="agent")  # fmt: skip
    TrafficLightChange.objects.filter(pk=red.pk).update(changed_at=at(START, 0))
    same_day = Campaign.objects.create(name="Same day", type="caring", starts_on=START)
    Contact.objects.create(campaign=same_day, partner=partner)
    BusinessPartner.objects.filter(pk=partner.pk).update(left_on=dt.date(2026, 8, 1))

    after = uplift_features([partner.pk], before=START)
    pd.testing.assert_frame_equal(after, before)
    # the same partner scored a day after the start does see the new data
    later_row = uplift_features([partner.pk], before=START + dt.timedelta(days=1)).loc[partner.pk]
    assert (later_row["churn_score"], later_row["nps"], later_row["traffic_light"]) == (
        95,
        2,
        "red",
    )
    assert later_row["earlier_campaigns"] == 2


def test_features_of_a_partner_without_data_are_missing_not_invented() -> None:
    partner = make_partner("U2", "No Data")
    row = uplift_features([partner.pk], before=START).loc[partner.pk]
    assert row["segment"] is None and row["traffic_light"] == "none"
    assert np.isnan(row["churn_score"]) and np.isnan(row["nps"]) and np.isnan(row["tenure_months"])
    assert row["open_complaints"] == 0 and row["earlier_campaigns"] == 0
    with pytest.raises(CampaignError, match="no business partner"):
        uplift_features([partner.pk + 1000], before=START)


def make_base(count: int, *, seed: int = 3) -> list[str]:
    """Partners with one dataset a month before the demo campaign's start: customer value 1..10,
    segments A..D, churn scores mostly in the demo's persuadable (30-69) and sleeping-dog (75+)
    bands, so that both groups are large enough to be found in a test-sized campaign."""
    rng = np.random.default_rng(seed)
    as_of = TODAY - dt.timedelta(days=DAYS_AGO + 30)
    numbers = [f"B{i:05d}" for i in range(count)]
    BusinessPartner.objects.bulk_create(
        BusinessPartner(number=n, name=f"Base {n}") for n in numbers
    )
    ids = dict(BusinessPartner.objects.filter(number__in=numbers).values_list("number", "pk"))
    now = timezone.now()
    rows = []
    for number in numbers:
        low, high = [(30, 70), (75, 101), (0, 101)][int(rng.choice(3, p=[0.45, 0.3, 0.25]))]
        churn, value = int(rng.integers(low, high)), int(rng.integers(1, 11))
        segment = "ABCD"[int(rng.integers(0, 4))]
        risk = "1" if churn < 25 else "2" if churn < 50 else "3" if churn < 75 else "4"
        values = (as_of, segment, value, risk, churn, None, "test")
        rows.append(CustomerValueDataset(
            partner_id=ids[number], as_of=as_of, segment_id=segment, customer_value=value,
            risk_class_id=risk, churn_score=churn, source="test", imported_at=now,
            fingerprint=dataset_fingerprint(values),
        ))  # fmt: skip
    CustomerValueDataset.objects.bulk_create(rows, batch_size=2_000)
    return numbers


@pytest.fixture
def finished_campaign() -> Campaign:
    numbers = make_base(1_600)
    return load_demo_uplift_campaign(numbers=numbers, seed=11, today=TODAY)


def test_demo_campaign_is_finished_with_half_held_out_and_outcomes_in_left_on(finished_campaign):
    campaign = finished_campaign
    assert campaign.starts_on == TODAY - dt.timedelta(days=DAYS_AGO) and not campaign.active
    assert campaign.ends_on < TODAY
    contacts = Contact.objects.filter(campaign=campaign)
    control = contacts.filter(group="control").count()
    assert contacts.count() == 1_600 and 0.45 < control / 1_600 < 0.55
    assert not contacts.filter(group="control").exclude(status="open").exists()
    left = BusinessPartner.objects.filter(left_on__isnull=False)
    assert 200 < left.count() < 900
    assert not left.filter(left_on__lte=campaign.starts_on).exists()
    assert not left.filter(left_on__gte=TODAY).exists()
    again = load_demo_uplift_campaign(numbers=["B00001"], seed=11, today=TODAY)
    assert again.pk == campaign.pk and Contact.objects.filter(campaign=campaign).count() == 1_600


def test_a_campaign_with_a_known_effect_gives_a_positive_qini_and_ranks_persuadables_first(
    finished_campaign,
):
    campaign = finished_campaign
    run = uplift_run_train(campaign, as_of=TODAY, started_by="test")
    metrics = run.metrics
    assert (run.rows_train, run.rows_test) == (1_120, 480)
    assert run.features == list(FEATURES) and run.method == "two_model"
    assert metrics["features_before"] == campaign.starts_on.isoformat()
    # Qini coefficients are small even for the true uplift (about 0.07 on these data: the perfect
    # ranking sorts on realised outcomes); the churn score ranks the sleeping dogs first
    assert metrics["qini_coefficient"] > 0 and metrics["auuc"] > 0
    assert metrics["qini_coefficient"] > metrics["baseline_churn_score_qini"]
    assert [row["decile"] for row in metrics["deciles"]] == list(range(1, 11))
    assert sum(row["customers"] for row in metrics["deciles"]) == 480
    assert sum(metrics["segments"].values()) == 1_600
    assert metrics["segments"]["persuadable"] > 0 and metrics["segments"]["do_not_disturb"] > 0
    assert {"qini", "uplift", "deciles"} == set(run.figures)
    assert all(svg.lstrip().startswith("<?xml") for svg in run.figures.values())

    # the truth, as the demo drew it from the features before the start
    ids = list(Contact.objects.filter(campaign=campaign).values_list("partner_id", flat=True))
    truth = demo_effect(uplift_features(ids, before=campaign.starts_on))
    scores = uplift_scores(run, ids, day=campaign.starts_on - dt.timedelta(days=1))
    scores["group"] = truth.loc[scores["partner_id"], "group"].to_numpy()
    top = scores.head(len(scores) // 5)
    overall = (scores["group"] == "persuadable").mean()
    assert (top["group"] == "persuadable").mean() > 1.5 * overall
    means = scores.groupby("group")["uplift"].mean()
    assert means["persuadable"] > max(means["other"], means["sleeping_dog"]) + 0.05

    other = uplift_run_train(campaign, method="class_transformation", as_of=TODAY)
    assert other.metrics["segments_have_sure_things"] is False
    scores = uplift_scores(other, ids, day=campaign.starts_on - dt.timedelta(days=1))
    scores["group"] = truth.loc[scores["partner_id"], "group"].to_numpy()
    # The class transformation is only checked to train and score: on 1,120 training targets its
    # ranking (Qini, which group comes first) changes with the control-group draw, which hashes
    # partner ids (they differ between databases and test orders); the two-model run above is the
    # one asserted to find the persuadables.
    assert scores["uplift"].notna().all() and np.isfinite(other.metrics["qini_coefficient"])


def test_training_needs_a_finished_campaign_with_both_groups(finished_campaign) -> None:
    with pytest.raises(CampaignError, match="after the campaign's start"):
        uplift_run_train(finished_campaign, as_of=finished_campaign.starts_on)
    running = Campaign.objects.create(name="Now", type="retention", starts_on=dt.date(2026, 11, 1))
    with pytest.raises(CampaignError, match="still running"):
        uplift_run_train(running, as_of=TODAY)
    no_control = Campaign.objects.create(
        name="Past", type="retention", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 31)
    )
    Contact.objects.bulk_create(
        Contact(campaign=no_control, partner=p) for p in BusinessPartner.objects.all()[:50]
    )
    with pytest.raises(CampaignError, match="needs both groups"):
        uplift_run_train(no_control, as_of=TODAY)
    with pytest.raises(CampaignError, match="method must be"):
        uplift_run_train(finished_campaign, as_of=TODAY, method="magic")
    assert not UpliftRun.objects.exists()


def test_the_next_campaign_targets_the_top_by_predicted_uplift(finished_campaign) -> None:
    run = uplift_run_train(finished_campaign, as_of=TODAY)
    among = BusinessPartner.objects.filter(number__lt="B00400")
    source = TargetSource(label="search: first 400", partners=among)
    left = set(among.filter(left_on__isnull=False).values_list("pk", flat=True))
    chosen = source_from_uplift(run, source, top=50, day=TODAY)
    assert (
        chosen.label == f"uplift run {run.pk}: top 50 by predicted uplift among search: first 400"
    )
    assert len(chosen.partner_ids) == 50 and not set(chosen.partner_ids) & left
    scores = uplift_scores(run, source.candidate_ids().tolist(), day=TODAY)
    assert list(chosen.partner_ids) == scores["partner_id"].head(50).tolist()
    assert scores["uplift"].head(50).min() > 0

    half = source_from_uplift(run, source, share=0.5, day=TODAY)
    positive = int((scores["uplift"] > 0).sum())
    assert len(half.partner_ids) == -(-positive // 2) and "top 50%" in half.label
    everyone = source_from_uplift(run, source, share=1, only_positive=False, day=TODAY)
    assert len(everyone.partner_ids) == 400 - len(left)
    for wrong in ({}, {"top": 5, "share": 0.1}, {"top": 0}, {"share": 1.5}):
        with pytest.raises(CampaignError):
            source_from_uplift(run, source, **wrong)

    following = Campaign.objects.create(name="Next", type="retention", starts_on=TODAY,
                                        ends_on=TODAY + dt.timedelta(days=30))  # fmt: skip
    population = campaign_populate(following, chosen, actor=None, day=TODAY)
    assert population.source == chosen.label and population.added_treated == 50
    assert set(following.contacts.values_list("source", flat=True)) == {chosen.label}


def test_uplift_pages_for_analysts_and_marketing(finished_campaign, client_as) -> None:
    run = uplift_run_train(finished_campaign, as_of=TODAY, started_by="analyst")
    for role in ("analyst", "marketing"):
        client = client_as(role)
        listing = client.get(reverse("campaigns:uplift-runs"))
        assert listing.status_code == 200
        assert finished_campaign.name in listing.text
        assert reverse("campaigns:uplift-run", kwargs={"pk": run.pk}) in listing.text
        detail = client.get(reverse("campaigns:uplift-run", kwargs={"pk": run.pk}))
        assert detail.status_code == 200
        page = detail.text
        assert page.count("<svg") == 3 and 'data-testid="uplift-deciles"' in page
        for segment in ("Persuadables", "Sure things", "Lost causes", "Do not disturb"):
            assert segment in page
        assert f"{run.metrics['qini_coefficient']:.3f}" in page
        assert f"tenure uplift target {run.pk} CAMPAIGN --search NAME" in page
        assert "Target by predicted uplift" in page  # the populate page's own choice
        effectiveness = reverse("campaigns:effectiveness", kwargs={"pk": finished_campaign.pk})
        assert f'href="{effectiveness}" data-testid="uplift-campaign"' in page
        back = client.get(effectiveness).text.split('data-testid="campaign-uplift-runs"')[1]
        assert f'href="{reverse("campaigns:uplift-run", kwargs={"pk": run.pk})}"' in back
        assert f'href="{reverse("campaigns:uplift-runs")}"' in listing.text  # the menu
    agent = client_as("agent")
    assert agent.get(reverse("campaigns:uplift-runs")).status_code == 403
    effectiveness = reverse("campaigns:effectiveness", kwargs={"pk": finished_campaign.pk})
    assert "campaign-uplift-runs" not in agent.get(effectiveness).text  # agents: no models
    assert reverse("campaigns:uplift-runs") not in agent.get(reverse("campaigns:desktop")).text
    assert (
        client_as("analyst").get(reverse("campaigns:uplift-run", kwargs={"pk": 999})).status_code
        == 404
    )
