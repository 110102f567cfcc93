"""The frame every import shares: an audited ImportRun, chunked transactions, progress, interruption.

Each chunk is committed on its own, so an interrupted import keeps what it wrote and a re-run (which
is idempotent) completes it. On PostgreSQL a writer that can split its work (``prepare`` in Python,
``write`` in the database) is pipelined: a second thread, with its own connection, writes and commits
one chunk while this one validates the next, so the database's work (index upkeep, foreign-key checks
at commit) overlaps Python's instead of adding to it.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from tenure.core.models import ImportRun
from tenure.core.tabular import FileRejected, ImportReport, Record, RowError, open_table

Progress = Callable[[int, int | None], None]
import_finished = Signal()
"""Sent with ``kind`` and ``run`` when an import has finished (not when it was interrupted or the
file rejected), so that what depends on the data — the traffic lights — follows it."""
MAX_STORED_ERRORS = 1000


@dataclass
class PreparedChunk:
    """A validated chunk: the rows to write and the rejected rows."""

    rows: list[tuple[Any, ...]]
    errors: list[RowError]


class ChunkWriter(Protocol):
    """Validates and writes one chunk of records; returns (accepted, updated, duplicates, errors)."""

    def __call__(
        self, chunk: list[tuple[int, Record]], run: ImportRun
    ) -> tuple[int, int, int, list[RowError]]: ...


def width_error(row: int, record: Record) -> RowError | None:
    """A row whose field count differs from the header's is rejected whole, not guessed at."""
    if "__width__" not in record:
        return None
    found, expected = record.pop("__width__")
    return RowError(row, "*", f"the row has {found} fields, the header has {expected}")


def run_import(
    *,
    kind: str,
    origin: str,
    chunks: Iterable[list[tuple[int, Record]]],
    write_chunk: ChunkWriter,
    file_name: str = "",
    encoding: str = "",
    warnings: list[str] | None = None,
    total_rows: int | None = None,
    user: User | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Run an import chunk by chunk, keeping the audited ImportRun up to date."""
    run = ImportRun.objects.create(
        kind=kind,
        origin=origin,
        file_name=file_name,
        user=user,
        started_by=user.username if user else started_by_os_user(),
        encoding=encoding,
        message="; ".join(warnings or []),
    )
    report = ImportReport(encoding=encoding, warnings=list(warnings or []), run_id=run.pk)

    def count(
        size: int, outcome: tuple[int, int, int, list[RowError]], notify: bool = True
    ) -> None:
        accepted, updated, duplicates, errors = outcome
        report.rows_read += size
        report.accepted += accepted
        report.updated += updated
        report.duplicates += duplicates
        report.errors.extend(errors)
        if progress and notify:
            progress(report.rows_read, total_rows)

    try:
        if _can_pipeline(write_chunk):
            _run_pipelined(chunks, write_chunk, run, count)
        else:
            for chunk in chunks:
                with transaction.atomic():
                    outcome = write_chunk(chunk, run)
                count(len(chunk), outcome)
    except FileRejected as exc:
        _finish(run, report, ImportRun.Status.REJECTED, str(exc))
        raise
    except BaseException:
        _finish(run, report, ImportRun.Status.INTERRUPTED, "interrupted; re-run to complete")
        raise
    _finish(run, report, ImportRun.Status.FINISHED, run.message)
    import_finished.send(sender=ImportRun, kind=kind, run=run)
    return report


def _can_pipeline(write_chunk: ChunkWriter) -> bool:
    # inside an outer transaction (tests, callers that want all or nothing) a second connection
    # would not see that transaction's rows, so the chunks are written in line
    return (
        hasattr(write_chunk, "prepare")
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def _write_committed(write_chunk: Any, prepared: PreparedChunk) -> Any:
    with transaction.atomic():
        return write_chunk.write(prepared)


def _close_connection() -> None:
    connection.close()  # the writer thread's own connection


def _run_pipelined(
    chunks: Iterable[list[tuple[int, Record]]],
    write_chunk: Any,
    run: ImportRun,
    count: Callable[..., None],
) -> None:
    """Validate chunk n+1 here while a writer thread writes and commits chunk n."""
    pending: tuple[int, Future[Any]] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as writer:
        try:
            for chunk in chunks:
                prepared = write_chunk.prepare(chunk, run)
                if pending is not None:
                    size, written = pending
                    pending = None
                    count(size, written.result())
                pending = (len(chunk), writer.submit(_write_committed, write_chunk, prepared))
            if pending is not None:
                size, written = pending
                pending = None
                count(size, written.result())
        finally:
            if pending is not None and pending[1].exception() is None:
                count(pending[0], pending[1].result(), notify=False)  # interrupted: it is in
            writer.submit(_close_connection).result()


def run_file_import(
    *,
    kind: str,
    origin: str,
    source: Path | IO[bytes],
    file_name: str,
    required: tuple[str, ...],
    write_chunk: ChunkWriter,
    optional: tuple[str, ...] = (),
    user: User | None = None,
    progress: Progress | None = None,
    chunk_size: int = 10_000,
) -> ImportReport:
    """Open a delivered file and import it; a file rejected as a whole is recorded too."""
    try:
        table = open_table(
            source,
            file_name=file_name,
            required=required,
            optional=optional,
            chunk_size=chunk_size,
        )
    except FileRejected as exc:
        ImportRun.objects.create(
            kind=kind,
            origin=origin,
            file_name=file_name,
            user=user,
            started_by=user.username if user else started_by_os_user(),
            status=ImportRun.Status.REJECTED,
            finished_at=timezone.now(),
            message=str(exc),
        )
        raise
    return run_import(
        kind=kind,
        origin=origin,
        chunks=table.chunks,
        write_chunk=write_chunk,
        file_name=file_name,
        encoding=table.encoding,
        warnings=table.warnings,
        total_rows=table.total_rows,
        user=user,
        progress=progress,
    )


def _finish(run: ImportRun, report: ImportReport, status: str, message: str) -> None:
    run.status = status
    run.finished_at = timezone.now()
    run.rows_read = report.rows_read
    run.accepted = report.accepted
    run.updated = report.updated
    run.duplicates = report.duplicates
    run.rejected = report.rejected
    run.message = message
    run.errors = [_error_dict(error) for error in report.errors[:MAX_STORED_ERRORS]]
    run.save()


def _error_dict(error: RowError) -> dict[str, Any]:
    return {"row": error.row, "column": error.column, "reason": error.reason, "value": error.value}


def started_by_os_user() -> str:
    try:
        return f"{getpass.getuser()} (command line)"
    except Exception:  # no login name in some containers
        return "command line"


@dataclass(frozen=True)
class Importer:
    """One kind of delivery — its columns and its chunk writer — imported from a file or records.

    Every import module declares one and exports its two bound methods, so files (CLI, upload
    page) and API batches go through the same validation and the same audited import run.
    """

    kind: str
    required: tuple[str, ...]
    make_writer: Callable[[User | None], ChunkWriter]
    optional: tuple[str, ...] = ()
    chunk_size: int = 10_000

    def import_file(
        self,
        *,
        source: Path | IO[bytes],
        file_name: str,
        origin: str = ImportRun.Origin.CLI,
        user: User | None = None,
        progress: Progress | None = None,
        chunk_size: int | None = None,
    ) -> ImportReport:
        """Import a CSV or Parquet delivery (raises FileRejected for an unusable file)."""
        return run_file_import(
            kind=self.kind,
            origin=origin,
            source=source,
            file_name=file_name,
            required=self.required,
            optional=self.optional,
            write_chunk=self.make_writer(user),
            user=user,
            progress=progress,
            chunk_size=chunk_size or self.chunk_size,
        )

    def import_records(
        self,
        *,
        records: Iterable[Record],
        origin: str = ImportRun.Origin.API,
        user: User | None = None,
        progress: Progress | None = None,
        chunk_size: int | None = None,
    ) -> ImportReport:
        """Import rows given as mappings (API batches, demo data); rows count from 0."""
        size = chunk_size or self.chunk_size
        indexed = list(enumerate(records))
        return run_import(
            kind=self.kind,
            origin=origin,
            chunks=(indexed[start : start + size] for start in range(0, len(indexed), size)),
            write_chunk=self.make_writer(user),
            total_rows=len(indexed),
            user=user,
            progress=progress,
        )
