"""Building campaigns: templates, populating with exclusions and a control group, working contacts,
effectiveness."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from tests.factories import make_partner

from tenure.campaigns.effectiveness import campaign_effectiveness
from tenure.campaigns.models import Campaign, CampaignSettings, CampaignTemplate, Contact
from tenure.campaigns.scripts import fill_placeholders, render_script
from tenure.campaigns.services import (
    CampaignError,
    TargetSource,
    campaign_from_template,
    campaign_populate,
    contact_update,
    contacts_assign,
    population_plan,
    source_from_list,
)
from tenure.partners.models import ChannelConsent

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def template() -> CampaignTemplate:
    return CampaignTemplate.objects.create(
        name="Winback discount",
        type="retention",
        action_kind="discount",
        action_object="10 % off for 12 months",
        script="Hello {name}, we offer **{offer}**.",
        channel="phone",
        cost_per_contact=Decimal("4.50"),
        duration_days=30,
    )


@pytest.fixture
def partners() -> list:
    return [make_partner(f"P{i:03d}", f"Customer {i}") for i in range(40)]


def ids_of(partners: list) -> TargetSource:
    return TargetSource(label="test list", partner_ids=tuple(p.pk for p in partners))


def test_duplicate_from_template_personalises_without_changing_the_template(template, make_user):
    owner = make_user("marketing")
    campaign = campaign_from_template(
        template,
        name="Winback Q1",
        starts_on=TODAY,
        owner=owner,
        control_share=0.2,
        script="Hi {name}!",
        cost_per_contact=Decimal("5"),
    )
    template.refresh_from_db()
    assert (campaign.type, campaign.action_object, campaign.channel) == (
        "retention", "10 % off for 12 months", "phone",
    )  # fmt: skip
    assert campaign.ends_on == TODAY + dt.timedelta(days=29)
    assert campaign.script == "Hi {name}!" and template.script.startswith("Hello {name}")
    assert campaign.template == template and campaign.owner == owner
    with pytest.raises(CampaignError, match="control_share"):
        campaign_from_template(template, name="x", starts_on=TODAY, owner=None, control_share=0.95)
    with pytest.raises(CampaignError, match="no field 'budget'"):
        campaign_from_template(template, name="x", starts_on=TODAY, owner=None, budget=1)
    template.active = False
    template.save()
    with pytest.raises(CampaignError, match="retired"):
        campaign_from_template(template, name="x", starts_on=TODAY, owner=None)


def test_populate_holds_out_a_reproducible_control_group(template, partners, make_user):
    campaign = campaign_from_template(
        template, name="Q1", starts_on=TODAY, owner=None, control_share=0.25, control_seed=11
    )
    plan = population_plan(campaign, ids_of(partners), day=TODAY)
    population = campaign_populate(
        campaign, ids_of(partners), actor=make_user("marketing"), day=TODAY
    )
    control = set(
        Contact.objects.filter(campaign=campaign, group="control").values_list("partner", flat=True)
    )
    assert population.added_control == len(control) == plan.control > 0
    assert population.added_treated == plan.treated == 40 - len(control)
    assert (population.control_seed, population.control_share) == (11, 0.25)
    # the same seed draws the same customers into another campaign's control group
    twin = campaign_from_template(
        template, name="Twin", starts_on=TODAY, owner=None, control_share=0.25, control_seed=11,
        type="loyalty",
    )  # fmt: skip
    assert set(population_plan(twin, ids_of(partners), day=TODAY).control_ids) == control
    # populating again adds nothing and says why
    again = campaign_populate(campaign, ids_of(partners), actor=None, day=TODAY)
    assert (again.added_treated, again.added_control) == (0, 0)
    assert again.excluded["already_in_campaign"] == 40


def test_exclusions_are_counted_once_each_in_order(template, partners):
    CampaignSettings.current()  # e-mail and SMS need an explicit consent by default
    running = campaign_from_template(template, name="Running", starts_on=TODAY, owner=None)
    campaign_populate(running, ids_of(partners[:5]), actor=None, day=TODAY)
    partners[5].left_on = TODAY - dt.timedelta(days=3)
    partners[5].save()
    worked = Contact.objects.get(campaign=running, partner=partners[0])
    worked.worked_at = timezone.now()
    worked.save()
    ChannelConsent.objects.create(
        partner=partners[6], channel="phone", granted=False, recorded_at=timezone.now()
    )
    campaign = campaign_from_template(template, name="New", starts_on=TODAY, owner=None)
    plan = population_plan(campaign, ids_of(partners), day=TODAY)
    assert plan.excluded == {
        "already_in_campaign": 0,
        "left": 1,
        "running_same_type": 5,  # partner 0 was also contacted lately: counted once, here
        "contact_pressure": 0,
        "no_consent": 1,
    }
    assert plan.to_add == 33
    # another type: only the contact pressure keeps partner 0 out
    loyalty = campaign_from_template(
        template, name="L", starts_on=TODAY, owner=None, type="loyalty"
    )
    assert population_plan(loyalty, ids_of(partners), day=TODAY).excluded["contact_pressure"] == 1
    # an opt-in channel takes only partners who granted consent
    mailing = campaign_from_template(
        template, name="M", starts_on=TODAY, owner=None, channel="email"
    )
    ChannelConsent.objects.create(
        partner=partners[7], channel="email", granted=True, recorded_at=timezone.now()
    )
    mail_plan = population_plan(mailing, ids_of(partners), day=TODAY)
    assert mail_plan.to_add == 1 and set(mail_plan.treated_ids) == {partners[7].pk}


def test_a_closed_or_ended_campaign_takes_no_targets(template, partners):
    campaign = campaign_from_template(template, name="Old", starts_on=TODAY, owner=None)
    with pytest.raises(CampaignError, match="ended"):
        campaign_populate(campaign, ids_of(partners), actor=None, day=TODAY + dt.timedelta(days=40))
    campaign.active = False
    with pytest.raises(CampaignError, match="closed"):
        campaign_populate(campaign, ids_of(partners), actor=None, day=TODAY)
    assert not Contact.objects.exists()


def test_list_source_rejects_unknown_empty_and_repeated_rows(partners):
    data = b"partner_number,note\nP001,a\nNOPE,b\n,c\nP002,d\nP001,e\n"
    source, errors = source_from_list(io.BytesIO(data), file_name="targets.csv")
    assert source.partner_ids == (partners[1].pk, partners[2].pk)
    assert [(e.row, e.reason, e.value) for e in errors] == [
        (3, "no such business partner", "NOPE"),
        (4, "empty", ""),
        (6, "repeats row 2", "P001"),
    ]


def test_agents_work_their_contacts(template, partners, make_user):
    campaign = campaign_from_template(
        template, name="Q1", starts_on=TODAY, owner=None, control_share=0.3, control_seed=3
    )
    campaign_populate(campaign, ids_of(partners), actor=None, day=TODAY)
    anna, ben = make_user("agent", "anna"), make_user("agent", "ben")
    counts = contacts_assign(campaign, [anna, ben])
    treated = Contact.objects.filter(campaign=campaign, group="treated")
    assert counts == {
        anna.pk: treated.filter(agent=anna).count(),
        ben.pk: treated.filter(agent=ben).count(),
    }
    assert abs(counts[anna.pk] - counts[ben.pk]) <= 1 and sum(counts.values()) == treated.count()

    mine = treated.filter(agent=anna)[0]
    contact_update(mine, actor=anna, outcome="accepted_offer", notes="took the discount")
    mine.refresh_from_db()
    assert (mine.status, mine.outcome, mine.notes) == (
        "reached",
        "accepted_offer",
        "took the discount",
    )
    assert mine.worked_at is not None and mine.closed_at is None
    contact_update(mine, actor=anna, status="done")
    mine.refresh_from_db()
    assert mine.closed_at is not None
    with pytest.raises(PermissionDenied):
        contact_update(treated.filter(agent=ben)[0], actor=anna, status="reached")
    with pytest.raises(CampaignError, match="call-back needs"):
        contact_update(
            treated.filter(agent=anna).order_by("-id")[0], actor=anna, outcome="callback"
        )
    with pytest.raises(CampaignError, match="not reached"):
        contact_update(
            treated.filter(agent=anna).last(), actor=anna, status="not_reached", outcome="retained"
        )
    control = Contact.objects.filter(campaign=campaign, group="control")[0]
    with pytest.raises(CampaignError, match="control group"):
        contact_update(control, actor=anna, status="reached")


def test_effectiveness_compares_retention_with_the_control_group(template, partners, make_user):
    campaign = campaign_from_template(
        template, name="Q1", starts_on=TODAY, owner=None, control_share=0.5, control_seed=5
    )
    campaign_populate(campaign, ids_of(partners), actor=None, day=TODAY)
    agent = make_user("agent")
    treated = list(Contact.objects.filter(campaign=campaign, group="treated").order_by("id"))
    control = list(Contact.objects.filter(campaign=campaign, group="control").order_by("id"))
    for contact in treated[:6]:
        contact_update(contact, actor=agent, outcome="retained")
    contact_update(treated[6], actor=agent, status="not_reached")
    for contact in control[: len(control) // 2]:  # half of the controls leave, one contacted
        contact.partner.left_on = TODAY + dt.timedelta(days=10)
        contact.partner.save()
    treated[7].partner.left_on = TODAY + dt.timedelta(days=10)
    treated[7].partner.save()

    result = campaign_effectiveness(campaign, as_of=TODAY + dt.timedelta(days=20))
    assert (result.treated, result.control) == (len(treated), len(control))
    assert (result.worked, result.reached, result.open) == (7, 6, len(treated) - 7)
    assert result.outcomes["retained"] == 6 and result.reach_rate == pytest.approx(6 / 7)
    assert result.cost == Decimal("31.50")
    assert result.treated_retained == len(treated) - 1
    assert result.control_retained == len(control) - len(control) // 2
    expected = (len(treated) - 1) / len(treated) - result.control_retained / len(control)
    assert result.lift.difference == pytest.approx(expected)
    low, high = result.lift.low, result.lift.high
    assert low is not None and high is not None and low < expected < high
    assert sum(day.worked for day in result.days) == 7
    # measured before anyone left: no difference
    before = campaign_effectiveness(campaign, as_of=TODAY)
    assert before.lift.difference == 0 and before.cost_per_retained is None


def test_scripts_fill_placeholders_and_escape_markup():
    values = {"name": "<b>Eve</b>", "offer": "10 %"}
    assert fill_placeholders("{name} gets {offer}, {unknown} stays", values) == (
        "<b>Eve</b> gets 10 %, {unknown} stays"
    )
    html = render_script("Hello **{name}**", values)
    assert html == "<p>Hello <strong>&lt;b&gt;Eve&lt;/b&gt;</strong></p>\n"


def test_control_group_flags_nothing_on_the_indicator_strip(template, partners):
    from tenure.retention.indicators import partner_indicators

    campaign = campaign_from_template(
        template, name="Q1", starts_on=TODAY, owner=None, control_share=0.5, control_seed=5
    )
    campaign_populate(campaign, ids_of(partners), actor=None, day=TODAY)
    treated = Contact.objects.filter(campaign=campaign, group="treated").first()
    control = Contact.objects.filter(campaign=campaign, group="control").first()
    assert partner_indicators(partner_id=treated.partner_id, day=TODAY).retention
    assert not partner_indicators(partner_id=control.partner_id, day=TODAY).retention
    assert Campaign.objects.get(pk=campaign.pk).members.count() == 40


def test_running_same_type_means_a_period_overlapping_the_campaigns_own(template, partners):
    planned = campaign_from_template(
        template, name="Planned", starts_on=TODAY + dt.timedelta(days=10), owner=None
    )  # not running today: runs day 10 to 39
    campaign_populate(planned, ids_of(partners[:3]), actor=None, day=TODAY)
    closed = campaign_from_template(template, name="Closed", starts_on=TODAY, owner=None)
    campaign_populate(closed, ids_of(partners[3:5]), actor=None, day=TODAY)
    closed.active = False
    closed.save()

    def left_out(starts_in: int) -> int:
        later = campaign_from_template(
            template, name=f"In {starts_in}", starts_on=TODAY + dt.timedelta(days=starts_in),
            owner=None,
        )  # fmt: skip
        return population_plan(later, ids_of(partners), day=TODAY).excluded["running_same_type"]

    assert left_out(30) == 3  # overlaps the planned campaign; the closed one does not count
    assert left_out(40) == 0  # starts after the planned campaign ends
    assert left_out(-35) == 0  # ended before the planned campaign starts


def test_a_same_type_campaign_that_has_ended_does_not_exclude(template, partners):
    ended = campaign_from_template(
        template, name="Autumn", starts_on=TODAY - dt.timedelta(days=40), owner=None,
        ends_on=TODAY - dt.timedelta(days=5),
    )  # fmt: skip
    Contact.objects.create(campaign=ended, partner=partners[0])  # still active, not closed
    started = campaign_from_template(
        template, name="Winter", starts_on=TODAY - dt.timedelta(days=30), owner=None,
        ends_on=TODAY + dt.timedelta(days=30),
    )  # fmt: skip
    # the two periods overlap in the past; from today, when the targets are added, they do not
    assert population_plan(started, ids_of(partners), day=TODAY).excluded["running_same_type"] == 0


def test_the_contact_pressure_window_counts_back_from_the_campaign_start(template, partners):
    days = CampaignSettings.current().contact_pressure_days
    today = timezone.localdate()  # the window is counted from now: this test follows the clock
    earlier = campaign_from_template(
        template, name="Earlier", starts_on=today, owner=None, type="loyalty"
    )
    campaign_populate(earlier, ids_of(partners[:2]), actor=None, day=today)
    Contact.objects.filter(campaign=earlier).update(worked_at=timezone.now())

    def pressured(starts_in: int) -> int:
        campaign = campaign_from_template(
            template, name=f"In {starts_in}", starts_on=today + dt.timedelta(days=starts_in),
            owner=None,
        )  # fmt: skip
        return population_plan(campaign, ids_of(partners), day=today).excluded["contact_pressure"]

    assert pressured(0) == 2  # contacted today
    assert pressured(days - 1) == 2  # within the window before it starts
    assert pressured(days + 1) == 0  # by its start, the window has passed


def test_the_date_constraint_says_what_is_wrong():
    from django.core.exceptions import ValidationError

    campaign = Campaign(
        name="Backwards", type="retention", starts_on=TODAY, ends_on=TODAY - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as caught:
        campaign.full_clean()
    assert caught.value.messages == ["The campaign must end on or after the day it starts."]


def test_a_new_call_back_time_cannot_lie_in_the_past(template, partners, make_user):
    campaign = campaign_from_template(template, name="Q1", starts_on=TODAY, owner=None)
    campaign_populate(campaign, ids_of(partners[:2]), actor=None, day=TODAY)
    anna = make_user("agent", "anna")
    contact = Contact.objects.filter(campaign=campaign).earliest("id")
    with pytest.raises(CampaignError, match="call-back time has passed") as caught:
        contact_update(
            contact, actor=anna, outcome="callback",
            callback_at=timezone.now() - dt.timedelta(minutes=5),
        )  # fmt: skip
    assert caught.value.field == "callback_at"
    contact.refresh_from_db()
    assert (contact.outcome, contact.callback_at) == ("", None)
    soon = timezone.now() + dt.timedelta(hours=1)
    contact_update(contact, actor=anna, outcome="callback", callback_at=soon)
    # the time passes: the agent still records work, keeping or clearing it
    past = timezone.now() - dt.timedelta(hours=2)
    Contact.objects.filter(pk=contact.pk).update(callback_at=past)
    contact.refresh_from_db()
    contact_update(contact, actor=anna, notes="rang again")  # left out: kept
    contact_update(contact, actor=anna, notes="and again", callback_at=past)  # sent back unchanged
    contact.refresh_from_db()
    assert contact.callback_at == past and contact.notes == "and again"
    contact_update(contact, actor=anna, outcome="refused", callback_at=None)
    contact.refresh_from_db()
    assert contact.callback_at is None
