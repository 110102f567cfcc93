"""The import frame outside any outer transaction, as the CLI runs it: chunks commit one by one
(on PostgreSQL through the pipelined writer thread), progress, interruption and completion."""

from __future__ import annotations

import io

import pytest
from tests.factories import make_partner

from tenure.core.models import ImportRun
from tenure.customervalue.models import CustomerValueDataset
from tenure.customervalue.services import dataset_import_file

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HEADER = "partner,as_of,segment,customer_value,risk_class,churn_score,bad_debt_score,source\n"


def delivery(rows: int) -> bytes:
    lines = [f"4711,2026-01-01,A,9,1,{score},,provider\n" for score in range(rows)]
    return (HEADER + "".join(lines) + "0815,2026-01-01,A,9,1,5,,provider\n").encode()


def test_chunks_commit_and_report() -> None:
    make_partner("4711")
    seen: list[int] = []
    report = dataset_import_file(source=io.BytesIO(delivery(23)), file_name="d.csv",
                                 chunk_size=5, progress=lambda done, _: seen.append(done))  # fmt: skip
    assert (report.rows_read, report.accepted, report.rejected) == (24, 23, 1)
    assert seen == [5, 10, 15, 20, 24]
    assert CustomerValueDataset.objects.count() == 23


def test_interrupted_import_keeps_what_it_wrote_and_a_rerun_completes() -> None:
    make_partner("4711")

    def stop_after_two_chunks(done: int, _: int | None) -> None:
        if done >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dataset_import_file(source=io.BytesIO(delivery(23)), file_name="d.csv", chunk_size=5,
                            progress=stop_after_two_chunks)  # fmt: skip
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.INTERRUPTED
    kept = CustomerValueDataset.objects.count()
    assert 10 <= kept < 23 and run.accepted == kept
    again = dataset_import_file(source=io.BytesIO(delivery(23)), file_name="d.csv", chunk_size=5)
    assert (again.accepted, again.duplicates) == (23 - kept, kept)
    assert CustomerValueDataset.objects.count() == 23
