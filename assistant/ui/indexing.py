"""Run the indexing pipeline from the app with a progress bar and a per-file report."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.index.store import IndexLockedError
from assistant.ingest.pipeline import PAGES, Indexer, IngestReport
from assistant.settings import Settings
from assistant.ui import resources


def run_indexer(settings: Settings, paths: list[Path]) -> IngestReport | None:
    """Index ``paths`` with a live progress bar; None (and an error shown) if it failed."""
    bar = st.progress(0.0, text="Loading the embedding model and reading the documents…")

    def progress(done: int, total: int, name: str) -> None:
        share = done / total if total else 1.0
        unit = "pages read" if name.endswith(PAGES) else "passages"
        name = Path(name.removesuffix(PAGES)).name
        label = f"Indexing {name}: {done:,} / {total:,} {unit}" if name else ""
        bar.progress(min(share, 1.0), text=label or "Preparing…")

    def on_wait() -> None:
        bar.progress(0.0, text="Another indexing run is in progress; waiting for it…")

    try:
        report = Indexer(settings, resources.embeddings(settings)).run(
            paths, progress=progress, on_wait=on_wait
        )
    except (IndexLockedError, FileNotFoundError) as exc:
        bar.empty()
        st.error(f"Indexing did not run: {exc}")
        return None
    bar.progress(1.0, text=f"Done in {report.seconds:.1f} s")
    return report
