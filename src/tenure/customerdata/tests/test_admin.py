"""The admin lists imported payments and complaints, searchable by partner number, read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.factories import make_partner

from tenure.customerdata.tests.factories import make_complaint, make_payment

pytestmark = pytest.mark.django_db


def test_lists_are_searchable_by_partner_number_and_read_only(client_as) -> None:
    payment = make_payment(make_partner("4711"), due=dt.date(2026, 11, 15), reference="RE-1")
    make_payment(
        make_partner("4712", "Max Mustermann"), due=dt.date(2026, 11, 15), reference="RE-2"
    )
    complaint = make_complaint(payment.partner, opened=dt.date(2026, 11, 2), subject="Outage")
    admin = client_as("admin")
    found = admin.get("/admin/customerdata/payment/?q=4711&paid_date__isempty=1").content.decode()
    assert "RE-1" in found and "RE-2" not in found
    listed = admin.get("/admin/customerdata/complaint/?severity__exact=minor").content.decode()
    assert "Outage" in listed
    assert admin.get("/admin/customerdata/payment/add/").status_code == 403
    shown = admin.get(f"/admin/customerdata/complaint/{complaint.pk}/change/")
    assert shown.status_code == 200 and b'name="_save"' not in shown.content
    assert client_as("agent").get("/admin/customerdata/payment/").status_code == 302


def test_products_are_kept_in_the_admin_and_holdings_are_read_only(client_as) -> None:
    from auditlog.models import LogEntry

    from tenure.customerdata.models import Product, ProductHolding

    admin = client_as("admin")
    page = admin.get("/admin/customerdata/product/add/")
    token = admin.cookies["csrftoken"].value
    saved = admin.post(
        "/admin/customerdata/product/add/",
        {"key": "fibre-500", "name": "Fibre 500", "category": "internet", "features": "fibre",
         "active": "on", "csrfmiddlewaretoken": token},
    )  # fmt: skip
    assert page.status_code == 200 and saved.status_code == 302
    product = Product.objects.get(key="fibre-500")
    assert LogEntry.objects.get_for_object(product).count() == 1  # audited
    assert admin.get("/admin/customerdata/productholding/add/").status_code == 403
    assert admin.get("/admin/customerdata/productholding/").status_code == 200
    assert not ProductHolding.objects.exists()
    assert admin.get("/admin/nextbest/recommenderrun/add/").status_code == 403
    listed = admin.get("/admin/nextbest/action/?product__isempty=0")
    assert listed.status_code == 200
