"""The proactive run over the whole base: same answers as the call, stored, a campaign source."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.factories import make_dataset, make_partner
from typer.testing import CliRunner

from tenure.campaigns.models import Campaign
from tenure.campaigns.services import campaign_populate, population_plan
from tenure.cli.main import app
from tenure.customerdata.models import Payment
from tenure.nextbest.models import ProactiveResult, ProactiveRun
from tenure.nextbest.proactive import NoProactiveRun, run_proactive, source_from_next_best_action
from tenure.nextbest.services import next_best_actions
from tenure.partners.models import ChannelConsent

pytestmark = pytest.mark.django_db(transaction=False)


def base() -> dict[str, int]:
    now = timezone.now()
    partners = {}
    for number, segment, risk, churn in (
        ("8001", "C", "3", 70),
        ("8002", "A", "1", 5),
        ("8003", "B", "2", 20),
        ("8004", "D", "4", 90),
    ):
        partner = make_partner(number, customer_since=dt.date(2020, 1, 1))
        make_dataset(partner, segment=segment, risk_class=risk, churn_score=churn)
        ChannelConsent.objects.create(
            partner=partner, channel="phone", granted=True, recorded_at=now
        )
        partners[number] = partner.pk
    Payment.objects.create(
        partner_id=partners["8004"], reference="X", due_date=dt.date(2026, 1, 1), amount=80,
        imported_at=now,
    )  # fmt: skip
    make_partner("8005")  # no dataset, no consent: nothing to offer
    return partners


def test_the_run_stores_each_partners_top_action_as_the_call_decides() -> None:
    partners = base()
    with pytest.raises(NoProactiveRun):
        source_from_next_best_action("cross-sell")
    run = run_proactive()
    assert (run.complete, run.partners) == (True, 5)
    stored = dict(ProactiveResult.objects.filter(run=run).values_list("partner_id", "action"))
    assert stored == {
        partners["8001"]: "retention-loyalty-discount",
        partners["8002"]: "cross-sell",
        partners["8003"]: "cross-sell",
        partners["8004"]: "payment-plan",
    }
    for number, pk in partners.items():
        from tenure.partners.models import BusinessPartner

        decision, _ = next_best_actions(BusinessPartner.objects.get(pk=pk), store=False)
        assert decision.actions[0].action == stored[pk], number
    assert {"action", "step", "rule", "customers"} <= set(run.reason_counts[0])


def test_a_campaign_is_populated_with_customers_whose_next_best_action_is_x(make_user) -> None:
    partners = base()
    run_proactive()
    source = source_from_next_best_action("cross-sell")
    assert sorted(source.partner_ids) == sorted([partners["8002"], partners["8003"]])
    assert source.label.startswith("next best action: cross-sell")
    campaign = Campaign.objects.create(
        name="Cross-sell", type="loyalty", channel="phone", starts_on=dt.date.today(),
        control_share=0.0,
    )  # fmt: skip
    assert population_plan(campaign, source).matched == 2
    population = campaign_populate(campaign, source, actor=make_user("marketing"))
    assert population.added_treated + population.added_control == 2


def test_cli_run_reports_the_top_actions() -> None:
    base()
    result = CliRunner().invoke(app, ["nba", "run", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "5 partners decided" in result.output
    assert "cross-sell" in result.output
    assert ProactiveRun.objects.filter(complete=True).count() == 1


def test_the_populate_page_offers_the_next_best_action_source(client_as) -> None:
    partners = base()
    campaign = Campaign.objects.create(
        name="Cross-sell", type="loyalty", channel="phone", starts_on=dt.date.today(),
        control_share=0.0,
    )  # fmt: skip
    marketing = client_as("marketing")
    path = f"/campaigns/{campaign.pk}/populate/"
    page = marketing.get(path).content.decode()
    assert "Customers whose next best action is" in page
    headers = {"HTTP_X_CSRFTOKEN": marketing.cookies["csrftoken"].value}
    choice = {"source": "next_best_action", "next_best_action": "cross-sell", "action": "commit"}
    refused = marketing.post(path, choice, **headers)
    assert "tenure nba run" in refused.content.decode()
    run_proactive()
    assert marketing.post(path, choice, **headers).status_code == 302
    added = set(campaign.contacts.values_list("partner_id", flat=True))
    assert added == {partners["8002"], partners["8003"]}


def test_worked_campaign_contacts_count_as_contact_pressure_on_call_and_in_the_run() -> None:
    """A campaign call this week uses up "1 offer per 7 days"; a refusal in a campaign holds
    every offer back for 30 days; both for the call-time decision and the proactive run."""
    from tenure.campaigns.models import Contact
    from tenure.partners.models import BusinessPartner

    partners = base()
    now = timezone.now()
    campaign = Campaign.objects.create(
        name="Keep", type="retention", channel="phone", starts_on=dt.date.today(),
        control_share=0.0,
    )  # fmt: skip
    worked = Contact.objects.create(
        campaign=campaign, partner_id=partners["8002"], status="reached",
        worked_at=now - dt.timedelta(days=2),
    )  # fmt: skip
    refused = Contact.objects.create(
        campaign=campaign, partner_id=partners["8003"], status="done", outcome="refused",
        worked_at=now - dt.timedelta(days=20),
    )  # fmt: skip
    Contact.objects.create(  # the control group is never contacted: no pressure
        campaign=campaign, partner_id=partners["8001"], group="control"
    )
    decisions = {
        number: next_best_actions(BusinessPartner.objects.get(pk=pk), store=False)[0]
        for number, pk in partners.items()
    }
    held = {n["action"]: n["reasons"] for n in decisions["8002"].to_dict()["not_offered"]}
    assert held["cross-sell"][0]["rule"] == "at most 1 offer per 7 days"
    assert not decisions["8002"].actions
    held = {n["action"]: n["reasons"] for n in decisions["8003"].to_dict()["not_offered"]}
    assert held["cross-sell"][0]["rule"] == "no offer for 30 days after a refusal"
    assert decisions["8001"].actions  # unaffected
    run = run_proactive()
    tops = dict(ProactiveResult.objects.filter(run=run).values_list("partner_id", "action"))
    assert partners["8002"] not in tops and partners["8003"] not in tops
    assert partners["8001"] in tops
    worked.worked_at = now - dt.timedelta(days=8)  # outside the week: offered again
    worked.save()
    refused.delete()
    decision, _ = next_best_actions(BusinessPartner.objects.get(pk=partners["8002"]), store=False)
    assert decision.actions[0].action == "cross-sell"
