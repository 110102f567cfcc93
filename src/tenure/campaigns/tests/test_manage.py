"""The retention team's campaign pages, API and CLI: templates, duplicate and personalise, populate
(preview, then commit), assign, close, effectiveness, exports; role checks and CSRF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from tests.factories import make_dataset, make_partner
from typer.testing import CliRunner

from tenure.campaigns.models import Campaign, CampaignTemplate, Contact, Population
from tenure.campaigns.services import (
    TargetSource,
    campaign_from_template,
    campaign_populate,
    contact_update,
    source_from_segment,
)
from tenure.reports.models import SavedSearch

pytestmark = pytest.mark.django_db
HIGH_RISK = {
    "match": "all",
    "conditions": [{"field": "risk_class", "op": "in", "value": ["3", "4"]}],
}


@pytest.fixture
def template() -> CampaignTemplate:
    return CampaignTemplate.objects.create(
        name="Retention discount call",
        type="retention",
        action_kind="discount",
        action_object="15 % off for 12 months",
        script="Hello {name}, as a thank-you we offer **{offer}**.",
        channel="phone",
        cost_per_contact=Decimal("6.50"),
        duration_days=42,
    )


@pytest.fixture
def partners() -> list:
    """30 partners: the even ones at high churn risk (class 3), the odd ones low (class 1)."""
    made = []
    for i in range(30):
        partner = make_partner(f"P{i:03d}", f"Customer {i}", city="Leipzig")
        make_dataset(
            partner, risk_class="3" if i % 2 == 0 else "1", churn_score=70 if i % 2 == 0 else 10
        )
        made.append(partner)
    return made


@pytest.fixture
def saved_search() -> SavedSearch:
    return SavedSearch.objects.create(name="High churn risk", criteria=HIGH_RISK)


@pytest.fixture
def campaign(template) -> Campaign:
    return campaign_from_template(
        template,
        name="Winback December",
        starts_on=timezone.localdate(),
        owner=None,
        control_share=0.2,
        control_seed=42,
    )


def csrf_post(client: Client, path: str, data: dict | None = None, **extra: Any) -> Any:
    """POST like the browser: fetch a page for the CSRF cookie, send the token back."""
    client.get("/campaigns/")
    token = client.cookies["csrftoken"].value
    return client.post(path, data or {}, HTTP_X_CSRFTOKEN=token, **extra)


# --- pages and roles ------------------------------------------------------------------------


def test_roles_agent_forbidden_analyst_reads_marketing_manages(client_as, campaign):
    agent, analyst, marketing = client_as("agent"), client_as("analyst"), client_as("marketing")
    management = [
        "/campaigns/new/",
        f"/campaigns/new/{campaign.template_id}/",
        f"/campaigns/{campaign.pk}/edit/",
        f"/campaigns/{campaign.pk}/populate/",
    ]
    for path in management:
        assert agent.get(path).status_code == 403, path
        assert analyst.get(path).status_code == 403, path
        assert marketing.get(path).status_code == 200, path
    # agents see campaigns (their worklists come from them) but not templates or exports
    assert agent.get("/campaigns/").status_code == 200
    assert agent.get(f"/campaigns/{campaign.pk}/").status_code == 200
    assert agent.get("/campaigns/templates/").status_code == 403
    assert agent.get(f"/campaigns/{campaign.pk}/export.csv").status_code == 403
    # analysts read everything, templates only read-only
    for path in ("/campaigns/", f"/campaigns/{campaign.pk}/", f"/campaigns/{campaign.pk}/effectiveness/",
                 "/campaigns/templates/", f"/campaigns/templates/{campaign.template_id}/"):  # fmt: skip
        assert analyst.get(path).status_code == 200, path
    page = analyst.get(f"/campaigns/templates/{campaign.template_id}/").content.decode()
    assert "Save template" not in page and "disabled" in page
    assert "<strong>15 % off for 12 months</strong>" in page  # the script, read-only
    assert csrf_post(analyst, f"/campaigns/{campaign.pk}/close/").status_code == 403
    assert csrf_post(analyst, f"/campaigns/templates/{campaign.template_id}/",
                     {"name": "x"}).status_code == 403  # fmt: skip
    assert csrf_post(agent, f"/campaigns/{campaign.pk}/assign/").status_code == 403
    campaign.refresh_from_db()
    assert campaign.active


def test_nav_entry_for_campaign_readers_only(client_as, make_user):
    assert 'href="/campaigns/"' in client_as("marketing").get("/partners/").content.decode()
    make_user("telephony", username="pbx")
    client = Client()
    client.force_login(make_user("telephony", username="pbx"))
    assert client.get("/campaigns/").status_code == 403


def test_posts_without_csrf_token_are_refused(client_as, campaign):
    marketing = client_as("marketing")
    assert marketing.post(f"/campaigns/{campaign.pk}/close/").status_code == 403
    campaign.refresh_from_db()
    assert campaign.active
    assert csrf_post(marketing, f"/campaigns/{campaign.pk}/close/").status_code == 302
    campaign.refresh_from_db()
    assert not campaign.active and campaign.ends_on == timezone.localdate()


def test_templates_are_edited_with_a_script_preview(client_as, template):
    marketing = client_as("marketing")
    page = marketing.get(f"/campaigns/templates/{template.pk}/").content.decode()
    assert "{customer_value}" in page and "script-preview" in page
    preview = csrf_post(marketing, "/campaigns/templates/script-preview/",
                        {"script": "Dear {name}: **{offer}** <script>x</script>",
                         "action_object": "a free month"})  # fmt: skip
    html = preview.content.decode()
    assert marketing.get("/campaigns/templates/script-preview/").status_code == 405
    assert csrf_post(client_as("agent"), "/campaigns/templates/script-preview/").status_code == 403
    assert "Dear Erika Mustermann: <strong>a free month</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    data = {
        "name": "Retention discount call", "type": "retention", "action_kind": "discount",
        "action_object": "20 % off", "channel": "phone", "duration_days": "30",
        "cost_per_contact": "7.00", "script": "Hi {name}", "active": "on",
    }  # fmt: skip
    assert csrf_post(marketing, f"/campaigns/templates/{template.pk}/", data).status_code == 302
    template.refresh_from_db()
    assert (template.action_object, template.cost_per_contact) == ("20 % off", Decimal("7.00"))
    data["cost_per_contact"] = "-1"
    refused = csrf_post(marketing, f"/campaigns/templates/{template.pk}/", data)
    assert (
        refused.status_code == 200 and 'data-field="cost_per_contact"' in refused.content.decode()
    )
    created = csrf_post(marketing, "/campaigns/templates/new/", {**data, "name": "Caring call",
                        "type": "caring", "cost_per_contact": "3"})  # fmt: skip
    assert created.status_code == 302
    assert CampaignTemplate.objects.filter(name="Caring call", type="caring").exists()


def test_duplicate_from_template_personalises_and_carries_the_saved_search(
    client_as, template, saved_search
):
    marketing = client_as("marketing")
    chooser = marketing.get(f"/campaigns/new/?search={saved_search.pk}").content.decode()
    assert "High churn risk" in chooser
    assert f"/campaigns/new/{template.pk}/?search={saved_search.pk}" in chooser
    form = marketing.get(f"/campaigns/new/{template.pk}/?search={saved_search.pk}")
    assert form.context["form"].initial["action_object"] == "15 % off for 12 months"
    today = timezone.localdate()
    data = {
        "name": "Winback Q1", "description": "", "owner": "", "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=20)).isoformat(), "action_kind": "discount",
        "action_object": "20 % off for 6 months", "channel": "phone", "cost_per_contact": "5",
        "control_share": "0.25", "script": "Hi {name}, {offer}!", "search": str(saved_search.pk),
    }  # fmt: skip
    response = csrf_post(marketing, f"/campaigns/new/{template.pk}/", data)
    campaign = Campaign.objects.get(name="Winback Q1")
    assert response["Location"] == f"/campaigns/{campaign.pk}/populate/?search={saved_search.pk}"
    assert (campaign.template, campaign.type, campaign.control_share) == (
        template,
        "retention",
        0.25,
    )
    assert (
        campaign.action_object == "20 % off for 6 months"
        and campaign.script == "Hi {name}, {offer}!"
    )
    template.refresh_from_db()
    assert template.action_object == "15 % off for 12 months"  # the template is unchanged
    populate = marketing.get(response["Location"])
    assert populate.context["form"].initial == {"source": "search", "saved_search": saved_search.pk}
    # the dates are checked: the end cannot come before the start
    data.update(name="Broken", ends_on=(today - dt.timedelta(days=1)).isoformat())
    refused = csrf_post(marketing, f"/campaigns/new/{template.pk}/", data)
    assert refused.status_code == 200 and not Campaign.objects.filter(name="Broken").exists()


def test_an_end_before_the_start_is_refused_beside_the_end_date_in_words(client_as, template):
    marketing = client_as("marketing")
    today = timezone.localdate()
    data = {
        "name": "Broken", "description": "", "owner": "", "starts_on": today.isoformat(),
        "ends_on": (today - dt.timedelta(days=1)).isoformat(), "action_kind": "discount",
        "action_object": "x", "channel": "phone", "cost_per_contact": "5",
        "control_share": "0.2", "script": "Hi {name}",
    }  # fmt: skip
    refused = csrf_post(marketing, f"/campaigns/new/{template.pk}/", data)
    form = refused.context["form"]
    assert list(form.errors) == ["ends_on"]  # not a constraint's name in the form's header
    assert "cannot end before it starts" in form.errors["ends_on"][0]
    assert "Constraint" not in refused.content.decode()
    assert not Campaign.objects.filter(name="Broken").exists()


def test_a_script_with_an_unknown_placeholder_is_refused_and_flagged_in_the_preview(
    client_as, template, campaign
):
    """A typo such as {nmae} is not filled in: the agent would read it out to the customer."""
    marketing = client_as("marketing")
    today = timezone.localdate()
    script = "Hello {nmae}, we offer {offer}. {name} {partner_number}"
    data = {
        "name": "Typo", "description": "", "owner": "", "starts_on": today.isoformat(),
        "ends_on": "", "action_kind": "discount", "action_object": "x", "channel": "phone",
        "cost_per_contact": "5", "control_share": "0", "script": script,
    }  # fmt: skip
    refused = csrf_post(marketing, f"/campaigns/new/{template.pk}/", data)
    errors = refused.context["form"].errors
    assert list(errors) == ["script"] and "Unknown placeholder {nmae}" in errors["script"][0]
    assert "{customer_value}" in errors["script"][0]  # says which ones there are
    assert not Campaign.objects.filter(name="Typo").exists()
    edited = csrf_post(marketing, f"/campaigns/{campaign.pk}/edit/", {**data, "name": "Edited"})
    assert "script" in edited.context["form"].errors
    campaign.refresh_from_db()
    assert campaign.name == "Winback December"
    template_data = {
        "name": "Typo template", "type": "retention", "action_kind": "discount",
        "action_object": "x", "channel": "phone", "duration_days": "30",
        "cost_per_contact": "1", "script": "Hi {Name} and {city}", "active": "on",
    }  # fmt: skip
    refused = csrf_post(marketing, "/campaigns/templates/new/", template_data)
    assert "Unknown placeholder {Name}" in refused.context["form"].errors["script"][0]
    assert not CampaignTemplate.objects.filter(name="Typo template").exists()
    preview = csrf_post(marketing, "/campaigns/templates/script-preview/",
                        {"script": script, "action_object": "x"}).content.decode()  # fmt: skip
    assert 'data-testid="script-unknown-placeholders"' in preview and "{nmae}" in preview
    fine = csrf_post(marketing, "/campaigns/templates/script-preview/",
                     {"script": "Hi {name}", "action_object": "x"}).content.decode()  # fmt: skip
    assert "script-unknown-placeholders" not in fine


def test_the_api_names_the_field_of_a_bad_end_date_or_script(api_as, template):
    marketing = api_as("marketing")
    today = timezone.localdate()
    body = {"template": template.pk, "name": "API broken", "starts_on": today.isoformat(),
            "ends_on": (today - dt.timedelta(days=3)).isoformat(),
            "script": "Dear {nmae}"}  # fmt: skip
    refused = marketing.post("/api/v1/campaigns", body, content_type="application/json")
    assert refused.status_code == 422
    errors = {error["field"]: error["error"] for error in refused.json()["errors"]}
    assert set(errors) == {"ends_on", "script"}
    assert "end before it starts" in errors["ends_on"] and "{nmae}" in errors["script"]
    assert not Campaign.objects.filter(name="API broken").exists()


def test_populate_preview_writes_nothing_then_commit_adds_the_plan(
    client_as, campaign, partners, saved_search
):
    marketing = client_as("marketing")
    path = f"/campaigns/{campaign.pk}/populate/"
    choice = {"source": "search", "saved_search": str(saved_search.pk)}
    preview = csrf_post(marketing, path, {**choice, "action": "preview"}, HTTP_HX_REQUEST="true")
    plan = preview.context["plan"]
    assert (plan.matched, plan.to_add) == (15, 15)
    html = preview.content.decode()
    assert 'data-testid="populate-commit"' in html and "Add 15 customers" in html
    assert not Contact.objects.filter(campaign=campaign).exists()
    committed = csrf_post(marketing, path, {**choice, "action": "commit"}, HTTP_HX_REQUEST="true")
    assert committed.status_code == 204 and committed["HX-Redirect"] == f"/campaigns/{campaign.pk}/"
    population = Population.objects.get(campaign=campaign)
    assert (population.added_treated, population.added_control) == (plan.treated, plan.control)
    assert population.created_by.username == "marketing"
    assert Contact.objects.filter(campaign=campaign, group="control").count() == plan.control
    detail = marketing.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "search: High churn risk" in detail
    # stored in English, the kind of source is shown in the user's language
    for language, shown in (("de", "Suche: High churn risk"), ("it", "ricerca: High churn risk")):
        marketing.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        assert shown in marketing.get(f"/campaigns/{campaign.pk}/").content.decode()
    marketing.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    again = csrf_post(marketing, path, {**choice, "action": "preview"}, HTTP_HX_REQUEST="true")
    assert again.context["plan"].to_add == 0
    assert ("already in this campaign", 15) in again.context["plan_excluded"]


def test_populate_from_a_segment_without_htmx(client_as, campaign, partners):
    marketing = client_as("marketing")
    response = csrf_post(marketing, f"/campaigns/{campaign.pk}/populate/",
                         {"source": "segment", "segment": "A", "action": "commit"})  # fmt: skip
    assert response.status_code == 302
    assert Contact.objects.filter(campaign=campaign).count() == 30
    missing = csrf_post(marketing, f"/campaigns/{campaign.pk}/populate/",
                        {"source": "segment", "action": "preview"})  # fmt: skip
    assert (
        missing.status_code == 422
        and "Choose where the targets come from" in missing.content.decode()
    )


def test_populate_from_an_uploaded_list_reports_rejected_rows(client_as, campaign, partners):
    marketing = client_as("marketing")
    upload = io.BytesIO(b"partner_number\nP000\nP001\nNOPE\nP000\nP002\n")
    upload.name = "targets.csv"
    response = csrf_post(
        marketing,
        f"/campaigns/{campaign.pk}/populate/",
        {"source": "list", "partner_list": upload, "action": "preview"},
        HTTP_HX_REQUEST="true",
    )
    assert response.context["plan"].matched == 3
    reasons = [(e.row, e.reason) for e in response.context["rejects"]]
    assert reasons == [(4, "no such business partner"), (5, "repeats row 2")]
    html = response.content.decode()
    assert "2 rows of the list were rejected" in html and "NOPE" in html
    bad = io.BytesIO(b"number\nP000\n")
    bad.name = "wrong.csv"
    refused = csrf_post(marketing, f"/campaigns/{campaign.pk}/populate/",
                        {"source": "list", "partner_list": bad, "action": "preview"},
                        HTTP_HX_REQUEST="true")  # fmt: skip
    assert "The list was rejected: missing column(s): partner_number" in refused.content.decode()


def test_a_closed_campaign_refuses_targets(client_as, campaign, partners, saved_search):
    campaign.active = False
    campaign.save()
    response = csrf_post(client_as("marketing"), f"/campaigns/{campaign.pk}/populate/",
                         {"source": "search", "saved_search": str(saved_search.pk),
                          "action": "commit"}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert "closed" in response.content.decode()
    assert not Contact.objects.filter(campaign=campaign).exists()


def test_assign_shares_open_contacts_among_chosen_agents(client_as, make_user, campaign, partners):
    campaign_populate(campaign, TargetSource("list", partner_ids=tuple(p.pk for p in partners)),
                      actor=None)  # fmt: skip
    first, second = make_user("agent", "anna"), make_user("agent", "ben")
    marketing = client_as("marketing")
    detail = marketing.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "anna" in detail and "ben" in detail and 'data-testid="assign-form"' in detail
    response = csrf_post(marketing, f"/campaigns/{campaign.pk}/assign/",
                         {"agents": [first.pk, second.pk]})  # fmt: skip
    assert response.status_code == 302
    treated = Contact.objects.filter(campaign=campaign, group="treated")
    assert treated.filter(agent__isnull=True).count() == 0
    assert abs(treated.filter(agent=first).count() - treated.filter(agent=second).count()) <= 1
    assert not Contact.objects.filter(
        campaign=campaign, group="control", agent__isnull=False
    ).exists()
    csrf_post(marketing, f"/campaigns/{campaign.pk}/assign/", {})  # nobody chosen: nothing changes
    assert treated.filter(agent=first).count() >= 1


def test_the_campaign_page_leads_to_its_contacts_on_the_desktop(client_as, campaign, partners):
    """The retention team (and agents) go from the campaign to the names to work, by status."""
    campaign_populate(campaign, TargetSource("list", partner_ids=tuple(p.pk for p in partners)),
                      actor=None)  # fmt: skip
    marketing = client_as("marketing")
    detail = marketing.get(f"/campaigns/{campaign.pk}/").content.decode()
    link = f'href="/campaigns/desktop/?scope=all&amp;campaign={campaign.pk}"'
    assert f'{link} data-testid="campaign-worklist"' in detail
    open_link = f"/campaigns/desktop/?scope=all&campaign={campaign.pk}&status=open"
    assert f'href="{open_link.replace("&", "&amp;")}"' in detail
    treated = Contact.objects.filter(campaign=campaign, group="treated").count()
    desktop = marketing.get(open_link)
    assert desktop.status_code == 200 and desktop.context["page"].total == treated
    agent = client_as("agent").get(f"/campaigns/{campaign.pk}/").content.decode()
    assert f'href="/campaigns/desktop/?campaign={campaign.pk}"' in agent  # their own contacts
    assert "My contacts on the operator desktop" in agent
    assert "status-worklist" not in agent  # the counts are every agent's, their list is not
    analyst = client_as("analyst").get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "campaign-worklist" not in analyst and "status-worklist" not in analyst
    csrf_post(marketing, f"/campaigns/{campaign.pk}/close/")
    closed = marketing.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "campaign-worklist" not in closed  # nothing to work any more


def test_list_filters_by_type_and_state(client_as, template, campaign):
    today = timezone.localdate()
    campaign_from_template(template, name="Loyalty later", starts_on=today + dt.timedelta(days=9),
                           owner=None, type="loyalty")  # fmt: skip
    reader = client_as("analyst")
    names = lambda query: [c.name for c in reader.get(f"/campaigns/?{query}").context["page"]]  # noqa: E731
    assert set(names("")) == {"Winback December", "Loyalty later"}
    assert names("type=loyalty") == ["Loyalty later"]
    assert names("state=running") == ["Winback December"]
    assert set(names("state=active")) == {"Winback December", "Loyalty later"}
    assert names("state=closed") == []
    assert names("q=BACK") == ["Winback December"]  # a part of the name, any case
    assert names("q=later&type=retention") == []
    for n in range(26):
        Campaign.objects.create(name=f"Bulk {n:02d}", type="caring", starts_on=today)
    page = reader.get("/campaigns/?q=bulk&type=caring")
    assert len(page.context["page"]) == 25
    assert 'href="?q=bulk&amp;type=caring&amp;page=2"' in page.content.decode()  # keeps filters
    assert [
        c.name for c in reader.get("/campaigns/?q=bulk&type=caring&page=2").context["page"]
    ] == ["Bulk 25"]


def _worked_campaign(campaign, partners, make_user) -> list[Contact]:
    campaign.control_share = 0.5  # both groups surely hold several of the 30, whatever the ids
    campaign.save()
    campaign_populate(campaign, TargetSource("list", partner_ids=tuple(p.pk for p in partners)),
                      actor=None)  # fmt: skip
    agent = make_user("agent", "anna")
    treated = list(Contact.objects.filter(campaign=campaign, group="treated").order_by("id"))
    for contact in treated[:4]:
        contact_update(contact, actor=agent, status="done", outcome="retained", notes="=1+1")
    contact_update(treated[4], actor=agent, status="not_reached")
    return treated


def test_effectiveness_page_states_the_lift_in_words_and_numbers(client_as, make_user, campaign,
                                                                  partners):  # fmt: skip
    _worked_campaign(campaign, partners, make_user)
    control = Contact.objects.filter(campaign=campaign, group="control")
    gone = control.first().partner
    gone.left_on = timezone.localdate() - dt.timedelta(days=1)
    gone.save()
    response = client_as("analyst").get(f"/campaigns/{campaign.pk}/effectiveness/")
    html = response.content.decode()
    context = response.context
    assert context["reach_rate"] == 80.0 and context["result"].worked == 5
    assert context["treated_rate"] == 100.0 and context["control_rate"] < 100
    assert f"{context['difference']}" in html and "percentage points" in html
    assert "95 % interval" in html and context["lift_words"] in html
    assert (
        "The interval includes zero" in context["lift_words"] or "helped" in context["lift_words"]
    )
    assert json.loads(
        html.split('id="work-data" type="application/json">')[1].split("</script>")[0]
    )["worked"] == [5]
    assert "uPlot.iife.min.js" in html and "effectiveness.js" in html
    assert str(campaign.cost_per_contact * 5) in html


def test_exports_read_back_as_csv_and_xlsx(client_as, make_user, campaign, partners):
    _worked_campaign(campaign, partners, make_user)
    gone = partners[4]  # the file says who left, so retention can be worked out from it
    gone.left_on = dt.date(2026, 11, 20)
    gone.save()
    marketing = client_as("marketing")
    response = marketing.get(f"/campaigns/{campaign.pk}/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["Partner number", "Name", "City", "Group"]
    assert len(rows) == 31 and rows[1][0] == "P000"
    assert {row[3] for row in rows[1:]} == {"Contacted group", "Control group"}
    assert "'=1+1" in {row[-1] for row in rows}  # a formula-looking note stays text
    left = rows[0].index("Customer left on")
    assert {row[0]: row[left] for row in rows[1:]}["P004"] == "2026-11-20"
    assert sum(1 for row in rows[1:] if row[left]) == 1
    xlsx = marketing.get(f"/campaigns/{campaign.pk}/export.xlsx")
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    sheet = book.active
    values = list(sheet.values)
    assert values[0][0] == "Partner number" and len(values) == 31
    notes = {row[-1] for row in values[1:]}
    assert "=1+1" in notes
    left_xlsx = {row[0]: row[values[0].index("Customer left on")] for row in values[1:]}
    assert left_xlsx["P004"] == dt.datetime(2026, 11, 20) and left_xlsx["P002"] is None
    cell = next(c for c in sheet["N"] if c.value == "=1+1")
    assert cell.data_type == "s"
    assert marketing.get(f"/campaigns/{campaign.pk}/export.pdf").status_code == 404


# --- API ------------------------------------------------------------------------------------


def test_api_templates_create_preview_populate_effectiveness(api_as, template, partners,
                                                             saved_search, make_user):  # fmt: skip
    marketing = api_as("marketing")
    listed = marketing.get("/api/v1/campaign-templates").json()
    assert [t["name"] for t in listed] == ["Retention discount call"]
    assert marketing.get(f"/api/v1/campaign-templates/{template.pk}").json()["channel"] == "phone"
    today = timezone.localdate().isoformat()
    body = {"template": template.pk, "name": "API winback", "starts_on": today,
            "control_share": 0.2, "action_object": "a free month"}  # fmt: skip
    created = marketing.post("/api/v1/campaigns", body, content_type="application/json")
    assert created.status_code == 201, created.content
    campaign = created.json()
    assert (campaign["type"], campaign["action_object"], campaign["owner"]) == (
        "retention", "a free month", "marketing-system",
    )  # fmt: skip
    bad = marketing.post("/api/v1/campaigns", {**body, "control_share": 0.95},
                         content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "control_share"
    path = f"/api/v1/campaigns/{campaign['id']}"
    both = marketing.post(f"{path}/preview", {"segment": "A", "saved_search": saved_search.pk},
                          content_type="application/json")  # fmt: skip
    assert both.status_code == 422
    plan = marketing.post(f"{path}/preview", {"saved_search": saved_search.pk},
                          content_type="application/json").json()  # fmt: skip
    assert plan["matched"] == 15 and plan["treated"] + plan["control"] == 15
    assert {e["reason"] for e in plan["excluded"]} >= {"already_in_campaign", "no_consent"}
    assert not Contact.objects.filter(campaign_id=campaign["id"]).exists()
    numbers = {"partner_numbers": ["P001", "P003", "NOPE", "P001", ""]}
    added = marketing.post(f"{path}/populate", numbers, content_type="application/json")
    assert added.status_code == 201, added.content
    result = added.json()
    assert result["added_treated"] + result["added_control"] == 2
    assert [(r["index"], r["error"]) for r in result["rejected"]] == [
        (2, "no such business partner"), (3, "repeats index 0"), (4, "empty"),
    ]  # fmt: skip
    assert marketing.get(path).json()["contacts_treated"] == result["added_treated"]
    assert (
        marketing.get("/api/v1/campaigns?type=retention&running=true").json()[0]["id"]
        == (campaign["id"])
    )
    assert marketing.get("/api/v1/campaigns?type=loyalty").json() == []
    effect = api_as("analyst").get(f"{path}/effectiveness").json()
    assert effect["contacts_treated"] + effect["contacts_control"] == 2
    assert effect["worked"] == 0 and effect["days"] == []
    # roles: agents and analysts may not populate; unknown ids are 404
    assert api_as("agent").post(f"{path}/populate", numbers,
                                content_type="application/json").status_code == 403  # fmt: skip
    assert api_as("analyst").post("/api/v1/campaigns", body,
                                  content_type="application/json").status_code == 403  # fmt: skip
    assert marketing.get("/api/v1/campaigns/999999").status_code == 404
    assert marketing.post(f"{path}/preview", {"saved_search": 999999},
                          content_type="application/json").status_code == 404  # fmt: skip
    assert Client().get("/api/v1/campaigns").status_code == 401


def test_api_session_needs_csrf(client_as, campaign, saved_search):
    marketing = client_as("marketing")
    url = f"/api/v1/campaigns/{campaign.pk}/preview"
    body = json.dumps({"saved_search": saved_search.pk})
    assert marketing.post(url, body, content_type="application/json").status_code == 403
    marketing.get("/campaigns/")
    token = marketing.cookies["csrftoken"].value
    ok = marketing.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 200


# --- CLI ------------------------------------------------------------------------------------


def test_cli_list_populate_dry_run_then_commit_and_effectiveness(campaign, partners, saved_search,
                                                                 tmp_path, make_user):  # fmt: skip
    from tenure.cli.main import app

    runner = CliRunner()
    listed = runner.invoke(app, ["campaigns", "list", "--type", "retention"])
    assert listed.exit_code == 0 and "Winback" in listed.stdout and "December" in listed.stdout
    dry = runner.invoke(app, ["campaigns", "populate", str(campaign.pk), "--search",
                              "High churn risk", "--dry-run"])  # fmt: skip
    assert dry.exit_code == 0, dry.output
    assert "Matched" in dry.stdout and "Dry run: nothing was added." in dry.stdout
    assert not Contact.objects.filter(campaign=campaign).exists()
    make_user("marketing", "mia")
    done = runner.invoke(app, ["campaigns", "populate", "Winback December", "--search",
                               "High churn risk", "--by", "mia"])  # fmt: skip
    assert done.exit_code == 0, done.output
    population = Population.objects.get(campaign=campaign)
    assert population.created_by.username == "mia"
    assert f"Added {population.added_treated} customers" in " ".join(done.stdout.split())
    targets = tmp_path / "targets.csv"
    targets.write_text("partner_number\nP001\nNOPE\n", encoding="utf-8")
    listed_run = runner.invoke(app, ["campaigns", "populate", str(campaign.pk), "--list",
                                     str(targets)])  # fmt: skip
    assert listed_run.exit_code == 0 and "no such business partner" in listed_run.output
    assert Contact.objects.filter(campaign=campaign, partner__number="P001").exists()
    both = runner.invoke(app, ["campaigns", "populate", str(campaign.pk), "--segment", "A",
                               "--search", "High churn risk"])  # fmt: skip
    assert both.exit_code == 2 and "exactly one" in both.output
    unknown = runner.invoke(app, ["campaigns", "populate", "nope", "--segment", "A"])
    assert unknown.exit_code == 2 and "no campaign 'nope'" in unknown.output
    shown = runner.invoke(app, ["campaigns", "effectiveness", str(campaign.pk)])
    assert shown.exit_code == 0 and "Retention rate, control" in shown.stdout
    as_json = json.loads(runner.invoke(app, ["campaigns", "effectiveness", str(campaign.pk),
                                             "--json"]).stdout)  # fmt: skip
    # P001 came from the list: in either group, depending on its id's draw
    assert as_json["contacts_treated"] + as_json["contacts_control"] == (
        population.added_treated + population.added_control + 1
    )


# --- demo data ------------------------------------------------------------------------------


def test_demo_campaigns_are_created_once(partners, make_user):
    from rich.console import Console

    from tenure.cli.demo_campaigns import CAMPAIGN_NAME, demo_campaigns

    for name, role in (("agent", "agent"), ("agent2", "agent"), ("marketing", "marketing")):
        make_user(role, name)
    for partner in partners[:10]:
        make_dataset(partner, as_of=dt.date(2026, 11, 2), segment="B", risk_class="4")
    console = Console(file=io.StringIO())
    campaign = demo_campaigns(console=console)
    assert (
        campaign is not None
        and campaign.name == CAMPAIGN_NAME
        and campaign.is_running(timezone.localdate())
    )
    assert CampaignTemplate.objects.count() == 4
    assert set(CampaignTemplate.objects.values_list("type", flat=True)) == {
        "retention", "loyalty", "caring",
    }  # fmt: skip
    contacts = Contact.objects.filter(campaign=campaign)
    assert contacts.count() == 20  # 10 now in segment B at very high risk, 10 in A at high risk
    assert (
        contacts.filter(group="control").count()
        == Population.objects.get(campaign=campaign).added_control
    )
    treated = contacts.filter(group="treated")
    assert set(treated.values_list("agent__username", flat=True)) == {"agent", "agent2"}
    assert treated.exclude(status="open").exists()
    assert demo_campaigns(console=console) == campaign
    assert Campaign.objects.filter(name=CAMPAIGN_NAME).count() == 1


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", ["Wirksamkeit von", "Kontrollgruppe", "Prozentpunkte", "Arbeit pro Tag"]),
        ("it", ["Efficacia di", "Gruppo di controllo", "punti percentuali", "Lavoro al giorno"]),
    ],
)
def test_pages_are_translated(client_as, make_user, campaign, partners, language, expected):
    from django.conf import settings
    from django.utils import translation

    _worked_campaign(campaign, partners, make_user)
    reader = client_as("marketing")
    try:
        html = reader.get(f"/campaigns/{campaign.pk}/effectiveness/",
                          headers={"Accept-Language": language}).content.decode()  # fmt: skip
        for text in expected:
            assert text in html, text
        detail = reader.get(f"/campaigns/{campaign.pk}/",
                            headers={"Accept-Language": language}).content.decode()  # fmt: skip
        assert ("Offen" if language == "de" else "Aperto") in detail  # the status, not the verb
    finally:
        translation.activate(settings.LANGUAGE_CODE)


def test_german_pages_write_the_interval_with_decimal_commas(
    client_as, make_user, campaign, partners
):
    from django.conf import settings
    from django.utils import translation

    _worked_campaign(campaign, partners, make_user)
    reader = client_as("marketing")
    contact = Contact.objects.filter(campaign=campaign, group="treated").first()
    try:
        page = reader.get(f"/campaigns/{campaign.pk}/effectiveness/",
                          headers={"Accept-Language": "de"})  # fmt: skip
        summary = reader.get(f"/retention/partners/{contact.partner.number}/crm-summary/",
                             headers={"Accept-Language": "de"}).content.decode()  # fmt: skip
    finally:
        translation.activate(settings.LANGUAGE_CODE)
    low, high, words = page.context["low"], page.context["high"], page.context["lift_words"]
    assert "," in low and "," in high and "." not in low + high, (low, high)
    assert f"{low} bis {high} Punkte" in words
    html = page.content.decode()
    assert f"{low} … {high}" in html
    history = summary.split('data-testid="campaign-history"')[1].split("</table>")[0]
    assert "95-%-Intervall" in history and "Pkt." in history
    interval = history.split("95-%-Intervall ")[1].split(")")[0]
    assert "," in interval and "." not in interval, interval


# --- targeting by predicted uplift ----------------------------------------------------------


def test_populate_keeps_the_top_by_predicted_uplift_in_page_api_and_cli(
    template, client_as, api_as
):
    from tenure.campaigns.tests.test_uplift import TODAY, make_base
    from tenure.campaigns.uplift import source_from_uplift, uplift_run_train
    from tenure.cli.demo_uplift import load_demo_uplift_campaign
    from tenure.cli.main import app

    finished = load_demo_uplift_campaign(numbers=make_base(1_600), seed=11, today=TODAY)
    run = uplift_run_train(finished, as_of=TODAY)
    campaign = campaign_from_template(template, name="Persuadables", starts_on=timezone.localdate(),
                                      owner=None, control_share=0.2, control_seed=5)  # fmt: skip
    expected = source_from_uplift(run, source_from_segment("A"), top=40)
    marketing = client_as("marketing")
    page = marketing.get(f"/campaigns/{campaign.pk}/populate/").content.decode()
    assert 'data-testid="uplift-targeting"' in page and f"uplift run {run.pk}" in page
    choice = {"source": "segment", "segment": "A", "uplift_run": str(run.pk)}
    missing = csrf_post(marketing, f"/campaigns/{campaign.pk}/populate/",
                        {**choice, "action": "preview"}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert "Give either a number of targets or a share." in missing.content.decode()
    preview = csrf_post(marketing, f"/campaigns/{campaign.pk}/populate/",
                        {**choice, "uplift_top": "40", "action": "preview"},
                        HTTP_HX_REQUEST="true")  # fmt: skip
    plan = preview.context["plan"]
    assert plan.matched == 40 and preview.context["source_label"] == expected.label
    assert set(plan.treated_ids) | set(plan.control_ids) <= set(expected.partner_ids)
    # the API gives the same plan
    body = {"segment": "A", "uplift_run": run.pk, "uplift_top": 40}
    api = api_as("marketing").post(f"/api/v1/campaigns/{campaign.pk}/preview", body,
                                   content_type="application/json").json()  # fmt: skip
    assert (api["matched"], api["treated"], api["control"]) == (40, plan.treated, plan.control)
    # and the CLI adds it
    done = CliRunner().invoke(app, ["campaigns", "populate", str(campaign.pk), "--segment", "A",
                                    "--uplift-run", str(run.pk), "--top", "40"])  # fmt: skip
    assert done.exit_code == 0, done.output
    added = set(Contact.objects.filter(campaign=campaign).values_list("partner_id", flat=True))
    assert added == set(plan.treated_ids) | set(plan.control_ids)
    assert Population.objects.get(campaign=campaign).source == expected.label[:200]
    # analysts read uplift runs but do not populate campaigns
    assert api_as("analyst").post(f"/api/v1/campaigns/{campaign.pk}/preview", body,
                                  content_type="application/json").status_code == 403  # fmt: skip


# --- the administrator's campaign settings ----------------------------------------------------


def test_the_opt_in_channels_are_chosen_from_the_channels_there_are(client_as):
    from tenure.campaigns.models import CampaignSettings

    settings_row = CampaignSettings.current()
    admin = client_as("admin")
    path = f"/admin/campaigns/campaignsettings/{settings_row.pk}/change/"
    page = admin.get(path).content.decode()
    assert 'type="checkbox" name="opt_in_channels" value="phone"' in page
    token = admin.cookies["csrftoken"].value
    saved = admin.post(path, {"contact_pressure_days": "14", "opt_in_channels": ["phone", "sms"],
                              "csrfmiddlewaretoken": token})  # fmt: skip
    assert saved.status_code == 302
    settings_row.refresh_from_db()
    assert (settings_row.contact_pressure_days, settings_row.opt_in_channels) == (
        14, ["phone", "sms"],
    )  # fmt: skip
    refused = admin.post(path, {"contact_pressure_days": "14",
                                "opt_in_channels": '["telephone"]',
                                "csrfmiddlewaretoken": token})  # fmt: skip
    assert refused.status_code == 200
    assert "opt_in_channels" in refused.context["adminform"].form.errors
    settings_row.refresh_from_db()
    assert settings_row.opt_in_channels == ["phone", "sms"]


def test_the_populate_page_states_the_pressure_window_and_the_consent_rule(client_as, campaign):
    from tenure.campaigns.models import CampaignSettings

    CampaignSettings.objects.update_or_create(
        pk=1, defaults={"contact_pressure_days": 14, "opt_in_channels": ["email"]}
    )
    marketing = client_as("marketing")
    path = f"/campaigns/{campaign.pk}/populate/"
    rules = marketing.get(path).content.decode().split('data-testid="populate-rules">')[1]
    rules = rules.split("</p>")[0]
    assert "contacted by a campaign in the last 14 days" in rules
    assert "Channel Phone: everyone is contacted except customers who refused it." in rules
    assert "20.0 % are held out" in rules
    campaign.channel = "email"
    campaign.save()
    rules = marketing.get(path).content.decode().split('data-testid="populate-rules">')[1]
    assert "Channel E-mail: only customers who granted their consent are contacted." in rules
