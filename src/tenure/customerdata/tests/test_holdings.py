"""Importing product holdings: unknown products and impossible dates are named row by row, valid
rows are kept, a re-import changes nothing, a contract that ends is updated and audited; the API
and the partner's list."""

from __future__ import annotations

import io
import json

import pytest
from auditlog.models import LogEntry
from tests.factories import make_partner

from tenure.customerdata.models import Product, ProductHolding
from tenure.customerdata.selectors import partner_holdings
from tenure.customerdata.services import holding_import_file

pytestmark = pytest.mark.django_db
HEADER = "partner,reference,product,started,ended\n"


@pytest.fixture(autouse=True)
def catalogue() -> None:
    make_partner("4711")
    Product.objects.create(key="fibre-500", name="Fibre 500", category="internet")
    Product.objects.create(key="e-bill", name="E-billing", category="service", features="digital")


def load(text: str):
    return holding_import_file(source=io.BytesIO(text.encode()), file_name="holdings.csv")


def test_bad_rows_are_named_and_good_ones_kept() -> None:
    report = load(
        HEADER
        + "4711,C-1,fibre-500,2025-01-01,\n"  # 2 fine
        + "4711,C-2,tv-max,2025-01-01,\n"  # 3 unknown product
        + "4711,C-3,e-bill,2025-05-01,2025-04-01\n"  # 4 ended before started
        + "4711,C-4,,2025-01-01,\n"  # 5 no product
        + "4711,C-5,e-bill,,\n"  # 6 no start
        + "9999,C-6,e-bill,2025-01-01,\n"  # 7 unknown partner
        + "4711,C-1,e-bill,2025-01-01,\n"  # 8 the contract again
        + "4711,C-7,e-bill,01.03.2025,\n"  # 9 fine (German date)
    )
    found = [(e.row, e.column, e.reason) for e in report.errors]
    assert found == [
        (3, "product", "unknown product 'tv-max' (known: e-bill, fibre-500)"),
        (4, "ended", "before the start date 2025-05-01"),
        (5, "product", "product is required"),
        (6, "started", "start date is required"),
        (7, "partner", "unknown business partner"),
        (8, "reference", "delivered twice: the partner's reference is already in row 2"),
    ]
    assert sorted(ProductHolding.objects.values_list("reference", flat=True)) == ["C-1", "C-7"]


def test_re_import_changes_nothing_and_an_ended_contract_is_updated_and_audited() -> None:
    rows = HEADER + "4711,C-1,fibre-500,2025-01-01,\n4711,C-2,e-bill,2025-02-01,\n"
    assert load(rows).accepted == 2
    again = load(rows)
    assert (again.accepted, again.updated, again.duplicates) == (0, 0, 2)
    ended = load(HEADER + "4711,C-1,fibre-500,2025-01-01,2026-06-30\n")
    assert (ended.accepted, ended.updated) == (0, 1)
    holding = ProductHolding.objects.get(reference="C-1")
    assert str(holding.ended) == "2026-06-30"
    entry = LogEntry.objects.get_for_object(holding).latest("timestamp")
    assert "2026-06-30" in str(entry.changes)
    listed = partner_holdings(holding.partner_id)
    assert [(e.product, e.is_held) for e in listed] == [("e-bill", True), ("fibre-500", False)]


def test_api_delivers_and_lists_holdings(api_as) -> None:
    admin = api_as("admin")
    body = [
        {"partner": "4711", "reference": "C-9", "product": "e-bill", "started": "2025-03-01"},
        {"partner": "4711", "reference": "C-10", "product": "nope", "started": "2025-03-01"},
    ]
    answer = admin.post(
        "/api/v1/holdings", json.dumps(body), content_type="application/json"
    ).json()
    assert answer["accepted"] == 1
    assert answer["rejected"][0]["index"] == 1 and answer["rejected"][0]["field"] == "product"
    listed = api_as("agent").get("/api/v1/partners/4711/holdings").json()
    assert [(h["product"], h["product_name"], h["is_held"]) for h in listed] == [
        ("e-bill", "E-billing", True)
    ]
    assert (
        api_as("agent")
        .post("/api/v1/holdings", json.dumps(body), content_type="application/json")
        .status_code
        == 403
    )
    assert api_as("agent").get("/api/v1/partners/0000/holdings").status_code == 404
