"""Reading delivered files (CSV or Parquet) row by row, with the file-level checks every import shares.

A file that cannot be read at all raises :class:`FileRejected` (CLI exit code 2); row-level problems
are the importer's business. Rows are numbered as a spreadsheet shows them: the header is row 1, the
first record row 2. Encoding: UTF-8 with or without BOM; otherwise Latin-1 (Windows-1252) is detected
and named in the report; anything else is rejected with the offending byte.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

Record = dict[str, Any]


class FileRejected(Exception):
    """The whole file is unusable (unreadable, wrong encoding, a required column missing)."""


@dataclass(frozen=True)
class RowError:
    """Why one row was rejected: which row, which column, what value, and the reason."""

    row: int
    column: str
    reason: str
    value: str = ""


@dataclass
class ImportReport:
    """What an import did; shared by CLI, upload page and API."""

    rows_read: int = 0
    accepted: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)
    run_id: int | None = None

    @property
    def rejected(self) -> int:
        return len({error.row for error in self.errors})


@dataclass
class Table:
    """An opened delivery: its columns, its size if known, and its records in chunks."""

    columns: list[str]
    encoding: str
    total_rows: int | None
    chunks: Iterator[list[tuple[int, Record]]]
    warnings: list[str] = field(default_factory=list)


def open_table(
    source: Path | IO[bytes],
    *,
    file_name: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    chunk_size: int = 10_000,
) -> Table:
    """Open a CSV or Parquet delivery and check its columns; raise FileRejected if unusable."""
    is_parquet = file_name.lower().endswith((".parquet", ".pq"))
    table = _open_parquet(source, chunk_size) if is_parquet else _open_csv(source, chunk_size)
    missing = [name for name in required if name not in table.columns]
    if missing:
        raise FileRejected(
            f"missing column(s): {', '.join(missing)}; the file has: {', '.join(table.columns)}"
        )
    known = set(required) | set(optional)
    extra = [name for name in table.columns if name not in known]
    if extra:
        table.warnings.append(f"ignored unknown column(s): {', '.join(extra)}")
    return table


def _read_bytes(source: Path | IO[bytes]) -> bytes:
    if isinstance(source, Path):
        try:
            return source.read_bytes()
        except OSError as exc:
            raise FileRejected(f"cannot read {source}: {exc.strerror}") from exc
    return source.read()


def decode(data: bytes) -> tuple[str, str]:
    """Decode delivered text: UTF-8 (BOM optional), else Latin-1/Windows-1252, else reject."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("the file is UTF-16; save it as UTF-8 (or Latin-1) and import again")
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(
            b"\xef\xbb\xbf"
        ) else "utf-8"
    except UnicodeDecodeError as utf8_error:
        if b"\x00" in data:
            raise FileRejected("the file contains NUL bytes: it is not a text (CSV) file") from None
        try:
            return data.decode("cp1252"), "latin-1"
        except UnicodeDecodeError as exc:
            raise FileRejected(
                f"the file is neither UTF-8 nor Latin-1: byte 0x{data[exc.start]:02x} at offset "
                f"{exc.start} (UTF-8 failed at offset {utf8_error.start})"
            ) from None


def _sniff_delimiter(header: str) -> str:
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _open_csv(source: Path | IO[bytes], chunk_size: int) -> Table:
    text, encoding = decode(_read_bytes(source))
    if not text.strip():
        raise FileRejected("the file is empty")
    header_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(header_line))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        raise FileRejected(f"cannot read the header row: {exc}") from exc
    if len(set(header)) != len(header):
        raise FileRejected(f"duplicate column names in the header: {', '.join(header)}")
    total = text.count("\n") - (1 if text.endswith("\n") else 0)
    return Table(header, encoding, max(total, 0), _csv_chunks(reader, header, chunk_size))


def _csv_chunks(
    reader: Any, header: list[str], chunk_size: int
) -> Iterator[list[tuple[int, Record]]]:
    chunk: list[tuple[int, Record]] = []
    row_number = 1
    width = len(header)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise FileRejected(f"row {row_number + 1}: the CSV structure is broken: {exc}") from exc
        row_number += 1
        if not values or (len(values) == 1 and not values[0].strip()):
            continue
        record: Record = dict(zip(header, values, strict=False))
        if len(values) != width:
            record["__width__"] = (len(values), width)
        chunk.append((row_number, record))
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _open_parquet(source: Path | IO[bytes], chunk_size: int) -> Table:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(source if isinstance(source, Path) else io.BytesIO(source.read()))
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise FileRejected(f"not a readable Parquet file: {exc}") from exc
    columns = [name.strip().lower() for name in parquet.schema_arrow.names]

    def chunks() -> Iterator[list[tuple[int, Record]]]:
        row_number = 1
        for batch in parquet.iter_batches(batch_size=chunk_size):
            data = batch.to_pydict()
            values = [data[name] for name in batch.schema.names]
            chunk = []
            for row in zip(*values, strict=True):
                row_number += 1
                chunk.append((row_number, dict(zip(columns, row, strict=True))))
            yield chunk

    return Table(columns, "parquet", parquet.metadata.num_rows, chunks())
