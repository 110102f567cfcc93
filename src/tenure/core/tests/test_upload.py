"""The upload page: admins import files and get the per-row report; other roles may only look."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from tests.factories import make_partner

from tenure.core.models import ImportRun
from tenure.customervalue.models import CustomerValueDataset

pytestmark = pytest.mark.django_db

CSV = (
    b"partner,as_of,segment,customer_value,risk_class,churn_score,bad_debt_score,source\n"
    b"4711,2026-11-01,A,9,1,10,,provider\n"
    b"0815,2026-11-01,A,9,1,10,,provider\n"
    b"4711,2026-10-01,A,9,1,150,,provider\n"
)


def upload(client, data: bytes, name: str = "values.csv", htmx: bool = True):
    client.get("/administration/imports/")
    headers = {"X-CSRFToken": client.cookies["csrftoken"].value}
    if htmx:
        headers["HX-Request"] = "true"
    return client.post(
        "/administration/imports/",
        {"kind": ImportRun.Kind.CUSTOMER_VALUES, "file": SimpleUploadedFile(name, data)},
        headers=headers,
    )


def test_admin_upload_reports_rejected_rows_and_keeps_the_rest(client_as) -> None:
    make_partner("4711")
    response = upload(client_as("admin"), CSV)
    page = response.content.decode()
    assert response.status_code == 200
    assert "unknown business partner" in page and "out of range: must be 0..100" in page
    assert CustomerValueDataset.objects.count() == 1
    run = ImportRun.objects.get()
    assert (run.origin, run.user.username, run.accepted, run.rejected) == ("upload", "admin", 1, 2)


def test_unusable_upload_says_why(client_as) -> None:
    response = upload(client_as("admin"), "partner;as_of\n".encode("utf-16"))
    assert "UTF-16" in response.content.decode()
    assert ImportRun.objects.get().status == ImportRun.Status.REJECTED


@pytest.mark.parametrize("role", ["analyst"])
def test_analysts_see_the_history_but_cannot_upload(client_as, role: str) -> None:
    client = client_as(role)
    assert client.get("/administration/imports/").status_code == 200
    assert upload(client, CSV).status_code == 403
    assert ImportRun.objects.count() == 0


def test_import_detail_lists_the_rejects(client_as) -> None:
    make_partner("4711")
    admin = client_as("admin")
    upload(admin, CSV)
    page = admin.get(f"/administration/imports/{ImportRun.objects.get().pk}/").content.decode()
    assert "unknown business partner" in page and "0815" in page
