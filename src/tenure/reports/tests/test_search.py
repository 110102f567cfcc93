"""The advanced search engine: every field and operator with its boundaries, AND / OR, the current
dataset only, the result rows (paged, sorted) and the validation errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from tests.factories import make_dataset, make_partner

from tenure.campaigns.models import Campaign, Contact
from tenure.cti.models import Call
from tenure.customervalue.models import CustomerValueDataset
from tenure.partners.models import BusinessPartner, ChannelConsent
from tenure.reports.search import (
    CriteriaError,
    add_months,
    iter_rows,
    parse_criteria,
    partner_search,
    search_rows,
)
from tenure.retention.models import PartnerIndicator

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def found(*conditions: dict[str, Any], match: str = "all", text: str = "") -> set[str]:
    criteria = parse_criteria({"match": match, "conditions": list(conditions), "text": text})
    return set(partner_search(criteria).values_list("number", flat=True))


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


@pytest.fixture
def base() -> dict[str, BusinessPartner]:
    """Four partners with a current dataset each; P1 also has an older, different one."""
    p1 = make_partner("P1", name="Anna Alt", city="Leipzig", postcode="04109", country="DE",
                      email="anna@example.org")  # fmt: skip
    p2 = make_partner("P2", name="Bruno Berg", city="Milano", postcode="20121", country="IT")
    p3 = make_partner("P3", name="Carla Conti", city="Leipzig", postcode="04315", country="DE")
    p4 = make_partner("P4", name="Dora Dorn", city="Bad Leipzig", postcode="99999", country="AT")
    make_dataset(p1, as_of=dt.date(2026, 1, 1), segment="D", customer_value=1, risk_class="4",
                 churn_score=95, bad_debt_score=0.9)  # fmt: skip
    make_dataset(p1, as_of=dt.date(2026, 10, 1), segment="A", customer_value=10, risk_class="1",
                 churn_score=0, bad_debt_score=0.0)  # fmt: skip
    make_dataset(p2, segment="B", customer_value=7, risk_class="2", churn_score=40,
                 bad_debt_score=0.25)  # fmt: skip
    make_dataset(p3, segment="C", customer_value=4, risk_class="3", churn_score=60,
                 bad_debt_score=0.5)  # fmt: skip
    make_dataset(p4, segment="D", customer_value=None, risk_class="4", churn_score=100)
    CustomerValueDataset.objects.filter(partner=p1).update(clv=1000.0)
    CustomerValueDataset.objects.filter(partner=p2).update(clv=250.5)
    return {"P1": p1, "P2": p2, "P3": p3, "P4": p4}


def test_no_conditions_find_everyone(base) -> None:
    assert found() == {"P1", "P2", "P3", "P4"}


def test_segment_and_risk_class_read_the_current_dataset_only(base) -> None:
    assert found(cond("segment", "in", ["A"])) == {"P1"}
    assert found(cond("segment", "in", ["D"])) == {"P4"}  # P1's older dataset was D
    assert found(cond("segment", "in", ["B", "C"])) == {"P2", "P3"}
    assert found(cond("risk_class", "in", ["4"])) == {"P4"}
    assert found(cond("risk_class", "in", ["1", "2"])) == {"P1", "P2"}


def test_the_newest_as_of_wins_then_the_highest_id(base) -> None:
    p2 = base["P2"]
    make_dataset(p2, as_of=dt.date(2026, 11, 1), segment="C", churn_score=41)  # same as_of, later
    assert found(cond("segment", "in", ["C"])) == {"P2", "P3"}
    assert found(cond("churn_score", "between", [40, 40])) == set()


@pytest.mark.parametrize(
    ("field", "bounds", "expected"),
    [
        ("customer_value", [7, 10], {"P1", "P2"}),
        ("customer_value", [None, 4], {"P3"}),  # P4 has no value: never matches a range
        ("customer_value", [4, 4], {"P3"}),
        ("churn_score", [60, None], {"P3", "P4"}),
        ("churn_score", [None, 0], {"P1"}),  # P1's older score 95 does not count
        ("churn_score", [40, 60], {"P2", "P3"}),
        ("churn_score", [100, 100], {"P4"}),
        ("clv", [250.5, None], {"P1", "P2"}),
        ("clv", [250.6, 999.99], set()),
        ("bad_debt_score", [0.25, 0.5], {"P2", "P3"}),
        ("bad_debt_score", [None, 0], {"P1"}),
    ],
)
def test_ranges_include_both_bounds(base, field, bounds, expected) -> None:
    assert found(cond(field, "between", bounds)) == expected


def test_all_and_any(base) -> None:
    conditions = (cond("segment", "in", ["A", "C"]), cond("city", "in", ["leipzig"]))
    assert found(*conditions) == {"P1", "P3"}
    assert found(cond("segment", "in", ["B"]), cond("city", "in", ["Leipzig"])) == set()
    assert found(cond("segment", "in", ["B"]), cond("city", "in", ["Leipzig"]),
                 match="any") == {"P1", "P2", "P3"}  # fmt: skip
    # dataset and partner conditions mixed under OR: the dataset ones combine on the current row
    assert found(cond("churn_score", "between", [99, None]), cond("customer_value", "between",
                 [10, 10]), cond("country", "in", ["IT"]), match="any") == {"P1", "P2", "P4"}  # fmt: skip
    assert found(cond("churn_score", "between", [50, None]), cond("customer_value", "between",
                 [1, 5])) == {"P3"}  # fmt: skip


def test_free_text_is_anded_with_the_conditions(base) -> None:
    assert found(text="leipzig") == {"P1", "P3", "P4"}
    assert found(text="ANNA@") == {"P1"}
    assert found(text="p2") == {"P2"}
    assert found(text="0431") == {"P3"}
    assert found(cond("segment", "in", ["D"]), text="leipzig") == {"P4"}
    assert found(cond("segment", "in", ["B"]), cond("segment", "in", ["C"]), match="any",
                 text="Conti") == {"P3"}  # fmt: skip


def test_postcode_city_and_country(base) -> None:
    assert found(cond("postcode", "starts_with", "04")) == {"P1", "P3"}
    assert found(cond("postcode", "starts_with", "041")) == {"P1"}
    assert found(cond("city", "in", ["LEIPZIG", "milano"])) == {"P1", "P2", "P3"}
    assert found(cond("city", "contains", "leip")) == {"P1", "P3", "P4"}
    assert found(cond("country", "in", ["de", "AT"])) == {"P1", "P3", "P4"}


def test_traffic_light_and_nps_band(base) -> None:
    PartnerIndicator.objects.create(partner=base["P1"], traffic_light="red", nps=6)
    PartnerIndicator.objects.create(partner=base["P2"], traffic_light="yellow", nps=7)
    PartnerIndicator.objects.create(partner=base["P3"], traffic_light="", nps=9)
    assert found(cond("traffic_light", "in", ["red"])) == {"P1"}
    assert found(cond("traffic_light", "in", ["red", "yellow"])) == {"P1", "P2"}
    assert found(cond("traffic_light", "in", ["none"])) == {"P3", "P4"}
    assert found(cond("traffic_light", "in", ["green", "none"])) == {"P3", "P4"}
    assert found(cond("nps_band", "in", ["red"])) == {"P1"}  # 6 is a detractor
    assert found(cond("nps_band", "in", ["yellow"])) == {"P2"}  # 7 is passive
    assert found(cond("nps_band", "in", ["green"])) == {"P3"}  # 9 is a promoter
    assert found(cond("nps_band", "in", ["none"])) == {"P4"}
    PartnerIndicator.objects.filter(partner=base["P2"]).update(nps=8)
    PartnerIndicator.objects.filter(partner=base["P3"]).update(nps=None)
    assert found(cond("nps_band", "in", ["yellow"])) == {"P2"}
    assert found(cond("nps_band", "in", ["none"])) == {"P3", "P4"}
    PartnerIndicator.objects.filter(partner=base["P1"]).update(nps=0)
    PartnerIndicator.objects.filter(partner=base["P2"]).update(nps=10)
    assert found(cond("nps_band", "in", ["red", "green"])) == {"P1", "P2"}
    # under OR, partners without an indicator row are still found by other conditions
    assert found(cond("traffic_light", "in", ["red"]), cond("country", "in", ["AT"]),
                 match="any") == {"P1", "P4"}  # fmt: skip


def test_tenure_in_full_months(base) -> None:
    BusinessPartner.objects.filter(pk=base["P1"].pk).update(customer_since=add_months(TODAY, -12))
    BusinessPartner.objects.filter(pk=base["P2"].pk).update(
        customer_since=add_months(TODAY, -12) + dt.timedelta(days=1)  # 11 full months
    )
    BusinessPartner.objects.filter(pk=base["P3"].pk).update(customer_since=TODAY)
    assert found(cond("tenure_months", "between", [12, None])) == {"P1"}
    assert found(cond("tenure_months", "between", [11, 11])) == {"P2"}
    assert found(cond("tenure_months", "between", [None, 11])) == {"P2", "P3"}
    assert found(cond("tenure_months", "between", [0, 0])) == {"P3"}  # P4: no start date


def test_add_months_clamps_the_day() -> None:
    assert add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 1, 15), -13) == dt.date(2024, 12, 15)
    assert add_months(dt.date(2026, 12, 31), 0) == dt.date(2026, 12, 31)


def test_last_contact_from_calls_and_worked_contacts(base) -> None:
    now = timezone.now()
    call = Call.objects.create(call_id="c1", state="ended", extension="10", partner=base["P1"])
    Call.objects.filter(pk=call.pk).update(created_at=now - dt.timedelta(days=10))
    old = Call.objects.create(call_id="c2", state="ended", extension="10", partner=base["P2"])
    Call.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=40))
    campaign = Campaign.objects.create(name="Calls", type="caring", starts_on=TODAY)
    Contact.objects.create(campaign=campaign, partner=base["P3"], status="reached",
                           worked_at=now - dt.timedelta(days=29, hours=23))  # fmt: skip
    Contact.objects.create(campaign=campaign, partner=base["P4"])  # never worked
    assert found(cond("last_contact_days", "within", 30)) == {"P1", "P3"}
    assert found(cond("last_contact_days", "within", 9)) == set()
    assert found(cond("last_contact_days", "within", 41)) == {"P1", "P2", "P3"}
    assert found(cond("last_contact_days", "not_within", 30)) == {"P2", "P4"}
    assert found(cond("last_contact_days", "not_within", 5)) == {"P1", "P2", "P3", "P4"}


def test_campaign_history(base) -> None:
    running_retention = Campaign.objects.create(
        name="Retention now", type="retention", starts_on=TODAY - dt.timedelta(days=5)
    )
    ended_retention = Campaign.objects.create(
        name="Retention last year", type="retention", starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 2, 1),
    )  # fmt: skip
    running_caring = Campaign.objects.create(name="Caring", type="caring", starts_on=TODAY)
    inactive = Campaign.objects.create(name="Paused", type="loyalty", starts_on=TODAY, active=False)
    Contact.objects.create(campaign=running_retention, partner=base["P1"], group="control")
    Contact.objects.create(campaign=ended_retention, partner=base["P2"])
    Contact.objects.create(campaign=running_caring, partner=base["P3"])
    Contact.objects.create(campaign=inactive, partner=base["P4"])
    assert found(cond("campaign", "in_campaign", ended_retention.pk)) == {"P2"}
    assert found(cond("campaign", "in_running_type", "retention")) == {"P1"}  # control too
    assert found(cond("campaign", "in_running_type", "loyalty")) == set()  # inactive
    assert found(cond("campaign", "never_in_type", "retention")) == {"P3", "P4"}
    assert found(cond("campaign", "never_in_type", "loyalty")) == {"P1", "P2", "P3"}
    assert found(cond("campaign", "not_in_running", None)) == {"P2", "P4"}
    assert found(cond("campaign", "not_in_running", "caring")) == {"P1", "P2", "P4"}


def test_customer_status(base) -> None:
    BusinessPartner.objects.filter(pk=base["P1"].pk).update(left_on=TODAY)
    BusinessPartner.objects.filter(pk=base["P2"].pk).update(left_on=TODAY + dt.timedelta(days=1))
    assert found(cond("customer_status", "in", ["left"])) == {"P1"}
    assert found(cond("customer_status", "in", ["active"])) == {"P2", "P3", "P4"}
    assert found(cond("customer_status", "in", ["active", "left"])) == {"P1", "P2", "P3", "P4"}


def test_consent(base) -> None:
    now = timezone.now()
    ChannelConsent.objects.create(partner=base["P1"], channel="email", granted=True,
                                  recorded_at=now)  # fmt: skip
    ChannelConsent.objects.create(partner=base["P2"], channel="email", granted=False,
                                  recorded_at=now)  # fmt: skip
    ChannelConsent.objects.create(partner=base["P3"], channel="sms", granted=True, recorded_at=now)
    assert found(cond("consent", "granted", "email")) == {"P1"}
    assert found(cond("consent", "not_refused", "email")) == {"P1", "P3", "P4"}
    assert found(cond("consent", "granted", "sms")) == {"P3"}


def test_the_partner_ids_work_as_a_subquery(base) -> None:
    criteria = parse_criteria({"conditions": [cond("churn_score", "between", [50, None])]})
    ids = partner_search(criteria).values_list("id", flat=True)
    assert set(BusinessPartner.objects.filter(id__in=ids).values_list("number", flat=True)) == {
        "P3",
        "P4",
    }


# --- the result rows -------------------------------------------------------------------------


def test_rows_show_the_current_dataset_and_indicators(base) -> None:
    PartnerIndicator.objects.create(partner=base["P1"], traffic_light="green", nps=10)
    page = search_rows(parse_criteria({"text": "P1"}))
    assert page.total == 1
    (row,) = page.rows
    assert row["number"] == "P1" and row["segment"] == "A" and row["churn_score"] == 0
    assert row["customer_value"] == 10 and row["risk_class"] == "1" and row["clv"] == 1000.0
    assert row["traffic_light"] == "green" and row["nps"] == 10


def test_rows_are_paged_and_sorted(base) -> None:
    criteria = parse_criteria({})
    page = search_rows(criteria, order="-churn_score", page=1, page_size=3)
    assert [row["number"] for row in page.rows] == ["P4", "P3", "P2"]
    assert (page.total, page.pages, page.has_next, page.first, page.last) == (4, 2, True, 1, 3)
    page = search_rows(criteria, order="-churn_score", page=2, page_size=3)
    assert [row["number"] for row in page.rows] == ["P1"]
    page = search_rows(criteria, order="customer_value", page_size=10)
    assert [row["number"] for row in page.rows] == ["P3", "P2", "P1", "P4"]  # empty last
    page = search_rows(criteria, order="-customer_value", page_size=10)
    assert [row["number"] for row in page.rows] == ["P1", "P2", "P3", "P4"]  # empty last too
    assert [r["number"] for r in search_rows(criteria, order="-number").rows] == [
        "P4", "P3", "P2", "P1",
    ]  # fmt: skip
    assert [r["number"] for r in search_rows(criteria, order="city").rows][-1] == "P2"
    assert search_rows(criteria, page=99, page_size=3).page == 2  # past the end: the last page
    last = search_rows(criteria, order="-churn_score", page=99, page_size=3)
    assert (last.page, last.total, [row["number"] for row in last.rows]) == (2, 4, ["P1"])
    empty = search_rows(parse_criteria({"text": "nobody"}), order="-churn_score")
    assert (empty.page, empty.total, empty.rows) == (1, 0, [])


def test_iter_rows_yields_every_row_in_order(base) -> None:
    rows = list(iter_rows(parse_criteria({}), order="segment", chunk=2))
    assert [row["segment"] for row in rows] == ["A", "B", "C", "D"]


@pytest.mark.parametrize("order", ["", "bogus", "-"])
def test_unknown_sort_column(base, order) -> None:
    if order == "":
        assert search_rows(parse_criteria({}), order=order).order == "number"
        return
    with pytest.raises(CriteriaError, match="unknown column"):
        search_rows(parse_criteria({}), order=order)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ([], "criteria", "must be a JSON object"),
        ({"match": "some"}, "match", "must be 'all' or 'any'"),
        ({"colour": 1}, "criteria", "unknown key(s): colour"),
        ({"text": 5}, "text", "must be a string"),
        ({"conditions": {}}, "conditions", "must be a list"),
        ({"conditions": ["x"]}, "conditions.0", "condition 1: must be an object"),
        ({"conditions": [cond("shoe_size", "in", [1])]}, "conditions.0.field",
         "condition 1 (field): unknown field 'shoe_size'"),
        ({"conditions": [cond("segment", "between", [1, 2])]}, "conditions.0.op",
         "unknown operator 'between' for segment; use one of: in"),
        ({"conditions": [cond("segment", "in", ["A"]), cond("segment", "in", ["Z"])]},
         "conditions.1.value", "condition 2 (value): segment: unknown value(s) Z"),
        ({"conditions": [cond("segment", "in", [])]}, "conditions.0.value", "non-empty list"),
        ({"conditions": [cond("churn_score", "between", [80, 20])]}, "conditions.0.value",
         "from 80 is greater than to 20"),
        ({"conditions": [cond("churn_score", "between", [None, None])]}, "conditions.0.value",
         "at least one bound"),
        ({"conditions": [cond("churn_score", "between", [0, 101])]}, "conditions.0.value",
         "101 is outside 0..100"),
        ({"conditions": [cond("customer_value", "between", [0, 5])]}, "conditions.0.value",
         "0 is outside 1..10"),
        ({"conditions": [cond("churn_score", "between", ["high", 5])]}, "conditions.0.value",
         "from must be a number"),
        ({"conditions": [cond("churn_score", "between", 50)]}, "conditions.0.value",
         "give [from, to]"),
        ({"conditions": [cond("traffic_light", "in", ["blue"])]}, "conditions.0.value",
         "unknown value(s) blue"),
        ({"conditions": [cond("nps_band", "in", ["promoter"])]}, "conditions.0.value",
         "unknown value(s) promoter"),
        ({"conditions": [cond("last_contact_days", "within", -1)]}, "conditions.0.value",
         "whole number of days"),
        ({"conditions": [cond("last_contact_days", "within", 2.5)]}, "conditions.0.value",
         "whole number of days"),
        ({"conditions": [cond("postcode", "starts_with", " ")]}, "conditions.0.value",
         "non-empty text"),
        ({"conditions": [cond("country", "in", ["Germany"])]}, "conditions.0.value",
         "two-letter ISO"),
        ({"conditions": [cond("campaign", "in_campaign", 999)]}, "conditions.0.value",
         "there is no campaign 999"),
        ({"conditions": [cond("campaign", "in_running_type", "winback")]}, "conditions.0.value",
         "unknown campaign type 'winback'"),
        ({"conditions": [cond("customer_status", "in", ["gone"])]}, "conditions.0.value",
         "unknown value(s) gone"),
        ({"conditions": [cond("consent", "granted", "fax")]}, "conditions.0.value",
         "unknown channel 'fax'"),
        ({"conditions": [{"field": "city", "op": "in", "value": ["X"], "x": 1}]}, "conditions.0",
         "unknown key(s): x"),
    ],
)  # fmt: skip
def test_bad_criteria_name_the_condition_field_and_reason(data, path, message) -> None:
    with pytest.raises(CriteriaError) as raised:
        parse_criteria(data)
    assert raised.value.path == path
    assert message in str(raised.value)


def test_criteria_round_trip_through_json() -> None:
    data = {
        "match": "any",
        "conditions": [cond("churn_score", "between", [60, None]),
                       cond("city", "in", ["Leipzig"]), cond("campaign", "not_in_running", None)],
        "text": "  anna ",
    }  # fmt: skip
    criteria = parse_criteria(data)
    assert criteria.text == "anna"
    assert parse_criteria(criteria.as_json()) == criteria
    assert criteria.as_json()["conditions"][0] == cond("churn_score", "between", [60, None])
