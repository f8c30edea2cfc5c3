"""``cluster-assistant search``: the passages retrieval finds for a question."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.panel import Panel
from rich.text import Text

from assistant.citations import Citation, chunk_record
from assistant.cli.common import (
    BatchOption,
    IndexOption,
    JsonOption,
    loading,
    make_settings,
    one_input,
    out,
    print_json,
    run_batch,
)


def search(
    query: Annotated[str | None, typer.Argument(help="The question or search terms.")] = None,
    k: Annotated[
        int | None,
        typer.Option("-k", min=1, max=100, help="How many passages (default: as ask uses)."),
    ] = None,
    batch: BatchOption = None,
    index: IndexOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search the library (hybrid dense + BM25) and print the best passages."""
    from assistant.retrieval.hybrid import HybridRetriever

    query = one_input(query, batch, "QUERY")
    settings = make_settings(index)  # same k and per-document cap as ask, unless -k is given
    with loading():
        retriever = HybridRetriever.from_settings(settings, k=k or settings.top_k)
        if batch is not None:
            run_batch(batch, "question", lambda q: {"results": _records(retriever.invoke(q))})
            return
        docs = retriever.invoke(query)
    if as_json:
        print_json({"query": query, "results": _records(docs)}, pretty=True)
        return
    for rank, doc in enumerate(docs, 1):
        out.print(
            Panel(
                Text(doc.page_content),  # Text: the documents' words are never read as markup
                title=Text(f"[{rank}] {Citation.from_document(doc).label()}"),
                subtitle=f"score {doc.metadata.get('score', 0):.4f}",
                title_align="left",
            )
        )


def _records(docs: list) -> list[dict]:
    return [chunk_record(d) for d in docs]
