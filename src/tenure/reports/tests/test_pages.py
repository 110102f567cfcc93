"""The advanced search pages through the real stack: builder, results, saved searches, exports,
and who may do what."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook
from tests.factories import make_dataset, make_partner

from tenure.reports.models import SavedSearch
from tenure.retention.models import PartnerIndicator

pytestmark = pytest.mark.django_db
URL = "/reports/"
CHURNY = {
    "match": "all",
    "conditions": [{"field": "churn_score", "op": "between", "value": [50, None]}],
    "text": "",
}


@pytest.fixture(autouse=True)
def partners() -> None:
    for index in range(30):
        partner = make_partner(f"P{index:03d}", name=f"Partner {index:02d}", city="Leipzig",
                               postcode=f"04{index:03d}", email=f"p{index}@example.org")  # fmt: skip
        make_dataset(partner, segment="ABCD"[index % 4], churn_score=index * 3,
                     customer_value=1 + index % 10, risk_class="1234"[index % 4])  # fmt: skip
    PartnerIndicator.objects.create(partner_id=make_partner("P999", name="Zoe Ünal").pk,
                                    traffic_light="red", nps=3)  # fmt: skip


def post(client: Client, path: str, data: dict[str, str]):
    client.get("/accounts/login/")
    return client.post(path, data, headers={"X-CSRFToken": client.cookies["csrftoken"].value})


def builder_query(**extra: str) -> dict[str, str]:
    return {"match": "all", "c-0-field": "churn_score", "c-0-op": "between", "c-0-from": "50",
            "c-0-to": "", **extra}  # fmt: skip


@pytest.mark.parametrize("role", ["marketing", "analyst", "admin"])
def test_the_page_is_there_for_marketing_and_analysts(client_as, role) -> None:
    page = client_as(role).get(URL).content.decode()
    assert 'data-testid="search-form"' in page and "Advanced search" in page
    assert 'href="/reports/"' in page  # the menu entry


def test_agents_cannot_search(client_as) -> None:
    agent = client_as("agent")
    assert agent.get(URL).status_code == 403
    assert agent.get(URL + "saved/").status_code == 403
    assert agent.get(URL + "export.csv").status_code == 403
    assert 'href="/reports/"' not in agent.get("/partners/").content.decode()
    response = post(agent, URL + "saved/new/", {"name": "x", "criteria": json.dumps(CHURNY)})
    assert response.status_code == 403


def test_builder_runs_the_search_with_counts_and_pages(client_as) -> None:
    client = client_as("marketing")
    page = client.get(URL, builder_query(size="25")).content.decode()
    # churn scores 0, 3, …, 87: from 51 upwards are indices 17..29 = 13 partners
    assert "13 partners found" in page
    assert page.count('<tr>\n      <td><a href="/partners/') == 13
    page = client.get(URL, builder_query(size="25", order="-churn_score")).content.decode()
    assert page.index("P029") < page.index("P017")
    page = client.get(URL, {"q": "Partner 0"}).content.decode()  # free text, no condition
    assert "10 partners found" in page


def test_paging_and_sorting_keep_the_search(client_as) -> None:
    client = client_as("analyst")
    page = client.get(URL, {"match": "all", "size": "25", "order": "-number"}).content.decode()
    assert "31 partners found" in page and "Page 1 of 2" in page
    assert "P999" in page and "P000" not in page
    assert 'data-testid="next-page"' in page
    second = client.get(URL, {"match": "all", "size": "25", "order": "-number", "page": "2"})
    assert "P000" in second.content.decode() and "P999" not in second.content.decode()


def test_htmx_gets_the_fragment_and_rows_can_be_added_and_removed(client_as) -> None:
    client = client_as("marketing")
    headers = {"HX-Request": "true", "HX-Target": "search-area"}
    fragment = client.get(URL, builder_query(add="1"), headers=headers).content.decode()
    assert "<html" not in fragment
    assert fragment.count('data-testid="condition"') == 2
    assert "has no value yet and is not applied" in fragment  # the new row is empty
    assert "13 partners found" in fragment
    removed = client.get(URL, builder_query(remove="0"), headers=headers).content.decode()
    assert removed.count('data-testid="condition"') == 0 and "31 partners found" in removed
    results = client.get(URL, builder_query(), headers={"HX-Request": "true",
                                                       "HX-Target": "results"})  # fmt: skip
    assert 'data-testid="search-form"' not in results.content.decode()


def test_bad_values_show_the_reason(client_as) -> None:
    page = client_as("marketing").get(URL, builder_query(**{"c-0-from": "90", "c-0-to": "10"}))
    text = page.content.decode()
    assert "condition 1 (value): churn_score: from 90 is greater than to 10" in text
    assert 'data-testid="search-results"' not in text


def test_labels_stand_beside_colours(client_as) -> None:
    page = client_as("marketing").get(URL, {"q": "Zoe"}).content.decode()
    assert "red – critical" in page and "3 · detractor" in page


def test_save_load_update_and_delete_a_search(client_as) -> None:
    client = client_as("marketing")
    response = post(client, URL + "saved/new/", {"name": "Churny", "criteria": json.dumps(CHURNY)})
    saved = SavedSearch.objects.get(name="Churny")
    assert response.status_code == 302 and response["Location"] == f"/reports/?saved={saved.pk}"
    assert saved.owner.username == "marketing" and saved.shared
    page = client.get(f"/reports/?saved={saved.pk}").content.decode()
    assert "13 partners found" in page and 'value="50"' in page
    assert f'href="/campaigns/new/?search={saved.pk}"' in page
    # a changed search can update the saved one; the campaign link waits for that
    changed = client.get(URL, builder_query(saved=str(saved.pk), **{"c-0-from": "80"}))
    assert "The conditions differ from the saved ones." in changed.content.decode()
    assert "/campaigns/new/" not in changed.content.decode()
    new = {**CHURNY, "conditions": [{"field": "churn_score", "op": "between", "value": [80, None]}]}
    post(client, f"/reports/saved/{saved.pk}/update/", {"criteria": json.dumps(new)})
    saved.refresh_from_db()
    assert saved.criteria["conditions"][0]["value"] == [80, None]
    listing = client.get(URL + "saved/").content.decode()
    assert "Churny" in listing and "Churn score between 80 – …" in listing
    # the same name twice is refused with the reason
    again = post(client, URL + "saved/new/", {"name": "churny", "criteria": json.dumps(CHURNY)})
    assert "exists already" in client.get(again["Location"]).content.decode()
    post(client, f"/reports/saved/{saved.pk}/delete/", {})
    assert not SavedSearch.objects.exists()


def test_a_result_goes_into_a_new_campaign_in_one_step_saving_the_search(client_as) -> None:
    """From an unsaved search: name it, and "Save and insert into a new campaign"."""
    client = client_as("marketing")
    page = client.get(URL, builder_query()).content.decode()
    assert 'data-testid="save-and-insert-campaign"' in page
    response = post(client, URL + "saved/new/",
                    {"name": "Churny", "criteria": json.dumps(CHURNY), "then": "campaign"})  # fmt: skip
    saved = SavedSearch.objects.get(name="Churny")
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/new/?search={saved.pk}"
    chooser = client.get(response["Location"]).content.decode()
    assert "Churny" in chooser  # carried on to the campaign's targets
    shown = client.get(f"/reports/?saved={saved.pk}").content.decode()
    assert "save-and-insert-campaign" not in shown  # saved as shown: the plain link is there
    analyst = client_as("analyst")
    assert "save-and-insert-campaign" not in analyst.get(URL, builder_query()).content.decode()
    kept = post(analyst, URL + "saved/new/",
                {"name": "Mine", "criteria": json.dumps(CHURNY), "then": "campaign"})  # fmt: skip
    assert kept["Location"] == f"/reports/?saved={SavedSearch.objects.get(name='Mine').pk}"


def test_analysts_may_save_but_not_link_to_campaigns(client_as) -> None:
    client = client_as("analyst")
    post(client, URL + "saved/new/", {"name": "Mine", "criteria": json.dumps(CHURNY)})
    page = client.get(f"/reports/?saved={SavedSearch.objects.get().pk}").content.decode()
    assert 'data-testid="save-form"' in page and "/campaigns/new/" not in page


def test_private_searches_of_others_stay_hidden(client_as, make_user) -> None:
    other = make_user("marketing", username="someone")
    private = SavedSearch.objects.create(name="Hers", criteria=CHURNY, owner=other, shared=False)
    client = client_as("analyst")
    assert "Hers" not in client.get(URL + "saved/").content.decode()
    assert post(client, f"/reports/saved/{private.pk}/delete/", {}).status_code == 404


def test_csv_export_streams_every_row(client_as) -> None:
    response = client_as("analyst").get(URL + "export.csv", builder_query(order="-churn_score"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="search-' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:8] == ["Partner number", "Name", "Postcode", "City", "E-mail", "Segment",
                           "Customer value", "Churn score"]  # fmt: skip
    assert len(rows) == 14  # the header and all 13, not one page
    assert rows[1][0] == "P029" and rows[1][7] == "87" and rows[1][4] == "p29@example.org"


def test_xlsx_export_has_header_widths_and_rows(client_as) -> None:
    SavedSearch.objects.create(name="Red lights", criteria={"conditions": [
        {"field": "traffic_light", "op": "in", "value": ["red"]}]})  # fmt: skip
    saved = SavedSearch.objects.get()
    response = client_as("marketing").get(URL + "export.xlsx", {"saved": saved.pk})
    assert response.status_code == 200
    assert "Red-lights-" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "Partner number" and header[-1] == "Customer value as of"
    assert sheet["A1"].font.bold and sheet.column_dimensions["B"].width == 32
    assert sheet.max_row == 2
    assert [sheet["A2"].value, sheet["B2"].value, sheet["L2"].value, sheet["M2"].value] == [
        "P999", "Zoe Ünal", "red – critical", 3,
    ]  # fmt: skip


def test_exports_of_bad_criteria_say_why(client_as) -> None:
    response = client_as("marketing").get(URL + "export.csv", builder_query(**{"c-0-from": "x"}))
    assert response.status_code == 400 and b"from must be a number" in response.content
    assert client_as("marketing").get(URL + "export.pdf").status_code == 404
