"""``cluster-assistant recommend``: a cited roadmap for a described cluster."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assistant.cli.common import (
    BatchOption,
    IndexOption,
    JsonOption,
    UserError,
    loading,
    make_settings,
    one_input,
    out,
    print_json,
    run_batch,
)

if TYPE_CHECKING:
    from assistant.citations import Citation
    from assistant.recommending.roadmap import Recommender, Roadmap
    from assistant.settings import Settings

ExportOption = Annotated[
    Path | None,
    typer.Option("--export", help="Write a strategy draft: FILE.md or FILE.docx."),
]


def make_recommender(settings: Settings, with_citations: bool = True) -> Recommender:
    from assistant.knowledge.catalog import KnowledgeError
    from assistant.llm import make_chat_model
    from assistant.recommending.roadmap import Recommender

    try:
        return Recommender(settings, llm=make_chat_model(settings), with_citations=with_citations)
    except KnowledgeError as exc:
        raise UserError(f"knowledge base invalid:\n{exc}") from exc


def _export(roadmap: Roadmap, target: Path) -> None:
    from assistant.recommending.export import to_docx, to_markdown

    suffix = target.suffix.lower()
    if suffix == ".docx":
        to_docx(roadmap, target)
    elif suffix in (".md", ".markdown"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(to_markdown(roadmap), encoding="utf-8")
    else:
        raise UserError(f"--export needs a .md or .docx file name, not '{target.name}'")


def recommend(
    description: Annotated[
        str | None, typer.Argument(help="The cluster, described in your own words.")
    ] = None,
    batch: BatchOption = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
    export: ExportOption = None,
) -> None:
    """Recommend policy instruments for a described cluster: a cited roadmap by phase."""
    description = one_input(description, batch, "DESCRIPTION")
    if export is not None and export.suffix.lower() not in (".md", ".markdown", ".docx"):
        raise UserError(f"--export needs a .md or .docx file name, not '{export.name}'")
    if batch is not None and export is not None:
        raise UserError("--export works with a single DESCRIPTION, not with --batch")
    settings = make_settings(index)
    with loading():
        recommender = make_recommender(settings)
        if batch is not None:
            run_batch(batch, "description", lambda d: recommender.recommend(d).to_dict())
            return
        roadmap = recommender.recommend(description)
    if export is not None:
        _export(roadmap, export)
    if as_json:
        print_json(roadmap.to_dict(), pretty=True)
    else:
        render(roadmap)
    if export is not None:
        out.print(f"[green]Strategy draft written to {export}[/]")


def _cite(cit: Citation) -> str:
    return escape(cit.label())


def render(roadmap: Roadmap) -> None:
    """A readable terminal view of a roadmap."""
    profile = roadmap.profile
    table = Table(title="Cluster profile (from your description)", show_lines=False)
    table.add_column("field")
    table.add_column("value")
    table.add_column("from the words")
    for key, value in profile.model_dump(exclude={"description", "evidence"}).items():
        if value in (None, [], {}, ""):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        words = profile.evidence.get(key) or [
            w for k, ws in profile.evidence.items() if k.startswith(f"{key}.") for w in ws[:1]
        ]
        table.add_row(*(Text(cell) for cell in (key, shown, "; ".join(words[:4]))))
    out.print(table)
    for phase, recs in roadmap.by_phase().items():
        out.print(f"\n[bold cyan]{phase}[/]")
        for rec in recs:
            body = [escape(rec.rationale)]
            body += [f"[yellow]Caution:[/] {escape(c)}" for c in rec.cautions]
            body += [f"[dim][{n}] {_cite(c)}[/]" for n, c in enumerate(rec.citations, 1)]
            out.print(
                Panel("\n".join(body), title=Text(f"{rec.name} ({rec.score})"), title_align="left")
            )
    if roadmap.not_recommended:
        out.print("\n[bold red]What not to do[/]")
        for item in roadmap.not_recommended:
            src = "; ".join(_cite(s) for s in item.sources)
            out.print(f"- [bold]{escape(item.name)}[/]: {escape(item.reason)} [dim]({src})[/]")
    for dis in roadmap.disagreements:
        out.print(f"\n[bold magenta]The documents disagree:[/] {escape(dis.topic)}")
        for side in dis.sides:
            out.print(f'  - "{escape(side.text)}" [dim]({_cite(side)})[/]')
    if roadmap.similar_cases:
        out.print("\n[bold]Similar documented cases[/]")
        for case in roadmap.similar_cases:
            what = escape(f"({case.country}): {case.why}")
            out.print(f"- [bold]{escape(case.name)}[/] {what}")
