"""The sidebar status panel and the first-start index build."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.index.store import IndexStore
from assistant.settings import Settings
from assistant.ui.indexing import run_indexer


def backend_label(settings: Settings) -> str:
    """The answering backend in words: the LLM in use, or the extractive mode."""
    if not settings.llm_enabled:
        return "extractive, no LLM"
    where = f" at {settings.llm_base_url}" if settings.llm_base_url else ""
    return f"{settings.llm_backend}: {settings.llm_model}{where}"


def index_counts(settings: Settings) -> tuple[int, int]:
    """(documents, chunks) in the index according to its ledger."""
    ledger = IndexStore(settings).load_ledger()
    return len(ledger.files), len(ledger.chunk_ids())


def models_label(settings: Settings) -> str:
    names = [settings.embedding_model, settings.second_embedding_model]
    return " + ".join(f"`{Path(n).name}`" for n in names if n)


def render_sidebar(settings: Settings) -> None:
    """Backend, embedding model and index size, always visible."""
    docs, chunks = index_counts(settings)
    with st.sidebar:
        st.markdown("##### Status")
        st.markdown(
            f"**Answers:** {backend_label(settings)}  \n"
            f"**Embedding models:** {models_label(settings)}  \n"
            f"**Index:** {docs} documents · {chunks:,} passages"
        )
        st.caption(f"Index folder: `{settings.index_dir}`")
        cluster = st.session_state.get("cluster_profile")
        if cluster:
            st.markdown("##### Your cluster")
            st.caption(cluster.get("summary") or "described on the Recommend page")
        st.markdown("##### How answers work")
        st.caption(
            "Every statement cites the passage it comes from; open a source to check it. "
            "When the library does not cover a question, the assistant says so instead of "
            "guessing."
        )


def ensure_index(settings: Settings) -> None:
    """Build the index on first start (with a progress bar); stop the page if that fails."""
    if IndexStore(settings).exists():
        return
    st.title("Setting up the library")
    st.info(
        "No index yet: reading the documents in "
        f"`{Path(settings.corpus_dir) / 'documents'}` and building the search index. "
        "This happens once."
    )
    documents = Path(settings.corpus_dir) / "documents"
    documents.mkdir(parents=True, exist_ok=True)
    report = run_indexer(settings, [documents])
    if report is None:
        st.stop()
    st.success(f"Indexed {len(report.added)} documents ({report.total_chunks:,} passages).")
    st.rerun()
