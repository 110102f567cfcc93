"""The current rows outside any outer transaction: the migration that creates and fills the table,
and an import that commits chunk by chunk (on PostgreSQL through the pipelined writer thread)
and is interrupted."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from tests.factories import make_partner

from tenure.core.models import ImportRun
from tenure.customervalue.models import CustomerValueDataset
from tenure.customervalue.services import dataset_import_file
from tenure.customervalue.tests.test_current import HEADER, assert_current, stored

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("customervalue", "0007_customervaluedataset_reasons")]
FILLED = [("customervalue", "0008_current_customer_value")]


def test_the_migration_fills_the_table_from_the_existing_datasets() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        partners = apps.get_model("partners", "BusinessPartner")
        datasets = apps.get_model("customervalue", "CustomerValueDataset")
        now = timezone.now()
        day = dt.date(2026, 6, 1)
        history = {  # per partner: (days back, churn score) in the order they were imported
            "A1": [(0, 10), (30, 20)],  # the older delivery came later
            "A2": [(0, 30), (0, 40)],  # the same day twice: the later import wins
            "A3": [(60, 50), (0, 60), (90, 70)],
            "A4": [],
        }
        for number, rows in history.items():
            partner = partners.objects.create(number=number, name=number)
            for position, (back, score) in enumerate(rows):
                datasets.objects.create(
                    partner=partner, as_of=day - dt.timedelta(days=back), segment_id="B",
                    risk_class_id="2", churn_score=score, clv=score * 1.5, source="old",
                    imported_at=now, fingerprint=position,
                )  # fmt: skip
        executor = MigrationExecutor(connection)
        executor.migrate(FILLED)
        current = CustomerValueDataset.objects.filter(
            pk__in=[dataset_id for dataset_id, *_ in stored().values()]
        )
        scores = {dataset.partner.number: dataset.churn_score for dataset in current}
        assert scores == {"A1": 10, "A2": 40, "A3": 60}
        assert_current()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_an_interrupted_import_leaves_the_rows_of_what_it_committed() -> None:
    for number in ("4711", "0815"):
        make_partner(number)
    lines = [
        f"{number},2026-{month:02d}-01,{'ABCD'[month % 4]},5,{1 + month % 4},{month * 7},,prov\n"
        for month in (3, 1, 7, 5, 9, 2, 11, 4)
        for number in ("4711", "0815")
    ]  # months out of order, two partners per chunk of 2
    data = (HEADER.replace(",clv", "") + "".join(lines)).encode()

    def stop(done: int, _: int | None) -> None:
        if done >= 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dataset_import_file(source=io.BytesIO(data), file_name="d.csv", chunk_size=2, progress=stop)
    assert ImportRun.objects.get().status == ImportRun.Status.INTERRUPTED
    assert 6 <= CustomerValueDataset.objects.count() < 16
    assert_current()
    dataset_import_file(source=io.BytesIO(data), file_name="d.csv", chunk_size=2)
    assert CustomerValueDataset.objects.count() == 16
    assert_current()
