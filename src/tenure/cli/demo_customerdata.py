"""Demo payments and complaints for ``make demo``: the invoices and complaints of the demo
subscription base that ``tenure demo-data`` writes to ``<var>/demo-base`` (see
:mod:`tenure.analytics.propensity.synthetic`), loaded through the same import services as real
deliveries, so that the traffic-light rules have something to read.

Each row gets the reference a billing or ticket system would give it: ``INV-<customer>-<due date>``
(one invoice a month per customer) and ``CMP-<customer>-<n>`` (the customer's n-th complaint by
opening date). The imports are keyed by reference, so loading again adds nothing; a run that finds
every row stored skips the import altogether.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from tenure.core.models import ImportRun

CHUNK = 10_000
_SUBJECTS = {
    "minor": [
        "Invoice query",
        "Meter reading disputed",
        "Technician missed the appointment",
        "No reply to an e-mail",
        "Direct debit taken twice",
    ],
    "major": [
        "Service outage for several days",
        "Billed at the wrong tariff for months",
        "Contract changed without consent",
        "Disconnection threatened in error",
    ],
}


def _columns(path: Path, names: list[str], dates: list[str]) -> dict[str, list[Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=names)
    for name in dates:
        position = table.schema.get_field_index(name)
        table = table.set_column(position, name, table.column(name).cast(pa.date32()))
    return table.to_pydict()


def demo_payment_records(base: Path, numbers: Collection[str]) -> list[dict[str, Any]]:
    """The base's payments of the given partners as delivered rows, with their references."""
    data = _columns(
        base / "payments.parquet",
        ["customer_id", "due_date", "paid_date", "amount"],
        dates=["due_date", "paid_date"],
    )
    wanted = set(numbers)
    return [
        {
            "partner": customer,
            "reference": f"INV-{customer}-{due.isoformat()}",
            "due_date": due,
            "paid_date": paid,
            "amount": amount,
        }
        for customer, due, paid, amount in zip(
            data["customer_id"], data["due_date"], data["paid_date"], data["amount"], strict=True
        )
        if customer in wanted
    ]


def demo_complaint_records(base: Path, numbers: Collection[str]) -> list[dict[str, Any]]:
    """The base's complaints of the given partners as delivered rows, numbered per customer."""
    data = _columns(
        base / "complaints.parquet",
        ["customer_id", "opened", "closed", "severity"],
        dates=["opened", "closed"],
    )
    wanted = set(numbers)
    rows: list[tuple[str, dt.date, dt.date | None, str]] = sorted(
        (
            (customer, opened, closed, severity)
            for customer, opened, closed, severity in zip(
                data["customer_id"], data["opened"], data["closed"], data["severity"], strict=True
            )
            if customer in wanted
        ),
        key=lambda row: (row[0], row[1]),
    )
    records = []
    count: dict[str, int] = {}
    for customer, opened, closed, severity in rows:
        n = count[customer] = count.get(customer, 0) + 1
        subjects = _SUBJECTS[severity]
        records.append(
            {
                "partner": customer,
                "reference": f"CMP-{customer}-{n}",
                "opened": opened,
                "closed": closed,
                "severity": severity,
                "subject": subjects[(int(customer) + n) % len(subjects)],
            }
        )
    return records


def load_demo_customerdata(base: Path, *, numbers: list[str], console: Console) -> None:
    """Import the demo partners' payments and complaints from the base (idempotent)."""
    from tenure.customerdata.models import Complaint, Payment
    from tenure.customerdata.services import complaint_import_records, payment_import_records

    if not (base / "payments.parquet").is_file() or not (base / "complaints.parquet").is_file():
        console.print(
            f"No demo subscription base in {base}: demo payments and complaints are skipped."
        )
        return
    payments = demo_payment_records(base, numbers)
    complaints = demo_complaint_records(base, numbers)
    stored_payments = Payment.objects.filter(
        partner__number__in=numbers, reference__startswith="INV-"
    ).count()
    stored_complaints = Complaint.objects.filter(
        partner__number__in=numbers, reference__startswith="CMP-"
    ).count()
    if stored_payments >= len(payments) and stored_complaints >= len(complaints):
        return
    with Progress(console=console) as progress:
        for title, rows, importer in (
            ("Demo payments", payments, payment_import_records),
            ("Demo complaints", complaints, complaint_import_records),
        ):
            task = progress.add_task(title, total=len(rows))

            def advance(done: int, total: int | None, task: Any = task) -> None:
                progress.update(task, completed=done)

            report = importer(
                records=rows, origin=ImportRun.Origin.DEMO, progress=advance, chunk_size=CHUNK
            )
            if report.errors:
                raise RuntimeError(f"{title} rejected: {report.errors[:3]}")
    console.print(f"Demo payments and complaints: {len(payments)} payments, {len(complaints)} "
                  f"complaints from {base}.")  # fmt: skip
