"""Running an import from the command line: progress bar, reject table, exit codes 0 / 3 / 2."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

EXIT_ALL_ACCEPTED = 0
EXIT_FILE_UNUSABLE = 2
EXIT_SOME_REJECTED = 3
SHOWN_ERRORS = 50


def run_cli_import(
    importer: Callable[..., Any],
    file: Path,
    rejects: Path | None,
    console: Console,
    errors: Console,
) -> None:
    from tenure.core.tabular import FileRejected

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(f"Importing {file.name}", total=None)

        def advance(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = importer(source=file, file_name=file.name, progress=advance)
        except FileRejected as exc:
            progress.stop()
            errors.print(f"[red]File rejected:[/red] {exc}")
            raise typer.Exit(EXIT_FILE_UNUSABLE) from None
        except KeyboardInterrupt:
            progress.stop()
            errors.print(
                "[yellow]Interrupted.[/yellow] What was imported is kept; run again to complete."
            )
            raise typer.Exit(130) from None
    show_import_report(report, console, rejects)


def show_import_report(report: Any, console: Console, rejects: Path | None = None) -> None:
    """Print the counts and the rejected rows (and write them to ``rejects``); exit 3 if any."""
    summary = (
        f"rows read {report.rows_read}, accepted {report.accepted}, updated {report.updated}, "
        f"duplicates/unchanged {report.duplicates}, rejected rows {report.rejected}"
        + (f" (encoding {report.encoding})" if report.encoding else "")
    )
    console.print(summary)
    for warning in report.warnings:
        console.print(f"[yellow]Note:[/yellow] {warning}")
    if report.errors:
        table = Table(title=f"Rejected rows (first {SHOWN_ERRORS} of {len(report.errors)} errors)")
        for column in ("Row", "Column", "Value", "Reason"):
            table.add_column(column)
        for error in report.errors[:SHOWN_ERRORS]:
            table.add_row(str(error.row), error.column, error.value, error.reason)
        console.print(table)
    if rejects is not None:
        with rejects.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "column", "value", "reason"])
            for error in report.errors:
                writer.writerow([error.row, error.column, error.value, error.reason])
        console.print(f"Rejected rows written to {rejects}")
    if report.errors:
        raise typer.Exit(EXIT_SOME_REJECTED)
