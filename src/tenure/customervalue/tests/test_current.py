"""Each partner's current row equals its definition (greatest as-of, then greatest id), recomputed
here by a plain query, after every kind of write: imports (out-of-order dates, same-day ties,
duplicates, rejected rows, interruptions), scoring runs, ORM saves, updates and deletes, partner
deletion; and the rebuild command repairs a table that was written around."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone
from tests.factories import make_dataset, make_partner
from typer.testing import CliRunner

from tenure.cli.main import app
from tenure.core.importing import run_import
from tenure.core.models import ImportRun
from tenure.core.tabular import Record
from tenure.customervalue.current import current_datasets_rebuild
from tenure.customervalue.models import CurrentCustomerValue, CustomerValueDataset
from tenure.customervalue.services import (
    SCORED,
    ScoredDatasetWriter,
    dataset_fingerprint,
    dataset_import_file,
    scored_dataset_values,
)
from tenure.partners.models import BusinessPartner

pytestmark = pytest.mark.django_db

HEADER = "partner,as_of,segment,customer_value,risk_class,churn_score,bad_debt_score,source,clv\n"
DAYS = [dt.date(2026, 3, 1), dt.date(2026, 6, 1), dt.date(2026, 9, 1), dt.date(2026, 12, 1)]
VALUES = ("as_of", "segment_id", "customer_value", "risk_class_id", "churn_score",
          "bad_debt_score", "clv", "probability_alive")  # fmt: skip


def defined() -> dict[int, tuple[Any, ...]]:
    """Per partner: the dataset with the greatest (as_of, id), as (id, *values)."""
    newest: dict[int, tuple[Any, ...]] = {}
    for row in CustomerValueDataset.objects.values_list("partner_id", "id", *VALUES):
        partner_id, key = row[0], (row[2], row[1])
        if partner_id not in newest or key > (newest[partner_id][1], newest[partner_id][0]):
            newest[partner_id] = row[1:]
    return newest


def stored() -> dict[int, tuple[Any, ...]]:
    rows = CurrentCustomerValue.objects.values_list("partner_id", "dataset_id", *VALUES)
    return {row[0]: row[1:] for row in rows}


def assert_current() -> None:
    assert stored() == defined()


class Writes:
    """Random writes of every kind over a small pool of partners and dates (many ties)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.numbers = [f"P{i}" for i in range(6)]
        for number in self.numbers:
            make_partner(number)
        self.delivered: list[str] = []  # every CSV line imported so far
        self.made = 0

    def line(self, number: str | None = None) -> str:
        r = self.rng
        value = r.choice(["", str(r.randint(1, 10))])
        clv = r.choice(["", f"{r.uniform(0, 900):.2f}"])
        return (f"{number or r.choice(self.numbers)},{r.choice(DAYS)},{r.choice('ABCD')},{value},"
                f"{r.choice('1234')},{r.randint(0, 100)},{r.choice(['', '0.25'])},prov,{clv}\n")  # fmt: skip

    def import_file(self, lines: list[str], **options: Any) -> None:
        data = (HEADER + "".join(lines)).encode()
        dataset_import_file(source=io.BytesIO(data), file_name="d.csv", **options)

    def delivery(self) -> None:
        lines = [self.line() for _ in range(self.rng.randint(1, 9))]
        if self.delivered and self.rng.random() < 0.5:  # a duplicate: inserts nothing
            lines.insert(self.rng.randrange(len(lines) + 1), self.rng.choice(self.delivered))
        if self.rng.random() < 0.5:  # a rejected row: unknown partner, or no source
            unknown, no_source = "NOPE" + self.line()[2:], self.line().replace(",prov,", ",,")
            lines.append(self.rng.choice([unknown, no_source]))
        self.import_file(lines, chunk_size=self.rng.randint(1, 4))
        self.delivered.extend(lines)

    def same_day_again(self) -> None:
        """Corrected values for the same day: a tie on as_of, the later import wins."""
        if self.delivered:
            number, day = self.rng.choice(self.delivered).split(",")[:2]
            self.import_file([f"{number},{day},C,5,3,{self.rng.randint(0, 100)},,fix,\n"])

    def whole_delivery_again(self) -> None:
        self.import_file(self.delivered[-12:])

    def interrupted_import(self) -> None:
        def stop(done: int, _: int | None) -> None:
            if done >= 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            self.import_file([self.line() for _ in range(6)], chunk_size=2, progress=stop)

    def scoring_run(self, *, fail_in_second_chunk: bool = False) -> None:
        chunks = [self.scored_chunk() for _ in range(self.rng.randint(1, 3))]
        if fail_in_second_chunk:  # churn score 150: the database refuses the chunk
            delivered = (self.rng.choice(DAYS), "A", 5, "4", 150, None, "model")
            bad = scored_dataset_values(self.partner_ids()[0], delivered, (None,) * 4)
            chunks.insert(1, [(1, {"partner": "P0", SCORED: bad})])
        try:
            run_import(kind=ImportRun.Kind.CUSTOMER_VALUES, origin=ImportRun.Origin.MODEL,
                       chunks=iter(chunks), write_chunk=ScoredDatasetWriter())  # fmt: skip
        except IntegrityError:
            assert fail_in_second_chunk
            assert ImportRun.objects.latest("pk").status == ImportRun.Status.INTERRUPTED

    def scored_chunk(self) -> list[tuple[int, Record]]:
        r = self.rng
        chunk: list[tuple[int, Record]] = []
        for row, partner_id in enumerate(r.sample(self.partner_ids(), 3)):
            delivered = (r.choice(DAYS), r.choice("ABCD"), r.randint(1, 10), r.choice("1234"),
                         r.randint(0, 100), None, "model")  # fmt: skip
            predictions = (r.uniform(0, 500), r.random(), r.uniform(0, 5), None)
            scored = scored_dataset_values(partner_id, delivered, predictions)
            chunk.append((row, {"partner": "?", SCORED: scored}))
        rejected = {"partner": "NOPE", "__reject__": ("partner", "unknown business partner")}
        return [*chunk, (9, rejected)]

    def partner_ids(self) -> list[int]:
        return list(
            BusinessPartner.objects.filter(number__in=self.numbers).values_list("pk", flat=True)
        )

    def orm_create(self) -> None:
        partner = BusinessPartner.objects.get(number=self.rng.choice(self.numbers))
        self.made += 1
        make_dataset(partner, as_of=self.rng.choice(DAYS), segment=self.rng.choice("ABCD"),
                     churn_score=self.rng.randint(0, 100), source=f"orm {self.made}")  # fmt: skip

    def orm_delete(self) -> None:
        ids = list(CustomerValueDataset.objects.values_list("pk", flat=True))
        if ids:
            CustomerValueDataset.objects.get(pk=self.rng.choice(ids)).delete()

    def queryset_delete(self) -> None:
        CustomerValueDataset.objects.filter(as_of=self.rng.choice(DAYS),
                                            partner__number=self.rng.choice(self.numbers)).delete()  # fmt: skip

    def queryset_update(self) -> None:
        ids = list(CustomerValueDataset.objects.values_list("pk", flat=True))
        if ids:
            chosen = self.rng.sample(ids, min(2, len(ids)))
            CustomerValueDataset.objects.filter(pk__in=chosen).update(
                as_of=self.rng.choice(DAYS), churn_score=self.rng.randint(0, 100)
            )

    def bulk_create(self) -> None:
        now = timezone.now()
        rows = []
        for partner_id in self.rng.sample(self.partner_ids(), 2):
            self.made += 1
            values = (self.rng.choice(DAYS), "B", 3, "2", 50, None, f"bulk {self.made}")
            rows.append(CustomerValueDataset(partner_id=partner_id, as_of=values[0], segment_id="B",
                        customer_value=3, risk_class_id="2", churn_score=50, source=values[-1],
                        imported_at=now, fingerprint=dataset_fingerprint(values)))  # fmt: skip
        CustomerValueDataset.objects.bulk_create(rows)

    def partner_deleted(self) -> None:
        number = self.rng.choice(self.numbers)
        BusinessPartner.objects.filter(number=number).delete()
        self.numbers[self.numbers.index(number)] = replacement = f"{number}x"
        make_partner(replacement)

    def steps(self, count: int) -> Iterator[str]:
        kinds = {
            self.delivery: 6, self.same_day_again: 2, self.whole_delivery_again: 1,
            self.interrupted_import: 1, self.scoring_run: 2, self.failed_scoring_run: 1,
            self.orm_create: 2, self.orm_delete: 2, self.queryset_delete: 1,
            self.queryset_update: 1, self.bulk_create: 1, self.partner_deleted: 1,
        }  # fmt: skip
        for _ in range(count):
            step = self.rng.choices(list(kinds), weights=list(kinds.values()))[0]
            step()
            yield step.__name__

    def failed_scoring_run(self) -> None:
        self.scoring_run(fail_in_second_chunk=True)


@pytest.mark.parametrize("seed", range(6))
def test_the_table_equals_the_definition_after_every_write(seed: int) -> None:
    writes = Writes(seed)
    done = []
    for step in writes.steps(30):
        done.append(step)
        assert stored() == defined(), f"after {done}"
    assert CustomerValueDataset.objects.count() > 10


def test_each_kind_of_write_in_turn() -> None:
    """Every kind of write at least once, in a fixed order (the random runs may miss one)."""
    writes = Writes(99)
    for step in (writes.delivery, writes.delivery, writes.same_day_again,
                 writes.whole_delivery_again, writes.interrupted_import, writes.scoring_run,
                 writes.failed_scoring_run, writes.orm_create, writes.orm_delete,
                 writes.queryset_delete, writes.queryset_update, writes.bulk_create,
                 writes.partner_deleted, writes.delivery):  # fmt: skip
        step()
        assert_current()


def test_a_tie_on_the_date_goes_to_the_later_import_and_an_older_date_never_wins() -> None:
    partner = make_partner("4711")
    first = make_dataset(partner, as_of=DAYS[2], churn_score=10)
    assert stored()[partner.pk][0] == first.pk
    make_dataset(partner, as_of=DAYS[0], churn_score=20, source="older")
    assert stored()[partner.pk][0] == first.pk
    tie = make_dataset(partner, as_of=DAYS[2], churn_score=30, source="same day")
    assert stored()[partner.pk][0] == tie.pk
    tie.delete()
    assert stored()[partner.pk][0] == first.pk
    CustomerValueDataset.objects.filter(partner=partner).delete()
    assert partner.pk not in stored()


def test_the_tile_reads_the_dataset_the_row_names() -> None:
    from tenure.customervalue.selectors import partner_current_dataset

    partner = make_partner("4711")
    make_dataset(partner, as_of=DAYS[3], churn_score=77, segment="B")
    make_dataset(partner, as_of=DAYS[1], churn_score=11)
    current = partner_current_dataset(partner_id=partner.pk)
    assert current is not None and (current.churn_score, current.segment_key) == (77, "B")
    assert partner_current_dataset(partner_id=make_partner("0815").pk) is None


def corrupt() -> None:
    """Writes around Tenure: a row lost, a value changed, a row without datasets."""
    table = CurrentCustomerValue._meta.db_table
    lost, changed = sorted(stored())[:2]
    spare = make_partner("spare")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE partner_id = %s", [lost])
        cursor.execute(f"UPDATE {table} SET churn_score = 101 WHERE partner_id = %s", [changed])
        cursor.execute(f"INSERT INTO {table} (partner_id, dataset_id, as_of, segment_id, "
                       "risk_class_id) VALUES (%s, 1, '2026-01-01', 'A', '1')", [spare.pk])  # fmt: skip


def test_the_rebuild_repairs_what_was_written_around() -> None:
    Writes(7).delivery()
    for number in ("X1", "X2"):
        make_dataset(make_partner(number), as_of=DAYS[1])
    corrupt()
    assert stored() != defined()
    rebuilt = current_datasets_rebuild()
    assert (rebuilt.rows, rebuilt.repaired) == (len(defined()), 3)
    assert_current()
    assert current_datasets_rebuild().repaired == 0


def test_the_rebuild_command() -> None:
    for number in ("X1", "X2", "X3"):
        make_dataset(make_partner(number), as_of=DAYS[1])
    corrupt()
    done = CliRunner().invoke(app, ["customervalue", "rebuild-current"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "3 partners, 3 of them missing, wrong or left over" in " ".join(done.output.split())
    assert_current()
