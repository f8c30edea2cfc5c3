"""Heavy objects shared by all sessions, built once with ``st.cache_resource``.

Nothing here loads a model at import time: the first call does. Objects that read the index
are keyed by the index's version (the ledger's modification time), so they are rebuilt after
an upload or a removal.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.embeddings import LocalEmbeddings
from assistant.retrieve import HybridRetriever, SearchIndex
from assistant.settings import Settings
from assistant.store import LEDGER_FILE, IndexStore


def current_settings() -> Settings:
    """Fresh settings from the environment and the optional TOML file (cheap)."""
    return Settings()


def index_version(settings: Settings) -> float:
    """Changes whenever an ingest rewrites the ledger (0 when there is no index)."""
    ledger = Path(settings.index_dir) / LEDGER_FILE
    return ledger.stat().st_mtime if ledger.exists() else 0.0


def _key(settings: Settings) -> str:
    return settings.model_dump_json()


@st.cache_resource(show_spinner=False)
def _embeddings(model: str, batch_size: int) -> LocalEmbeddings:
    return LocalEmbeddings(model, batch_size)


def embeddings(settings: Settings) -> LocalEmbeddings:
    """The embedding model (loaded on first use, once per process)."""
    return _embeddings(settings.embedding_model, settings.embedding_batch_size)


@st.cache_resource(show_spinner="Opening the index…", max_entries=4)
def _search_index(key: str, version: float, _settings: Settings) -> SearchIndex:
    return SearchIndex(_settings, embeddings(_settings))


def search_index(settings: Settings) -> SearchIndex:
    """The readable index for the current settings and index version."""
    return _search_index(_key(settings), index_version(settings), settings)


def retriever(settings: Settings, k: int | None = None) -> HybridRetriever:
    """A hybrid retriever over the cached index (cheap to build per call)."""
    return HybridRetriever(index=search_index(settings), k=k or settings.top_k)


def store(settings: Settings) -> IndexStore:
    """The index store of the cached search index (Chroma client opened once)."""
    return search_index(settings).store
