"""Demo payments and complaints come from the demo subscription base, once."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from rich.console import Console

from tenure.analytics.propensity.churn import write_base
from tenure.analytics.propensity.synthetic import synthetic_subscription_base
from tenure.cli.demo_customerdata import load_demo_customerdata
from tenure.core.models import ImportRun
from tenure.customerdata.models import Complaint, Payment
from tenure.partners.models import BusinessPartner

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 30)


def console(output: io.StringIO | None = None) -> Console:
    return Console(file=output or io.StringIO(), width=200)


def test_the_base_is_loaded_through_the_imports_once(tmp_path: Path) -> None:
    base = synthetic_subscription_base(40, seed=3, as_of=AS_OF)
    directory = write_base(base, tmp_path / "demo-base")
    numbers = [str(1000001 + i) for i in range(30)]  # the base has 10 customers more
    BusinessPartner.objects.bulk_create(BusinessPartner(number=n, name=n) for n in numbers)
    out = io.StringIO()
    load_demo_customerdata(directory, numbers=numbers, console=console(out))

    payments = base.payments[base.payments.customer_id.isin(numbers)]
    complaints = base.complaints[base.complaints.customer_id.isin(numbers)]
    assert Payment.objects.count() == len(payments) > 0
    assert Complaint.objects.count() == len(complaints) > 0
    assert Payment.objects.filter(paid_date__isnull=True).count() == payments.paid_date.isna().sum()
    assert Complaint.objects.filter(closed__isnull=True).count() == complaints.closed.isna().sum()
    first = payments.iloc[0]
    stored = Payment.objects.get(reference=f"INV-{first.customer_id}-{first.due_date.date()}")
    assert float(stored.amount) == pytest.approx(first.amount)
    per_customer = complaints.customer_id.value_counts().items()
    expected = {f"CMP-{customer}-{n}" for customer, k in per_customer for n in range(1, k + 1)}
    assert set(Complaint.objects.values_list("reference", flat=True)) == expected
    runs = ImportRun.objects.filter(origin=ImportRun.Origin.DEMO)
    assert sorted(runs.values_list("kind", flat=True)) == ["complaints", "payments"]
    assert "payments" in out.getvalue()

    load_demo_customerdata(directory, numbers=numbers, console=console())
    assert ImportRun.objects.count() == 2  # found everything stored: nothing imported again
    assert Payment.objects.count() == len(payments)


def test_the_imports_add_nothing_when_run_again(tmp_path: Path) -> None:
    directory = write_base(synthetic_subscription_base(5, seed=1, as_of=AS_OF), tmp_path / "b")
    numbers = [str(1000001 + i) for i in range(5)]
    BusinessPartner.objects.bulk_create(BusinessPartner(number=n, name=n) for n in numbers)
    load_demo_customerdata(directory, numbers=numbers, console=console())
    Payment.objects.order_by("id").first().delete()  # one missing: the import runs again
    load_demo_customerdata(directory, numbers=numbers, console=console())
    last = ImportRun.objects.filter(kind=ImportRun.Kind.PAYMENTS).order_by("-id").first()
    assert (last.accepted, last.updated, last.rejected) == (1, 0, 0)
    assert last.duplicates == Payment.objects.count() - 1


def test_without_a_base_the_demo_says_so(tmp_path: Path) -> None:
    out = io.StringIO()
    load_demo_customerdata(tmp_path / "nowhere", numbers=["1000001"], console=console(out))
    assert "No demo subscription base" in out.getvalue()
    assert not ImportRun.objects.exists()
