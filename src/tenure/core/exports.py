"""Table exports for download: CSV (streamed) and XLSX (openpyxl, write-only), shared by any page
that exports rows (campaign contacts, search results).

Cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab
or carriage return) are written with a leading apostrophe in CSV, and as plain text in XLSX, so
that a customer's name cannot run a formula on the reader's machine (CSV injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, str):
        return _safe_text(value)
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text line by line (UTF-8 with BOM so that spreadsheets read the umlauts)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


def csv_response(
    file_name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A streamed CSV download: memory stays flat however many rows."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: local time as shown
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_xlsx(
    target: Any, header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Export"
) -> None:
    """Write the rows as one sheet (write-only mode: rows go to disk as they come)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for row in rows:
        cells = []
        for value in row:
            value = _xlsx_cell(value)
            if isinstance(value, str) and value.startswith(FORMULA_START):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    book.save(target)


def xlsx_response(
    file_name: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Export"
) -> FileResponse:
    """An XLSX download, built in a temporary file (deleted when the response is closed)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    write_xlsx(spool, header, rows, title=title)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=file_name, content_type=XLSX_TYPE)
