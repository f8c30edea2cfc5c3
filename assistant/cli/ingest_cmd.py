"""``cluster-assistant ingest``: index documents with a progress bar and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from assistant.cli.common import (
    IndexOption,
    JsonOption,
    UserError,
    console,
    make_settings,
    print_json,
)


def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: corpus/documents).")
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop the index and build it anew.")
    ] = False,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Index documents: new and changed files are embedded, removed files leave the index."""
    from assistant.ingest.metadata import ManifestError
    from assistant.ingest.pipeline import PAGES, Indexer

    indexer = Indexer(make_settings(index))
    with Progress(
        TextColumn("[bold]Indexing[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None, unit="chunks")

        def progress(done: int, total: int, name: str) -> None:
            unit = "pages read" if name.endswith(PAGES) else "chunks"
            name = Path(name.removesuffix(PAGES)).name
            bar.update(task, completed=done, total=total or None, description=name, unit=unit)

        try:
            report = indexer.run(
                paths or None,
                rebuild=rebuild,
                progress=progress,
                on_wait=lambda: console.print("Another ingest is writing to this index; waiting…"),
            )
        except ManifestError as exc:
            raise UserError(str(exc)) from exc
    if as_json:
        print_json({k: v for k, v in vars(report).items()})
    else:
        _print_summary(report)
    if report.failed and not (report.added or report.updated or report.unchanged):
        raise typer.Exit(1)


def _print_summary(report) -> None:  # report: IngestReport
    for notice in report.notices:
        console.print(f"[yellow]{escape(notice)}[/]")
    table = Table(title="Ingest summary", show_header=False, box=None)
    for label, items in (
        ("added", report.added),
        ("updated", report.updated),
        ("removed", report.removed),
        ("unchanged", report.unchanged),
    ):
        table.add_row(label, str(len(items)), Text(", ".join(Path(i).name for i in items[:6])))
    table.add_row("failed", str(len(report.failed)), "")
    console.print(table)
    for name, reason in report.failed.items():
        console.print(f"  [red]✗[/] {escape(f'{name}: {reason}')}")
    done = f"{report.chunks_embedded} chunks embedded"
    if report.vectors_shipped:
        done = (
            f"{report.chunks_embedded} chunks indexed ({report.vectors_shipped} with the vectors "
            "shipped in the corpus folder)"
        )
    console.print(f"{done}, {report.total_chunks} in the index, {report.seconds:.1f} s.")
